"""Care pages: the cadre's "my members" with what is due, the branch's pairings and unpaired
members, the due list of a subtree, its policy and contact rules, and a member's and a cadre's
history. Writes go through services; reads through queries, from the actor's scope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhibu.accounts.models import User
from zhibu.care import queries, services
from zhibu.care.forms import END_REASONS, ContactForm, EndPairingForm, PairForm, PolicyForm, RuleForm
from zhibu.care.models import CarePolicy, ContactRule
from zhibu.care.timeline import Timeline
from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.registry import queries as registry_queries
from zhibu.registry.models import Organization
from zhibu.registry.views.chosen import visible_organization

PAGE_SIZE = 50
UNPAIRED_SHOWN = 100


def _can_edit(actor, org: Organization) -> bool:
    return actor.scope.covers(org.path, Capability.EDIT)


def _editable_organization(actor, pk: int) -> Organization:
    """404 when the actor cannot read the organisation, 403 when they may read but not change it."""
    org = visible_organization(actor, pk)
    if not _can_edit(actor, org):
        raise PermissionDenied
    return org


def _form_errors(form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


def _back(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


# The cadre's page


@login_required
def mine(request):
    rows = queries.my_members(request.user)
    context = {
        "cards": [(row, _contact_form(row.member.pk)) for row in rows],
        "soon": sorted(((row, item) for row in rows for item in row.soon), key=lambda pair: pair[1].due_on),
    }
    return render(request, "care/mine.html", context)


def _contact_form(member_pk: int, data=None) -> ContactForm:
    return ContactForm(data, prefix=f"contact-{member_pk}", auto_id=f"contact-{member_pk}-%s")


@login_required
@require_POST
def log_contact(request, member_pk: int):
    """Logs a contact from "my members" (htmx swaps the member's card) or from the member's page."""
    actor = request.user
    member = get_object_or_404(queries.members(actor), pk=member_pk)
    form = _contact_form(member.pk, request.POST)
    saved, created = None, False
    if form.is_valid():
        try:
            _contact, created = services.log_contact(actor, member, form.contact())  # PermissionDenied -> 403
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            saved = _("The contact has been recorded.") if created else _("This contact was already recorded.")
    if request.headers.get("HX-Request"):
        panel = queries.member_panel(actor, member)
        context = {"row": panel.due, "member": member, "form": form if saved is None else _contact_form(member.pk)}
        return render(request, "care/_member_card.html", context | {"saved": saved, "created": created})
    if saved is None:
        return _member_page(request, member, form)
    (messages.success if created else messages.info)(request, saved)
    return redirect(_back(request, reverse("care:member", args=[member.pk])))


# A member's and a cadre's history


def _member_page(request, member, form=None):
    actor = request.user
    panel = queries.member_panel(actor, member)
    context = {
        "member": member,
        "panel": panel,
        "pairings": queries.member_pairings(actor, member),
        "contacts": queries.member_contacts(actor, member),
        "form": (form or _contact_form(member.pk)) if panel.can_log else None,
    }
    return render(request, "care/member.html", context)


@login_required
def member(request, member_pk: int):
    return _member_page(request, get_object_or_404(queries.members(request.user), pk=member_pk))


@login_required
def cadre(request, user_pk: int):
    actor = request.user
    person = get_object_or_404(User.objects.filter(pk=actor.pk) | queries.cadres(actor), pk=user_pk)
    found = queries.cadre_pairings(actor, person)
    return render(request, "care/cadre.html", {"cadre": person, "pairings": found})


# The branch's pages


@login_required
def branches(request):
    """The care pages of the top organisation in the actor's scope."""
    actor = request.user
    if not actor.scope.can(Capability.VIEW):
        raise PermissionDenied
    top = registry_queries.organization_roots(actor).first()
    if top is None:
        raise PermissionDenied
    return redirect("care:branch", top.pk)


@login_required
def branch(request, org_pk: int):
    actor = request.user
    org = visible_organization(actor, org_pk)
    can_edit = _can_edit(actor, org)
    limit = services.members_per_cadre(org)
    unpaired = queries.unpaired_members(actor, org)
    candidates = list(queries.cadre_candidates(org)) if can_edit else []
    context = {
        "org": org,
        "can_edit": can_edit,
        "limit": limit,
        "children": registry_queries.children(actor, org),
        "rows": queries.branch_pairings(actor, org),
        "unpaired": unpaired[:UNPAIRED_SHOWN],
        "unpaired_count": unpaired.count(),
        "over_ratio": queries.over_ratio(org, limit),
        "candidates": candidates,
        "end_reasons": END_REASONS,
    }
    return render(request, "care/branch.html", context)


@login_required
def branch_due(request, org_pk: int):
    actor = request.user
    org = visible_organization(actor, org_pk)
    timeline, due = queries.branch_due(actor, org)
    page = Paginator(due, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = queries.with_due(timeline, page.object_list)
    return render(request, "care/branch_due.html", {"org": org, "page": page, "rows": rows})


@login_required
@require_POST
def pair(request, org_pk: int):
    actor = request.user
    org = _editable_organization(actor, org_pk)
    form = PairForm(queries.members(actor), queries.cadre_candidates(org), request.POST)
    back = _back(request, reverse("care:branch", args=[org.pk]))
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    member, person = form.cleaned_data["member"], form.cleaned_data["cadre"]
    try:
        services.pair(actor, org, member, person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(member)s is now paired with %(cadre)s.") % {"member": member, "cadre": person})
    return redirect(back)


@login_required
@require_POST
def pairing_end(request, pk: int):
    actor = request.user
    pairing = get_object_or_404(queries.pairings(actor), pk=pk)
    if not _can_edit(actor, pairing.organization):
        raise PermissionDenied
    form = EndPairingForm(request.POST)
    back = _back(request, reverse("care:branch", args=[pairing.organization_id]))
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    try:
        services.end_pairing(actor, pairing, form.cleaned_data["reason"], form.cleaned_data["on"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The pairing has ended."))
    return redirect(back)


@login_required
def policy(request, org_pk: int):
    actor = request.user
    org = visible_organization(actor, org_pk)
    can_edit = _can_edit(actor, org)
    limit = services.members_per_cadre(org)
    own = CarePolicy.objects.filter(organization=org).first()
    form = PolicyForm(request.POST or None, initial={"members_per_cadre": limit})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.set_policy(actor, org, form.cleaned_data["members_per_cadre"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The policy has been saved."))
                return redirect("care:policy", org.pk)
    context = {"org": org, "form": form if can_edit else None, "limit": limit, "own": own}
    return render(request, "care/policy.html", context)


@login_required
def rules(request, org_pk: int):
    actor = request.user
    org = visible_organization(actor, org_pk)
    can_edit = _can_edit(actor, org)
    form = RuleForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.set_rule(actor, org, form.rule())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The rule has been saved."))
                return redirect("care:rules", org.pk)
    context = {
        "org": org,
        "effective": Timeline.load().effective(org.path),
        "form": form if can_edit else None,
        "can_edit": can_edit,
    }
    return render(request, "care/rules.html", context)


@login_required
@require_POST
def rule_remove(request, org_pk: int, rule_pk: int):
    actor = request.user
    org = _editable_organization(actor, org_pk)
    rule = get_object_or_404(ContactRule, pk=rule_pk, organization=org)
    services.remove_rule(actor, rule)
    messages.success(request, _("The organisation's own rule has been removed; the inherited one applies."))
    return redirect("care:rules", org.pk)
