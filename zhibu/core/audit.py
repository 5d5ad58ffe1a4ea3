"""Recording audit events. Services call `record` inside their transaction."""

from typing import Any

from django.db import models

from zhibu.core.models import AuditEvent

Action = AuditEvent.Action
REDACTED = "[redacted]"


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def build(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    org=None,
    changes: dict[str, Any] | None = None,
    request=None,
    object_repr: str = "",
    actor_name: str = "",
) -> AuditEvent:
    """An unsaved event; `record` saves it."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        actor=actor if authenticated else None,
        actor_name=actor_name or (actor.get_username() if authenticated else getattr(actor, "audit_name", "")),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        org_id=org.pk if isinstance(org, models.Model) else org,
        changes=changes or {},
        ip_address=client_ip(request),
    )


def record(actor, action: str, obj: models.Model | None = None, **details) -> AuditEvent:
    event = build(actor, action, obj, **details)
    event.save()
    return event


def diff(before: dict[str, Any], after: dict[str, Any], personal: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Changed fields as {field: [old, new]}, with personal data shown only as changed."""
    changed = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changed[name] = REDACTED if name in personal else [_plain(old), _plain(new)]
    return changed


def created(after: dict[str, Any], personal: frozenset[str] = frozenset()) -> dict[str, Any]:
    """`diff({}, after)`, quicker: bulk imports record one per new record."""
    return {
        name: REDACTED if name in personal else [None, _plain(value)]
        for name, value in sorted(after.items())
        if value is not None
    }


PLAIN_TYPES = frozenset({type(None), bool, int, float, str})


def _plain(value: Any) -> Any:
    if type(value) in PLAIN_TYPES:
        return value
    if isinstance(value, list | tuple | set):
        return sorted(_plain(v) for v in value)
    return str(value)
