"""Points pages: the member's own ledger with its total, the organisations' points settings for
their editors, and a ranking, which exists only while an organisation has turned it on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.points import queries, services
from zhibu.points.forms import PolicyForm, RuleForm
from zhibu.points.models import EarningRule, PointsPolicy
from zhibu.registry import queries as registry_queries
from zhibu.registry.models import Organization
from zhibu.registry.views.chosen import visible_organization

LEDGER_PAGE_SIZE = 50
RANKING_PAGE_SIZE = 50


@login_required
def mine(request):
    user = request.user
    policy = queries.own_policy(user)
    page = Paginator(queries.own_entries(user), LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    ranking_org = None
    if policy is not None and policy.is_enabled and policy.show_ranking:
        ranking_org = policy.organization
    context = {
        "has_member": user.member_id is not None,
        "policy": policy,
        "page": page,
        "total": queries.own_total(user),
        "ranking_org": ranking_org,
    }
    return render(request, "points/mine.html", context)


@login_required
def index(request):
    """The actor's organisations (the tops of their scope) and the policies set within them."""
    actor = request.user
    if not actor.scope.can(Capability.VIEW):
        raise PermissionDenied
    context = {
        "tops": list(registry_queries.organization_roots(actor)[:50]),
        "policies": list(queries.policies(actor)[:200]),
    }
    return render(request, "points/index.html", context)


def _editable(actor, org_pk: int) -> Organization:
    org = visible_organization(actor, org_pk)
    if not actor.scope.covers(org.path, Capability.EDIT):
        raise PermissionDenied
    return org


def _settings_page(request, org: Organization, policy_form=None, rule_form=None, status: int = 200):
    own = PointsPolicy.objects.filter(organization=org).first()
    policy = own or services.policy_for(org)
    can_edit = request.user.scope.covers(org.path, Capability.EDIT)
    if policy_form is None:
        initial = {"is_enabled": policy.is_enabled, "show_ranking": policy.show_ranking} if policy else {}
        policy_form = PolicyForm(initial=initial, auto_id="policy-%s")
    context = {
        "org": org,
        "own": own,
        "can_edit": can_edit,
        "policy": policy,
        "rules": list(EarningRule.objects.filter(policy=policy)) if policy else [],
        "policy_form": policy_form,
        "rule_form": rule_form or RuleForm(auto_id="rule-%s"),
        "children": list(registry_queries.children(request.user, org)[:200]),
    }
    return render(request, "points/settings.html", context, status=status)


@login_required
def settings(request, org_pk: int):
    """Readers see the settings in force; editors change them."""
    actor = request.user
    if request.method != "POST":
        return _settings_page(request, visible_organization(actor, org_pk))
    org = _editable(actor, org_pk)
    form = PolicyForm(request.POST, auto_id="policy-%s")
    if form.is_valid():
        try:
            services.set_policy(
                actor, org, is_enabled=form.cleaned_data["is_enabled"], show_ranking=form.cleaned_data["show_ranking"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The points settings have been saved."))
            return redirect("points:settings", org.pk)
    return _settings_page(request, org, policy_form=form, status=400)


@login_required
@require_POST
def policy_remove(request, org_pk: int):
    actor = request.user
    org = _editable(actor, org_pk)
    try:
        services.remove_policy(actor, org)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("This organisation follows the settings above it again."))
    return redirect("points:settings", org.pk)


@login_required
@require_POST
def rule(request, org_pk: int):
    actor = request.user
    org = _editable(actor, org_pk)
    form = RuleForm(request.POST, auto_id="rule-%s")
    if form.is_valid():
        try:
            services.set_rule(actor, org, form.rule_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The rule has been saved."))
            return redirect("points:settings", org.pk)
    return _settings_page(request, org, rule_form=form, status=400)


@login_required
@require_POST
def rule_remove(request, org_pk: int, kind: str):
    actor = request.user
    org = _editable(actor, org_pk)
    try:
        services.remove_rule(actor, org, kind)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The rule has been removed; what was earned stays."))
    return redirect("points:settings", org.pk)


@login_required
def ranking(request, org_pk: int):
    """Only while the organisation's own policy shows it, only to its readers and its members: to
    anyone else, and while it is off, there is no such page."""
    actor = request.user
    org = Organization.objects.filter(pk=org_pk).first()
    found = queries.ranking(actor, org) if org is not None else None
    if found is None:
        raise Http404
    page = Paginator(found, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"org": org, "page": page, "places": queries.places(page, page.start_index())}
    return render(request, "points/ranking.html", context)
