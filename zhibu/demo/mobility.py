"""Demo mobility records in every state, through the services so that all of it is audited:
outflows registered by the home branches, some reported in elsewhere (paired inflows), some lost
with a finding task and its attempts, some returned or transferred, and members caught by the
six-month rule. The personas see their share: the cadre's mobile-member branch has members away,
lost ones the cadre is looking for, and members flagged by the six-month rule; the secretary's
branch has members who came back or moved their record."""

import datetime
import random

from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.core.scope import Capability
from zhibu.mobility import services
from zhibu.mobility.models import FindingAttempt, Mobility
from zhibu.registry.choices import OrganizationKind
from zhibu.registry.models import Member, Organization, Region

PER_STATE = 6
UNRECORDED = 2
# Members still away are among the seed's mobile members; those who came back are not, so that
# the seed's count of mobile members holds.
AWAY_STATES = ("registered", "reported", "lost")
STATES = (*AWAY_STATES, "returned", "transferred")
RECEIVING_KINDS = (OrganizationKind.BRANCH, OrganizationKind.MOBILE_BRANCH, OrganizationKind.JOINT_BRANCH)


class MobilityDemo:
    def __init__(self, admin, seed: str):
        self.admin = admin
        self.rng = random.Random(f"{seed}:mobility")
        self.today = timezone.localdate()
        self.regions = list(Region.objects.filter(level=3).order_by("code")) or [None]
        self.receiving = list(Organization.objects.filter(kind__in=RECEIVING_KINDS).order_by("path"))
        self.cadre = User.objects.filter(username="cadre").first()
        self.persona_orgs = {
            "secretary": self._persona_org("secretary"),
            "cadre": self.cadre and self._persona_org("cadre"),
        }

    def build(self) -> int:
        # Mobile members sit in mobile-member branches such as the cadre's; the secretary's branch
        # gets members who were away and came back, so that the seed's count of mobile members holds.
        near_persona = dict.fromkeys(AWAY_STATES, "cadre") | {"returned": "secretary", "transferred": "secretary"}
        for member in self._pick(UNRECORDED, mobile=True, near=self.persona_orgs["cadre"]):
            self._unrecorded(member)
        for state in STATES:
            near = self.persona_orgs.get(near_persona.get(state, ""))
            for member in self._pick(PER_STATE, mobile=state in AWAY_STATES, near=near):
                record = services.register_outflow(self.admin, member, self._whereabouts(member))
                getattr(self, f"_{state}")(record, member)
        return Mobility.objects.count()

    @staticmethod
    def _persona_org(username: str) -> Organization | None:
        user = User.objects.filter(username=username).first()
        grant = user and user.grants.exclude(organization=None).select_related("organization").first()
        return grant.organization if grant else None

    def _pick(self, count: int, mobile: bool, near: Organization | None) -> list[Member]:
        """Members without any mobility record yet: two from the persona's organisation if it has
        them, the rest from anywhere."""
        pool = Member.objects.filter(is_mobile=mobile, mobility=None).order_by("pk")
        chosen: list[int] = []
        if near is not None:
            local = list(pool.filter(home_org__path__startswith=near.path).values_list("pk", flat=True))
            chosen = self.rng.sample(local, min(2, count, len(local)))
        rest = list(pool.exclude(pk__in=chosen).values_list("pk", flat=True))
        chosen += self.rng.sample(rest, min(count - len(chosen), len(rest)))
        by_pk = Member.objects.select_related("home_org").in_bulk(chosen)
        return [by_pk[pk] for pk in chosen]

    def _whereabouts(self, member: Member) -> services.Whereabouts:
        return services.Whereabouts(
            since=self.today - datetime.timedelta(days=self.rng.randint(40, 400)),
            reason=self.rng.choice(["work", "work", "business", "family"]),
            to_region=self.rng.choice(self.regions),
            expected_months=self.rng.choice([None, 6, 12, 24]),
            reach_phone=member.phone,
        )

    def _elsewhere(self, member: Member) -> Organization:
        """A receiving organisation outside the member's company."""
        company = member.home_org.path[: Organization.steplen * 3]
        outside = [org for org in self.receiving if not org.path.startswith(company)]
        return self.rng.choice(outside or [org for org in self.receiving if org.pk != member.home_org_id])

    def _registered(self, record: Mobility, member: Member) -> None:
        """流出登记: registered, not reported anywhere yet."""

    def _reported(self, record: Mobility, member: Member) -> None:
        since = record.since + datetime.timedelta(days=self.rng.randint(3, 20))
        services.register_inflow(self.admin, member, self._elsewhere(member), services.Whereabouts(since=since))

    def _lost(self, record: Mobility, member: Member) -> None:
        services.mark_lost(self.admin, record, record.since + datetime.timedelta(days=self.rng.randint(10, 30)))
        covers = self.cadre is not None and self.cadre.scope.covers(record.organization.path, Capability.VIEW)
        task = services.open_finding_task(self.admin, record, self.cadre if covers else self.admin)
        finder = task.assigned_to
        now = timezone.now()
        services.record_attempt(
            finder,
            task,
            method=FindingAttempt.Method.CALL,
            result=FindingAttempt.Result.NO_ANSWER,
            note="电话无人接听",
            at=now - datetime.timedelta(hours=5),
        )
        services.record_attempt(
            finder,
            task,
            method=FindingAttempt.Method.EMPLOYER,
            result=FindingAttempt.Result.LEAD,
            note="原单位说已去外地跑货运",
            at=now,
        )

    def _returned(self, record: Mobility, member: Member) -> None:
        services.end(self.admin, record, "returned", self.today - datetime.timedelta(days=self.rng.randint(1, 15)))

    def _transferred(self, record: Mobility, member: Member) -> None:
        self._reported(record, member)
        record.refresh_from_db()
        services.end(self.admin, record, "transferred", self.today - datetime.timedelta(days=self.rng.randint(1, 15)))

    def _unrecorded(self, member: Member) -> None:
        """Reported in elsewhere seven months ago, and the home branch never registered the outflow."""
        since = self.today - datetime.timedelta(days=215)
        services.register_inflow(self.admin, member, self._elsewhere(member), services.Whereabouts(since=since))
