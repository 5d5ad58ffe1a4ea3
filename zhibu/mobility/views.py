"""Mobility pages: the figures and lists of mobile members, registering outflow and inflow, a
record's states, finding lost members, and the "looking for" poster."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.mobility import poster, queries, services
from zhibu.mobility.forms import (
    AttemptForm,
    DateForm,
    EndForm,
    InflowForm,
    RecordFilterForm,
    TaskForm,
    WhereaboutsForm,
)
from zhibu.mobility.models import Direction, FindingTask, Mobility, MobilityState
from zhibu.registry import queries as registry_queries

PAGE_SIZE = 50
LIST_SIZE = 50  # the lost-contact and six-month lists on the index


def _require_view(actor) -> None:
    if not actor.scope.can(Capability.VIEW):
        raise PermissionDenied


def _can_edit(actor, record: Mobility) -> bool:
    return actor.scope.covers(record.organization.path, Capability.EDIT)


def _form_errors(form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


# The index


@login_required
def index(request):
    actor = request.user
    _require_view(actor)
    form = RecordFilterForm(actor, request.GET)
    records = queries.records(actor)
    page = Paginator(form.filter(records).order_by("-since", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = _counts(form.within_organization(records))
    within = {"org": form.organization.pk} if form.organization else {}
    absences = queries.unrecorded_absences(actor).order_by("home_org__path", "name")
    context = {
        "form": form,
        "page": page,
        "within": form.organization,
        "chart": _chart(counts, within),
        "table": _table(counts, within),
        "directions": Direction.choices,
        "total": sum(counts.values()),
        "lost": queries.lost_cases(actor, limit=LIST_SIZE),
        "lost_count": sum(n for (_direction, state), n in counts.items() if state == MobilityState.LOST),
        "absences": [
            (member, actor.scope.covers(member.home_org.path, Capability.EDIT)) for member in absences[:LIST_SIZE]
        ],
        "absence_count": absences.count(),
        "can_inflow": actor.scope.can(Capability.EDIT),
    }
    return render(request, "mobility/index.html", context)


def _counts(records) -> dict[tuple[str, str], int]:
    """Records per (direction, state), in one aggregate query."""
    rows = records.values("direction", "state").annotate(n=Count("id")).order_by()
    return {(row["direction"], row["state"]): row["n"] for row in rows}


def _list_url(**filters) -> str:
    return f"{reverse('mobility:index')}?{urlencode(filters)}#records"


def _chart(counts, within: dict) -> dict:
    """Bars per state, one series per direction; a click opens the records of that state."""
    states = MobilityState.choices
    return {
        "categories": [label for _state, label in states],
        "series": [
            {"name": label, "data": [counts.get((direction, state), 0) for state, _label in states]}
            for direction, label in Direction.choices
        ],
        "links": [_list_url(**within, state=state) for state, _label in states],
    }


def _table(counts, within: dict) -> list[dict]:
    """The same figures as numbers, each linking to the records behind it."""
    return [
        {
            "label": label,
            "url": _list_url(**within, state=state),
            "total": sum(counts.get((direction, state), 0) for direction, _label in Direction.choices),
            "cells": [
                {
                    "count": counts.get((direction, state), 0),
                    "url": _list_url(**within, state=state, direction=direction),
                }
                for direction, _label in Direction.choices
            ],
        }
        for state, label in MobilityState.choices
    ]


# Registering


@sensitive_post_parameters("reach_phone")
@login_required
def outflow(request, member_pk: int):
    actor = request.user
    member = get_object_or_404(registry_queries.members(actor).select_related("home_org"), pk=member_pk)
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


@sensitive_post_parameters("id_number", "reach_phone")
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


# A record


def _record(actor, pk: int) -> Mobility:
    """404 when the actor cannot see the record."""
    return get_object_or_404(queries.records(actor), pk=pk)


def _editable_record(actor, pk: int) -> Mobility:
    """404 when the actor cannot see the record, 403 when they can see but not change it."""
    record = _record(actor, pk)
    if not _can_edit(actor, record):
        raise PermissionDenied
    return record


@login_required
def detail(request, pk: int):
    actor = request.user
    record = _record(actor, pk)
    paired = queries.records(actor).filter(pk=record.paired_with_id).first() if record.paired_with_id else None
    can_edit = _can_edit(actor, record) and record.is_open
    is_lost = record.state == MobilityState.LOST
    context = {
        "record": record,
        "paired": paired,
        "can_edit": can_edit,
        "can_reveal": actor.scope.covers(record.organization.path, Capability.REVEAL),
        "is_lost": is_lost,
        "steps": queries.state_history(actor, record),
        "tasks": record.tasks.select_related("assigned_to"),
        "lost_form": DateForm(auto_id="lost_%s") if can_edit and not is_lost else None,
        "end_form": EndForm(auto_id="end_%s") if can_edit else None,
        "task_form": TaskForm(record.organization, auto_id="task_%s") if can_edit and is_lost else None,
    }
    return render(request, "mobility/detail.html", context)


@sensitive_post_parameters("reach_phone")
@login_required
def edit(request, pk: int):
    actor = request.user
    record = _editable_record(actor, pk)
    if not record.is_open:
        messages.error(request, _("This record is closed."))
        return redirect("mobility:detail", record.pk)
    form = WhereaboutsForm(request.POST or None, record=record)
    if record.direction == Direction.INFLOW:
        del form.fields["to_org"]  # an inflow's organisation there is the one that registered it
    if request.method == "POST" and form.is_valid():
        try:
            services.update_whereabouts(actor, record, form.whereabouts())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The record has been updated."))
            return redirect("mobility:detail", record.pk)
    return render(request, "mobility/edit.html", {"form": form, "record": record})


def _post_action(request, pk: int, form_class, act):
    """A small POST form of the record page: done, or its errors shown at the top of the page."""
    actor = request.user
    record = _editable_record(actor, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
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
    """The phone to reach the member, shown once and audited, as the registry's reveals are."""
    actor = request.user
    record = _record(actor, pk)
    value = services.reveal_reach_phone(actor, record, request)  # PermissionDenied -> 403
    context = {"record": record, "member": record.member, "value": value}
    if request.headers.get("HX-Request"):
        return render(request, "registry/member_reveal.html", context)
    return render(request, "mobility/reveal.html", context)


