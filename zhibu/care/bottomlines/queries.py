"""The three bottom lines for every mobile member: 人要找到、书要发到、确保过一次组织生活.

For a period (a calendar year), each mobile member whose record lies in an organisation's subtree
gets one result per line:

- found: a contact logged, or a 报到 verified, within the period;
- materials: at least one campaign launched in the period reached them, and every parcel of those
  campaigns is confirmed received. A member whom no campaign reached misses the line: the rule is
  that the materials reach every member, and a branch that sent nothing has not done that;
- organisational life: they attended at least one meeting held in the period, in any organisation.

A member counts as mobile in a period when one of their mobility records was open during it; a
member marked mobile with no mobility record at all (as old ledgers are imported) counts by the
mark. Members count once, under their home organisation. Every figure is computed from those
records, none can be typed in: the services that write them keep each member's result per year
(`kept`), so that a province's rollup reads one row per member rather than every record.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhibu.care.models import Contact, YearLines
from zhibu.checkins.models import CheckIn
from zhibu.materials.models import Campaign, Delivery, DeliveryState
from zhibu.meetings.models import Attendance, Meeting
from zhibu.mobility.models import Mobility
from zhibu.registry.choices import Standing
from zhibu.registry.models import Member, Organization

FOUND, MATERIALS, LIFE = "found", "materials", "life"
LINES = (FOUND, MATERIALS, LIFE)
LINE_LABELS = {
    FOUND: gettext_lazy("Found"),
    MATERIALS: gettext_lazy("Materials delivered"),
    LIFE: gettext_lazy("Organisational life"),
}
ALL_THREE = "all"


def label(line: str) -> str:
    return str(LINE_LABELS[line]) if line in LINE_LABELS else _("All three")


FIRST_YEAR = 2000


@dataclass(frozen=True)
class Period:
    year: int

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def day_after(self) -> datetime.date:
        return datetime.date(self.year + 1, 1, 1)

    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as [start, end) in local time, for timestamps."""
        zone = timezone.get_current_timezone()
        midnight = datetime.time()
        return (
            datetime.datetime.combine(self.first_day, midnight, zone),
            datetime.datetime.combine(self.day_after, midnight, zone),
        )

    def __str__(self) -> str:
        return str(self.year)


def current_period() -> Period:
    return Period(timezone.localdate().year)


def parse_period(value: str | None) -> Period:
    """ "2026" → the year 2026; empty → the current year; anything else a message."""
    if not value:
        return current_period()
    this_year = timezone.localdate().year
    if not (value.isascii() and value.isdigit() and FIRST_YEAR <= int(value) <= this_year):
        raise ValidationError(
            _("The period is a year from %(first)s to %(last)s, such as %(last)s.")
            % {"first": FIRST_YEAR, "last": this_year},
            code="period",
        )
    return Period(int(value))


def _contacts(period: Period) -> QuerySet[Contact]:
    return Contact.objects.filter(on__gte=period.first_day, on__lt=period.day_after)


def _verified_checkins(period: Period) -> QuerySet[CheckIn]:
    start, end = period.moments()
    return CheckIn.objects.filter(verified_at__gte=start, verified_at__lt=end)


def _all_received(period: Period) -> QuerySet[Delivery]:
    """Per member (`member_id`) reached by a campaign launched in the period: those with no
    parcel of such a campaign still unconfirmed."""
    start, end = period.moments()
    campaigns = Campaign.objects.filter(
        launched_at__gte=start, launched_at__lt=end, state__in=[Campaign.State.LAUNCHED, Campaign.State.CLOSED]
    )
    return (
        Delivery.objects.filter(campaign__in=campaigns.values("pk"))
        .order_by()
        .values("member_id")
        .annotate(open=Count("pk", filter=~Q(state=DeliveryState.RECEIVED)))
        .filter(open=0)
        .values("member_id")
    )


def _attendance(period: Period) -> QuerySet[Attendance]:
    start, end = period.moments()
    meetings = Meeting.objects.filter(starts_at__gte=start, starts_at__lt=end, is_cancelled=False)
    return Attendance.objects.filter(meeting__in=meetings.values("pk"))


def member_sets(period: Period, members=None) -> dict[str, QuerySet]:
    """For each line, the ids (`member_id`) of everyone who meets it in the period, or of those of
    `members` (ids, or a queryset of ids) who do: one query each. The rules of the three lines;
    `kept` applies them when a record changes, and the pages read what it kept."""
    sets = {
        FOUND: (_contacts(period), _verified_checkins(period)),
        MATERIALS: (_all_received(period),),
        LIFE: (_attendance(period),),
    }
    if members is not None:
        sets = {line: tuple(rows.filter(member_id__in=members) for rows in parts) for line, parts in sets.items()}
    found_by_contact, found_by_checkin = sets[FOUND]
    return {
        FOUND: found_by_contact.order_by().values("member_id").union(found_by_checkin.order_by().values("member_id")),
        MATERIALS: sets[MATERIALS][0],
        LIFE: sets[LIFE][0].order_by().values("member_id").distinct(),
    }


