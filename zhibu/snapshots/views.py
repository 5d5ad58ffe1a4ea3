"""The monthly ledger page: two months compared per organisation, drill-down to the people, and
freezing the current month on demand. Reads go through queries (outside the actor's scope an
organisation does not exist: 404), the freeze through services."""

import datetime
from collections.abc import Callable, Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from zhibu.core.scope import Capability
from zhibu.registry import queries as registry_queries
from zhibu.registry.models import Organization
from zhibu.registry.views.chosen import chosen_organization, visible_organization
from zhibu.snapshots import queries, services
from zhibu.snapshots.forms import CompareForm, month_value, parse_month

PAGE_SIZE = 50
COLUMNS = (
    queries.AT_A,
    queries.AT_B,
    queries.JOINED,
    queries.LEFT,
    queries.MOVED_IN,
    queries.MOVED_OUT,
    queries.CHANGED,
)
KIND_LABELS = {
    queries.JOINED: gettext_lazy("Joined"),
    queries.LEFT: gettext_lazy("Left"),
    queries.MOVED_IN: gettext_lazy("Moved in"),
    queries.MOVED_OUT: gettext_lazy("Moved out"),
    queries.CHANGED: gettext_lazy("Status changed"),
}


def _chosen_months(params, months: list[datetime.date]) -> tuple[datetime.date | None, datetime.date | None]:
    """Months a (earlier) and b (later) asked for, else the two latest frozen."""
    month_a, month_b = parse_month(params.get("a")), parse_month(params.get("b"))
    if month_b not in months:
        month_b = months[0] if months else None
    if month_a not in months:
        month_a = months[1] if len(months) > 1 else None
    if month_a is not None and month_b is not None and month_a > month_b:
        month_a, month_b = month_b, month_a
    return month_a, month_b


def _kind_label(kind: str, month_a: datetime.date, month_b: datetime.date) -> str:
    if kind == queries.AT_A:
        return _("Members in %(month)s") % {"month": month_value(month_a)}
    if kind == queries.AT_B:
        return _("Members in %(month)s") % {"month": month_value(month_b)}
    return str(KIND_LABELS[kind])


def _month_context(org: Organization, months, month_a, month_b) -> dict:
    current = services.current_month()
    return {
        "org": org,
        "months": months,
        "month_a": month_a,
        "month_b": month_b,
        "a_value": month_value(month_a) if month_a else "",
        "b_value": month_value(month_b) if month_b else "",
        "provisional": month_b is not None and month_b >= current,
        "current_month": current,
    }


@login_required
def index(request):
    actor = request.user
    org = chosen_organization(actor, request.GET.get("org"))
    months = queries.snapshot_months(actor, org)
    month_a, month_b = _chosen_months(request.GET, months)
    context = _month_context(org, months, month_a, month_b)
    rows = []
    if month_a is not None:
        comparison = queries.compare(actor, org, month_a, month_b)
        rows = [_row(comparison.total, None, is_total=True)] + [
            _row(counts, counts.organization) for counts in comparison.children
        ]
    parent = Organization.objects.get_parent(org)
    context |= {
        "form": CompareForm(
            actor,
            org,
            months,
            context["current_month"],
            initial={"org": org.pk, "a": context["a_value"], "b": context["b_value"]},
        ),
        "rows": rows,
        "columns": [_kind_label(kind, month_a, month_b) for kind in COLUMNS] if month_a else [],
        "parent": parent if parent is not None and actor.scope.covers(parent.path) else None,
        "can_freeze": actor.scope.covers(org.path, Capability.EDIT),
        "chart": _chart(rows) if month_a else None,
    }
    return render(request, "snapshots/index.html", context)


def _chart(rows: list[dict]) -> dict:
    """The changes of each child organisation (or of the whole subtree when it has none) as bars."""
    shown = rows[1:] or rows
    return {
        "categories": [row["organization"].name for row in shown],
        "series": [
            {"name": str(label), "data": [dict(row["cells"])[kind] for row in shown]}
            for kind, label in KIND_LABELS.items()
        ],
    }


def _row(counts: queries.Counts, part: Organization | None, is_total: bool = False) -> dict:
    return {
        "organization": counts.organization,
        "part": part,
        "is_total": is_total,
        "cells": [(kind, getattr(counts, kind)) for kind in COLUMNS],
    }


@login_required
def people(request, pk: int, kind: str):
    actor = request.user
    org = visible_organization(actor, pk)
    if kind not in queries.KINDS:
        raise Http404
    part = visible_organization(actor, request.GET["part"]) if request.GET.get("part") else None
    if part is not None and not part.path.startswith(org.path):
        raise Http404
    months = queries.snapshot_months(actor, org)
    month_a, month_b = _chosen_months(request.GET, months)
    context = _month_context(org, months, month_a, month_b) | {"part": part, "kind": kind, "page": None}
    if month_a is not None:
        page = _stream_page(
            lambda: queries.changed_people(actor, org, month_a, month_b, kind, part=part), request.GET.get("page")
        )
        shown = [person.member_id for person in page]
        context |= {
            "page": page,
            "kind_label": _kind_label(kind, month_a, month_b),
            # Links to the members still on record and in the actor's scope.
            "linked": set(registry_queries.members(actor).filter(pk__in=shown).values_list("pk", flat=True)),
        }
    return render(request, "snapshots/people.html", context)


class _Window:
    """One page of a stream and the stream's length, read in one pass: enough for Paginator."""

    def __init__(self, items: Iterator, start: int, size: int):
        self.items: list = []
        self.total = 0
        for index, item in enumerate(items):
            if start <= index < start + size:
                self.items.append(item)
            self.total = index + 1

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, key):
        return self.items  # Paginator asks only for the page it was built for


def _stream_page(make_items: Callable[[], Iterator], page_text: str | None) -> Page:
    number = int(page_text) if page_text and page_text.isdigit() and int(page_text) > 0 else 1
    paginator = Paginator(_Window(make_items(), (number - 1) * PAGE_SIZE, PAGE_SIZE), PAGE_SIZE)
    if number > paginator.num_pages:  # past the end: the last page, read again
        number = paginator.num_pages
        paginator = Paginator(_Window(make_items(), (number - 1) * PAGE_SIZE, PAGE_SIZE), PAGE_SIZE)
    return paginator.page(number)


@login_required
@require_POST
def freeze(request, pk: int):
    actor = request.user
    org = visible_organization(actor, pk)
    if not actor.scope.covers(org.path, Capability.EDIT):
        raise PermissionDenied
    result = services.freeze_month(actor, org, request=request)
    messages.success(
        request,
        ngettext(
            "The ledger of %(month)s has been frozen: %(members)d member in %(organizations)d organisation(s).",
            "The ledger of %(month)s has been frozen: %(members)d members in %(organizations)d organisation(s).",
            result.members,
        )
        % {"month": month_value(result.month), "members": result.members, "organizations": result.organizations},
    )
    return redirect(f"{reverse('snapshots:index')}?org={org.pk}")
