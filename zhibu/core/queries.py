"""Reads for the home and audit pages, always starting from the actor's scope."""

import datetime

from django.db.models import QuerySet

from zhibu.core.models import AuditEvent
from zhibu.core.scope import Capability
from zhibu.registry.models import Organization


def scope_grants(actor):
    """The actor's role grants, the widest organisation first."""
    return actor.grants.select_related("organization").order_by("organization__path", "role")


def audit_events(
    actor,
    *,
    action: str = "",
    actor_name: str = "",
    object_type: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """Events whose organisation lies in the actor's audit scope (all of them for platform
    administrators), newest first. Dates are days in the current time zone, both included."""
    events = AuditEvent.objects.all()
    if not actor.scope.is_platform:
        events = events.filter(
            org__in=Organization.objects.filter(actor.scope.q("path", Capability.AUDIT)).values("pk")
        )
    if action:
        events = events.filter(action=action)
    if actor_name.strip():
        events = events.filter(actor_name__icontains=actor_name.strip())
    if object_type:
        events = events.filter(object_type=object_type)
    if date_from is not None:
        events = events.filter(at__date__gte=date_from)
    if date_to is not None:
        events = events.filter(at__date__lte=date_to)
    return events
