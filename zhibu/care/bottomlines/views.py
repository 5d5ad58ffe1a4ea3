"""The bottom-lines page: an organisation's figures over its subtree and each child's, a chart, and
for every figure the members behind it; plus the Excel export. Organisations outside the actor's
scope do not exist here (404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from zhibu.care.bottomlines import export, queries
from zhibu.care.bottomlines.forms import BottomLinesForm
from zhibu.care.bottomlines.queries import ALL_THREE, LINE_LABELS, LINES, Counts, Period, label
from zhibu.care.models import Pairing
from zhibu.core import audit
from zhibu.core.downloads import attachment
from zhibu.core.replica import reading_from_replica
from zhibu.registry import queries as registry_queries
from zhibu.registry.models import Organization
from zhibu.registry.views.chosen import chosen_organization, visible_organization

PAGE_SIZE = 50


def _period(request) -> Period:
    """The year asked for; a bad one is explained and the current year shown instead."""
    try:
        return queries.parse_period(request.GET.get("period"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return queries.current_period()


def _missing_url(org: Organization, line: str, period: Period) -> str:
    return f"{reverse('bottom_lines:missing', args=[org.pk, line])}?{urlencode({'period': period})}"


def _cells(org: Organization, counts: Counts, period: Period) -> list[dict]:
    return [
        {
            "line": line,
            "label": label(line),
            "met": counts.met[line],
            "percent": counts.percent(line),
            "missed": counts.missed(line),
            "missed_url": _missing_url(org, line, period),
        }
        for line in (*LINES, ALL_THREE)
    ]


def _chart(rows: list[dict], period: Period) -> dict:
    """The share meeting each line, per child organisation (or for the organisation itself)."""
    return {
        "categories": [row["organization"].name for row in rows],
        "series": [
            {"name": str(LINE_LABELS[line]), "data": [row["counts"].percent(line) or 0 for row in rows]}
            for line in LINES
        ],
        "links": [row["url"] for row in rows],
        "max": 100,
        "unit": "%",
    }


def _row(org: Organization, counts: Counts, period: Period) -> dict:
    url = f"{reverse('bottom_lines:index')}?{urlencode({'org': org.pk, 'period': period})}"
    return {"organization": org, "counts": counts, "cells": _cells(org, counts, period), "url": url}


@login_required
@reading_from_replica()
def index(request):
    actor = request.user
    org = chosen_organization(actor, request.GET.get("org"))
    period = _period(request)
    children = list(registry_queries.children(actor, org))
    rollup = queries.rollup(org, children, period)
    rows = [_row(row.organization, row.counts, period) for row in rollup.children]
    total = _row(org, rollup.total, period)
    parent = Organization.objects.get_parent(org)
    context = {
        "form": BottomLinesForm(actor, org, period, queries.current_period()),
        "org": org,
        "period": period,
        "total": total,
        "rows": rows,
        "chart": _chart(rows or [total], period),
        "parent": parent if parent is not None and actor.scope.covers(parent.path) else None,
    }
    return render(request, "care/bottom_lines.html", context)


@login_required
@reading_from_replica()
def missing(request, pk: int, line: str):
    """The members of the subtree who miss a line (or, for "all", any line), with what to do."""
    if line not in (*LINES, ALL_THREE):
        raise Http404
    actor = request.user
    org = visible_organization(actor, pk)
    period = _period(request)
    open_pairings = Prefetch(
        "pairings", queryset=Pairing.objects.filter(ended_on=None).select_related("cadre"), to_attr="open_pairings"
    )
    members = queries.missing(org, period, line).prefetch_related(open_pairings)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "org": org,
        "period": period,
        "line": line,
        "line_label": label(line),
        "lines": [(name, LINE_LABELS[name]) for name in LINES],
        "page": page,
        "back": f"{reverse('bottom_lines:index')}?{urlencode({'org': org.pk, 'period': period})}",
    }
    return render(request, "care/bottom_lines_missing.html", context)


@login_required
def export_xlsx(request, pk: int):
    actor = request.user
    org = visible_organization(actor, pk)
    period = _period(request)
    rows = queries.subtree_rows(org, period)
    changes = {"dataset": "bottom_lines", "period": str(period), "format": "xlsx", "rows": len(rows)}
    audit.record(actor, audit.Action.EXPORT, org, org=org, changes=changes, request=request)
    return attachment(f"bottom-lines-{org.code}-{period}.xlsx", export.workbook(rows, period))
