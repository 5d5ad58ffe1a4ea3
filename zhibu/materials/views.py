"""Materials pages (书要发到): campaigns with their progress, the deliveries still outstanding with
their figures, marking parcels sent one at a time or in bulk, confirming receipt, and the member's
own parcels with the one-tap confirmation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.materials import queries, services
from zhibu.materials.forms import BulkSendForm, CampaignForm, DeliveryFilterForm, ReceiveForm, SendForm
from zhibu.materials.models import Campaign, Delivery, DeliveryState
from zhibu.registry.models import Organization

CAMPAIGN_PAGE_SIZE = 20
PAGE_SIZE = 50
PARTS_SHOWN = 30


def _require_view(actor) -> None:
    if not actor.scope.can(Capability.VIEW):
        raise PermissionDenied


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _form_errors(form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


def deliveries_url(**filters) -> str:
    query = urlencode({name: value for name, value in filters.items() if value not in (None, "")})
    return f"{reverse('materials:deliveries')}?{query}" if query else reverse("materials:deliveries")


# Campaigns


@login_required
def index(request):
    actor = request.user
    _require_view(actor)
    campaigns = queries.campaigns(actor).order_by("-created_at", "-id")
    page = Paginator(campaigns, CAMPAIGN_PAGE_SIZE).get_page(request.GET.get("page"))
    figures = queries.progress_by_campaign(actor, [campaign.pk for campaign in page])
    overall = queries.progress(queries.deliveries(actor).filter(campaign__state=Campaign.State.LAUNCHED))
    context = {
        "page": page,
        "rows": [(campaign, figures[campaign.pk]) for campaign in page],
        "overall": overall,
        "figures": _state_links(overall, {}),
        "outstanding_url": deliveries_url(state="outstanding"),
        "can_create": actor.scope.can(Capability.EDIT),
    }
    return render(request, "materials/index.html", context)


def _state_links(progress: queries.Progress, filters: dict) -> list[dict]:
    return [
        {"state": state, "label": label, "count": progress.count(state), "url": deliveries_url(**filters, state=state)}
        for state, label in DeliveryState.choices
    ]


@login_required
def create(request):
    actor = request.user
    if not actor.scope.can(Capability.EDIT):
        raise PermissionDenied
    form = CampaignForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(actor, form.campaign_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The draft has been saved. Check the count, then launch it."))
            return redirect("materials:detail", campaign.pk)
    return render(request, "materials/edit.html", {"form": form})


def _campaign(actor, pk: int) -> Campaign:
    """404 when the actor cannot see the campaign."""
    return get_object_or_404(queries.campaigns(actor), pk=pk)


def _runnable(actor, pk: int) -> Campaign:
    """404 when the actor cannot see the campaign, 403 when they may see but not run it."""
    campaign = _campaign(actor, pk)
    if not services.can_run(actor, campaign):
        raise PermissionDenied
    return campaign


@login_required
def detail(request, pk: int):
    actor = request.user
    campaign = _campaign(actor, pk)
    can_run = services.can_run(actor, campaign)
    context = {"campaign": campaign, "can_run": can_run}
    if campaign.state == Campaign.State.DRAFT:
        context["preview"] = campaign.targeted_members().count() if can_run else None
    else:
        context |= _figures(actor, campaign)
    return render(request, "materials/detail.html", context)


def _rollup_parent(actor, campaign: Campaign) -> Organization:
    """The figures roll up below the campaign's organisation, or below the top of the actor's scope
    inside it when the actor sees only some of its members."""
    if actor.scope.covers(campaign.organization.path, Capability.VIEW):
        return campaign.organization
    inside = [path for path in actor.scope.prefixes(Capability.VIEW) if path.startswith(campaign.organization.path)]
    found = Organization.objects.filter(path__in=inside).order_by("path").first()
    return found or campaign.organization


def _figures(actor, campaign: Campaign) -> dict:
    found = queries.deliveries(actor).filter(campaign=campaign)
    overall = queries.progress(found)
    parent = _rollup_parent(actor, campaign)
    parts = queries.by_suborganization(found, parent)
    base = {"campaign": campaign.pk}
    shown = parts[:PARTS_SHOWN]
    return {
        "progress": overall,
        "figures": _state_links(overall, base),
        "outstanding_url": deliveries_url(**base, state="outstanding"),
        "parent": parent,
        "parts": [(part, deliveries_url(**base, org=part.organization.pk, state="outstanding")) for part in shown],
        "parts_hidden": len(parts) - len(shown),
        "chart": _chart(shown, base),
    }


def _chart(parts: list[queries.Part], base: dict) -> dict:
    """Bars per sub-organisation, one series per state; a click opens that organisation's list."""
    return {
        "categories": [part.organization.name for part in parts],
        "series": [
            {"name": label, "data": [part.progress.count(state) for part in parts]}
            for state, label in reversed(DeliveryState.choices)
        ],
        "links": [deliveries_url(**base, org=part.organization.pk) for part in parts],
    }


