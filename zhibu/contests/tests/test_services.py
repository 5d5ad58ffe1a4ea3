"""Contests and attempts: scoring of each question type, the server's deadline, the window, the
number of attempts, the stored draw, who may take part, and the audit trail."""

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.accounts.services import grant_role
from zhibu.conftest import PASSWORD
from zhibu.contests import services
from zhibu.contests.models import SUBMIT_GRACE, Answer, Attempt, QuestionKind
from zhibu.contests.tests.conftest import ago, bank_of, contest_of, right_answers
from zhibu.core.models import AuditEvent
from zhibu.core.scope import Role


@pytest.fixture
def courier(world):
    return world.users["courier"]


def member_user(world, member, username):
    user = User.objects.create_user(username, password=PASSWORD, member=member)
    grant_role(user, Role.MEMBER, member.home_org)
    return user


def test_single_choice_and_true_false_are_right_or_wrong(world, courier):
    bank = bank_of(world, world.industry, 3, QuestionKind.SINGLE, "单选")
    bank_of_tf = bank_of(world, world.industry, 3, QuestionKind.TRUE_FALSE, "判断")
    contest = contest_of(world, world.industry, [bank, bank_of_tf], count=6)
    attempt = services.start_attempt(courier, contest)
    given = {}
    for answer in attempt.answers.select_related("question"):
        right = answer.question.correct
        wrong = "A" if answer.question.kind == QuestionKind.SINGLE else "F"
        given[answer.question_id] = right if answer.position % 2 else wrong
    services.submit(courier, attempt, given)
    assert (attempt.score, attempt.total, attempt.percent) == (3, 6, 50)
    assert Answer.objects.filter(attempt=attempt, is_correct=True).count() == 3


def test_multiple_choice_is_all_or_nothing(world, courier):
    bank = bank_of(world, world.industry, 4, QuestionKind.MULTIPLE)  # the right answer is AC
    contest = contest_of(world, world.industry, [bank], count=4)
    attempt = services.start_attempt(courier, contest)
    ids = list(attempt.answers.order_by("position").values_list("question_id", flat=True))
    services.submit(courier, attempt, dict(zip(ids, [["A", "C"], ["A"], ["A", "B", "C"], "CA"], strict=True)))
    assert attempt.score == 2  # only the exact sets score
    assert list(attempt.answers.order_by("position").values_list("is_correct", flat=True)) == [True, False, False, True]


def test_the_draw_is_random_per_attempt_and_kept_for_a_reloaded_page(world, courier):
    bank = bank_of(world, world.industry, 30)
    contest = contest_of(world, world.industry, [bank], count=5, max_attempts=3)
    first = services.start_attempt(courier, contest, rng=random.Random(1))
    again = services.start_attempt(courier, contest, rng=random.Random(2))  # a second tap: the same attempt
    assert again.pk == first.pk and Attempt.objects.count() == 1
    drawn = list(first.answers.order_by("position").values_list("question_id", flat=True))
    assert len(set(drawn)) == 5 and set(drawn) <= set(bank.questions.values_list("pk", flat=True))
    services.submit(courier, first, {})
    second = services.start_attempt(courier, contest, rng=random.Random(2))
    assert list(second.answers.order_by("position").values_list("question_id", flat=True)) != drawn


def test_answers_after_the_deadline_are_refused_and_the_saved_ones_count(world, courier):
    bank = bank_of(world, world.industry, 5)
    contest = contest_of(world, world.industry, [bank], count=5, minutes=10)
    attempt = services.start_attempt(courier, contest, now=ago(minutes=30))
    assert attempt.deadline == attempt.started_at + datetime.timedelta(minutes=10)
    first = attempt.answers.select_related("question").order_by("position").first()
    services.save_answer(courier, attempt, first.question_id, first.question.correct, now=ago(minutes=25))
    with pytest.raises(ValidationError) as late:
        services.save_answer(courier, attempt, first.question_id, "A")
    assert "The time was up at" in late.value.messages[0]
    with pytest.raises(ValidationError) as late:
        services.submit(courier, attempt, right_answers(attempt))
    assert "answers sent after it are not accepted" in late.value.messages[0]
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.score is None  # nothing written by the refusal
    assert services.close_expired(courier, attempt)
    assert (attempt.score, attempt.timed_out, attempt.submitted_at) == (1, True, attempt.deadline)
    assert attempt.seconds_taken == 600


