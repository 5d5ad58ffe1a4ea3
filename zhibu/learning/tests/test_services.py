"""Every write of courses, chapters, lessons, attachments and progress: the happy path, who is
refused, bad input refused whole (nothing half-written, no file left behind), files removed from
storage when their record goes, order kept by moves, and the audit trail."""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from zhibu.core.models import AuditEvent
from zhibu.learning import services
from zhibu.learning.models import Chapter, Course, Lesson, LessonAttachment, LessonKind, Plan, PlanCourse, Tag
from zhibu.learning.services import CourseInput, LessonInput, Report
from zhibu.learning.tests import matrix_cases
from zhibu.learning.tests.matrix_cases import mp3_upload, pdf_upload

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English: the Chinese catalogue comes later."""
    with translation.override("en"):
        yield


@pytest.fixture
def w(world):
    matrix_cases.prepare(world)
    return world


def user(w, name):
    return w.users[name]


def png_named_mp3():
    return SimpleUploadedFile("讲座.mp3", PNG, content_type="audio/mpeg")


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(path) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def events(obj, action=None, pk=None):
    """The audit events of a record, oldest first (`pk` for a record deleted since)."""
    found = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(pk or obj.pk)).order_by("pk")
    return found.filter(action=action) if action else found


def now():
    return timezone.now()


# Courses


def test_an_industry_editor_creates_a_course_of_company_a_with_tags(w):
    tag = Tag.objects.get(name="安全生产")
    course = services.create_course(user(w, "industry"), CourseInput(w.company_a, "  交通安全  ", " 十分钟 ", [tag]))
    assert (course.title, course.summary, course.is_published) == ("交通安全", "十分钟", False)
    assert list(course.tags.all()) == [tag] and course.created_by == user(w, "industry")
    event = events(course, AuditEvent.Action.CREATE).get()
    assert event.org_id == w.company_a.pk and event.changes["tags"] == [None, ["安全生产"]]


def test_courses_are_kept_only_in_the_editors_own_organisations(w):
    with pytest.raises(PermissionDenied):
        services.create_course(user(w, "secretary"), CourseInput(w.company_a, "越级"))
    with pytest.raises(PermissionDenied):
        services.create_course(user(w, "city"), CourseInput(w.branch_a1, "只读"))  # city reads only
    with pytest.raises(PermissionDenied, match="platform administrators"):
        services.create_course(user(w, "industry"), CourseInput(None, "全平台"))
    library = services.create_course(user(w, "admin"), CourseInput(None, "全平台课程"))
    assert library.organization is None
    assert services.create_course(user(w, "secretary"), CourseInput(w.branch_a1, "支部课")).organization == w.branch_a1
    with pytest.raises(PermissionDenied):
        services.update_course(user(w, "secretary"), library, CourseInput(None, "改名"))


def test_a_course_needs_a_title(w):
    with pytest.raises(ValidationError) as error:
        services.create_course(user(w, "industry"), CourseInput(w.company_a, "   "))
    assert "title" in error.value.message_dict
    assert not Course.objects.filter(title="").exists()


def test_update_course_changes_fields_and_audits_the_difference(w):
    secretary = user(w, "secretary")
    tag = Tag.objects.first()
    services.update_course(secretary, w.draft, CourseInput(w.branch_a1, "A1 新课", "简介", [tag]))
    w.draft.refresh_from_db()
    assert (w.draft.title, w.draft.summary, list(w.draft.tags.all())) == ("A1 新课", "简介", [tag])
    changes = events(w.draft, AuditEvent.Action.UPDATE).get().changes
    assert changes["title"] == ["A1 草稿课程", "A1 新课"] and changes["tags"] == [[], [tag.name]]
    with pytest.raises(PermissionDenied):  # moving it up to company-a, above the secretary
        services.update_course(secretary, w.draft, CourseInput(w.company_a, "A1 新课"))
    with pytest.raises(PermissionDenied):
        services.update_course(user(w, "secretary2"), w.draft, CourseInput(w.branch_b1, "抢走"))
    with pytest.raises(PermissionDenied):
        services.update_course(user(w, "city"), w.course, CourseInput(w.company_a, "只读"))


def test_publish_needs_a_lesson_and_unpublish_keeps_the_course(w):
    industry = user(w, "industry")
    empty = services.create_course(industry, CourseInput(w.company_a, "空课"))
    with pytest.raises(ValidationError, match="at least one lesson"):
        services.publish(industry, empty)
    services.create_chapter(industry, empty, "只有章节")
    with pytest.raises(ValidationError):
        services.publish(industry, empty)
    empty.refresh_from_db()
    assert not empty.is_published

    with pytest.raises(PermissionDenied):
        services.publish(user(w, "city"), w.draft)
    with pytest.raises(PermissionDenied):
        services.publish(user(w, "cadre"), w.draft)
    services.publish(user(w, "secretary"), w.draft)
    w.draft.refresh_from_db()
    assert w.draft.is_published and w.draft.published_at is not None
    assert events(w.draft, AuditEvent.Action.UPDATE).get().changes == {"is_published": [False, True]}
    services.publish(user(w, "secretary"), w.draft)  # again: nothing changes, nothing audited
    assert events(w.draft, AuditEvent.Action.UPDATE).count() == 1

    services.unpublish(user(w, "secretary"), w.draft)
    w.draft.refresh_from_db()
    assert not w.draft.is_published
    assert events(w.draft, AuditEvent.Action.UPDATE).last().changes == {"is_published": [True, False]}
    with pytest.raises(PermissionDenied):
        services.unpublish(user(w, "secretary"), w.course)


def test_a_studied_course_is_not_deleted(w):
    services.record_progress(user(w, "courier"), w.text_lesson, Report(0, now()))
    with pytest.raises(ValidationError, match="unpublish it instead"):
        services.delete_course(user(w, "industry"), w.course)
    assert Course.objects.filter(pk=w.course.pk).exists()


def test_a_course_named_by_a_plan_is_not_deleted(w):
    plan = Plan.objects.create(
        organization=w.company_a,
        title="学习计划",
        target_org=w.company_a,
        starts_on=datetime.date(2026, 1, 1),
        due_on=datetime.date(2026, 3, 1),
    )
    PlanCourse.objects.create(plan=plan, course=w.draft)
    with pytest.raises(ValidationError, match="learning plan"):
        services.delete_course(user(w, "secretary"), w.draft)
    assert Course.objects.filter(pk=w.draft.pk).exists()


def test_deleting_a_course_removes_its_records_and_files(w, django_capture_on_commit_callbacks):
    media_path, handout_path = w.audio_lesson.media.path, w.handout.file.path
    assert os.path.exists(media_path) and os.path.exists(handout_path)
    with pytest.raises(PermissionDenied):
        services.delete_course(user(w, "secretary"), w.course)
    pk = w.course.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_course(user(w, "industry"), w.course)
    assert not Course.objects.filter(pk=pk).exists()
    assert not Lesson.objects.filter(pk=w.audio_lesson.pk).exists()
    assert not LessonAttachment.objects.filter(pk=w.handout.pk).exists()
    assert not os.path.exists(media_path) and not os.path.exists(handout_path)
    event = events(w.course, AuditEvent.Action.DELETE, pk=pk).get()
    assert event.changes == {"title": ["安全生产十讲", None]} and event.actor == user(w, "industry")


# Chapters


def test_chapters_are_numbered_renamed_moved_and_deleted(w):
    secretary = user(w, "secretary")
    second = services.create_chapter(secretary, w.draft, "第二章")
    third = services.create_chapter(secretary, w.draft, " 第三章 ")
    assert [c.position for c in (w.draft_chapter, second, third)] == [0, 1, 2] and third.title == "第三章"
    assert events(third, AuditEvent.Action.CREATE).get().org_id == w.branch_a1.pk

    services.update_chapter(secretary, second, "第二章 改")
    assert Chapter.objects.get(pk=second.pk).title == "第二章 改"
    assert events(second, AuditEvent.Action.UPDATE).get().changes == {"title": ["第二章", "第二章 改"]}
    with pytest.raises(ValidationError) as error:
        services.update_chapter(secretary, second, "  ")
    assert "title" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.create_chapter(secretary, w.draft, "长" * 201)

    assert services.move_chapter(secretary, third, -1) is True
    order = list(w.draft.chapters.order_by("position").values_list("pk", flat=True))
    assert order == [w.draft_chapter.pk, third.pk, second.pk]
    assert events(third, AuditEvent.Action.MOVE).count() == 1
    assert services.move_chapter(secretary, w.draft_chapter, -1) is False  # already first
    assert services.move_chapter(secretary, second, 1) is False  # already last

    with pytest.raises(ValidationError, match="still has lessons"):
        services.delete_chapter(secretary, w.draft_chapter)
    pk = second.pk
    services.delete_chapter(secretary, second)
    assert not Chapter.objects.filter(pk=pk).exists()
    assert events(second, AuditEvent.Action.DELETE, pk=pk).count() == 1


def test_chapters_of_others_are_refused(w):
    for name in ("city", "secretary2", "cadre", "courier"):
        with pytest.raises(PermissionDenied):
            services.create_chapter(user(w, name), w.draft, "越权")
    with pytest.raises(PermissionDenied):
        services.update_chapter(user(w, "secretary"), w.chapter, "越权")
    with pytest.raises(PermissionDenied):
        services.move_chapter(user(w, "secretary"), w.chapter, 1)
    with pytest.raises(PermissionDenied):
        services.delete_chapter(user(w, "city"), w.draft_chapter)


# Lessons


def test_a_text_lesson_keeps_safe_html_and_loses_its_script(w):
    lesson = services.create_lesson(
        user(w, "secretary"),
        w.draft_chapter,
        LessonInput("安全第一", LessonKind.TEXT, body='<p onclick="x()">慢行</p><script>alert(1)</script><b>注意</b>'),
    )
    assert "<script" not in lesson.body and "alert" not in lesson.body and "onclick" not in lesson.body
    assert "<p>慢行</p>" in lesson.body and "<b>注意</b>" in lesson.body
    assert lesson.position == 1
    assert events(lesson, AuditEvent.Action.CREATE).get().changes["kind"] == [None, "text"]


def test_an_audio_lesson_reads_its_duration_from_the_file(w):
    lesson = services.create_lesson(
        user(w, "secretary"), w.draft_chapter, LessonInput("音频课", LessonKind.AUDIO, upload=mp3_upload(90))
    )
    assert (lesson.media_type, lesson.duration_seconds) == ("audio/mpeg", 90)
    assert lesson.media.name.endswith(".mp3") and os.path.exists(lesson.media.path)
    assert lesson.media_size == lesson.media.size
    assert w.audio_lesson.duration_seconds == 60


def test_bad_lessons_are_refused_whole(w):
    secretary = user(w, "secretary")
    before = (Lesson.objects.count(), stored_files())
    with pytest.raises(ValidationError) as error:
        services.create_lesson(secretary, w.draft_chapter, LessonInput("", LessonKind.TEXT))
    assert "title" in error.value.message_dict
    with pytest.raises(ValidationError, match="MP3 or M4A file") as error:
        services.create_lesson(secretary, w.draft_chapter, LessonInput("无文件", LessonKind.AUDIO))
    assert "upload" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.create_lesson(
            secretary, w.draft_chapter, LessonInput("假 mp3", LessonKind.AUDIO, upload=png_named_mp3())
        )
    assert error.value.message_dict["upload"] == ["Upload a file of one of these types: MP3, M4A."]
    with pytest.raises(ValidationError) as error:
        services.create_lesson(
            secretary, w.draft_chapter, LessonInput("链接", LessonKind.VIDEO, video_url="javascript:alert(1)")
        )
    assert error.value.message_dict["video_url"] == ["Give a link that starts with https:// or http://."]
    with pytest.raises(ValidationError) as error:
        services.create_lesson(secretary, w.draft_chapter, LessonInput("空视频", LessonKind.VIDEO))
    assert "video_url" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.create_lesson(secretary, w.draft_chapter, LessonInput("文本", LessonKind.TEXT, upload=mp3_upload(1)))
    assert "upload" in error.value.message_dict
    # A good file with a bad title: the file written is taken away again.
    with pytest.raises(ValidationError) as error:
        services.create_lesson(secretary, w.draft_chapter, LessonInput(" ", LessonKind.AUDIO, upload=mp3_upload(5)))
    assert list(error.value.message_dict) == ["title"]
    assert (Lesson.objects.count(), stored_files()) == before


def test_uploads_larger_than_the_limit_are_refused(w, settings):
    settings.ZHIBU_LEARNING_MAX_MEDIA_MB = 0.01  # 10 KB; a second of mp3 is 17 KB
    with pytest.raises(ValidationError) as error:
        services.create_lesson(
            user(w, "secretary"), w.draft_chapter, LessonInput("太大", LessonKind.AUDIO, upload=mp3_upload(2))
        )
    assert "larger than" in error.value.message_dict["upload"][0]


def test_a_linked_video_lesson(w):
    lesson = services.create_lesson(
        user(w, "secretary"),
        w.draft_chapter,
        LessonInput("视频课", LessonKind.VIDEO, video_url=" https://video.example.org/a.mp4 "),
    )
    assert (lesson.video_url, lesson.media.name, lesson.duration_seconds) == ("https://video.example.org/a.mp4", "", 0)


def test_updating_a_lesson_replaces_and_removes_files(w, django_capture_on_commit_callbacks):
    industry = user(w, "industry")
    first_path = w.audio_lesson.media.path
    with django_capture_on_commit_callbacks(execute=True):
        services.update_lesson(
            industry, w.audio_lesson, LessonInput("第一讲 新录音", LessonKind.AUDIO, upload=mp3_upload(30))
        )
    w.audio_lesson.refresh_from_db()
    assert w.audio_lesson.duration_seconds == 30 and not os.path.exists(first_path)
    second_path = w.audio_lesson.media.path
    # No new file: the one stored stays.
    with django_capture_on_commit_callbacks(execute=True):
        services.update_lesson(industry, w.audio_lesson, LessonInput("第一讲", LessonKind.AUDIO))
    w.audio_lesson.refresh_from_db()
    assert w.audio_lesson.media.path == second_path and os.path.exists(second_path)
    changes = events(w.audio_lesson, AuditEvent.Action.UPDATE).last().changes
    assert changes["title"] == ["第一讲 新录音", "第一讲"]
    # A refused change leaves the lesson and its file as they were.
    with pytest.raises(ValidationError):
        services.update_lesson(industry, w.audio_lesson, LessonInput("坏", LessonKind.AUDIO, upload=png_named_mp3()))
    w.audio_lesson.refresh_from_db()
    assert w.audio_lesson.title == "第一讲" and os.path.exists(second_path)
    # Turned into a text lesson: the file goes.
    with django_capture_on_commit_callbacks(execute=True):
        services.update_lesson(industry, w.audio_lesson, LessonInput("第一讲 文字版", LessonKind.TEXT, body="正文"))
    w.audio_lesson.refresh_from_db()
    assert (w.audio_lesson.media.name, w.audio_lesson.duration_seconds) == ("", 0)
    assert not os.path.exists(second_path) and w.audio_lesson.body == "<p>正文</p>"
    with pytest.raises(PermissionDenied):
        services.update_lesson(user(w, "secretary"), w.text_lesson, LessonInput("越权"))


def test_a_lesson_moves_within_its_chapter_and_to_another_chapter_of_the_course(w):
    industry = user(w, "industry")
    assert services.move_lesson(industry, w.text_lesson, -1) is True
    order = list(w.chapter.lessons.order_by("position").values_list("pk", flat=True))
    assert order == [w.text_lesson.pk, w.audio_lesson.pk]
    assert events(w.text_lesson, AuditEvent.Action.MOVE).count() == 1
    assert services.move_lesson(industry, w.text_lesson, -1) is False
    with pytest.raises(PermissionDenied):
        services.move_lesson(user(w, "city"), w.text_lesson, 1)

    second = services.create_chapter(industry, w.course, "第二章")
    services.update_lesson(industry, w.text_lesson, LessonInput("第二讲", LessonKind.TEXT, body="x", chapter=second))
    w.text_lesson.refresh_from_db()
    assert (w.text_lesson.chapter, w.text_lesson.position) == (second, 0)
    with pytest.raises(ValidationError) as error:
        services.update_lesson(industry, w.text_lesson, LessonInput("第二讲", chapter=w.draft_chapter))
    assert "chapter" in error.value.message_dict


def test_a_studied_lesson_stays_and_an_unstudied_one_goes_with_its_files(w, django_capture_on_commit_callbacks):
    industry = user(w, "industry")
    services.record_progress(user(w, "courier"), w.text_lesson, Report(0, now()))
    with pytest.raises(ValidationError, match="studied this lesson"):
        services.delete_lesson(industry, w.text_lesson)
    with pytest.raises(PermissionDenied):
        services.delete_lesson(user(w, "secretary"), w.audio_lesson)
    paths, pk = (w.audio_lesson.media.path, w.handout.file.path), w.audio_lesson.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_lesson(industry, w.audio_lesson)
    assert not Lesson.objects.filter(pk=pk).exists()
    assert not any(os.path.exists(path) for path in paths)
    assert events(w.audio_lesson, AuditEvent.Action.DELETE, pk=pk).count() == 1


# Attachments


def test_attachments_are_pdfs_checked_by_their_bytes(w, django_capture_on_commit_callbacks):
    secretary = user(w, "secretary")
    attachment = services.add_attachment(secretary, w.draft_lesson, pdf_upload("C:\\课件\\第一讲 讲义.pdf"))
    assert (attachment.name, attachment.content_type) == ("第一讲 讲义.pdf", "application/pdf")
    assert attachment.size == len(matrix_cases.PDF) and os.path.exists(attachment.file.path)
    assert events(attachment, AuditEvent.Action.CREATE).get().org_id == w.branch_a1.pk
    before = stored_files()
    with pytest.raises(ValidationError) as error:
        services.add_attachment(secretary, w.draft_lesson, SimpleUploadedFile("x.pdf", PNG))
    assert error.value.message_dict["file"] == ["Upload a file of one of these types: PDF."]
    assert stored_files() == before and w.draft_lesson.attachments.count() == 1
    with pytest.raises(PermissionDenied):
        services.add_attachment(user(w, "city"), w.draft_lesson, pdf_upload())
    with pytest.raises(PermissionDenied):
        services.delete_attachment(user(w, "secretary"), w.handout)

    path, pk = attachment.file.path, attachment.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_attachment(secretary, attachment)
    assert not LessonAttachment.objects.filter(pk=pk).exists() and not os.path.exists(path)
    assert events(attachment, AuditEvent.Action.DELETE, pk=pk).count() == 1


# Progress


def test_a_lesson_is_complete_at_95_percent_of_its_duration(w):
    courier = user(w, "courier")
    start = now() - datetime.timedelta(minutes=5)
    progress = services.record_progress(courier, w.audio_lesson, Report(56.9, start))
    assert progress.completed_at is None and progress.position_seconds == 56.9
    progress = services.record_progress(courier, w.audio_lesson, Report(57, start + datetime.timedelta(seconds=1)))
    assert progress.completed_at == start + datetime.timedelta(seconds=1)
    assert events(progress, AuditEvent.Action.UPDATE).get().org_id == w.mobile_a.pk
    progress = services.record_progress(courier, w.audio_lesson, Report(3, start + datetime.timedelta(seconds=2)))
    assert progress.completed_at is not None and progress.position_seconds == 3  # listened again: still done
    assert events(progress, AuditEvent.Action.UPDATE).count() == 1
    progress = services.record_progress(courier, w.audio_lesson, Report(500, start + datetime.timedelta(seconds=3)))
    assert progress.position_seconds == 60  # never past the end


def test_a_text_lesson_is_complete_when_marked_done(w):
    courier = user(w, "courier")
    assert services.record_progress(courier, w.text_lesson, Report(0, now())).completed_at is None
    assert services.record_progress(courier, w.text_lesson, Report(0, now(), done=True)).completed_at is not None


def test_an_older_report_does_not_overwrite_a_newer_position(w):
    courier = user(w, "courier")
    later = now() - datetime.timedelta(minutes=1)
    services.record_progress(courier, w.audio_lesson, Report(40, later))
    progress = services.record_progress(courier, w.audio_lesson, Report(10, later - datetime.timedelta(minutes=10)))
    assert (progress.position_seconds, progress.reported_at) == (40, later)
    # A phone whose clock runs ahead is taken as now, so a later real report still counts.
    services.record_progress(courier, w.audio_lesson, Report(20, now() + datetime.timedelta(days=1)))
    progress = services.record_progress(courier, w.audio_lesson, Report(30, now() + datetime.timedelta(seconds=1)))
    assert progress.position_seconds == 30


def test_bad_progress_reports_are_refused(w):
    courier = user(w, "courier")
    with pytest.raises(ValidationError) as error:
        services.record_progress(courier, w.audio_lesson, Report(5, datetime.datetime(2026, 1, 1, 8, 0)))
    assert "reported_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.record_progress(courier, w.audio_lesson, Report(-1, now()))
    assert "position_seconds" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.record_progress(courier, w.audio_lesson, Report(float("nan"), now()))
    assert not w.audio_lesson.progress.exists()


def test_progress_only_for_members_in_lessons_published_to_them(w):
    courier = user(w, "courier")
    with pytest.raises(PermissionDenied, match="not published to you"):
        services.record_progress(courier, w.draft_lesson, Report(0, now()))  # a draft
    services.publish(user(w, "secretary"), w.draft)
    with pytest.raises(PermissionDenied, match="not published to you"):
        services.record_progress(courier, w.draft_lesson, Report(0, now()))  # branch-a1: not the courier's
    with pytest.raises(PermissionDenied, match="Only members"):
        services.record_progress(user(w, "secretary"), w.text_lesson, Report(0, now()))
    with pytest.raises(PermissionDenied, match="Only members"):
        services.record_progress(user(w, "nobody"), w.text_lesson, Report(0, now()))
    services.unpublish(user(w, "industry"), w.course)
    with pytest.raises(PermissionDenied):
        services.record_progress(courier, w.text_lesson, Report(0, now()))


def test_finishing_a_lesson_earns_points_once_where_the_organisation_turned_them_on(w):
    from zhibu.points import services as points
    from zhibu.points.models import PointKind, PointsEntry

    courier = w.users["courier"]
    points.set_policy(w.root_user, w.company_a, is_enabled=True)
    points.set_rule(w.root_user, w.company_a, points.RuleInput(PointKind.LESSON_COMPLETED, 2))
    services.record_progress(courier, w.audio_lesson, Report(10, timezone.now()))
    assert not PointsEntry.objects.exists()  # listening is not finishing
    services.record_progress(courier, w.text_lesson, Report(0, timezone.now(), done=True))
    services.record_progress(courier, w.text_lesson, Report(0, timezone.now(), done=True))
    entry = PointsEntry.objects.get()
    assert (entry.member, entry.kind, entry.points) == (w.wang, PointKind.LESSON_COMPLETED, 2)
