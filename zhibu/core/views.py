"""The home page and the audit page."""

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from zhibu.core import audit, queries
from zhibu.core.forms import AuditFilterForm
from zhibu.core.models import AuditEvent
from zhibu.core.scope import Capability, Role
from zhibu.registry import queries as registry_queries

PAGE_SIZE = 50


@login_required
def home(request):
    actor = request.user
    scope = actor.scope
    grants = list(queries.scope_grants(actor))
    for grant in grants:
        grant.org_visible = grant.organization is not None and scope.covers(grant.organization.path)
    context = {
        "grants": grants,
        "counts": registry_queries.key_counts(actor) if scope.can(Capability.VIEW) else None,
        "own_member_id": scope.self_member_id,
        "is_station_staff": any(grant.role == Role.STATION_STAFF for grant in grants),
        "can_audit": scope.can(Capability.AUDIT),
    }
    return render(request, "core/home.html", context)


@login_required
def audit_list(request):
    actor = request.user
    if not actor.scope.can(Capability.AUDIT):
        raise Http404
    form = AuditFilterForm(request.GET)
    page = Paginator(queries.audit_events(actor, **form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        model = _model_of(event.object_type)
        event.object_kind = model._meta.verbose_name if model is not None else ""
        event.change_lines = change_lines(event, model)
    return render(request, "core/audit_list.html", {"form": form, "page": page})


EMPTY = "—"


def change_lines(event: AuditEvent, model) -> list[tuple[str, str]]:
    """(label, text) pairs of an event's recorded changes, e.g. ("name", "old → new"); fields
    that stayed empty (as most do when a record is created) are left out."""
    lines = [_change_line(model, name, value) for name, value in event.changes.items()]
    return [(label, text) for label, text in lines if text != EMPTY]


def _change_line(model, name: str, value) -> tuple[str, str]:
    if name == "field":  # a reveal names the field that was shown
        return _("Field shown"), _field_label(model, value)
    field = _model_field(model, name)
    if isinstance(value, list) and len(value) == 2:
        old, new = (_value_text(field, item) for item in value)
        text = new if old == EMPTY else f"{old} → {new}"
    else:
        text = _value_text(field, value)
    return _field_label(model, name), text


def _model_of(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _model_field(model, name: str):
    """The model's own field of that name; a reverse relation (a freeze's "members" count on an
    organisation) has no label of its own, so it is not one."""
    try:
        field = model._meta.get_field(name)
    except (AttributeError, FieldDoesNotExist):
        return None
    return None if field.auto_created and not field.concrete else field


def _field_label(model, name: str) -> str:
    field = _model_field(model, name)
    if field is not None:
        return str(field.verbose_name)
    # Names recorded for values that are not model fields: sealed numbers, the tree position, and the
    # counts and options of imports, exports and monthly freezes.
    other = {
        "id_number": _("ID number"),
        "phone": _("Mobile number"),
        "parent": _("Parent organisation"),
        "dataset": _("Ledger"),
        "file": _("File"),
        "created": _("Created"),
        "updated": _("Updated"),
        "unchanged": _("Unchanged"),
        "rows": _("Rows"),
        "revealed": _("Full ID and phone numbers"),
        "format": _("Format"),
        "per_branch": _("One sheet per branch"),
        "month": _("Month"),
        "organizations": _("Organisations"),
        "members": _("Members"),
    }
    return other.get(name, name)


def _value_text(field, value) -> str:
    if value == audit.REDACTED:
        return _("changed (not shown)")
    if value in (None, "", []):
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if getattr(field, "choices", None):  # reverse relations have none
        return str(dict(field.flatchoices).get(value, value))
    return str(value)