def test_a_submission_within_the_grace_after_the_deadline_is_taken(world, courier):
    bank = bank_of(world, world.industry, 5)
    contest = contest_of(world, world.industry, [bank], count=5, minutes=10)
    attempt = services.start_attempt(courier, contest, now=ago(minutes=20))
    just_late = attempt.deadline + SUBMIT_GRACE - datetime.timedelta(seconds=1)
    services.submit(courier, attempt, right_answers(attempt), now=just_late)
    assert (attempt.score, attempt.timed_out, attempt.seconds_taken) == (5, False, 600)
    with pytest.raises(ValidationError, match="submitted this attempt already"):
        services.submit(courier, attempt, {}, now=just_late)


def test_the_deadline_never_passes_the_closing_time(world, courier):
    bank = bank_of(world, world.industry, 5)
    contest = contest_of(world, world.industry, [bank], count=5, minutes=60, closes_in_hours=0.25)
    attempt = services.start_attempt(courier, contest)
    assert attempt.deadline == contest.closes_at


def test_a_second_attempt_is_refused_unless_the_organiser_allows_more(world, courier):
    bank = bank_of(world, world.industry, 5)
    once = contest_of(world, world.industry, [bank], count=5)
    services.submit(courier, services.start_attempt(courier, once), {})
    with pytest.raises(ValidationError, match="You have taken this contest already: it allows 1 attempt"):
        services.start_attempt(courier, once)
    twice = contest_of(world, world.industry, [bank], count=5, max_attempts=2, title="可考两次")
    first = services.start_attempt(courier, twice)
    services.submit(courier, first, {})  # 0 points
    second = services.start_attempt(courier, twice)
    services.submit(courier, second, right_answers(second))
    first.refresh_from_db()
    assert (first.is_best, second.is_best, second.number) == (False, True, 2)
    with pytest.raises(ValidationError, match="allows 2 attempts"):
        services.start_attempt(courier, twice)


def test_an_attempt_whose_time_ran_out_counts_as_used(world, courier):
    bank = bank_of(world, world.industry, 5)
    contest = contest_of(world, world.industry, [bank], count=5, minutes=5)
    services.start_attempt(courier, contest, now=ago(minutes=30))
    with pytest.raises(ValidationError, match="taken this contest already"):
        services.start_attempt(courier, contest)


def test_the_window_is_checked(world, courier):
    bank = bank_of(world, world.industry, 5)
    coming = contest_of(world, world.industry, [bank], count=5, opened_hours_ago=-1, title="未开始")
    with pytest.raises(ValidationError, match="The contest opens at"):
        services.start_attempt(courier, coming)
    closed = contest_of(
        world, world.industry, [bank], count=5, opened_hours_ago=48, closes_in_hours=-24, title="已结束"
    )
    with pytest.raises(ValidationError, match="The contest closed at"):
        services.start_attempt(courier, closed)
    with pytest.raises(ValidationError, match="The contest opens at"):  # a past `now` is checked like the clock
        services.start_attempt(courier, coming, now=ago(hours=3))
    with pytest.raises(ValueError):
        services.start_attempt(courier, coming, now=timezone.now() + datetime.timedelta(hours=2))


def test_only_members_of_the_subtree_in_normal_standing_take_part(world, courier):
    bank = bank_of(world, world.company_a, 5)
    contest = contest_of(world, world.company_a, [bank], count=5)
    zhao = member_user(world, world.zhao, "zhao")  # company B
    with pytest.raises(PermissionDenied):
        services.start_attempt(zhao, contest)
    with pytest.raises(PermissionDenied):
        services.start_attempt(world.users["secretary"], contest)  # an account without a member record
    world.wang.standing = "suspended"
    world.wang.save()
    with pytest.raises(PermissionDenied):
        services.start_attempt(courier, contest)
    attempt = services.start_attempt(member_user(world, world.zhang, "zhang"), contest)
    with pytest.raises(PermissionDenied):
        services.submit(zhao, attempt, {})


def test_choices_must_be_among_the_options(world, courier):
    bank = bank_of(world, world.industry, 3)
    contest = contest_of(world, world.industry, [bank], count=3)
    attempt = services.start_attempt(courier, contest)
    question = attempt.answers.first().question_id
    with pytest.raises(ValidationError, match="not one of the question's options"):
        services.save_answer(courier, attempt, question, "D")
    with pytest.raises(ValidationError, match="one answer"):
        services.save_answer(courier, attempt, question, ["A", "B"])
    with pytest.raises(ValidationError, match="not part of your attempt"):
        services.save_answer(courier, attempt, 999999, "A")


