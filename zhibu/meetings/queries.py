"""Reads of meetings: the organisation side always through the actor's scope, the member side
always from the actor's own member record."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhibu.core.scope import Capability
from zhibu.meetings.models import Attendance, LeaveRequest, Meeting, MeetingKind, MeetingRule, Minutes, Period
from zhibu.registry.choices import BRANCH_KINDS, PartyStatus, Standing
from zhibu.registry.models import Member, Organization

# Organisation side


def meetings(actor, capability: str = Capability.VIEW) -> QuerySet[Meeting]:
    return Meeting.objects.filter(actor.scope.q("organization__path", capability)).select_related(
        "organization", "station"
    )


def organizations(actor) -> QuerySet[Organization]:
    """The branches in the actor's scope, where meetings are held, with this year's count."""
    year = timezone.localdate().year
    return (
        Organization.objects.filter(actor.scope.q("path", Capability.VIEW), kind__in=BRANCH_KINDS)
        .annotate(
            meetings_this_year=Count("meetings", filter=Q(meetings__starts_at__year=year, meetings__is_cancelled=False))
        )
        .order_by("path")
    )


def invitee_filter(organization_id: int) -> Q:
    """Members of the organisation, and members taking part there (参加活动党组织), in good standing."""
    taking_part = Member.activity_orgs.through.objects.filter(member_id=OuterRef("pk"), organization_id=organization_id)
    return Q(standing=Standing.NORMAL) & (Q(home_org_id=organization_id) | Q(Exists(taking_part)))


def invitees(meeting: Meeting) -> QuerySet[Member]:
    return Member.objects.filter(invitee_filter(meeting.organization_id))


def is_invited(meeting: Meeting, member: Member) -> bool:
    return invitees(meeting).filter(pk=member.pk).exists()


@dataclass
class InviteeRow:
    member: Member
    attendance: Attendance | None
    leave: LeaveRequest | None

    @property
    def is_guest(self) -> bool:
        """Takes part here without holding the record here (a mobile member)."""
        return self.member.home_org_id != self.attendance_org_id

    attendance_org_id: int = 0


def sheet(meeting: Meeting) -> list[InviteeRow]:
    """Every invitee with their attendance and leave, in three queries whatever the count."""
    people = list(invitees(meeting).select_related("home_org").order_by("name_pinyin", "pk"))
    marks = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting)}
    leave = {request.member_id: request for request in LeaveRequest.objects.filter(meeting=meeting)}
    return [
        InviteeRow(member, marks.get(member.pk), leave.get(member.pk), meeting.organization_id) for member in people
    ]


@dataclass
class Quorum:
    present: int
    voting: int

    @property
    def reached(self) -> bool:
        return self.present * 2 > self.voting


def quorum(meeting: Meeting) -> Quorum:
    """支部党员大会: more than half of the members with a vote attend. 预备党员 have no vote; the
    voters are the full members in normal standing whose record is in the organisation."""
    voting = Member.objects.filter(
        home_org_id=meeting.organization_id, party_status=PartyStatus.FULL, standing=Standing.NORMAL
    )
    present = voting.filter(attendance__meeting=meeting).count()
    return Quorum(present=present, voting=voting.count())


# Member side


def my_meetings(user) -> QuerySet[Meeting]:
    """The meetings the user's member record is invited to: its home organisation's and those of
    the organisations it takes part in."""
    member = getattr(user, "member", None)
    if member is None or member.standing != Standing.NORMAL:
        return Meeting.objects.none()
    taking_part = member.activity_orgs.values("pk")
    return (
        Meeting.objects.filter(Q(organization_id=member.home_org_id) | Q(organization__in=taking_part))
        .select_related("organization", "station")
        .annotate(
            attended=Exists(Attendance.objects.filter(meeting=OuterRef("pk"), member=member)),
            on_leave=Exists(LeaveRequest.objects.filter(meeting=OuterRef("pk"), member=member)),
        )
    )


# Frequency rules and the calendar


@dataclass
class EffectiveRule:
    kind: str
    period: str
    source: Organization | None  # None: the platform default

    @property
    def kind_label(self) -> str:
        return MeetingKind(self.kind).label

    @property
    def period_label(self) -> str:
        return Period(self.period).label


# The usual frequency of the regulations, for a kind that has no platform rule row at all (the
# rows of migration 0002 are the platform defaults an administrator may change or switch off).
USUAL_PERIODS = {
    MeetingKind.GENERAL_ASSEMBLY: Period.QUARTER,
    MeetingKind.COMMITTEE: Period.MONTH,
    MeetingKind.GROUP: Period.MONTH,
    MeetingKind.LECTURE: Period.QUARTER,
    MeetingKind.THEME_DAY: Period.MONTH,
    MeetingKind.LIFE_MEETING: Period.YEAR,
    MeetingKind.APPRAISAL: Period.YEAR,
}


def rules_for(organization: Organization) -> list[EffectiveRule]:
    """The rules in force for the organisation: for each kind, the rule of the nearest ancestor
    (itself included) that has one, else the platform default; an inactive rule switches it off."""
    paths = organization.lineage_paths[::-1]  # nearest first
    depth = {path: index for index, path in enumerate(paths)}
    candidates = MeetingRule.objects.filter(Q(organization=None) | Q(organization__path__in=paths)).select_related(
        "organization"
    )
    nearest: dict[str, tuple[int, MeetingRule]] = {
        kind: (len(paths) + 1, MeetingRule(kind=kind, period=period)) for kind, period in USUAL_PERIODS.items()
    }
    for rule in candidates:
        rank = depth[rule.organization.path] if rule.organization_id else len(paths)
        if rank < nearest[rule.kind][0]:
            nearest[rule.kind] = (rank, rule)
    order = list(MeetingKind.values)
    chosen = sorted((rule for _rank, rule in nearest.values()), key=lambda rule: order.index(rule.kind))
    return [EffectiveRule(rule.kind, rule.period, rule.organization) for rule in chosen if rule.is_active]


class CellState:
    HELD = "held"
    DUE = "due"
    MISSED = "missed"
    LATER = "later"


CELL_LABELS = {
    CellState.HELD: pgettext_lazy("meeting calendar", "Held"),
    CellState.DUE: _("Due"),
    CellState.MISSED: pgettext_lazy("meeting calendar", "Missed"),
    CellState.LATER: _("Later"),
}


@dataclass
class Cell:
    label: str  # the period: "1" (January), "Q1", the year
    first: datetime.date
    state: str
    count: int

    @property
    def state_label(self) -> str:
        return CELL_LABELS[self.state]


@dataclass
class CalendarRow:
    rule: EffectiveRule
    cells: list[Cell]


def periods(period: str, year: int) -> list[tuple[str, datetime.date, datetime.date]]:
    """(label, first day, first day after) of each period of the year."""
    if period == Period.YEAR:
        return [(str(year), datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))]
    months = 3 if period == Period.QUARTER else 1
    spans = []
    for index, month in enumerate(range(1, 13, months)):
        end = datetime.date(year + (month + months > 12), (month + months - 1) % 12 + 1, 1)
        label = f"Q{index + 1}" if months == 3 else f"{month}"
        spans.append((label, datetime.date(year, month, 1), end))
    return spans


def held_meetings(organization: Organization, year: int) -> QuerySet[Meeting]:
    """The meetings that count as held: not cancelled, with at least one attendance or minutes.
    A meeting that was only planned, with nobody recorded and nothing written, does not count."""
    return Meeting.objects.filter(organization=organization, is_cancelled=False, starts_at__year=year).filter(
        Exists(Attendance.objects.filter(meeting=OuterRef("pk")))
        | Exists(Minutes.objects.filter(meeting=OuterRef("pk")))
    )


def calendar(organization: Organization, year: int, today: datetime.date | None = None) -> list[CalendarRow]:
    """Per rule in force and per period: held, due (the current period, not yet held), missed (a
    past period, not held) or later (a period still to come)."""
    today = today or timezone.localdate()
    starts = [
        (kind, timezone.localdate(starts_at))
        for kind, starts_at in held_meetings(organization, year).values_list("kind", "starts_at")
    ]
    rows = []
    for rule in rules_for(organization):
        cells = []
        for label, first, after in periods(rule.period, year):
            count = sum(1 for kind, day in starts if kind == rule.kind and first <= day < after)
            cells.append(Cell(label, first, _cell_state(count, first, after, today), count))
        rows.append(CalendarRow(rule, cells))
    return rows


def _cell_state(count: int, first: datetime.date, after: datetime.date, today: datetime.date) -> str:
    if count:
        return CellState.HELD
    if after <= today:
        return CellState.MISSED
    if first <= today:
        return CellState.DUE
    return CellState.LATER
