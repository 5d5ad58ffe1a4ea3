"""Member pages. Reads go through queries (outside the actor's scope a member does not exist:
404), writes through services. ID and phone numbers appear only masked, except in the one
response of an audited reveal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from zhibu.care import queries as care_queries
from zhibu.core.forms import add_service_errors
from zhibu.core.replica import reading_from_replica
from zhibu.core.scope import Capability
from zhibu.mobility import queries as mobility_queries
from zhibu.registry import queries, services
from zhibu.registry.forms_members import MemberFilterForm, MemberForm
from zhibu.registry.models import Member

PAGE_SIZE = 50


def _visible_member(actor, pk: int) -> Member:
    members = queries.members(actor).select_related("home_org", "occupation", "employer", "region")
    return get_object_or_404(members, pk=pk)


def _can_edit(actor, member: Member) -> bool:
    return actor.scope.covers(member.home_org.path, Capability.EDIT)


def _can_reveal(actor, member: Member) -> bool:
    return actor.scope.self_member_id == member.pk or actor.scope.covers(member.home_org.path, Capability.REVEAL)


def _editable_member(actor, pk: int) -> Member:
    """404 when the actor cannot see the member, 403 when they can see but not change it."""
    member = _visible_member(actor, pk)
    if not _can_edit(actor, member):
        raise PermissionDenied
    return member


@login_required
@reading_from_replica()
def member_list(request):
    form = MemberFilterForm(request.user, request.GET)
    paginator = Paginator(form.results(), PAGE_SIZE)
    if (total := form.kept_total()) is not None:
        paginator.count = total  # a cached property: the kept figure instead of counting the subtree
    page = paginator.get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_create": request.user.scope.can(Capability.EDIT)}
    return render(request, "registry/member_list.html", context)


@login_required
def member_detail(request, pk: int):
    actor = request.user
    member = _visible_member(actor, pk)
    context = {
        "member": member,
        "activity_orgs": member.activity_orgs.order_by("path"),
        "home_org_visible": actor.scope.covers(member.home_org.path),
        "can_edit": _can_edit(actor, member),
        "can_reveal": _can_reveal(actor, member),
        "mobility": mobility_queries.member_panel(actor, member),
        "care": care_queries.member_panel(actor, member),
    }
    return render(request, "registry/member_detail.html", context)


@never_cache
@require_POST
@login_required
def member_reveal(request, pk: int, field: str):
    if field not in services.PERSONAL_FIELDS:
        raise Http404
    member = _visible_member(request.user, pk)
    value = services.reveal(request.user, member, field, request)  # PermissionDenied -> 403
    template = (
        "registry/member_reveal.html" if request.headers.get("HX-Request") else "registry/member_reveal_page.html"
    )
    return render(request, template, {"member": member, "field": field, "value": value})


@sensitive_post_parameters("id_number", "phone")
@login_required
def member_create(request):
    actor = request.user
    if not actor.scope.can(Capability.EDIT):
        raise PermissionDenied
    form = MemberForm(actor, request.POST or None)
    return _save_member(request, form, lambda data: services.create_member(actor, data))


@sensitive_post_parameters("id_number", "phone")
@login_required
def member_edit(request, pk: int):
    actor = request.user
    member = _editable_member(actor, pk)
    form = MemberForm(actor, request.POST or None, member=member)
    return _save_member(request, form, lambda data: services.update_member(actor, member, data))


def _save_member(request, form: MemberForm, write):
    if request.method == "POST" and form.is_valid():
        try:
            member = write(form.member_input())
        except ValidationError as error:
            add_service_errors(form, error)
            if form.member is not None:
                form.member.refresh_from_db()  # the service may have changed the instance before refusing
        else:
            messages.success(request, _("The member record of %(name)s has been saved.") % {"name": member.name})
            return redirect("registry:member_detail", member.pk)
    return render(request, "registry/member_form.html", {"form": form, "member": form.member})


@login_required
def member_delete(request, pk: int):
    actor = request.user
    member = _editable_member(actor, pk)
    if request.method == "POST":
        services.delete_member(actor, member)
        messages.success(request, _("The member record of %(name)s has been deleted.") % {"name": member.name})
        return redirect("registry:member_list")
    return render(request, "registry/member_delete.html", {"member": member})