def test_contest_settings_are_checked_and_frozen_once_started(world, courier):
    bank = bank_of(world, world.branch_a1, 3)
    data = services.ContestInput(
        organization=world.industry,
        title="x",
        banks=[bank],
        question_count=5,
        time_limit_minutes=10,
        opens_at=timezone.now(),
        closes_at=timezone.now() - datetime.timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as refused:
        services.create_contest(world.root_user, data)
    assert set(refused.value.message_dict) == {"closes_at", "banks"}  # a branch's bank is not the committee's
    contest = contest_of(world, world.company_a, [bank_of(world, world.industry, 3, title="行业题库")], count=3)
    services.submit(courier, services.start_attempt(courier, contest), {})
    data = services.ContestInput(
        organization=world.company_a,
        title="新标题",
        banks=list(contest.banks.all()),
        question_count=2,
        time_limit_minutes=10,
        opens_at=contest.opens_at,
        closes_at=contest.closes_at,
    )
    with pytest.raises(ValidationError, match="can no longer change"):
        services.update_contest(world.root_user, contest, data)
    data.question_count = 3
    services.update_contest(world.root_user, contest, data)
    contest.refresh_from_db()
    assert contest.title == "新标题"


def test_audit_events_on_create_start_and_submit(world, courier):
    bank = bank_of(world, world.industry, 3)
    contest = contest_of(world, world.industry, [bank], count=3)
    attempt = services.start_attempt(courier, contest)
    services.submit(courier, attempt, right_answers(attempt))
    events = AuditEvent.objects.filter(object_type__startswith="contests.").order_by("pk")
    assert [(e.object_type, e.action) for e in events] == [
        ("contests.bank", "create"),
        ("contests.contest", "create"),
        ("contests.attempt", "create"),
        ("contests.attempt", "update"),
    ]
    submitted = events.last()
    assert submitted.actor_name == "courier" and submitted.changes["score"] == [None, 3]
    assert len(submitted.changes["answers"]) == 3 and submitted.org_id == world.mobile_a.pk


def test_the_periodic_job_closes_attempts_whose_time_is_up(world, courier):
    from zhibu.contests.tasks import close_expired_attempts

    bank = bank_of(world, world.industry, 3)
    contest = contest_of(world, world.industry, [bank], count=3, minutes=5)
    expired = services.start_attempt(courier, contest, now=ago(minutes=20))
    zhang = member_user(world, world.zhang, "zhang")
    running = services.start_attempt(zhang, contest)
    assert close_expired_attempts.call_local() == 1
    expired.refresh_from_db()
    running.refresh_from_db()
    assert expired.timed_out and expired.score == 0 and running.submitted_at is None


def test_set_ranking_is_for_the_organisers(world):
    bank = bank_of(world, world.industry, 3)
    contest = contest_of(world, world.industry, [bank], count=3)
    assert contest.show_ranking is False  # off by default
    with pytest.raises(PermissionDenied):
        services.set_ranking(world.users["secretary"], contest, True)
    services.set_ranking(world.users["industry"], contest, True)
    contest.refresh_from_db()
    assert contest.show_ranking
    assert AuditEvent.objects.filter(object_type="contests.contest", action="update").get().changes == {
        "show_ranking": [False, True]
    }


def test_taking_a_contest_earns_points_once_where_the_organisation_turned_them_on(world, courier):
    from zhibu.points import services as points
    from zhibu.points.models import PointKind, PointsEntry

    bank = bank_of(world, world.industry, 3, QuestionKind.SINGLE, "单选")
    contest = contest_of(world, world.industry, [bank], count=3, max_attempts=2)
    services.submit(courier, services.start_attempt(courier, contest), {})
    assert not PointsEntry.objects.exists()  # points are off until an organisation turns them on

    points.set_policy(world.root_user, world.company_a, is_enabled=True)
    points.set_rule(world.root_user, world.company_a, points.RuleInput(PointKind.CONTEST_TAKEN, 3))
    second = services.start_attempt(courier, contest)
    services.submit(courier, second, right_answers(second))
    entry = PointsEntry.objects.get()
    assert (entry.member, entry.kind, entry.points) == (world.wang, PointKind.CONTEST_TAKEN, 3)