def mobile_members(organization: Organization, period: Period) -> QuerySet[Member]:
    """The mobile members of the period whose record lies in the organisation's subtree."""
    away = Mobility.objects.filter(since__lt=period.day_after).filter(
        Q(ended_on=None) | Q(ended_on__gte=period.first_day)
    )
    mobile_in_period = Q(pk__in=away.values("member_id")) | (
        Q(is_mobile=True) & ~Q(pk__in=Mobility.objects.values("member_id"))
    )
    return Member.objects.filter(
        mobile_in_period, home_org__path__startswith=organization.path, standing=Standing.NORMAL
    )


def with_lines(members: QuerySet[Member], period: Period) -> QuerySet[Member]:
    """`members`, each with a boolean per line: `found`, `materials` and `life`, as kept for the
    period. For pages of names: per member, so that a filter on them is a join."""
    kept = YearLines.objects.filter(member=OuterRef("pk"), year=period.year)
    return members.annotate(**{line: Exists(kept.filter(**{line: True})) for line in LINES})


@dataclass
class Counts:
    """Mobile members of a subtree, and how many meet each line and all three."""

    total: int = 0
    met: dict[str, int] = field(default_factory=lambda: dict.fromkeys((*LINES, ALL_THREE), 0))

    def add(self, other: "Counts") -> None:
        self.total += other.total
        for line, count in other.met.items():
            self.met[line] += count

    def missed(self, line: str) -> int:
        return self.total - self.met[line]

    def percent(self, line: str) -> float | None:
        return round(100 * self.met[line] / self.total, 1) if self.total else None


def counts_by_home_organization(organization: Organization, period: Period) -> dict[str, Counts]:
    """Counts per home organisation path in the subtree, in one query: the mobile members of the
    subtree, each joined to the lines kept for them in the period."""
    kept = {"kept": FilteredRelation("year_lines", condition=Q(year_lines__year=period.year))}
    met = {line: Count("pk", filter=Q(**{f"kept__{line}": True})) for line in LINES}
    met[ALL_THREE] = Count("pk", filter=Q(**{f"kept__{line}": True for line in LINES}))
    rows = (
        mobile_members(organization, period)
        .annotate(**kept)
        .order_by()
        .values("home_org__path")
        .annotate(members=Count("pk"), **met)
    )
    return {
        row["home_org__path"]: Counts(row["members"], {name: row[name] for name in (*LINES, ALL_THREE)}) for row in rows
    }


@dataclass
class Row:
    organization: Organization
    counts: Counts


@dataclass
class Rollup:
    total: Counts
    children: list[Row]


def rollup(organization: Organization, children: list[Organization], period: Period) -> Rollup:
    """The organisation's figures over its subtree, and each child's over its own; two queries
    whatever the number of organisations (the caller reads the children)."""
    by_path = counts_by_home_organization(organization, period)
    total = Counts()
    per_child = {child.path: Counts() for child in children}
    length = len(children[0].path) if children else 0
    for path, counts in by_path.items():
        total.add(counts)
        if path[:length] in per_child:
            per_child[path[:length]].add(counts)
    return Rollup(total, [Row(child, per_child[child.path]) for child in children])


def subtree_rows(organization: Organization, period: Period) -> list[Row]:
    """Every organisation of the subtree, in tree order, each with the figures of its own subtree:
    for the export and the whole-tree benchmark. Two queries."""
    subtree = Organization.objects.filter(path__startswith=organization.path).order_by("path")
    organizations = list(subtree.only("path", "depth", "code", "name"))
    rows = {org.path: Row(org, Counts()) for org in organizations}
    steplen = Organization.steplen
    for path, counts in counts_by_home_organization(organization, period).items():
        for end in range(len(organization.path), len(path) + 1, steplen):
            row = rows.get(path[:end])
            if row is not None:
                row.counts.add(counts)
    return list(rows.values())


def missing(organization: Organization, period: Period, line: str) -> QuerySet[Member]:
    """The members behind a figure: those of the subtree who miss `line` (or any line, for "all")."""
    members = with_lines(mobile_members(organization, period), period)
    if line == ALL_THREE:
        members = members.filter(Q(found=False) | Q(materials=False) | Q(life=False))
    else:
        members = members.filter(**{line: False})
    return members.select_related("home_org").order_by("home_org__path", "name_pinyin", "pk")
