"""The lesson player page, its service worker script and the progress API, against the shared
learning records (matrix_cases.prepare): company-a's published course with an audio lesson (60 s,
with a PDF handout) and a text lesson, and branch-a1's unpublished draft."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhibu.accounts.services import create_api_token
from zhibu.core.tests.matrix import PERSONAS, SEE_A1
from zhibu.core.tests.pages import text
from zhibu.learning import services
from zhibu.learning.models import LessonKind, Progress
from zhibu.learning.tests import matrix_cases
from zhibu.learning.views_player import SERVICE_WORKER

PAGE_BUDGET = 30 * 1024
SCRIPT_BUDGET = 20 * 1024
WORKER_BUDGET = 10 * 1024


@pytest.fixture
def learning(world):
    matrix_cases.prepare(world)
    return world


def player_url(lesson) -> str:
    return reverse("learning:player", args=[lesson.pk])


def progress_url(lesson_or_pk) -> str:
    return reverse("api-1.0.0:report_progress", args=[getattr(lesson_or_pk, "pk", lesson_or_pk)])


def ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


def report(world, lesson, seconds, at=None, done=False):
    return services.record_progress(
        world.users["courier"], lesson, services.Report(seconds, at or timezone.now(), done)
    )


def data_attribute(html: str, name: str) -> str:
    return re.search(rf'id="player"[^>]*?\sdata-{name}="([^"]*)"', html, re.S)[1]


def post_json(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


# The page


def test_a_learner_resumes_at_the_servers_position(as_persona, learning):
    report(learning, learning.audio_lesson, 23.4, at=ago(minutes=3))
    response = as_persona("courier").get(player_url(learning.audio_lesson))
    assert response.status_code == 200
    html = text(response)
    assert float(data_attribute(html, "start")) == 23.4
    assert data_attribute(html, "records") == "1"
    assert data_attribute(html, "progress-url") == f"/api/v1/lessons/{learning.audio_lesson.pk}/progress"
    assert data_attribute(html, "next-url") == player_url(learning.text_lesson)
    assert 'id="preview-note"' not in html
    assert re.search(r'<span id="lesson-number"[^>]*>1 / 2</span>', html)
    assert '<audio id="media"' in html and f'src="{reverse("learning:media", args=[learning.audio_lesson.pk])}"' in html
    assert re.findall(r'data-speed="([^"]+)"', html) == ["0.75", "1", "1.25", "1.5", "2"]
    assert 'id="auto-next" checked' in html
    assert reverse("learning:attachment", args=[learning.handout.pk]) in html
    assert 'id="previous"' not in html and 'id="next"' in html
    assert 'role="status" aria-live="polite"' in html
    assert 'id="mark-done"' not in html  # an audio lesson finishes by being heard


def test_a_new_learner_starts_at_zero_and_a_text_lesson_can_be_marked_finished(as_persona, learning):
    html = text(as_persona("courier").get(player_url(learning.text_lesson)))
    assert float(data_attribute(html, "start")) == 0 and data_attribute(html, "reported-at") == ""
    assert "开灯，慢行。" in html
    assert 'id="mark-done"' in html and "<audio" not in html and 'id="speeds"' not in html
    assert re.search(r'<span id="lesson-number"[^>]*>2 / 2</span>', html)
    assert 'id="previous"' in html and 'id="next"' not in html
    report(learning, learning.text_lesson, 0, done=True)
    html = text(as_persona("courier").get(player_url(learning.text_lesson)))
    assert data_attribute(html, "done") == "1" and 'id="mark-done" disabled' in html
    assert "Finished." in html


def test_a_keeper_previews_a_draft_without_saving(as_persona, learning):
    response = as_persona("secretary").get(player_url(learning.draft_lesson))
    assert response.status_code == 200
    html = text(response)
    assert data_attribute(html, "records") == "" and 'id="preview-note"' in html
    assert "progress is saved only for members" in html
    refused = post_json(
        as_persona("secretary"),
        progress_url(learning.draft_lesson),
        {"position_seconds": 1, "reported_at": "2026-01-01T08:00:00+08:00"},
    )
    assert refused.status_code == 403
    assert not Progress.objects.exists()


def test_staff_without_a_member_record_get_the_player_without_saving(as_persona, learning):
    html = text(as_persona("admin").get(player_url(learning.audio_lesson)))
    assert data_attribute(html, "records") == "" and 'id="preview-note"' in html


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"anonymous"}))
def test_the_drafts_player_is_for_its_keepers(client, learning, persona):
    client.force_login(learning.users[persona])
    response = client.get(player_url(learning.draft_lesson))
    assert response.status_code == (200 if persona in SEE_A1 else 404)


def test_lessons_outside_the_scope_are_not_found(as_persona, learning):
    assert as_persona("secretary2").get(player_url(learning.audio_lesson)).status_code == 404
    assert as_persona("courier").get(player_url(learning.draft_lesson)).status_code == 404
    assert as_persona("courier").get(reverse("learning:player", args=[999999])).status_code == 404


def test_the_page_stays_small(as_persona, learning):
    html = as_persona("courier").get(player_url(learning.audio_lesson)).content
    script = (SERVICE_WORKER.parent / "player.js").read_bytes()
    assert len(html) < PAGE_BUDGET, len(html)
    assert len(script) < SCRIPT_BUDGET, len(script)
    assert len(SERVICE_WORKER.read_bytes()) < WORKER_BUDGET
    assert b'src="/static/learning/player.js" defer' in html


def _lessons(world, count):
    for number in range(count):
        services.create_lesson(
            world.root_user, world.chapter, services.LessonInput(f"加讲 {number}", LessonKind.TEXT, body="<p>x</p>")
        )


def _queries(client, url, method="get", body=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url) if method == "get" else post_json(client, url, body)
        assert response.status_code == 200
    return len(captured.captured_queries)


def test_queries_do_not_grow_with_the_lessons_of_the_course(as_persona, learning):
    client = as_persona("courier")
    lesson = learning.audio_lesson
    body = {"position_seconds": 5, "reported_at": timezone.now().isoformat()}
    report(learning, lesson, 1, at=ago(minutes=5))
    few = [
        _queries(client, player_url(lesson)),
        _queries(client, progress_url(lesson)),
        _queries(client, progress_url(lesson), "post", body),
    ]
    _lessons(learning, 12)
    body["reported_at"] = timezone.now().isoformat()
    many = [
        _queries(client, player_url(lesson)),
        _queries(client, progress_url(lesson)),
        _queries(client, progress_url(lesson), "post", body),
    ]
    assert many == few
    assert few[0] <= 12, few


# The service worker script


def test_the_service_worker_is_served_for_the_learning_scope(as_persona, client, learning):
    url = reverse("learning:service_worker")
    assert url == "/learning/sw.js"
    response = as_persona("courier").get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/learning/"
    assert response["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in response.content
    anonymous = Client()
    assert anonymous.get(url).status_code == 302


# The progress API


def test_get_before_any_report_answers_the_start(as_persona, learning):
    response = as_persona("courier").get(progress_url(learning.audio_lesson))
    assert response.status_code == 200
    assert response.json() == {
        "lesson": learning.audio_lesson.pk,
        "position_seconds": 0,
        "reported_at": None,
        "completed_at": None,
    }


def test_post_stores_and_an_older_report_is_ignored(as_persona, learning):
    client = as_persona("courier")
    url = progress_url(learning.audio_lesson)
    later = ago(minutes=1).replace(microsecond=0)
    response = post_json(client, url, {"position_seconds": 23, "reported_at": later.isoformat()})
    assert response.status_code == 200
    assert response.json()["position_seconds"] == 23
    # An offline phone syncs late: it saw 10 s before the other device saw 23 s.
    stale = post_json(client, url, {"position_seconds": 10, "reported_at": ago(minutes=30).isoformat()})
    assert stale.status_code == 200 and stale.json()["position_seconds"] == 23
    fetched = client.get(url).json()
    assert fetched["position_seconds"] == 23
    assert datetime.datetime.fromisoformat(fetched["reported_at"]) == later
    assert fetched["completed_at"] is None
    progress = Progress.objects.get()
    assert (progress.member, progress.position_seconds) == (learning.wang, 23)


def test_hearing_95_percent_completes_and_it_stays_completed(as_persona, learning):
    client = as_persona("courier")
    url = progress_url(learning.audio_lesson)
    done = post_json(client, url, {"position_seconds": 58, "reported_at": ago(minutes=2).isoformat()}).json()
    assert done["completed_at"] is not None
    again = post_json(client, url, {"position_seconds": 3, "reported_at": ago(minutes=1).isoformat()}).json()
    assert again["position_seconds"] == 3 and again["completed_at"] == done["completed_at"]


def test_a_text_lesson_is_completed_when_marked_done(as_persona, learning):
    client = as_persona("courier")
    url = progress_url(learning.text_lesson)
    assert (
        post_json(client, url, {"position_seconds": 0, "reported_at": ago(seconds=5).isoformat()}).json()[
            "completed_at"
        ]
        is None
    )
    body = {"position_seconds": 0, "reported_at": timezone.now().isoformat(), "done": True}
    assert post_json(client, url, body).json()["completed_at"] is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"position_seconds": 5, "reported_at": "soon"}, "reported_at"),
        ({"reported_at": "2026-01-01T08:00:00+08:00"}, "position_seconds"),
        ({"position_seconds": "far", "reported_at": "2026-01-01T08:00:00+08:00"}, "position_seconds"),
        ({"position_seconds": -1, "reported_at": "2026-01-01T08:00:00+08:00"}, "position_seconds"),
        ({"position_seconds": 5, "reported_at": "2026-01-01T08:00:00"}, "reported_at"),
    ],
)
def test_a_bad_body_gets_422_with_the_field(as_persona, learning, body, field):
    response = post_json(as_persona("courier"), progress_url(learning.audio_lesson), body)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {field}
    assert response.json()["message"] == "Check the fields marked with an error."
    assert not Progress.objects.exists()


def test_errors_come_in_the_users_language(login, learning):
    client = login("courier")
    body = {"position_seconds": 5, "reported_at": "soon"}
    english = post_json(client, progress_url(learning.audio_lesson), body, HTTP_ACCEPT_LANGUAGE="en")
    chinese = post_json(client, progress_url(learning.audio_lesson), body, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english.json()["errors"]["reported_at"] == ["Enter a valid date/time."]
    assert chinese.json()["errors"]["reported_at"] != english.json()["errors"]["reported_at"]
    assert re.search(r"[\u4e00-\u9fff]", chinese.json()["errors"]["reported_at"][0])


def test_a_non_member_who_sees_the_lesson_is_refused(as_persona, learning):
    for persona in ("secretary", "cadre", "admin"):
        client = as_persona(persona)
        assert client.get(progress_url(learning.audio_lesson)).status_code == 403
        body = {"position_seconds": 5, "reported_at": timezone.now().isoformat()}
        response = post_json(client, progress_url(learning.audio_lesson), body)
        assert response.status_code == 403 and response.json()["message"]
    assert not Progress.objects.exists()


def test_unknown_and_out_of_scope_lessons_are_not_found(as_persona, learning):
    body = {"position_seconds": 5, "reported_at": timezone.now().isoformat()}
    assert post_json(as_persona("courier"), progress_url(999999), body).status_code == 404
    assert post_json(as_persona("courier"), progress_url(learning.draft_lesson), body).status_code == 404
    assert as_persona("secretary2").get(progress_url(learning.audio_lesson)).status_code == 404
    assert Client().get(progress_url(learning.audio_lesson)).status_code == 401


def test_a_token_reports_progress_without_a_session(learning):
    _token, raw = create_api_token(learning.users["courier"], "phone")
    client = Client(enforce_csrf_checks=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = {"position_seconds": 31, "reported_at": timezone.now().isoformat()}
    assert post_json(client, progress_url(learning.audio_lesson), body, **auth).status_code == 200
    assert client.get(progress_url(learning.audio_lesson), **auth).json()["position_seconds"] == 31


def test_a_session_report_needs_the_csrf_token(learning):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learning.users["courier"])
    body = {"position_seconds": 7, "reported_at": timezone.now().isoformat()}
    assert post_json(client, progress_url(learning.audio_lesson), body).status_code == 403
    page = text(client.get(player_url(learning.audio_lesson)))
    token = data_attribute(page, "csrf")
    response = post_json(client, progress_url(learning.audio_lesson), body, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and Progress.objects.get().position_seconds == 7
