"""Demo meetings: a year of 三会一课 for every branch, through the services, so that all of it is
audited. Branches differ as real ones do: some hold everything, some skip a month here and there,
some fall behind. Party group meetings are switched off by a rule of the top organisations. Attendance covers part of the invitees (roll call, in one insert per meeting),
some members asked for leave, most held meetings have minutes. The secretary's branch holds
everything and has meetings coming up; the courier's mobile-member branch has an online lecture
coming up, so the courier has something to tap."""

import datetime
import random

from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.meetings import services
from zhibu.meetings.models import LeaveRequest, Meeting, MeetingKind, Mode, Period
from zhibu.meetings.queries import invitees
from zhibu.registry.choices import BRANCH_KINDS
from zhibu.registry.models import Organization

# (kind, months between meetings, title)
SCHEDULE = (
    (MeetingKind.COMMITTEE, 1, "{month}月支委会"),
    (MeetingKind.GENERAL_ASSEMBLY, 3, "第{quarter}季度支部党员大会"),
    (MeetingKind.LECTURE, 3, "第{quarter}季度党课"),
    (MeetingKind.LIFE_MEETING, 12, "{year}年度组织生活会"),
    (MeetingKind.APPRAISAL, 12, "{year}年度民主评议党员"),
)
# Only the personas' branches hold a monthly theme day in the demo, to keep the demo quick.
PERSONA_SCHEDULE = ((MeetingKind.THEME_DAY, 1, "{month}月主题党日"),)
# How likely a branch skips a meeting, by how diligent it is.
SKIP_CHANCE = {"diligent": 0.0, "patchy": 0.25, "behind": 0.6}
LEAVE_REASONS = ("派件高峰，无法脱身", "在外地跑长途", "家中有事", "夜班休息", "身体不适")
MINUTES = "会议由支部书记主持。传达学习了上级精神，通报了本月支部工作，讨论了下月安排。{n}名党员参加。"
ADDRESS = "党群服务中心二楼会议室"
# Mobile members are away: each comes to a meeting with a small chance of their own, or never
# (out of reach), more often in a diligent branch. So organisational life shows real gaps.
MOBILE_REACH = (0.0, 0.04, 0.15)
MOBILE_REACH_WEIGHTS = {"diligent": (1, 3, 6), "patchy": (3, 4, 3), "behind": (6, 3, 1)}


