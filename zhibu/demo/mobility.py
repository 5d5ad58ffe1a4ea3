"""Demo mobility records in every state, through the services: outflows registered by the home
branches, some reported in elsewhere (paired inflows), some lost with a finding task and its
attempts, some returned or transferred, and members caught by the six-month rule."""

import datetime
import random

from django.utils import timezone

from zhibu.mobility import services
from zhibu.mobility.models import FindingAttempt, Mobility
from zhibu.registry.models import Member, Organization, Region

PER_STATE = 6


class MobilityDemo:
    def __init__(self, admin, seed: str):
        self.admin = admin
        self.rng = random.Random(f"{seed}:mobility")
        self.today = timezone.localdate()

    def build(self) -> None:
        # Members still away are among the seed's mobile members; those who came back are not, so
        # that the seed's count of mobile members holds.
        away, back = self._members(PER_STATE * 3 + 2, mobile=True), self._members(PER_STATE * 2, mobile=False)
        members = away[: PER_STATE * 3] + back + away[PER_STATE * 3 :]
        regions = list(Region.objects.filter(level=3).order_by("code")) or [None]
        for index, member in enumerate(members[: PER_STATE * 5]):
            since = self.today - datetime.timedelta(days=self.rng.randint(20, 400))
            whereabouts = services.Whereabouts(
                since=since,
                reason=self.rng.choice(["work", "work", "business", "family"]),
                to_region=self.rng.choice(regions),
                expected_months=self.rng.choice([None, 6, 12, 24]),
                reach_phone=member.phone,
            )
            record = services.register_outflow(self.admin, member, whereabouts)
            getattr(self, ("_leave", "_report", "_lose", "_return", "_transfer")[index // PER_STATE])(record, member)
        for member in members[PER_STATE * 5 :]:
            self._away_unrecorded(member)

    def _members(self, count: int, mobile: bool) -> list[Member]:
        """Members without any mobility record yet (报到 demo data comes later)."""
        ids = list(Member.objects.filter(is_mobile=mobile, mobility=None).order_by("pk").values_list("pk", flat=True))
        chosen = self.rng.sample(ids, min(count, len(ids)))
        by_pk = Member.objects.select_related("home_org").in_bulk(chosen)
        return [by_pk[pk] for pk in chosen]

    def _elsewhere(self, member: Member) -> Organization:
        return (
            Organization.objects.filter(kind__in=["branch", "mobile_branch", "joint_branch"])
            .exclude(path__startswith=member.home_org.path[: Organization.steplen * 2])
            .order_by("?")
            .first()
        ) or Organization.objects.exclude(pk=member.home_org_id).order_by("path").last()

    def _leave(self, record: Mobility, member: Member) -> None:
        """流出登记: registered, not reported anywhere yet."""

    def _report(self, record: Mobility, member: Member) -> None:
        where = self._elsewhere(member)
        services.register_inflow(self.admin, member, where, services.Whereabouts(since=record.since))

    def _lose(self, record: Mobility, member: Member) -> None:
        services.mark_lost(self.admin, record, record.since + datetime.timedelta(days=10))
        task = services.open_finding_task(self.admin, record, self.admin)
        services.record_attempt(
            self.admin, task, method=FindingAttempt.Method.CALL, result="no_answer", note="电话无人接听"
        )
        services.record_attempt(
            self.admin, task, method=FindingAttempt.Method.EMPLOYER, result="lead", note="原单位说已去外地跑货运"
        )

    def _return(self, record: Mobility, member: Member) -> None:
        services.end(self.admin, record, "returned", self.today - datetime.timedelta(days=self.rng.randint(1, 15)))

    def _transfer(self, record: Mobility, member: Member) -> None:
        self._report(record, member)
        record.refresh_from_db()
        services.end(self.admin, record, "transferred", self.today - datetime.timedelta(days=self.rng.randint(1, 15)))

    def _away_unrecorded(self, member: Member) -> None:
        """Reported in elsewhere seven months ago, and the home branch never registered the outflow."""
        since = self.today - datetime.timedelta(days=215)
        services.register_inflow(self.admin, member, self._elsewhere(member), services.Whereabouts(since=since))
