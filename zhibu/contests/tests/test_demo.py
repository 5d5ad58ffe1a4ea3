"""The demo's contests: a bank of the project's own questions imported from a spreadsheet, a past
contest of the express-industry committee that many members took inside its window and time
limit (through the services), and an open one the courier can take."""

from io import StringIO

from django.core.management import call_command
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.contests import queries, services
from zhibu.contests.models import Attempt, Bank, Contest, QuestionKind
from zhibu.core.models import AuditEvent
from zhibu.demo.contests import QUESTIONS
from zhibu.registry.models import Organization


def test_the_demo_has_a_bank_a_past_contest_with_results_and_an_open_one_for_the_courier(db):
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--members", "300", stdout=StringIO(), stderr=StringIO())
    bank = Bank.objects.get()
    assert bank.questions.count() == len(QUESTIONS) >= 30
    assert set(bank.questions.values_list("kind", flat=True)) == set(QuestionKind.values)
    assert AuditEvent.objects.filter(object_type="contests.bank", action="import").count() == 1

    now = timezone.now()
    past, current = Contest.objects.order_by("opens_at")
    assert past.organization.kind == "industry_committee" and past.closes_at < now and current.is_open(now)
    assert not past.show_ranking and not current.show_ranking  # off unless the organisation turns it on
    attempts = Attempt.objects.filter(contest=past)
    assert attempts.count() >= 100 and not attempts.filter(submitted_at=None).exists()
    assert not attempts.filter(submitted_at__gt=F("deadline")).exists()  # every one inside the time limit
    assert not attempts.filter(started_at__lt=past.opens_at).exists()
    assert not attempts.filter(submitted_at__gt=past.closes_at).exists()
    results = queries.results(
        past,
        past.organization,
        list(Organization.objects.filter(path__startswith=past.organization.path, depth=past.organization.depth + 1)),
    )
    assert results.figures.participants == attempts.count()
    assert 40 < results.figures.average_percent < 90
    assert sum(count > 0 for _label, count in results.bands) >= 3  # a spread of scores
    averages = [part.figures.average_percent for part in results.parts if part.figures.participants >= 3]
    assert max(averages) - min(averages) > 3  # better and worse companies

    courier = User.objects.get(username="courier")
    assert Attempt.objects.filter(contest=past, member_id=courier.member_id).exists()  # taken
    assert not Attempt.objects.filter(contest=current, member_id=courier.member_id).exists()
    assert Attempt.objects.filter(contest=current).exists()
    mine = queries.my_contests(services.own_member(courier), now)
    assert [item.contest for item in mine["open"]] == [current]
    assert services.start_attempt(courier, current).total == current.question_count
