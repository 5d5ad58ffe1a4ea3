"""Learning plan pages. Organisers: the plans they keep, a plan with its completion per child
organisation, per work role and per member, and the form. Members: their plans with their progress
and the next lesson to study, without ranking and without pressure."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.learning import queries_plans as queries
from zhibu.learning import services_plans as services
from zhibu.learning.forms_plans import PlanForm
from zhibu.learning.models import Plan
from zhibu.registry.models import Member

PAGE_SIZE = 20
MEMBER_PAGE_SIZE = 50
PARTS_SHOWN = 50


def _plan(actor, pk: int) -> Plan:
    """404 when the actor does not read the plan's organisation."""
    return get_object_or_404(queries.plans(actor), pk=pk)


def _editable(actor, pk: int) -> Plan:
    plan = _plan(actor, pk)
    if not services.can_edit(actor, plan):
        raise PermissionDenied
    return plan


@login_required
def plans(request):
    actor = request.user
    if not actor.scope.can(Capability.VIEW):
        raise PermissionDenied
    found = queries.plans(actor).order_by("-starts_on", "-pk")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    figures = queries.summaries(list(page))
    context = {
        "page": page,
        "rows": [(plan, figures[plan.pk], queries.group_description(plan)) for plan in page],
        "can_create": services.may_create(actor),
        "today": timezone.localdate(),
    }
    return render(request, "learning/plans.html", context)


@login_required
def plan(request, pk: int):
    actor = request.user
    found = _plan(actor, pk)
    result = queries.completion(found)
    unfinished = request.GET.get("unfinished") == "1"
    rows = queries.member_rows(found, result.figures.lesson_total, unfinished_only=unfinished)
    members = Paginator(rows, MEMBER_PAGE_SIZE).get_page(request.GET.get("page"))
    parts = result.by_organization[:PARTS_SHOWN]
    context = {
        "plan": found,
        "group_label": queries.group_description(found),
        "courses": [link.course for link in found.plan_courses.select_related("course").order_by("position", "id")],
        "completion": result,
        "figures": result.figures,
        "parts": parts,
        "parts_hidden": len(result.by_organization) - len(parts),
        "roles": result.by_role,
        "page": members,
        "unfinished": unfinished,
        "can_edit": services.can_edit(actor, found),
        "today": timezone.localdate(),
    }
    return render(request, "learning/plan.html", context)


def _form_page(request, form, plan=None):
    return render(request, "learning/plan_form.html", {"form": form, "plan": plan})


@login_required
def plan_create(request):
    actor = request.user
    if not services.may_create(actor):
        raise PermissionDenied
    form = PlanForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_plan(actor, form.plan_input())
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("organization", str(error))
        else:
            messages.success(request, _("The plan has been saved. Its members see it under “My plans”."))
            return redirect("learning:plan", created.pk)
    return _form_page(request, form)


@login_required
def plan_edit(request, pk: int):
    actor = request.user
    found = _editable(actor, pk)
    form = PlanForm(actor, request.POST or None, plan=found)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_plan(actor, found, form.plan_input())
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("organization", str(error))
        else:
            messages.success(request, _("The plan has been saved."))
            return redirect("learning:plan", found.pk)
    return _form_page(request, form, found)


@login_required
@require_POST
def plan_delete(request, pk: int):
    actor = request.user
    found = _editable(actor, pk)
    services.delete_plan(actor, found)
    messages.success(request, _("The plan has been deleted. What its members studied stays recorded."))
    return redirect("learning:plans")


@login_required
def my_plans(request):
    member_id = getattr(request.user, "member_id", None)
    member = Member.objects.select_related("home_org").filter(pk=member_id).first() if member_id else None
    context = {"has_member": member is not None, "items": queries.my_plans(member), "today": timezone.localdate()}
    return render(request, "learning/my_plans.html", context)
