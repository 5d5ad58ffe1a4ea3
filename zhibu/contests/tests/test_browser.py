"""A courier takes a knowledge contest on a phone-sized screen in the system Chromium: finds it
among their contests, starts it, sees the countdown, answers (each choice saved as it is made,
so a reload keeps it), hands in and reads the right answers; when the time runs out, the page
hands in by itself and the server decides what counts."""

import pytest

from zhibu.conftest import World, screenshot
from zhibu.contests import services
from zhibu.contests.models import Attempt, QuestionKind
from zhibu.contests.tests.conftest import ago, bank_of, contest_of
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_courier_takes_a_contest_on_a_phone(live_server, phone_page):
    world = World()
    single = bank_of(world, world.industry, 2, QuestionKind.SINGLE, "单选")
    multiple = bank_of(world, world.industry, 1, QuestionKind.MULTIPLE, "多选")
    contest = contest_of(world, world.industry, [single, multiple], count=3, minutes=10, title="快递安全知识竞赛")
    page, base = phone_page, live_server.url
    log_in(page, base, "courier")
    page.goto(f"{base}/contests/mine/")
    page.locator(f"#contest-{contest.pk}").click()
    assert page.locator("#rules li").count() == 5  # the window, the draw, the time limit, the scoring, the attempts
    assert_fits_the_screen(page)
    page.click("#start")
    page.wait_for_selector("#attempt-form")
    clock = page.locator("#countdown")
    first = clock.inner_text()
    page.wait_for_timeout(1300)
    assert clock.inner_text() != first and clock.inner_text().startswith("9:")  # it counts down
    assert_fits_the_screen(page)
    screenshot(page, "contests-attempt")

    attempt = Attempt.objects.get()
    answers = list(attempt.answers.select_related("question").order_by("position"))
    for answer in answers:
        for letter in answer.question.correct:
            page.locator(f"label[for=q{answer.question_id}{letter}]").click()
        page.locator(f"#saved-{answer.question_id} .saved").wait_for()  # saved by htmx as it was chosen
    page.reload()
    for answer in answers:
        for letter in answer.question.correct:
            assert page.locator(f"#q{answer.question_id}{letter}").is_checked()
    page.click("#hand-in")
    page.wait_for_selector("#score")
    assert page.locator("#score .display-6").inner_text().strip() == "3/3"
    assert page.locator(".right-answer").count() == 3
    assert_fits_the_screen(page)
    screenshot(page, "contests-result")
    attempt.refresh_from_db()
    assert (attempt.score, attempt.timed_out) == (3, False)


def test_the_page_hands_in_by_itself_when_the_time_runs_out(live_server, phone_page):
    world = World()
    bank = bank_of(world, world.industry, 2)
    contest = contest_of(world, world.industry, [bank], count=2, minutes=1, title="一分钟竞赛")
    attempt = services.start_attempt(world.users["courier"], contest, now=ago(seconds=54))  # 6 seconds left
    page, base = phone_page, live_server.url
    log_in(page, base, "courier")
    page.goto(f"{base}/contests/attempts/{attempt.pk}/")
    question = attempt.answers.select_related("question").first()
    page.locator(f"label[for=q{question.question_id}{question.question.correct}]").click()
    page.wait_for_selector("#score", timeout=20000)  # handed in at zero, without a tap
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score == 1


def test_an_organiser_reads_the_results_on_a_phone(live_server, phone_page):
    world = World()
    bank = bank_of(world, world.industry, 4)
    contest = contest_of(world, world.industry, [bank], count=4, title="党史知识竞赛")
    courier = world.users["courier"]
    attempt = services.start_attempt(courier, contest, now=ago(minutes=30))
    services.submit(
        courier,
        attempt,
        {a.question_id: a.question.correct for a in attempt.answers.select_related("question")},
        now=ago(minutes=25),
    )
    page, base = phone_page, live_server.url
    log_in(page, base, "industry")
    page.goto(f"{base}/contests/{contest.pk}/results/")
    page.locator("#distribution-chart[data-drawn=true] canvas").wait_for()
    page.locator("#parts-chart[data-drawn=true] canvas").wait_for()
    assert page.locator("#participants").inner_text() == "1" and page.locator("#ranking").count() == 0
    assert_fits_the_screen(page)
    screenshot(page, "contests-results")
