"""Mobility pages: the figures and lists of mobile members, registering outflow and inflow, a
record's states, finding lost members, and the "looking for" poster."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zhibu.core import audit
from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.mobility import poster, queries, services
from zhibu.mobility.forms import AttemptForm, DateForm, EndForm, InflowForm, RecordFilterForm, TaskForm, WhereaboutsForm
from zhibu.mobility.models import Direction, FindingTask, Mobility, MobilityState
from zhibu.registry import queries as registry_queries

PAGE_SIZE = 50


def _require_view(actor) -> None:
    if not actor.scope.can(Capability.VIEW):
        raise PermissionDenied


def _can_edit(actor, record: Mobility) -> bool:
    return actor.scope.covers(record.organization.path, Capability.EDIT)


@login_required
def index(request):
    actor = request.user
    _require_view(actor)
    form = RecordFilterForm(request.GET or None)
    records = queries.records(actor)
    page = Paginator(form.filter(records).order_by("-since", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = {
        (row["direction"], row["state"]): row["n"]
        for row in records.values("direction", "state").annotate(n=Count("id")).order_by()
    }
    base = reverse("mobility:index")
    states = MobilityState.choices
    chart = {
        "categories": [label for _state, label in states],
        "series": [
            {"name": str(label), "data": [counts.get((direction, state), 0) for state, _label in states]}
            for direction, label in Direction.choices
        ],
        "links": [f"{base}?state={state}" for state, _label in states],
    }
    table = [
        {
            "label": label,
            "url": f"{base}?state={state}",
            "cells": [
                {"count": counts.get((direction, state), 0), "url": f"{base}?state={state}&direction={direction}"}
                for direction, _label in Direction.choices
            ],
        }
        for state, label in states
    ]
    context = {
        "form": form,
        "page": page,
        "chart": chart,
        "table": table,
        "directions": Direction.choices,
        "lost": queries.lost_cases(actor)[:PAGE_SIZE],
        "absences": queries.unrecorded_absences(actor).order_by("home_org__path", "name")[:PAGE_SIZE],
        "can_inflow": actor.scope.can(Capability.EDIT),
    }
    return render(request, "mobility/index.html", context)


@login_required
def outflow(request, member_pk: int):
    actor = request.user
    member = get_object_or_404(registry_queries.members(actor), pk=member_pk)
    if not actor.scope.covers(member.home_org.path, Capability.EDIT):
        raise PermissionDenied
    form = WhereaboutsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.register_outflow(actor, member, form.whereabouts())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The outflow of %(name)s has been registered.") % {"name": member.name})
            return redirect("mobility:detail", record.pk)
    return render(request, "mobility/outflow.html", {"form": form, "member": member})


@login_required
def inflow(request):
    actor = request.user
    if not actor.scope.can(Capability.EDIT):
        raise PermissionDenied
    form = InflowForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.find_member(data["id_number"], data["name"])
            record = services.register_inflow(actor, member, data["organization"], form.whereabouts())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The inflow of %(name)s has been registered.") % {"name": member.name})
            return redirect("mobility:detail", record.pk)
    return render(request, "mobility/inflow.html", {"form": form})


def _record(actor, pk: int) -> Mobility:
    return get_object_or_404(queries.records(actor), pk=pk)


@login_required
def detail(request, pk: int):
    actor = request.user
    record = _record(actor, pk)
    paired = queries.records(actor).filter(pk=record.paired_with_id).first() if record.paired_with_id else None
    can_edit = _can_edit(actor, record)
    context = {
        "record": record,
        "paired": paired,
        "can_edit": can_edit and record.is_open,
        "tasks": record.tasks.select_related("assigned_to"),
        "lost_form": DateForm(auto_id="lost_%s"),
        "end_form": EndForm(auto_id="end_%s"),
        "task_form": TaskForm(record.organization, auto_id="task_%s") if can_edit else None,
        "is_lost": record.state == MobilityState.LOST,
    }
    return render(request, "mobility/detail.html", context)


def _post_action(request, pk: int, form_class, act):
    actor = request.user
    record = _record(actor, pk)
    if not _can_edit(actor, record):
        raise PermissionDenied
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return redirect("mobility:detail", record.pk)
    try:
        act(actor, record, form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The record has been updated."))
    return redirect("mobility:detail", record.pk)


@login_required
@require_POST
def mark_lost(request, pk: int):
    return _post_action(
        request, pk, DateForm, lambda actor, record, data: services.mark_lost(actor, record, data["on"])
    )


@login_required
@require_POST
def end(request, pk: int):
    return _post_action(
        request, pk, EndForm, lambda actor, record, data: services.end(actor, record, data["state"], data["on"])
    )


@never_cache
@login_required
@require_POST
def reveal_phone(request, pk: int):
    """The phone to reach the member, shown once and audited, like the registry's reveals."""
    actor = request.user
    record = _record(actor, pk)
    if not actor.scope.covers(record.organization.path, Capability.REVEAL):
        raise PermissionDenied
    audit.record(
        actor, audit.Action.REVEAL, record, org=record.organization, changes={"field": "reach_phone"}, request=request
    )
    return render(request, "mobility/reveal.html", {"record": record, "value": record.reach_phone})


@login_required
@require_POST
def task_open(request, pk: int):
    actor = request.user
    record = _record(actor, pk)
    if not _can_edit(actor, record):
        raise PermissionDenied
    form = TaskForm(record.organization, request.POST)
    if form.is_valid():
        try:
            task = services.open_finding_task(actor, record, form.cleaned_data["cadre"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The finding task has been given to %(cadre)s.") % {"cadre": task.assigned_to})
            return redirect("mobility:task", task.pk)
    else:
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return redirect("mobility:detail", record.pk)


def _task(actor, pk: int) -> FindingTask:
    tasks = FindingTask.objects.select_related("mobility__member", "mobility__organization", "assigned_to")
    task = get_object_or_404(tasks, pk=pk)
    if task.assigned_to_id == actor.pk or queries.records(actor).filter(pk=task.mobility_id).exists():
        return task
    raise Http404


@login_required
def tasks(request):
    actor = request.user
    mine = FindingTask.objects.filter(assigned_to=actor).select_related("mobility__member", "mobility__organization")
    return render(request, "mobility/tasks.html", {"tasks": mine})


@login_required
def task(request, pk: int):
    actor = request.user
    task = _task(actor, pk)
    context = {"task": task, "attempts": task.attempts.select_related("recorded_by"), "form": AttemptForm()}
    return render(request, "mobility/task.html", context)


@login_required
@require_POST
def attempt(request, pk: int):
    actor = request.user
    task = _task(actor, pk)
    form = AttemptForm(request.POST)
    if form.is_valid():
        try:
            services.record_attempt(actor, task, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The attempt has been recorded."))
            return redirect("mobility:task", task.pk)
    context = {"task": task, "attempts": task.attempts.select_related("recorded_by"), "form": form}
    return render(request, "mobility/task.html", context, status=200)


@login_required
@require_POST
def task_close(request, pk: int):
    actor = request.user
    task = _task(actor, pk)
    services.close_finding_task(actor, task)  # PermissionDenied for a cadre outside the organisation
    messages.success(request, _("The task has been closed."))
    return redirect("mobility:task", task.pk)


@login_required
def poster_pdf(request, pk: int):
    record = _record(request.user, pk)
    response = HttpResponse(poster.looking_for(record), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="looking-for-{record.pk}.pdf"'
    return response
