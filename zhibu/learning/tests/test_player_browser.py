"""The player in the system Chromium: a courier listens on the phone, is interrupted, and resumes at
the same second on another device; a lesson saved for offline use plays from the service worker's
cache with the network off, and the position heard offline reaches the server once back online."""

import time

import pytest
from django.urls import reverse

from zhibu.conftest import CHROMIUM, CHROMIUM_ARGS, World, screenshot
from zhibu.core.scope import Role
from zhibu.learning.models import Progress
from zhibu.learning.tests import matrix_cases
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 740}, "locale": "en-US"}


@pytest.fixture(scope="module")
def audio_browser(chromium):
    """A second system Chromium of the same Playwright, allowed to play media without a tap."""
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
    )
    yield browser
    browser.close()


@pytest.fixture
def learning_world():
    world = World()
    matrix_cases.prepare(world)
    return world


def wait_for(condition, timeout=10.0):
    """Poll the database (the live server commits each request) until the condition holds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the server")
        time.sleep(0.1)


def position_of(world):
    found = Progress.objects.filter(member=world.wang, lesson=world.audio_lesson).first()
    return None if found is None else found.position_seconds


def ready(page):
    page.wait_for_function("document.getElementById('media').readyState >= 1")


def courier_at_the_player(browser, base: str, world):
    """A phone of its own, the courier signed in, the audio lesson's player ready."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    log_in(page, base, "courier")
    page.goto(base + reverse("learning:player", args=[world.audio_lesson.pk]))
    ready(page)
    return context, page


def play_to(page, seconds: float) -> None:
    """Seek, play (muted) until the time moves on, pause: as a courier would before unloading."""
    page.evaluate(
        """async (seconds) => {
            const media = document.getElementById('media');
            media.muted = true;
            media.currentTime = seconds;
            await new Promise((done) => media.addEventListener('seeked', done, {once: true}));
            await media.play();
        }""",
        seconds,
    )
    page.wait_for_function(f"document.getElementById('media').currentTime > {seconds} + 0.3")
    page.evaluate("document.getElementById('media').pause()")


def test_a_courier_resumes_on_another_device_at_the_same_second(live_server, audio_browser, learning_world):
    world, base = learning_world, live_server.url
    url = base + reverse("learning:player", args=[world.audio_lesson.pk])

    phone = audio_browser.new_context(**PHONE)
    page = phone.new_page()
    log_in(page, base, "courier")
    page.goto(url)
    ready(page)
    assert_fits_the_screen(page)
    page.click("#speeds [data-speed='1.5']")
    assert page.evaluate("document.getElementById('media').playbackRate") == 1.5
    play_to(page, 23)
    page.wait_for_selector("#status:has-text('Position saved.')")
    heard = page.evaluate("document.getElementById('media').currentTime")
    stored = wait_for(lambda: (p := position_of(world)) is not None and p > 23 and p)
    assert abs(stored - heard) < 0.2
    screenshot(page, "learning-player")
    page.reload()
    ready(page)
    assert page.evaluate("document.getElementById('media').playbackRate") == 1.5  # the speed is remembered
    phone.close()

    desk = audio_browser.new_context(viewport={"width": 1024, "height": 768}, locale="en-US")
    other = desk.new_page()
    log_in(other, base, "courier")
    other.goto(url)
    ready(other)
    other.wait_for_function("document.getElementById('media').currentTime > 0")
    resumed = other.evaluate("document.getElementById('media').currentTime")
    assert abs(resumed - stored) <= 0.5 and 22.5 <= resumed <= 24.5
    desk.close()


def test_a_lesson_saved_for_offline_plays_and_syncs_when_back_online(live_server, audio_browser, learning_world):
    world, base = learning_world, live_server.url
    media_url = reverse("learning:media", args=[world.audio_lesson.pk])
    context, page = courier_at_the_player(audio_browser, base, world)
    page.click("#offline-save")
    page.wait_for_selector("#player[data-offline=saved]")
    assert page.locator("#status").inner_text() == "Saved for offline listening."
    assert page.locator("#offline-remove").is_visible() and not page.locator("#offline-save").is_visible()

    context.set_offline(True)
    response = page.reload()
    assert response.from_service_worker
    assert page.locator("h1").inner_text() == world.audio_lesson.title
    # What is not kept fails: the page above came from the cache, not the network.
    assert page.evaluate("fetch('/learning/lessons/0/media/x').then(() => 'network', () => 'failed')") == "failed"
    assert page.evaluate(
        """(url) => fetch(url, {headers: {Range: 'bytes=100-199'}})
            .then(async (r) => [r.status, r.headers.get('Content-Range'), (await r.arrayBuffer()).byteLength])""",
        media_url,
    ) == [206, f"bytes 100-199/{world.audio_lesson.media_size}", 100]
    ready(page)
    play_to(page, 40)  # plays from the cached file
    page.wait_for_selector("#player[data-queued='1']")
    assert page.locator("#status").inner_text() == "Offline: your position will sync when you are back online."
    queue = f"zhibu.learning.queue.{world.users['courier'].pk}"
    queued = page.evaluate("(key) => JSON.parse(localStorage.getItem(key))", queue)
    heard = queued[str(world.audio_lesson.pk)]["body"]["position_seconds"]
    assert 40 <= heard < 42
    assert position_of(world) is None  # nothing reached the server

    context.set_offline(False)
    assert wait_for(lambda: position_of(world) == heard)
    page.wait_for_selector("#status:has-text('Back online: your position is synced.')")
    assert page.evaluate("(key) => localStorage.getItem(key)", queue) == "{}"

    page.click("#offline-remove")
    page.wait_for_selector("#player:not([data-offline=saved])")
    assert (
        page.evaluate(
            "(url) => caches.open('zhibu-learning-v1').then((c) => c.match(url)).then((hit) => !!hit)", media_url
        )
        is False
    )
    context.close()


