"""Reads of mobility records, always through the actor's scope."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

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
class LostCase:
    record: Mobility
    days: int


def lost_cases(actor, today: datetime.date | None = None) -> list[LostCase]:
    """The lost-contact list, longest first, with the age of each case in days."""
    today = today or timezone.localdate()
    lost = records(actor).filter(state=MobilityState.LOST).order_by("lost_on", "id")
    return [LostCase(record, (today - record.lost_on).days) for record in lost]


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
