"""报到 pages: the public page a station's QR code opens, the station staff's desk, the
organisations' inbox, a member's own list, and the figures."""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhibu.checkins import codes, poster, queries, services
from zhibu.checkins.forms import ClaimForm, CorrectionForm, PeriodForm, RedirectForm
from zhibu.checkins.models import CheckInState
from zhibu.core.forms import add_service_errors
from zhibu.core.replica import reading_from_replica
from zhibu.core.scope import Capability
from zhibu.stations.models import Station

PAGE_SIZE = 50


# The page behind the QR code: public


def start(request, code: str):
    try:
        station = codes.read_code(code)
    except codes.CodeError as error:
        return render(request, "checkins/code_error.html", {"message": str(error)}, status=400)
    member = getattr(request.user, "member", None) if request.user.is_authenticated else None
    form = ClaimForm(request.POST or None) if member is None else None
    if request.method == "POST":
        try:
            if member is not None:
                submitted = services.submit_from_account(request.user, station)
            elif form.is_valid():
                submitted = services.submit_from_form(station, form.claim(), request=request)
            else:
                submitted = None
        except ValidationError as error:
            add_service_errors(form, error)
            submitted = None
        if submitted is not None:
            context = {"station": station, "checkin": submitted.checkin, "repeated": submitted.repeated}
            return render(request, "checkins/start_done.html", context)
    return render(request, "checkins/start.html", {"station": station, "member": member, "form": form})


# Station staff


def _run_station(actor, pk: int) -> Station:
    station = get_object_or_404(Station.objects.select_related("organization"), pk=pk, is_checkin_point=True)
    if not services.can_staff(actor, station):
        raise PermissionDenied
    return station


@login_required
def desk(request):
    scope = request.user.scope
    if not (scope.can(Capability.STATION) or scope.can(Capability.EDIT)):
        raise PermissionDenied
    return render(request, "checkins/desk.html", {"stations": queries.desk(request.user)})


@login_required
def station(request, pk: int):
    station = _run_station(request.user, pk)
    waiting = list(queries.waiting_at(station)[:PAGE_SIZE])
    context = {"station": station, "waiting": waiting, "correction": CorrectionForm(auto_id="correct-%s")}
    return render(request, "checkins/station.html", context)


@login_required
def screen(request, pk: int):
    station = _run_station(request.user, pk)
    return render(request, "checkins/screen.html", {"station": station, **_fresh_code(request, station)})


@login_required
def screen_code(request, pk: int):
    """The renewed code, fetched by the screen page before the shown one expires."""
    station = _run_station(request.user, pk)
    return render(request, "checkins/screen_code.html", {"station": station, **_fresh_code(request, station)})


def _fresh_code(request, station: Station) -> dict:
    url = poster.checkin_url(request, codes.make_code(station, codes.SCREEN))
    minutes = codes.lifetime(codes.SCREEN).total_seconds() / 60
    # Renewed at half its life, so a code scanned just before the renewal still works.
    return {"qr": poster.qr_svg(url), "url": url, "minutes": int(minutes), "renew_seconds": int(minutes * 30)}


