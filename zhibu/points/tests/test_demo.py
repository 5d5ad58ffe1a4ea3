"""The demo's points: on for the courier's company only, with its rules and the ranking off, and
entries that come from what the records show its members did."""

from io import StringIO

from django.core.management import call_command
from django.db.models import Sum
from django.test import override_settings

from zhibu.accounts.models import User
from zhibu.learning.models import Progress
from zhibu.meetings.models import Attendance
from zhibu.points import queries, services
from zhibu.points.models import PointKind, PointsEntry, PointsPolicy


def test_the_demo_turns_points_on_for_the_couriers_company_only(db):
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--members", "300", stdout=StringIO(), stderr=StringIO())
    courier = User.objects.get(username="courier")
    policy = PointsPolicy.objects.get()
    company = policy.organization
    assert courier.member.home_org.path.startswith(company.path) and company.depth == courier.member.home_org.depth - 1
    assert policy.is_enabled and not policy.show_ranking
    assert set(policy.rules.values_list("kind", flat=True)) == set(PointKind.values)

    entries = PointsEntry.objects.all()
    assert entries.exists()
    assert not entries.exclude(member__home_org__path__startswith=company.path).exists()
    assert set(entries.values_list("organization", flat=True)) == {company.pk}
    mine = entries.filter(member=courier.member)
    kinds = set(mine.values_list("kind", flat=True))
    assert kinds == {PointKind.MEETING_ATTENDED, PointKind.CHAIN_SESSION_ATTENDED, PointKind.LESSON_COMPLETED}
    meetings = Attendance.objects.filter(member=courier.member, meeting__is_cancelled=False).count()
    assert mine.filter(kind=PointKind.MEETING_ATTENDED).count() == meetings
    lessons = Progress.objects.filter(member=courier.member).exclude(completed_at=None).count()
    assert mine.filter(kind=PointKind.LESSON_COMPLETED).count() == lessons
    assert queries.own_total(courier) == mine.aggregate(total=Sum("points"))["total"] > 0
    # Elsewhere points stay off.
    secretary2 = User.objects.get(username="secretary2")
    branch = secretary2.grants.get().organization
    assert services.policy_for(branch) is None
