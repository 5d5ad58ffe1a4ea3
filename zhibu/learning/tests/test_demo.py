"""The demo's learning: courses whose audio lessons are speech made on this machine from the
project's own text, published to the library, the industry and the courier's company; members of
the company who studied, the courier part-way through a lesson; points for the lessons finished."""

import io
from io import StringIO

import mutagen.mp3
import pytest
from django.core.management import call_command
from django.test import override_settings

from zhibu.accounts.models import User
from zhibu.demo import speech
from zhibu.demo.learning import COMPANY, LIBRARY, SAFETY
from zhibu.learning import media
from zhibu.learning import queries_plans as plans
from zhibu.learning.models import Course, Lesson, LessonKind, Plan, PlanMode, Progress
from zhibu.points.models import PointKind, PointsEntry
from zhibu.registry.choices import WorkRole
from zhibu.registry.models import Member


def audio_count(spec) -> int:
    return sum(kind == LessonKind.AUDIO for _title, lessons in spec[3] for kind, *_rest in lessons)


def test_speech_is_an_mp3_of_the_text_kept_for_the_next_run(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    data = speech.mp3("学习安全生产知识。")
    assert media.sniff(data[: media.HEAD_BYTES]) == "audio/mpeg"
    assert mutagen.mp3.MP3(io.BytesIO(data)).info.length > 1
    cached = list((tmp_path / "demo-speech").glob("*.mp3"))
    assert len(cached) == 1 and cached[0].read_bytes() == data
    cached[0].write_bytes(b"kept")  # the second call reads the cache instead of speaking again
    assert speech.mp3("学习安全生产知识。") == b"kept"
    assert speech.mp3("另一句话。") != b"kept"


@pytest.fixture
def demo(db):
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--members", "300", stdout=StringIO(), stderr=StringIO())


def test_the_demo_courses_have_real_audio_members_who_studied_and_points(demo):
    library, safety, own = (Course.objects.get(title=spec[0]) for spec in (LIBRARY, SAFETY, COMPANY))
    assert library.organization is None
    assert safety.organization.kind == "industry_committee"
    courier = User.objects.get(username="courier").member
    assert courier.home_org.path.startswith(own.organization.path)
    assert all(course.is_published for course in (library, safety, own))
    assert Course.objects.filter(is_published=False).count() == 1
    audio = Lesson.objects.filter(kind=LessonKind.AUDIO)
    assert audio.count() == sum(map(audio_count, (LIBRARY, SAFETY, COMPANY))) >= 6
    for lesson in audio:
        with lesson.media.open("rb") as file:
            head = file.read(media.HEAD_BYTES)
        assert media.sniff(head) == lesson.media_type == "audio/mpeg"
        assert lesson.duration_seconds >= 20 and lesson.media_size == lesson.media.size
    assert safety.chapters.first().lessons.first().attachments.count() == 1

    # Members studied, and the courier stopped part-way through a lesson
    stopped = Progress.objects.get(member=courier, completed_at=None)
    assert 0 < stopped.position_seconds < stopped.lesson.duration_seconds
    assert Progress.objects.filter(member=courier).exclude(completed_at=None).count() == 1
    finished = Progress.objects.exclude(completed_at=None)
    assert finished.count() > 50
    assert finished.values("member").distinct().count() > 30
    awarded = PointsEntry.objects.filter(kind=PointKind.LESSON_COMPLETED)
    assert awarded.count() == finished.count()  # points are on in the courier's company, the one that studied

    # Every member has a work role, and the plans tailor the learning to them
    assert not Member.objects.filter(work_role="").exists()
    roles = set(Member.objects.values_list("work_role", flat=True))
    assert roles == set(WorkRole.values)
    company_plans = Plan.objects.exclude(work_role="")
    assert {(plan.work_role, plan.mode) for plan in company_plans} == {
        (WorkRole.LEADERSHIP, PlanMode.LEAD),
        (WorkRole.STAFF, PlanMode.TOGETHER),
        (WorkRole.FRONTLINE, PlanMode.SELF),
    }
    mine = plans.my_plans(courier)
    assert [item.plan.work_role for item in mine] == [WorkRole.FRONTLINE]
    frontline = plans.completion(company_plans.get(work_role=WorkRole.FRONTLINE))
    assert frontline.figures.members > 50 and frontline.figures.lessons_done > 0
    assert frontline.figures.begun > frontline.figures.finished >= 0

    # The secretary sees their branch's plan, with completion for each work role
    secretary = User.objects.get(username="secretary")
    branch_plan = plans.plans(secretary).get()
    assert branch_plan.work_role == "" and branch_plan.target_org.kind in ("branch", "joint_branch")
    by_role = {part.key: part.figures for part in plans.completion(branch_plan).by_role}
    assert sum(figures.members for figures in by_role.values()) == plans.group(branch_plan).count() > 0
