"""Host unit pages (两新组织). Units are shared reference data for everyone who may read the
registry; the organisations and members shown with a unit are limited to the actor's scope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.registry import queries, services
from zhibu.registry.forms_orgs import UnitFilterForm, UnitForm
from zhibu.registry.models import Unit

PAGE_SIZE = 50


def _visible_unit(actor, pk: int) -> Unit:
    return get_object_or_404(queries.units(actor), pk=pk)


def _require_edit(actor) -> None:
    if not actor.scope.can(Capability.EDIT):
        raise PermissionDenied


@login_required
def unit_list(request):
    actor = request.user
    form = UnitFilterForm(actor, request.GET)
    page = Paginator(form.results(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_create": actor.scope.can(Capability.EDIT)}
    return render(request, "registry/unit_list.html", context)


@login_required
def unit_detail(request, pk: int):
    actor = request.user
    unit = _visible_unit(actor, pk)
    context = {
        "unit": unit,
        "organizations": queries.organizations(actor).filter(units=unit).order_by("name"),
        "employee_member_count": queries.members(actor).filter(employer=unit).count(),
        "can_edit": services.can_edit_unit(actor, unit),
    }
    return render(request, "registry/unit_detail.html", context)


@login_required
def unit_create(request):
    actor = request.user
    _require_edit(actor)
    form = UnitForm(actor, request.POST or None)
    return _save(request, form, lambda values: services.create_unit(actor, **values), unit=None)


@login_required
def unit_edit(request, pk: int):
    actor = request.user
    unit = _visible_unit(actor, pk)
    if not services.can_edit_unit(actor, unit):
        raise PermissionDenied
    form = UnitForm(actor, request.POST or None, instance=unit)
    return _save(request, form, lambda values: services.update_unit(actor, unit, **values), unit=unit)


def _save(request, form: UnitForm, write, unit: Unit | None):
    if request.method == "POST" and form.is_valid():
        try:
            saved = write(form.service_values())
        except ValidationError as error:
            add_service_errors(form, error)
            if unit is not None:
                unit.refresh_from_db()  # the service may have changed the instance before refusing
        else:
            messages.success(request, _("%(name)s has been saved.") % {"name": saved.name})
            return redirect("registry:unit_detail", saved.pk)
    return render(request, "registry/unit_form.html", {"form": form, "unit": unit})
