"""Lesson media and attachments, served from the application server with HTTP Range support, so
that seeking works in a phone's player and a service worker can cache the file."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from zhibu.learning import queries
from zhibu.learning.media import ranged_response


def _private(response):
    # The file is the member's to keep offline, but no shared cache may hold it.
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_safe
def media(request, pk: int):
    lesson = get_object_or_404(queries.visible_lessons(request.user), pk=pk)
    if not lesson.media:
        raise Http404
    return _private(ranged_response(request, lesson.media.open("rb"), lesson.media_size, lesson.media_type))


@login_required
@require_safe
def attachment(request, pk: int):
    found = get_object_or_404(queries.visible_attachments(request.user), pk=pk)
    response = ranged_response(request, found.file.open("rb"), found.size, found.content_type)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(found.name, safe="")
    return _private(response)
