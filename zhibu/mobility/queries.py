"""Reads of mobility records, always through the actor's scope."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.core.models import AuditEvent
from zhibu.core.scope import Capability
from zhibu.mobility.models import OPEN_STATES, Direction, Mobility, MobilityState
from zhibu.registry.models import Member

SIX_MONTHS_DAYS = 183


def records(actor) -> QuerySet[Mobility]:
    """Records registered by an organisation in scope, or of members whose home branch is in scope."""
    scope = actor.scope
    return Mobility.objects.filter(
        scope.q("organization__path", Capability.VIEW) | scope.q("member__home_org__path", Capability.VIEW)
    ).select_related("member", "organization", "to_region", "to_unit", "to_org")


def history(actor, member: Member) -> QuerySet[Mobility]:
    """The member's whole mobility history, for the member page."""
    return records(actor).filter(member=member).order_by("-since", "-id")


@dataclass
class MemberMobility:
    """What the registry's member page shows of mobility: the history, and whether the actor may
    register an outflow (the home branch, while no outflow is open)."""

    records: list[Mobility]
    can_register_outflow: bool


def member_panel(actor, member: Member) -> MemberMobility:
    found = list(history(actor, member))
    away = any(record.direction == Direction.OUTFLOW and record.is_open for record in found)
    may_edit = actor.scope.covers(member.home_org.path, Capability.EDIT)
    return MemberMobility(found, may_edit and not away)


@dataclass
class LostCase:
    record: Mobility
    days: int


def lost_cases(actor, today: datetime.date | None = None, limit: int | None = None) -> list[LostCase]:
    """The lost-contact list, longest first, with the age of each case in days."""
    today = today or timezone.localdate()
    lost = records(actor).filter(state=MobilityState.LOST).order_by("lost_on", "id")[:limit]
    return [LostCase(record, (today - record.lost_on).days) for record in lost]


@dataclass
class Step:
    """One change of a record, read back from the audit trail."""

    at: datetime.datetime
    actor_name: str
    created: bool
    state: str  # the label of the state it entered, or "" when the state stayed
    changed: list[str]  # the labels of the other fields that changed


# Fields whose changes the timeline names; the rest (pairing bookkeeping) stay in the audit trail.
STEP_FIELDS = {
    **{
        name: Mobility._meta.get_field(name).verbose_name
        for name in ("to_region", "abroad", "to_unit", "to_org", "since", "reason", "expected_months", "reach_note")
    },
    "reach_phone": _("Phone to reach them"),
}
HISTORY_LIMIT = 50


def state_history(actor, record: Mobility) -> list[Step]:
    """The record's states and changes, oldest first, for those who may read the audit trail. The
    organisation filter keeps the read on an index: the events are recorded against it."""
    if not actor.scope.covers(record.organization.path, Capability.AUDIT):
        return []
    events = AuditEvent.objects.filter(
        org_id=record.organization_id,
        object_type=Mobility._meta.label_lower,
        object_id=str(record.pk),
        action__in=[AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE],
    ).order_by("at", "id")[:HISTORY_LIMIT]
    return [_step(event) for event in events]


def _step(event: AuditEvent) -> Step:
    changes = event.changes or {}
    created = event.action == AuditEvent.Action.CREATE
    state = changes.get("state")
    label = MobilityState(state[1]).label if isinstance(state, list) and state[1] in MobilityState.values else ""
    # A creation lists every field; the state it starts in says enough.
    changed = [] if created else [str(name) for field, name in STEP_FIELDS.items() if field in changes]
    return Step(event.at, event.actor_name, created, label, changed)


def unrecorded_absences(actor, today: datetime.date | None = None) -> QuerySet[Member]:
    """The six-month rule, for home branches: members away for six months or more with no outflow
    record — reported in elsewhere (an open inflow) at least six months ago, or marked mobile with no
    open record at all."""
    today = today or timezone.localdate()
    open_outflow = Mobility.objects.filter(member=OuterRef("pk"), direction=Direction.OUTFLOW, state__in=OPEN_STATES)
    long_inflow = Mobility.objects.filter(
        member=OuterRef("pk"),
        direction=Direction.INFLOW,
        state__in=OPEN_STATES,
        since__lte=today - datetime.timedelta(days=SIX_MONTHS_DAYS),
    )
    any_open = Mobility.objects.filter(member=OuterRef("pk"), state__in=OPEN_STATES)
    return (
        Member.objects.filter(actor.scope.q("home_org__path", Capability.VIEW))
        .filter(~Exists(open_outflow))
        .filter(Exists(long_inflow) | (Q(is_mobile=True) & ~Exists(any_open)))
        .select_related("home_org")
    )
