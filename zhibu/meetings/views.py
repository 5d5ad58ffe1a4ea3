"""Meeting pages. The organisation side (lists, the meeting page, roll call, minutes, the calendar
and the rules) answers 404 outside the actor's scope and 403 to readers who may not change it.
The member side (my meetings, leave, the online tap, the code's page) acts only for the signed-in
member. The calendar feeds are read by calendar apps with the signed token in their address."""

import datetime

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhibu.accounts.models import User
from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.meetings import codes, files, ical, queries, services
from zhibu.meetings.forms import AttachmentForm, FilterForm, LeaveForm, MeetingForm, MinutesForm, RulesForm
from zhibu.meetings.models import Meeting, MeetingKind, MeetingRule, Minutes, MinutesAttachment
from zhibu.registry.models import Organization
from zhibu.registry.views.chosen import visible_organization

PAGE_SIZE = 50
FEED_PAST_DAYS = 400


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _can_edit(actor, organization: Organization) -> bool:
    return actor.scope.covers(organization.path, Capability.EDIT)


def _editable_organization(actor, pk: int) -> Organization:
    organization = visible_organization(actor, pk)
    if not _can_edit(actor, organization):
        raise PermissionDenied
    return organization


def _meeting(actor, pk: int) -> Meeting:
    return get_object_or_404(queries.meetings(actor), pk=pk)


def _editable_meeting(actor, pk: int) -> Meeting:
    meeting = _meeting(actor, pk)
    if not _can_edit(actor, meeting.organization):
        raise PermissionDenied
    return meeting


def _my_meeting(user, pk: int) -> Meeting:
    return get_object_or_404(queries.my_meetings(user), pk=pk)


# Entry pages


@login_required
def index(request):
    actor = request.user
    page = Paginator(queries.organizations(actor), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "has_member": actor.member_id is not None}
    return render(request, "meetings/index.html", context)


@login_required
def mine(request):
    now = timezone.now()
    meetings = queries.my_meetings(request.user)
    context = {
        "has_member": request.user.member_id is not None,
        "upcoming": list(meetings.filter(ends_at__gte=now).order_by("starts_at", "id")[:PAGE_SIZE]),
        "past": list(meetings.filter(ends_at__lt=now).order_by("-starts_at", "-id")[:PAGE_SIZE]),
        "now": now,
    }
    return render(request, "meetings/mine.html", context)


# The organisation side