@login_required
def poster_pdf(request, pk: int):
    station = _run_station(request.user, pk)
    response = HttpResponse(poster.poster_pdf(request, station), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="checkin-{station.pk}.pdf"'
    return response


@login_required
@require_POST
def withdraw_codes(request, pk: int):
    station = _run_station(request.user, pk)
    services.withdraw_codes(request.user, station)
    messages.success(request, _("Every code issued so far has been withdrawn. Print the poster again."))
    return redirect("checkins:station", station.pk)


@login_required
@require_POST
def verify(request, pk: int):
    checkin = get_object_or_404(queries.checkins(request.user), pk=pk)
    correction = None
    if request.POST.get("id_number"):
        form = CorrectionForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
            return redirect("checkins:station", checkin.station_id)
        correction = form.claim()
    try:
        checkin = services.verify(request.user, checkin, correction)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if checkin.state == CheckInState.PENDING:
            messages.warning(request, _("Not matched: %(reason)s") % {"reason": checkin.get_pending_reason_display()})
        else:
            messages.success(
                request,
                _("%(name)s is verified; the check-in went to %(organization)s.")
                % {"name": checkin.name, "organization": checkin.routed_to.name},
            )
    return redirect("checkins:station", checkin.station_id)


# Organisations


@login_required
def inbox(request):
    page = Paginator(queries.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "checkins/inbox.html", {"page": page})


@login_required
def detail(request, pk: int):
    checkin = get_object_or_404(queries.checkins(request.user), pk=pk)
    can_decide = checkin.state == CheckInState.ROUTED and services.can_decide(request.user, checkin)
    context = {"checkin": checkin, "can_decide": can_decide, "redirect_form": RedirectForm()}
    return render(request, "checkins/detail.html", context)


@login_required
@require_POST
def accept(request, pk: int):
    checkin = get_object_or_404(queries.checkins(request.user), pk=pk)
    try:
        services.accept(request.user, checkin)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s has been accepted.") % {"name": checkin.name})
    return redirect("checkins:detail", checkin.pk)


@login_required
def redirect_checkin(request, pk: int):
    checkin = get_object_or_404(queries.checkins(request.user), pk=pk)
    form = RedirectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.redirect(request.user, checkin, form.cleaned_data["organization_code"], form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The check-in has been sent on."))
            return redirect("checkins:inbox")
    elif request.method == "GET" and not services.can_decide(request.user, checkin):
        raise PermissionDenied
    return render(request, "checkins/redirect.html", {"checkin": checkin, "form": form})


# Members


@login_required
def mine(request):
    context = {
        "checkins": queries.own(request.user)[:PAGE_SIZE],
        "visits": queries.own_visits(request.user)[:PAGE_SIZE],
        "retention_days": settings.STATION_VISIT_RETENTION_DAYS,
    }
    return render(request, "checkins/mine.html", context)


@login_required
@require_POST
def visit(request, pk: int):
    station = get_object_or_404(Station, pk=pk)
    try:
        recorded = services.record_visit(request.user, station)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if recorded.counted:
            messages.success(request, _("Welcome to %(station)s.") % {"station": station.name})
        else:
            messages.info(request, _("Your visit is recorded already."))
    return redirect("stations:detail", station.pk)


# Figures


def _require_figures(actor) -> None:
    scope = actor.scope
    if not (scope.can(Capability.VIEW) or scope.can(Capability.STATION)):
        raise PermissionDenied


@login_required
@reading_from_replica()
def figures(request):
    _require_figures(request.user)
    form = PeriodForm(request.GET or None)
    period = form.period()
    found = queries.figures(request.user, period)
    base = f"{reverse('checkins:list')}?start={period.start:%Y-%m-%d}&end={period.end:%Y-%m-%d}"
    states = dict(CheckInState.choices)
    context = {
        "form": form,
        "period": period,
        "figures": found,
        "list_url": base,
        "states": [
            {"label": states[row["state"]], "count": row["count"], "url": f"{base}&state={row['state']}"}
            for row in found.by_state
        ],
        "charts": {
            "stations": _chart(found.by_station, "station__name", f"{base}&station=", "station"),
            "organizations": _chart(found.by_organization, "routed_to__name", f"{base}&org=", "routed_to"),
            "months": {
                "categories": [f"{row['month']:%Y-%m}" for row in found.by_month],
                "series": [{"name": _("Check-ins"), "data": [row["count"] for row in found.by_month]}],
                "links": [f"{base}&month={row['month']:%Y-%m}" for row in found.by_month],
            },
        },
        "visits": queries.visits_by_day(request.user, period),
    }
    return render(request, "checkins/figures.html", context)


def _chart(rows: list[dict], label: str, link: str, key: str) -> dict:
    return {
        "categories": [row[label] for row in rows],
        "series": [{"name": _("Check-ins"), "data": [row["count"] for row in rows]}],
        "links": [f"{link}{row[key]}" for row in rows],
    }


@login_required
def checkin_list(request):
    """The records behind a figure: 报到 filtered by period, station, organisation, state."""
    _require_figures(request.user)
    form = PeriodForm(request.GET or None)
    found = queries.checkins(request.user).filter(form.period().q)
    for key, lookup in (("station", "station_id"), ("org", "routed_to_id")):
        value = request.GET.get(key, "")
        if value.isdigit():
            found = found.filter(**{lookup: value})
    if request.GET.get("state") in CheckInState.values:
        found = found.filter(state=request.GET["state"])
    month = re.fullmatch(r"(\d{4})-(\d{2})", request.GET.get("month", ""))
    if month:
        found = found.filter(submitted_at__year=month[1], submitted_at__month=month[2])
    page = Paginator(found.order_by("-submitted_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "checkins/list.html", {"page": page, "form": form, "today": timezone.localdate()})