@login_required
def edit(request, pk: int):
    actor = request.user
    campaign = _runnable(actor, pk)
    if campaign.state != Campaign.State.DRAFT:
        messages.error(request, _("Only a draft can be changed; this campaign has been launched."))
        return redirect("materials:detail", campaign.pk)
    form = CampaignForm(actor, request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(actor, campaign, form.campaign_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The draft has been saved."))
            return redirect("materials:detail", campaign.pk)
    return render(request, "materials/edit.html", {"form": form, "campaign": campaign})


@login_required
@require_POST
def launch(request, pk: int):
    actor = request.user
    campaign = _runnable(actor, pk)
    try:
        count = services.launch(actor, campaign)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("The campaign has been launched: %(count)s parcels to send.") % {"count": count})
    return redirect("materials:detail", campaign.pk)


@login_required
@require_POST
def close(request, pk: int):
    actor = request.user
    campaign = _runnable(actor, pk)
    try:
        services.close(actor, campaign)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("The campaign has been closed."))
    return redirect("materials:detail", campaign.pk)


@login_required
@require_POST
def discard(request, pk: int):
    actor = request.user
    campaign = _runnable(actor, pk)
    try:
        services.discard(actor, campaign)
    except ValidationError as error:
        messages.error(request, _errors(error))
        return redirect("materials:detail", campaign.pk)
    messages.success(request, _("The draft has been discarded."))
    return redirect("materials:index")


# Deliveries


@login_required
def deliveries(request):
    actor = request.user
    _require_view(actor)
    form = DeliveryFilterForm(actor, queries.campaigns(actor), request.GET)
    found = queries.deliveries(actor).exclude(campaign__state=Campaign.State.DRAFT)
    ordered = form.filter(found).order_by(
        "-campaign__launched_at", "campaign_id", "member__home_org__path", "member__name_pinyin", "pk"
    )
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    overall = queries.progress(form.without_state(found))
    rows = [(delivery, services.can_change(actor, delivery)) for delivery in page]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "progress": overall,
        "figures": [dict(figure, url=_filtered_url(form, figure["state"])) for figure in _state_links(overall, {})],
        "bulk_form": BulkSendForm(auto_id="bulk_%s") if any(_sendable(row) for row in rows) else None,
        "next": request.get_full_path(),
    }
    return render(request, "materials/deliveries.html", context)


def _filtered_url(form: DeliveryFilterForm, state: str) -> str:
    return deliveries_url(**form.query(state=state, page=None))


def _sendable(row) -> bool:
    delivery, may_change = row
    return may_change and delivery.state == DeliveryState.PENDING and delivery.campaign.state == Campaign.State.LAUNCHED


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith(reverse("materials:deliveries")) else fallback