class MeetingsDemo:
    def __init__(self, admin, seed: str):
        self.admin = admin
        self.rng = random.Random(f"{seed}:meetings")
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.branches = list(Organization.objects.filter(kind__in=BRANCH_KINDS).order_by("path"))
        self.persona_orgs = {org for org in (self._persona_org("secretary"), self._courier_org()) if org}
        courier = User.objects.filter(username="courier").first()
        self.courier_pk = courier.member_id if courier else None
        self.reach: dict[int, float] = {}

    def build(self) -> int:
        self._rules()
        for branch in self.branches:
            diligence = "diligent" if branch in self.persona_orgs else self._diligence()
            self._year_of(branch, diligence)
        for org in self.persona_orgs:
            self._upcoming(org)
        return Meeting.objects.count()

    def _rules(self) -> None:
        """The demo's branches are too small for party groups: the top organisations switch the
        monthly 党小组会 off for their subtrees, in place of the platform default."""
        for root in Organization.objects.get_root_nodes():
            services.set_rule(self.admin, root, MeetingKind.GROUP, Period.MONTH, False)

    @staticmethod
    def _persona_org(username: str) -> Organization | None:
        user = User.objects.filter(username=username).first()
        grant = user and user.grants.exclude(organization=None).select_related("organization").first()
        return grant.organization if grant else None

    @staticmethod
    def _courier_org() -> Organization | None:
        user = User.objects.filter(username="courier").select_related("member__home_org").first()
        return user.member.home_org if user and user.member else None

    def _diligence(self) -> str:
        return self.rng.choices(list(SKIP_CHANCE), weights=[4, 4, 2])[0]

    def _months(self) -> list[datetime.date]:
        """The first days of the twelve months up to this one."""
        first = self.today.replace(day=1)
        months = []
        for back in range(11, -1, -1):
            year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
            months.append(datetime.date(year, month + 1, 1))
        return months

    def _year_of(self, branch: Organization, diligence: str) -> None:
        invited = invitees(Meeting(organization=branch))
        people = list(invited.values_list("pk", flat=True))
        weights = MOBILE_REACH_WEIGHTS[diligence]
        self.reach = {
            pk: self.rng.choices(MOBILE_REACH, weights)[0]
            for pk in invited.filter(is_mobile=True).values_list("pk", flat=True)
        }
        if self.courier_pk in self.reach:
            self.reach[self.courier_pk] = MOBILE_REACH[-1]
        schedule = SCHEDULE + (PERSONA_SCHEDULE if branch in self.persona_orgs else ())
        for month in self._months():
            for kind, every, title in schedule:
                if not self._falls_in(month, every):
                    continue
                if self.rng.random() < SKIP_CHANCE[diligence]:
                    continue
                starts = self._start_in(month)
                if starts > self.now:
                    continue
                name = title.format(month=month.month, quarter=(month.month - 1) // 3 + 1, year=month.year)
                self._held(branch, kind, name, starts, people)

    @staticmethod
    def _falls_in(month: datetime.date, every: int) -> bool:
        """Monthly every month, quarterly in the first month of a quarter, yearly in December."""
        if every == 12:
            return month.month == 12
        return (month.month - 1) % every == 0

    def _start_in(self, month: datetime.date) -> datetime.datetime:
        day = min(self.rng.randint(5, 25), 28)
        hour = self.rng.choice([10, 14, 19, 20])
        local = datetime.datetime(month.year, month.month, day, hour, 0)
        return timezone.make_aware(local)

    def _held(self, branch: Organization, kind: str, title: str, starts: datetime.datetime, people: list[int]) -> None:
        online = self.rng.random() < 0.25
        data = services.MeetingInput(
            kind=kind,
            title=title,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=90),
            mode=Mode.ONLINE if online else Mode.IN_PLACE,
            address="" if online else ADDRESS,
            online_link="https://meeting.example.org/zhibu" if online else "",
        )
        meeting = services.create_meeting(self.admin, branch, data)
        if not people:
            return
        share = self.rng.uniform(0.55, 0.95)
        present = {pk for pk in people if self.rng.random() < share * self.reach.get(pk, 1.0)}
        absent = [pk for pk in people if pk not in present]
        services.take_roll_call(self.admin, meeting, present)
        # Leave was asked for before the meeting, by the members themselves; the demo writes what
        # their requests left behind, since the service takes requests only before a meeting ends.
        LeaveRequest.objects.bulk_create(
            LeaveRequest(meeting=meeting, member_id=pk, reason=self.rng.choice(LEAVE_REASONS))
            for pk in absent
            if self.rng.random() < 0.4
        )
        if present and self.rng.random() < 0.8:
            services.save_minutes(self.admin, meeting, MINUTES.format(n=len(present)))

    def _upcoming(self, org: Organization) -> None:
        """Two meetings to come: one in a place next week, one online lecture in two days."""
        soon = timezone.localtime(self.now).replace(minute=0, second=0, microsecond=0)
        plans = (
            (MeetingKind.COMMITTEE, "支委会：研究下月工作", soon + datetime.timedelta(days=7), Mode.IN_PLACE),
            (MeetingKind.LECTURE, "线上党课：新就业群体党员的责任", soon + datetime.timedelta(days=2), Mode.ONLINE),
        )
        for kind, title, starts, mode in plans:
            data = services.MeetingInput(
                kind=kind,
                title=title,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=1),
                mode=mode,
                address=ADDRESS if mode == Mode.IN_PLACE else "",
                online_link="https://meeting.example.org/zhibu" if mode == Mode.ONLINE else "",
                agenda="一、学习\n二、讨论\n三、部署",
            )
            services.create_meeting(self.admin, org, data)