@login_required
@require_POST
def task_open(request, pk: int):
    actor = request.user
    record = _editable_record(actor, pk)
    form = TaskForm(record.organization, request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("mobility:detail", record.pk)
    try:
        task = services.open_finding_task(actor, record, form.cleaned_data["cadre"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("mobility:detail", record.pk)
    messages.success(request, _("The finding task has been given to %(cadre)s.") % {"cadre": task.assigned_to})
    return redirect("mobility:task", task.pk)


@login_required
def poster_pdf(request, pk: int):
    record = _record(request.user, pk)
    response = HttpResponse(poster.looking_for(record), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="looking-for-{record.pk}.pdf"'
    return response


# Finding tasks


def _task(actor, pk: int) -> FindingTask:
    """The cadre it is given to, and whoever sees the record, may read the task; others get 404."""
    tasks = FindingTask.objects.select_related("mobility__member__home_org", "mobility__organization", "assigned_to")
    task = get_object_or_404(tasks, pk=pk)
    if task.assigned_to_id == actor.pk or queries.records(actor).filter(pk=task.mobility_id).exists():
        return task
    raise Http404


def _may_record(actor, task: FindingTask) -> bool:
    return task.assigned_to_id == actor.pk or _can_edit(actor, task.mobility)


def _task_page(request, task: FindingTask, form: AttemptForm | None = None):
    actor = request.user
    is_open = task.state == FindingTask.State.OPEN
    context = {
        "task": task,
        "attempts": task.attempts.select_related("recorded_by"),
        "form": (form or AttemptForm()) if is_open and _may_record(actor, task) else None,
        "can_close": is_open and _can_edit(actor, task.mobility),
        "record_visible": queries.records(actor).filter(pk=task.mobility_id).exists(),
    }
    return render(request, "mobility/task.html", context)


@login_required
def tasks(request):
    open_first = Case(When(state=FindingTask.State.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    mine = (
        FindingTask.objects.filter(assigned_to=request.user)
        .select_related("mobility__member", "mobility__organization")
        .annotate(open_first=open_first)
        .order_by("open_first", "-created_at")
    )
    return render(request, "mobility/tasks.html", {"tasks": mine})


@login_required
def task(request, pk: int):
    return _task_page(request, _task(request.user, pk))


@login_required
@require_POST
def attempt(request, pk: int):
    actor = request.user
    task = _task(actor, pk)
    if not _may_record(actor, task):
        raise PermissionDenied
    form = AttemptForm(request.POST)
    if form.is_valid():
        try:
            services.record_attempt(actor, task, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The attempt has been recorded."))
            return redirect("mobility:task", task.pk)
    return _task_page(request, task, form)


@login_required
@require_POST
def task_close(request, pk: int):
    actor = request.user
    task = _task(actor, pk)
    if not _can_edit(actor, task.mobility):
        raise PermissionDenied
    try:
        services.close_finding_task(actor, task)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The task has been closed."))
    return redirect("mobility:task", task.pk)
