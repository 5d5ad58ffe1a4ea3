"""Organisation pages: the tree (expanded lazily with htmx), the organisation page, and its
create/edit/move/delete forms. Reads go through queries (outside the actor's scope an
organisation does not exist: 404), writes through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.registry import queries, services
from zhibu.registry.forms_orgs import OrganizationForm, OrganizationMoveForm
from zhibu.registry.models import Organization

PAGE_SIZE = 50


def _visible_org(actor, pk: int) -> Organization:
    return get_object_or_404(queries.organizations(actor).select_related("region", "secretary"), pk=pk)


def _can_edit(actor, org: Organization) -> bool:
    return actor.scope.covers(org.path, Capability.EDIT)


def _can_move(actor, org: Organization) -> bool:
    """Only an organisation strictly inside the edit scope has somewhere to go within it."""
    scope = actor.scope
    return scope.is_platform or any(
        org.path.startswith(prefix) and org.path != prefix for prefix in scope.prefixes(Capability.EDIT)
    )


def _editable_org(actor, pk: int) -> Organization:
    """404 when the actor cannot see the organisation, 403 when they can see but not change it."""
    org = _visible_org(actor, pk)
    if not _can_edit(actor, org):
        raise PermissionDenied
    return org


def _tree_nodes(orgs) -> list[Organization]:
    """Organisations sorted by name, each with the member count of its subtree."""
    return queries.with_member_counts(orgs.order_by("name", "path"))


@login_required
def org_tree(request):
    actor = request.user
    roots = _tree_nodes(queries.organization_roots(actor))
    if len(roots) == 1:  # a single root is shown opened, so that the page starts with content
        roots[0].loaded_children = _tree_nodes(queries.children(actor, roots[0]))
    return render(request, "registry/org_tree.html", {"nodes": roots})


@login_required
def org_children(request, pk: int):
    actor = request.user
    org = _visible_org(actor, pk)
    nodes = _tree_nodes(queries.children(actor, org))
    return render(request, "registry/org_tree_children.html", {"nodes": nodes})


@login_required
def org_detail(request, pk: int):
    actor = request.user
    org = _visible_org(actor, pk)
    parent = Organization.objects.get_parent(org)
    children = _tree_nodes(queries.children(actor, org))
    members = queries.members(actor).filter(home_org=org).select_related("occupation")
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "org": org,
        "parent": parent,
        "parent_visible": parent is not None and actor.scope.covers(parent.path),
        "units": org.units.order_by("name"),
        "children": children,
        "page": page,
        "subtree_member_count": queries.member_total(actor, org),
        "can_edit": _can_edit(actor, org),
        "can_move": _can_move(actor, org),
    }
    return render(request, "registry/org_detail.html", context)


@login_required
def org_create(request, pk: int):
    actor = request.user
    parent = _editable_org(actor, pk)
    form = OrganizationForm(actor, request.POST or None)

    def write(values):
        return services.create_organization(actor, parent=parent, **values)

    return _save(request, form, write, {"parent": parent})


@login_required
def org_edit(request, pk: int):
    actor = request.user
    org = _editable_org(actor, pk)
    form = OrganizationForm(actor, request.POST or None, instance=org)

    def write(values):
        return services.update_organization(actor, org, **values)

    return _save(request, form, write, {"org": org})


def _save(request, form: OrganizationForm, write, context: dict):
    if request.method == "POST" and form.is_valid():
        try:
            org = write(form.service_values())
        except ValidationError as error:
            add_service_errors(form, error)
            if form.instance.pk is not None:
                form.instance.refresh_from_db()  # the service may have changed the instance before refusing
        else:
            messages.success(request, _("%(name)s has been saved.") % {"name": org.name})
            return redirect("registry:org_detail", org.pk)
    return render(request, "registry/org_form.html", {"form": form, **context})


@login_required
def org_move(request, pk: int):
    actor = request.user
    org = _editable_org(actor, pk)
    parent = Organization.objects.get_parent(org)
    form = OrganizationMoveForm(actor, request.POST or None, initial={"parent": parent})
    if request.method == "POST" and form.is_valid():
        try:
            services.move_organization(actor, org, form.cleaned_data["parent"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s has been moved under %(parent)s.")
                % {"name": org.name, "parent": form.cleaned_data["parent"].name},
            )
            return redirect("registry:org_detail", org.pk)
    return render(request, "registry/org_move.html", {"form": form, "org": org, "parent": parent})


@login_required
def org_delete(request, pk: int):
    actor = request.user
    org = _editable_org(actor, pk)
    if request.method != "POST":
        return render(request, "registry/org_delete.html", {"org": org})
    parent = Organization.objects.get_parent(org)
    try:
        services.delete_organization(actor, org)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("registry:org_detail", org.pk)
    messages.success(request, _("%(name)s has been deleted.") % {"name": org.name})
    if parent is not None and actor.scope.covers(parent.path):
        return redirect("registry:org_detail", parent.pk)
    return redirect("registry:org_tree")
