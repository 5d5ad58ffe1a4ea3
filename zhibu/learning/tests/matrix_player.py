"""Scope matrix cases of the learning player: the player page, the progress API and the service
worker script.

Everyone who sees a lesson gets its player (keepers preview a draft); only a member learning the
course has a position to read or report (the courier): others who see the lesson get 403 from the
API, and those who do not see it 404. The service worker script is for signed-in users. The draft's player (its keepers only) is checked persona by
persona in test_player.py."""

from django.utils import timezone

from zhibu.core.tests.matrix import SIGNED_IN, Case
from zhibu.learning.tests.matrix_cases import LEARNERS


def audio(w):
    return [w.audio_lesson.pk]


def report(w):
    return {"position_seconds": 12.5, "reported_at": timezone.now().isoformat(), "done": False}


CASES: dict[str, Case] = {
    "learning:player": Case(args=audio, allowed=LEARNERS),
    "learning:service_worker": Case(allowed=SIGNED_IN),
    "api-1.0.0:get_progress": Case(args=audio, allowed={"courier"}, visible=LEARNERS, api=True),
    "api-1.0.0:report_progress": Case(
        args=audio, method="post", body=report, allowed={"courier"}, visible=LEARNERS, api=True
    ),
}


def prepare(world) -> None:
    pass
