"""Demo points (积分), through the services: points stay off everywhere but in one company, the
courier's, whose committee turns them on with its own rules (and leaves the ranking off). The
entries come from what the records show its members did: the courier's meetings and chain sessions
of the past year, the company's meetings of the last weeks and the lessons its members finished; awarded as the hooks would have
awarded them, so that the same events would not be counted twice."""

import datetime

from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.chains.models import Attendee
from zhibu.learning.models import Progress
from zhibu.meetings.models import Attendance, Meeting
from zhibu.points import services
from zhibu.points.models import PointKind, PointsEntry
from zhibu.points.services import RuleInput
from zhibu.registry.models import Organization

RULES = (
    RuleInput(PointKind.MEETING_ATTENDED, 5, cap_per_day=10),
    RuleInput(PointKind.CHAIN_SESSION_ATTENDED, 5),
    RuleInput(PointKind.LESSON_COMPLETED, 2, cap_per_day=10),
    RuleInput(PointKind.CONTEST_TAKEN, 10, cap_per_month=20),
    RuleInput(PointKind.VOLUNTEER_HOUR, 3, cap_per_day=24),
)
RECENT_DAYS = 45


class PointsDemo:
    def __init__(self, admin, seed: str):
        self.admin = admin
        self.seed = seed
        courier = User.objects.filter(username="courier").select_related("member__home_org").first()
        self.courier = courier.member if courier and courier.member_id else None

    def build(self) -> int:
        if self.courier is None:
            return 0
        company = Organization.objects.get(path=self.courier.home_org.path[: -Organization.steplen])
        services.set_policy(self.admin, company, is_enabled=True, show_ranking=False)
        for rule in RULES:
            services.set_rule(self.admin, company, rule)
        self._meetings(company)
        self._chain_sessions(company)
        self._lessons(company)
        return PointsEntry.objects.count()

    def _meetings(self, company: Organization) -> None:
        since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
        attended = Attendance.objects.filter(
            member__home_org__path__startswith=company.path, meeting__is_cancelled=False
        )
        recent = attended.filter(meeting__starts_at__gte=since) | attended.filter(member=self.courier)
        by_meeting: dict[int, list[int]] = {}
        for meeting_id, member_id in recent.order_by("meeting__starts_at", "meeting_id").values_list(
            "meeting_id", "member_id"
        ):
            by_meeting.setdefault(meeting_id, []).append(member_id)
        meetings = Meeting.objects.in_bulk(list(by_meeting))
        for meeting_id, members in by_meeting.items():
            meeting = meetings[meeting_id]
            services.award_many(members, PointKind.MEETING_ATTENDED, meeting, at=meeting.starts_at)

    def _chain_sessions(self, company: Organization) -> None:
        attended = Attendee.objects.filter(member__home_org__path__startswith=company.path).select_related("session")
        by_session: dict[int, tuple] = {}
        for row in attended.order_by("session__starts_at", "pk"):
            by_session.setdefault(row.session_id, (row.session, []))[1].append(row.member_id)
        for session, members in by_session.values():
            services.award_many(members, PointKind.CHAIN_SESSION_ATTENDED, session, at=session.starts_at)

    def _lessons(self, company: Organization) -> None:
        finished = Progress.objects.filter(member__home_org__path__startswith=company.path, completed_at__isnull=False)
        for progress in finished.select_related("lesson").order_by("completed_at", "pk"):
            services.award_many(
                [progress.member_id], PointKind.LESSON_COMPLETED, progress.lesson, at=progress.completed_at
            )