def test_the_lesson_plays_on_when_the_page_is_hidden_and_its_position_is_saved(
    live_server, audio_browser, learning_world
):
    world, base = learning_world, live_server.url
    context, page = courier_at_the_player(audio_browser, base, world)
    page.evaluate("document.getElementById('media').muted = true; document.getElementById('media').play()")
    page.wait_for_function("document.getElementById('media').currentTime > 0.5")
    # Headless Chromium keeps every tab visible, so the page is told what a phone tells it when the
    # screen goes off or the courier turns to another app.
    page.evaluate(
        """() => {
            Object.defineProperty(document, 'visibilityState', {get: () => 'hidden', configurable: true});
            Object.defineProperty(document, 'hidden', {get: () => true, configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    assert wait_for(lambda: position_of(world))  # the position was saved as the page went out of sight
    began = page.evaluate("document.getElementById('media').currentTime")
    time.sleep(2)
    state = page.evaluate("[document.getElementById('media').currentTime, document.getElementById('media').paused]")
    assert state[0] - began > 1.5 and state[1] is False  # and it went on playing
    context.close()


def test_a_shared_phone_keeps_each_members_place_apart_and_signing_out_clears_it(
    live_server, audio_browser, learning_world
):
    world, base = learning_world, live_server.url
    player_url = base + reverse("learning:player", args=[world.audio_lesson.pk])
    context, page = courier_at_the_player(audio_browser, base, world)
    page.click("#offline-save")
    page.wait_for_selector("#player[data-offline=saved]")
    # The courier listens offline, and the report still waits when the session ends.
    context.set_offline(True)
    page.reload()
    ready(page)
    play_to(page, 40)
    page.wait_for_selector("#player[data-queued='1']")
    context.clear_cookies()
    page.goto("about:blank")
    context.set_offline(False)

    world.user("zhang", Role.MEMBER, world.branch_a1, member=world.zhang)
    log_in(page, base, "zhang")
    page.goto(player_url)
    ready(page)
    time.sleep(1)
    assert page.evaluate("document.getElementById('media').currentTime") < 1  # not where the courier was
    assert not Progress.objects.exists()  # the courier's report was not sent as 张晓明's
    courier = world.users["courier"].pk
    assert page.evaluate("(key) => localStorage.getItem(key) !== null", f"zhibu.learning.queue.{courier}")

    with page.expect_navigation():
        page.evaluate("document.querySelector('form[action$=\"/logout/\"]').submit()")
    left = page.evaluate(
        """async () => [(await caches.keys()).length, localStorage.length,
                        (await navigator.serviceWorker.getRegistrations()).length]"""
    )
    assert left == [0, 0, 0]  # no saved lesson, no waiting report, no worker
    context.close()


def test_the_player_goes_on_to_the_next_lesson_and_a_text_is_marked_finished(
    live_server, audio_browser, learning_world
):
    world, base = learning_world, live_server.url
    context, page = courier_at_the_player(audio_browser, base, world)
    # The lock screen shows the lesson and the course.
    assert page.evaluate("[navigator.mediaSession.metadata.title, navigator.mediaSession.metadata.artist]") == [
        world.audio_lesson.title,
        world.course.title,
    ]
    page.evaluate(
        """async () => {
            const media = document.getElementById('media');
            media.muted = true;
            media.currentTime = 58.5;
            await media.play();
        }"""
    )
    next_url = base + reverse("learning:player", args=[world.text_lesson.pk])
    page.wait_for_url(next_url + "#play")
    heard = Progress.objects.get(member=world.wang, lesson=world.audio_lesson)
    assert heard.completed_at is not None

    page.click("#mark-done")
    page.wait_for_selector("#status:has-text('Finished.')")
    assert page.locator("#mark-done").is_disabled()
    assert Progress.objects.get(member=world.wang, lesson=world.text_lesson).completed_at is not None
    assert_fits_the_screen(page)
    context.close()