@login_required
@require_POST
def bulk_send(request):
    """Rows ticked in the list, each with its tracking number: all written, or none with each row's
    problem named."""
    actor = request.user
    back = _safe_next(request, reverse("materials:deliveries"))
    form = BulkSendForm(request.POST)
    picked = [int(pk) for pk in request.POST.getlist("delivery") if pk.isdigit()]
    if not form.is_valid() or not picked:
        messages.error(request, _form_errors(form) if picked else _("Tick the parcels that were sent."))
        return redirect(back)
    found = queries.deliveries(actor).in_bulk(picked)
    if len(found) != len(set(picked)):
        raise Http404
    shipments = [
        services.Shipment(found[pk], request.POST.get(f"tracking-{pk}", ""), form.cleaned_data["sent_on"])
        for pk in dict.fromkeys(picked)
    ]
    try:
        count = services.mark_sent_many(actor, shipments)
    except ValidationError as error:
        names = {str(pk): delivery.member.name for pk, delivery in found.items()}
        problems = [f"{names.get(pk, pk)}: {' '.join(texts)}" for pk, texts in error.message_dict.items()]
        messages.error(request, _("Nothing was marked sent. %(problems)s") % {"problems": "; ".join(problems)})
    else:
        messages.success(request, _("%(count)s parcels marked sent.") % {"count": count})
    return redirect(back)


def _delivery(actor, pk: int) -> Delivery:
    return get_object_or_404(queries.deliveries(actor), pk=pk)


@login_required
def delivery(request, pk: int):
    actor = request.user
    found = _delivery(actor, pk)
    may_change = services.can_change(actor, found) and found.campaign.state == Campaign.State.LAUNCHED
    is_received = found.state == DeliveryState.RECEIVED
    initial = {"tracking_number": found.tracking_number} if found.tracking_number else None
    context = {
        "delivery": found,
        "send_form": SendForm(initial=initial, auto_id="send_%s") if may_change and not is_received else None,
        "receive_form": ReceiveForm(auto_id="receive_%s") if may_change and not is_received else None,
    }
    return render(request, "materials/delivery.html", context)


@login_required
@require_POST
def send(request, pk: int):
    actor = request.user
    found = _delivery(actor, pk)
    if not services.can_change(actor, found):
        raise PermissionDenied
    form = SendForm(request.POST, auto_id="send_%s")
    if form.is_valid():
        try:
            services.mark_sent(actor, found, form.cleaned_data["tracking_number"], form.cleaned_data["sent_on"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The parcel to %(name)s is marked sent.") % {"name": found.member.name})
            return redirect("materials:delivery", found.pk)
    context = {"delivery": found, "send_form": form, "receive_form": ReceiveForm(auto_id="receive_%s")}
    return render(request, "materials/delivery.html", context, status=400)


@login_required
@require_POST
def receive(request, pk: int):
    """已签收: the member's one tap on their own parcel, or a secretary for them (with a date)."""
    actor = request.user
    visible = queries.deliveries(actor)
    if actor.member_id is not None:
        visible = Delivery.objects.filter(Q(pk__in=visible.values("pk")) | Q(member_id=actor.member_id))
    found = get_object_or_404(visible.select_related("member__home_org", "campaign__organization"), pk=pk)
    if not services.may_confirm(actor, found):
        raise PermissionDenied
    own = found.member_id == actor.member_id
    form = ReceiveForm(request.POST)
    received_on = form.cleaned_data.get("received_on") if form.is_valid() else None
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            recorded = services.confirm_receipt(actor, found, received_on)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            if recorded:
                messages.success(request, _("Receipt confirmed. Thank you!") if own else _("Receipt recorded."))
            else:
                messages.info(request, _("Receipt was confirmed already."))
    return redirect("materials:mine" if own else "materials:delivery", *([] if own else [found.pk]))


@login_required
def mine(request):
    parcels = list(queries.own_deliveries(request.user))
    context = {"parcels": parcels, "has_member": request.user.member_id is not None}
    return render(request, "materials/mine.html", context)