@login_required
def org_list(request, org_pk: int):
    actor = request.user
    organization = visible_organization(actor, org_pk)
    form = FilterForm(request.GET or None)
    meetings = form.filter(Meeting.objects.filter(organization=organization).select_related("station"))
    page = Paginator(meetings.order_by("-starts_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    feed = reverse("meetings:feed", args=[codes.organization_feed_token(actor, organization)])
    context = {
        "organization": organization,
        "form": form,
        "page": page,
        "can_edit": _can_edit(actor, organization),
        "feed_url": request.build_absolute_uri(feed),
        "year": timezone.localdate().year,
    }
    return render(request, "meetings/org_list.html", context)


@login_required
def create(request, org_pk: int):
    actor = request.user
    organization = _editable_organization(actor, org_pk)
    form = MeetingForm(actor, request.POST or None, initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(actor, organization, form.meeting_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting has been planned and the invitees told."))
            return redirect("meetings:detail", meeting.pk)
    return render(request, "meetings/edit.html", {"form": form, "organization": organization, "meeting": None})


@login_required
def detail(request, pk: int):
    actor = request.user
    meeting = _meeting(actor, pk)
    rows = queries.sheet(meeting)
    context = {
        "meeting": meeting,
        "rows": rows,
        "present": sum(1 for row in rows if row.attendance),
        "on_leave": [row for row in rows if row.leave and not row.attendance],
        "quorum": queries.quorum(meeting) if meeting.kind == MeetingKind.GENERAL_ASSEMBLY else None,
        "minutes": Minutes.objects.filter(meeting=meeting).first(),
        "attachments": list(meeting.attachments.all()),
        "can_edit": _can_edit(actor, meeting.organization),
        "is_open": codes.is_open(meeting),
    }
    return render(request, "meetings/detail.html", context)


@login_required
def edit(request, pk: int):
    actor = request.user
    meeting = _editable_meeting(actor, pk)
    form = MeetingForm.for_meeting(actor, meeting, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(actor, meeting, form.meeting_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting has been changed."))
            return redirect("meetings:detail", meeting.pk)
    context = {"form": form, "organization": meeting.organization, "meeting": meeting}
    return render(request, "meetings/edit.html", context)


@login_required
@require_POST
def cancel(request, pk: int):
    meeting = _editable_meeting(request.user, pk)
    services.cancel_meeting(request.user, meeting)
    messages.success(request, _("The meeting has been cancelled and the invitees told."))
    return redirect("meetings:detail", meeting.pk)


@login_required
def code(request, pk: int):
    """The meeting's QR code, for a screen or a printout at the meeting."""
    meeting = _editable_meeting(request.user, pk)
    url = request.build_absolute_uri(reverse("meetings:scan", args=[codes.make_code(meeting)]))
    context = {
        "meeting": meeting,
        "qr": segno.make(url, error="m").svg_inline(scale=8, border=2),
        "url": url,
        "opens_at": codes.opens_at(meeting),
        "problem": codes.window_error(meeting),
    }
    return render(request, "meetings/code.html", context)


@login_required
@require_POST
def withdraw(request, pk: int):
    meeting = _editable_meeting(request.user, pk)
    services.withdraw_code(request.user, meeting)
    messages.success(request, _("The code shown so far no longer works; show the new one."))
    return redirect("meetings:code", meeting.pk)


@login_required
def roll_call(request, pk: int):
    actor = request.user
    meeting = _editable_meeting(actor, pk)
    if request.method == "POST":
        present = {int(value) for value in request.POST.getlist("present") if value.isdigit()}
        try:
            added = services.take_roll_call(actor, meeting, present)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, _("Roll call saved: %(count)d newly marked present.") % {"count": added})
            return redirect("meetings:detail", meeting.pk)
    rows = queries.sheet(meeting)
    context = {"meeting": meeting, "rows": rows, "problem": _roll_call_problem(meeting)}
    return render(request, "meetings/roll_call.html", context)


def _roll_call_problem(meeting: Meeting) -> str:
    if meeting.is_cancelled:
        return _("This meeting has been cancelled.")
    if timezone.now() < codes.opens_at(meeting):
        return _("The roll call opens 30 minutes before the meeting starts.")
    return ""


@login_required
@require_POST
def mark(request, pk: int, member_pk: int):
    """One invitee's roll call; htmx swaps the row, a plain form goes back to the roll call."""
    actor = request.user
    meeting = _editable_meeting(actor, pk)
    member = get_object_or_404(queries.invitees(meeting).select_related("home_org"), pk=member_pk)
    present = request.POST.get("mark") == "1"
    error = ""
    try:
        services.mark_present(actor, meeting, member, present)
    except ValidationError as problem:
        error = _errors(problem)
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        return redirect("meetings:roll_call", meeting.pk)
    row = next(row for row in queries.sheet(meeting) if row.member.pk == member.pk)
    return render(request, "meetings/_roll_row.html", {"meeting": meeting, "row": row, "error": error})


@login_required
def minutes(request, pk: int):
    actor = request.user
    meeting = _editable_meeting(actor, pk)
    existing = Minutes.objects.filter(meeting=meeting).first()
    text_form = MinutesForm(initial={"text": existing.text if existing else ""}, auto_id="minutes-%s")
    file_form = AttachmentForm(auto_id="attachment-%s")
    if request.method == "POST":
        if "file" in request.FILES or request.POST.get("part") == "attachment":
            file_form = AttachmentForm(request.POST, request.FILES, auto_id="attachment-%s")
            if _save_attachment(request, meeting, file_form):
                return redirect("meetings:minutes", meeting.pk)
        else:
            text_form = MinutesForm(request.POST, auto_id="minutes-%s")
            if _save_text(request, meeting, text_form):
                return redirect("meetings:detail", meeting.pk)
    context = {
        "meeting": meeting,
        "text_form": text_form,
        "file_form": file_form,
        "attachments": list(meeting.attachments.all()),
    }
    return render(request, "meetings/minutes.html", context)


def _save_text(request, meeting: Meeting, form: MinutesForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.save_minutes(request.user, meeting, form.cleaned_data["text"])
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(request, _("The minutes have been saved."))
    return True


def _save_attachment(request, meeting: Meeting, form: AttachmentForm) -> bool:
    if not form.is_valid():
        return False
    try:
        attachment = services.add_attachment(request.user, meeting, form.cleaned_data["file"])
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(request, _("%(name)s has been attached.") % {"name": attachment.name})
    return True


@login_required
def attachment(request, pk: int):
    """An attachment, only to those who may see the meeting; never a public file."""
    found = get_object_or_404(
        MinutesAttachment.objects.filter(request.user.scope.q("meeting__organization__path", Capability.VIEW)), pk=pk
    )
    kind = files.kind_of(found.file.name)
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=files.CONTENT_TYPES.get(kind, "application/octet-stream"),
        as_attachment=kind not in files.INLINE,
        filename=found.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attachment_delete(request, pk: int):
    found = get_object_or_404(
        MinutesAttachment.objects.filter(
            request.user.scope.q("meeting__organization__path", Capability.VIEW)
        ).select_related("meeting__organization"),
        pk=pk,
    )
    services.delete_attachment(request.user, found)
    messages.success(request, _("%(name)s has been removed.") % {"name": found.name})
    return redirect("meetings:minutes", found.meeting_id)


@login_required
def calendar(request, org_pk: int):
    organization = visible_organization(request.user, org_pk)
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    year = min(max(year, 2000), this_year + 1)
    context = {
        "organization": organization,
        "year": year,
        "this_year": this_year,
        "rows": queries.calendar(organization, year),
        "can_edit": _can_edit(request.user, organization),
    }
    return render(request, "meetings/calendar.html", context)


@login_required
def rules(request, org_pk: int):
    actor = request.user
    organization = _editable_organization(actor, org_pk)
    own = {rule.kind: rule for rule in MeetingRule.objects.filter(organization=organization)}
    form = RulesForm(own, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            for kind, period, in_force in form.changes(own):
                services.set_rule(actor, organization, kind, period, in_force)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting rules have been saved."))
            return redirect("meetings:calendar", organization.pk)
    context = {"organization": organization, "form": form, "effective": queries.rules_for(organization)}
    return render(request, "meetings/rules.html", context)


# The member side


def scan(request, code: str):
    """The page the meeting's QR code opens: one tap records the signed-in member, nobody else."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    try:
        meeting = codes.read_code(code)
    except codes.CodeError as error:
        return render(request, "meetings/scan.html", {"problem": str(error)}, status=400)
    context = {"meeting": meeting, "problem": codes.window_error(meeting), "member": request.user.member}
    if request.method == "POST":
        try:
            recorded = services.attend_by_code(request.user, code)
        except (ValidationError, PermissionDenied) as error:
            context["problem"] = _errors(error) if isinstance(error, ValidationError) else str(error)
            return render(request, "meetings/scan.html", context, status=400)
        context["recorded"] = recorded
    return render(request, "meetings/scan.html", context)


def _tapped_message(recorded) -> str:
    if recorded.created:
        return _("Your attendance is recorded. Thank you.")
    return _("Your attendance was already recorded.")


@login_required
@require_POST
def attended(request, pk: int):
    meeting = _my_meeting(request.user, pk)
    try:
        recorded = services.attend_online(request.user, meeting)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _tapped_message(recorded))
    return redirect(f"{reverse('meetings:mine')}#meeting-{meeting.pk}")


@login_required
def leave(request, pk: int):
    meeting = _my_meeting(request.user, pk)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_leave(request.user, meeting, form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your leave request has been sent to the branch."))
            return redirect(f"{reverse('meetings:mine')}#meeting-{meeting.pk}")
    return render(request, "meetings/leave.html", {"meeting": meeting, "form": form})


# Calendar feeds


@login_required
def feeds(request):
    """The addresses to subscribe to in a calendar app."""
    actor = request.user
    member_url = None
    if actor.member_id is not None:
        member_url = request.build_absolute_uri(reverse("meetings:feed", args=[codes.member_feed_token(actor)]))
    return render(request, "meetings/feeds.html", {"member_url": member_url})


def feed(request, token: str):
    try:
        payload = codes.read_feed_token(token)
    except signing.BadSignature:
        raise Http404 from None
    user = User.objects.filter(pk=payload["u"], is_active=True).select_related("member").first()
    if user is None:
        raise Http404
    since = timezone.now() - datetime.timedelta(days=FEED_PAST_DAYS)
    if "o" in payload:
        organization = get_object_or_404(
            Organization.objects.filter(user.scope.q("path", Capability.VIEW)), pk=payload["o"]
        )
        meetings = queries.meetings(user).filter(organization=organization)
        name = organization.name
    else:
        meetings = queries.my_meetings(user)
        name = _("My meetings")
    meetings = meetings.filter(ends_at__gte=since).order_by("starts_at", "id")
    body = ical.calendar(meetings, name, request.get_host().split(":")[0] or "zhibu")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="meetings.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
