"""The contact timeline: which rules apply to a pairing, and when each contact falls due.

Rules are data (ContactRule), as CiviCase keeps case timelines. A rule is a slot (kind, audience)
with an interval. For a pairing, a rule of the same slot on its organisation or the nearest
ancestor replaces the platform's default; an inactive one switches the slot off in that subtree.
Rules for members abroad apply only to members with an open outflow record marked abroad.

When a contact falls due: `interval_days` after the member's last contact of the rule's kind (by
any cadre, so that a reassignment does not restart the clock; "any" counts every kind). A member
with no such contact yet is due `interval_days` after the pairing started: a new pairing gives the
cadre one interval for the first talk. A member never contacted at all is also flagged "never
contacted" on every list, so that nobody hides behind a recent pairing.

Due dates are computed in SQL (`Timeline.annotate`), so that the long lists filter, sort and page
in the database, in one query however many members they hold.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone

from zhibu.care.models import ANY_KIND, Audience, Contact, ContactRule, Pairing
from zhibu.mobility.models import OPEN_STATES, Direction, Mobility

Slot = tuple[str, str]  # (kind, audience)
NEVER = datetime.date(9999, 12, 31)  # the next due date of a pairing that no rule applies to
SOON_DAYS = 7  # "whom to call this week": due within a week, or overdue


def due_horizon(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) + datetime.timedelta(days=SOON_DAYS)


@dataclass(frozen=True)
class EffectiveRule:
    """The rule in force for a slot in an organisation's subtree, and where it comes from."""

    slot: Slot
    rule: ContactRule  # the organisation's own, an ancestor's, or the platform's default
    default: ContactRule | None  # the platform's rule it replaces, if any

    @property
    def is_active(self) -> bool:
        return self.rule.is_active

    @property
    def is_default(self) -> bool:
        return self.rule.organization_id is None


@dataclass(frozen=True)
class DueItem:
    """One contact a pairing owes under one rule."""

    pairing: Pairing
    rule: ContactRule
    due_on: datetime.date
    today: datetime.date

    @property
    def days_left(self) -> int:
        return (self.due_on - self.today).days

    @property
    def is_overdue(self) -> bool:
        return self.due_on < self.today

    @property
    def is_soon(self) -> bool:
        return self.due_on <= self.today + datetime.timedelta(days=SOON_DAYS)

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def kind_label(self) -> str:
        return self.rule.get_kind_display()


class Timeline:
    """Every rule, read once (a small table), resolved for organisations in memory and in SQL."""

    def __init__(self, rules: list[ContactRule]):
        self.defaults: dict[Slot, ContactRule] = {}
        self.own: dict[Slot, list[ContactRule]] = {}  # organisations' rules, the deepest first
        for rule in rules:
            slot = (rule.kind, rule.audience)
            if rule.organization_id is None:
                self.defaults[slot] = rule
            else:
                self.own.setdefault(slot, []).append(rule)
        for found in self.own.values():
            found.sort(key=lambda rule: len(rule.organization.path), reverse=True)
        self.slots: list[Slot] = sorted(set(self.defaults) | set(self.own))

    @classmethod
    def load(cls) -> "Timeline":
        return cls(list(ContactRule.objects.select_related("organization")))

    # In memory, for one organisation

    def rule_for(self, slot: Slot, path: str) -> ContactRule | None:
        """The rule of the slot in force at the organisation with this path, or None."""
        for rule in self.own.get(slot, ()):
            if path.startswith(rule.organization.path):
                return rule if rule.is_active else None
        default = self.defaults.get(slot)
        return default if default is not None and default.is_active else None

    def effective(self, path: str) -> list[EffectiveRule]:
        """Each slot's nearest rule (active or switched off) at the organisation, for the rules page."""
        found = []
        for slot in self.slots:
            nearest = next((rule for rule in self.own.get(slot, ()) if path.startswith(rule.organization.path)), None)
            default = self.defaults.get(slot)
            if nearest or default:
                found.append(EffectiveRule(slot, nearest or default, default if nearest else None))
        return found

    # In SQL, for many pairings

    def annotate(self, pairings: QuerySet[Pairing]) -> QuerySet[Pairing]:
        """Adds `last_contact_on`, `due_<n>` for each slot n (None where no rule applies) and
        `next_due` (NEVER when none does), all computed by the database."""
        kinds = {kind for kind, _audience in self.slots} | {ANY_KIND}
        pairings = pairings.annotate(
            is_abroad=Exists(
                Mobility.objects.filter(
                    member=OuterRef("member_id"), direction=Direction.OUTFLOW, state__in=OPEN_STATES, abroad=True
                )
            ),
            **{_last_field(kind): _last_contact(kind) for kind in kinds},
        )
        dues = {f"due_{index}": self._due(slot) for index, slot in enumerate(self.slots)}
        pairings = pairings.annotate(**dues)
        ends = [Coalesce(F(name), Value(NEVER), output_field=DateField()) for name in dues]
        next_due = ends[0] if len(ends) == 1 else Least(*ends) if ends else Value(NEVER)
        return pairings.annotate(next_due=ExpressionWrapper(next_due, output_field=DateField()))

    def _due(self, slot: Slot):
        kind, audience = slot
        whens = [
            When(organization__path__startswith=rule.organization.path, then=_due_after(kind, rule))
            for rule in self.own.get(slot, ())
        ]
        default = self.defaults.get(slot)
        otherwise = _due_after(kind, default) if default is not None else _no_date()
        due = Case(*whens, default=otherwise, output_field=DateField()) if whens else otherwise
        if audience == Audience.ABROAD:
            due = Case(When(is_abroad=True, then=due), default=_no_date(), output_field=DateField())
        return due

    def items(self, pairing: Pairing, today: datetime.date | None = None) -> list[DueItem]:
        """The annotated pairing's due contacts, the earliest first."""
        today = today or timezone.localdate()
        found = []
        for index, slot in enumerate(self.slots):
            due_on = getattr(pairing, f"due_{index}")
            rule = self.rule_for(slot, pairing.organization.path)
            if due_on is not None and rule is not None:
                found.append(DueItem(pairing, rule, due_on, today))
        return sorted(found, key=lambda item: (item.due_on, item.rule.kind))


def _no_date() -> Value:
    return Value(None, output_field=DateField())


def _last_field(kind: str) -> str:
    return "last_contact_on" if kind == ANY_KIND else f"last_{kind}_on"


def _last_contact(kind: str) -> Subquery:
    contacts = Contact.objects.filter(member=OuterRef("member_id"))
    if kind != ANY_KIND:
        contacts = contacts.filter(kind=kind)
    return Subquery(contacts.order_by("-on").values("on")[:1], output_field=DateField())


def _due_after(kind: str, rule: ContactRule):
    """The date `rule.interval_days` after the last contact of the kind, or after the pairing
    started; None where the rule is switched off."""
    if not rule.is_active:
        return _no_date()
    since = Coalesce(F(_last_field(kind)), F("started_on"), output_field=DateField())
    later = ExpressionWrapper(since + datetime.timedelta(days=rule.interval_days), output_field=DateField())
    return Cast(later, DateField())
