"""The learning API: a member's own progress, reported by the player.

GET and POST /lessons/{lesson_id}/progress. A lesson the caller cannot see answers 404; one they
see but do not learn (a keeper previewing a draft, an account without a member record) 403. A
report carries the moment the device saw the position, so a late one (synced from an offline
phone) does not overwrite a later position from another device: the answer is what is kept."""

import datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from zhibu.learning import queries, services
from zhibu.learning.models import Lesson, Progress

router = Router(tags=["learning"])


class ProgressIn(Schema):
    position_seconds: float = Field(description="where the member is in the lesson, in seconds")
    reported_at: datetime.datetime = Field(description="when the device saw that position, with its time zone")
    done: bool = Field(False, description="the member marked a text lesson or a linked video as finished")


class ProgressOut(Schema):
    lesson: int
    position_seconds: float
    reported_at: datetime.datetime | None = Field(description="empty before the first report")
    completed_at: datetime.datetime | None


def _lesson(actor, lesson_id: int) -> Lesson:
    return get_object_or_404(queries.visible_lessons(actor), pk=lesson_id)


def _out(lesson: Lesson, progress: Progress | None) -> dict:
    if progress is None:
        return {"lesson": lesson.pk, "position_seconds": 0, "reported_at": None, "completed_at": None}
    return {
        "lesson": lesson.pk,
        "position_seconds": progress.position_seconds,
        "reported_at": progress.reported_at,
        "completed_at": progress.completed_at,
    }


@router.get("/lessons/{lesson_id}/progress", response=ProgressOut)
def get_progress(request, lesson_id: int):
    """Your position in a lesson, as last reported from any of your devices."""
    actor = request.auth
    lesson = _lesson(actor, lesson_id)
    if getattr(actor, "member_id", None) is None:
        raise PermissionDenied(_("Only members record their learning progress."))
    if not queries.learner_lessons(actor).filter(pk=lesson.pk).exists():
        raise PermissionDenied(_("This lesson is not published to you."))
    return _out(lesson, queries.own_progress(actor, [lesson]).get(lesson.pk))


@router.post("/lessons/{lesson_id}/progress", response=ProgressOut)
def report_progress(request, lesson_id: int, payload: ProgressIn):
    """Report your position; a report older than the one kept leaves it as it is. A lesson with a
    duration is finished at 95 % of it, a text lesson or a linked video when `done` is sent."""
    actor = request.auth
    lesson = _lesson(actor, lesson_id)
    report = services.Report(payload.position_seconds, payload.reported_at, payload.done)
    return _out(lesson, services.record_progress(actor, lesson, report))
