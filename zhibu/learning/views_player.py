"""The lesson player: a phone page that resumes where the member stopped (on whichever device),
plays on with the screen off, goes on to the next lesson and keeps a lesson for offline listening
through a service worker served at /learning/sw.js, so that its scope covers the learning pages."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from zhibu.learning import queries
from zhibu.learning.models import LessonKind

SERVICE_WORKER = Path(__file__).resolve().parent / "static" / "learning" / "sw.js"
SPEEDS = ("0.75", "1", "1.25", "1.5", "2")


def records_progress(actor, lesson) -> bool:
    """Whether the actor's listening is saved: a member, in a lesson published to them."""
    if getattr(actor, "member_id", None) is None:
        return False
    return queries.learner_lessons(actor).filter(pk=lesson.pk).exists()


@login_required
@require_safe
def player(request, pk: int):
    actor = request.user
    lesson = get_object_or_404(queries.visible_lessons(actor).select_related("chapter"), pk=pk)
    course = lesson.chapter.course
    lessons = queries.ordered_lessons(course)
    index = next(i for i, found in enumerate(lessons) if found.pk == lesson.pk)
    previous = lessons[index - 1] if index > 0 else None
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    records = records_progress(actor, lesson)
    progress = queries.own_progress(actor, [lesson]).get(lesson.pk) if records else None
    has_media = bool(lesson.media)
    context = {
        "lesson": lesson,
        "course": course,
        "number": index + 1,
        "total": len(lessons),
        "previous": previous,
        "next": following,
        "records": records,
        "progress": progress,
        "start": progress.position_seconds if progress else 0,
        "attachments": list(lesson.attachments.all()),
        "has_media": has_media,
        "is_audio": lesson.kind == LessonKind.AUDIO and has_media,
        "is_video": lesson.kind == LessonKind.VIDEO and has_media,
        "video_link": lesson.video_url if lesson.kind == LessonKind.VIDEO and not has_media else "",
        "can_mark_done": lesson.kind == LessonKind.TEXT or (lesson.kind == LessonKind.VIDEO and not has_media),
        "media_url": reverse("learning:media", args=[lesson.pk]) if has_media else "",
        "progress_url": reverse("api-1.0.0:report_progress", args=[lesson.pk]),
        "next_url": reverse("learning:player", args=[following.pk]) if following else "",
        "speeds": SPEEDS,
    }
    return render(request, "learning/player.html", context)


@login_required
@require_safe
def service_worker(request):
    """The offline helper of the learning pages. Served here, not under /static/, so that its
    scope may be /learning/; never cached, so that a new version reaches phones at once."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("learning:catalogue")
    response["Cache-Control"] = "no-cache"
    return response
