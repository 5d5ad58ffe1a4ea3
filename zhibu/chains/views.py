"""Chain-led learning pages. Outside the actor's view of a chain, session or invitation the answer
is 404; a reader who may see but not change it gets 403. The member side (my chain sessions, the
materials) acts for the signed-in member's own record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhibu.chains import queries, services
from zhibu.chains.forms import AddParticipantsForm, ChainForm, MaterialForm, SearchForm, SessionForm, YearForm
from zhibu.chains.models import Attendee, Chain, Invitation, Material, Reply, Session
from zhibu.core.forms import add_service_errors
from zhibu.core.replica import reading_from_replica
from zhibu.core.scope import Capability
from zhibu.meetings import files
from zhibu.registry.models import Organization

PAGE_SIZE = 20
PARTICIPANTS_PAGE_SIZE = 100
MEMBERS_PAGE_SIZE = 100


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _chain(actor, pk: int) -> Chain:
    return get_object_or_404(queries.chains(actor), pk=pk)


def _managed_chain(actor, pk: int) -> Chain:
    chain = _chain(actor, pk)
    if not services.can_manage(actor, chain):
        raise PermissionDenied
    return chain


def _session(actor, pk: int) -> Session:
    return get_object_or_404(queries.sessions(actor), pk=pk)


def _managed_session(actor, pk: int) -> Session:
    session = _session(actor, pk)
    if not services.can_manage(actor, session.chain):
        raise PermissionDenied
    return session


def _invitation(actor, pk: int) -> Invitation:
    found = queries.invitation(actor, pk)
    if found is None:
        raise Http404
    return found


# Chains


@login_required
def index(request):
    actor = request.user
    if not actor.scope.can(Capability.VIEW):
        raise PermissionDenied
    chains = queries.chains(actor).annotate(
        participant_count=Count("memberships", distinct=True), session_count=Count("sessions", distinct=True)
    )
    page = Paginator(chains.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "invitations": list(queries.open_invitations(actor)[:50]),
        "can_create": actor.scope.can(Capability.EDIT),
    }
    return render(request, "chains/index.html", context)


@login_required
def create(request):
    actor = request.user
    if not actor.scope.can(Capability.EDIT):
        raise PermissionDenied
    form = ChainForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            chain = services.create_chain(actor, form.chain_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The chain has been created. Now bring in its organisations."))
            return redirect("chains:participants", chain.pk)
    return render(request, "chains/edit.html", {"form": form})


@login_required
def edit(request, pk: int):
    actor = request.user
    chain = _managed_chain(actor, pk)
    form = ChainForm(actor, request.POST or None, chain=chain)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_chain(actor, chain, form.chain_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The chain has been saved."))
            return redirect("chains:detail", chain.pk)
    return render(request, "chains/edit.html", {"form": form, "chain": chain})


@login_required
def detail(request, pk: int):
    actor = request.user
    chain = _chain(actor, pk)
    found = Session.objects.filter(chain=chain).order_by("-starts_at", "-pk")
    if not queries.is_host_reader(actor, chain):
        found = found.filter(pk__in=queries.sessions(actor).filter(chain=chain).values("pk"))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    figures = queries.session_figures([session.pk for session in page])
    context = {
        "chain": chain,
        "can_manage": services.can_manage(actor, chain),
        "is_host": queries.is_host_reader(actor, chain),
        "participant_count": chain.memberships.count(),
        "totals": queries.totals(chain),
        "page": page,
        "rows": [(session, figures[session.pk]) for session in page],
        "now": timezone.now(),
    }
    return render(request, "chains/detail.html", context)


# Participants


@login_required
def participants(request, pk: int):
    actor = request.user
    chain = _chain(actor, pk)
    if not queries.is_host_reader(actor, chain):
        raise PermissionDenied
    can_manage = services.can_manage(actor, chain)
    search = SearchForm(request.GET or None)
    results = []
    if can_manage and search.is_valid():
        results = queries.search_organizations(search.cleaned_data["q"])
        present = set(chain.memberships.values_list("organization_id", flat=True)) | {chain.lead_id}
        for org in results:
            org.is_in = org.pk in present
    page = Paginator(queries.participants(chain), PARTICIPANTS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "chain": chain,
        "can_manage": can_manage,
        "search": search,
        "results": results,
        "below_choices": AddParticipantsForm.base_fields["below"].choices,
        "page": page,
    }
    template = "chains/_search_results.html" if request.headers.get("HX-Request") else "chains/participants.html"
    return render(request, template, context)


@login_required
@require_POST
def participants_add(request, pk: int):
    actor = request.user
    chain = _managed_chain(actor, pk)
    form = AddParticipantsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the organisations to bring in."))
        return redirect("chains:participants", chain.pk)
    picked = []
    for organization in form.cleaned_data["organization"]:
        picked += services.expand(organization, form.cleaned_data["below"])
    try:
        count = services.add_participants(actor, chain, picked)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        if count:
            messages.success(request, _("%(count)s organisations brought into the chain.") % {"count": count})
        else:
            messages.info(request, _("Those organisations take part already."))
    return redirect("chains:participants", chain.pk)


@login_required
@require_POST
def participant_remove(request, pk: int, org_pk: int):
    actor = request.user
    chain = _managed_chain(actor, pk)
    organization = get_object_or_404(Organization, pk=org_pk)
    try:
        services.remove_participant(actor, chain, organization)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("%(name)s has left the chain.") % {"name": organization.name})
    return redirect("chains:participants", chain.pk)


# Sessions


@login_required
def session_create(request, pk: int):
    actor = request.user
    chain = _managed_chain(actor, pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.create_session(actor, chain, form.session_input())
            if request.POST.get("invite_all"):
                services.invite(actor, session)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session has been saved."))
            return redirect("chains:session", session.pk)
    return render(request, "chains/session_edit.html", {"form": form, "chain": chain})


@login_required
def session_edit(request, pk: int):
    actor = request.user
    session = _managed_session(actor, pk)
    form = SessionForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session(actor, session, form.session_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session has been saved."))
            return redirect("chains:session", session.pk)
    return render(request, "chains/session_edit.html", {"form": form, "chain": session.chain, "session": session})


@login_required
@require_POST
def session_cancel(request, pk: int):
    actor = request.user
    session = _managed_session(actor, pk)
    try:
        services.cancel_session(actor, session)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("The session has been cancelled and the invited organisations told."))
    return redirect("chains:session", session.pk)


@login_required
def session(request, pk: int, material_form=None, status: int = 200):
    actor = request.user
    found = _session(actor, pk)
    chain = found.chain
    can_manage = services.can_manage(actor, chain)
    invitations = list(queries.invitations(actor, found).annotate(attendee_count=Count("attendees")))
    uninvited = []
    if can_manage and not found.is_cancelled:
        invited = {invitation.organization_id for invitation in invitations}
        uninvited = [row for row in queries.participants(chain) if row.organization_id not in invited]
    rows = [
        (invitation, services.can_reply(actor, invitation), services.can_record(actor, invitation))
        for invitation in invitations
    ]
    context = {
        "session": found,
        "chain": chain,
        "can_manage": can_manage,
        "is_host": queries.is_host_reader(actor, chain),
        "figures": queries.session_figures([found.pk])[found.pk],
        "rows": rows,
        "uninvited": uninvited,
        "materials": list(found.materials.all()),
        "material_form": material_form or (MaterialForm(auto_id="material-%s") if can_manage else None),
    }
    return render(request, "chains/session.html", context, status=status)


@login_required
@require_POST
def invite(request, pk: int):
    actor = request.user
    found = _managed_session(actor, pk)
    picked = [int(value) for value in request.POST.getlist("organization") if value.isdigit()]
    organizations = None if request.POST.get("all") else list(Organization.objects.filter(pk__in=picked))
    if organizations is not None and not organizations:
        messages.error(request, _("Tick the organisations to invite."))
        return redirect("chains:session", found.pk)
    try:
        count = services.invite(actor, found, organizations)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("%(count)s invitations sent.") % {"count": count})
    return redirect("chains:session", found.pk)


@login_required
@require_POST
def reply(request, pk: int):
    actor = request.user
    found = _invitation(actor, pk)
    if not services.can_reply(actor, found):
        raise PermissionDenied
    accept = request.POST.get("accept") == "1"
    try:
        services.reply(actor, found, accept)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("You accepted the invitation.") if accept else _("You declined the invitation."))
    return redirect("chains:session", found.session_id)


@login_required
def attendance(request, pk: int):
    """The invited organisation's members in the actor's registry, ticked when they attended."""
    actor = request.user
    found = _invitation(actor, pk)
    if not services.can_record(actor, found):
        raise PermissionDenied
    text = request.GET.get("q", "").strip()[:50]
    people = services.recordable_members(actor, found).select_related("home_org")
    if text:
        people = people.filter(Q(name__contains=text) | Q(name_pinyin__startswith=text.lower()))
    page = Paginator(people.order_by("home_org__path", "name_pinyin", "pk"), MEMBERS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    if request.method == "POST":
        present = {int(value) for value in request.POST.getlist("present") if value.isdigit()}
        shown = {int(value) for value in request.POST.getlist("shown") if value.isdigit()}
        try:
            change = services.set_attendance(actor, found, present, shown)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(
                request,
                _("Attendance saved: %(added)s added, %(removed)s taken back.")
                % {"added": change.added, "removed": change.removed},
            )
            return redirect(request.get_full_path())
    recorded = set(Attendee.objects.filter(invitation=found).values_list("member_id", flat=True))
    context = {
        "invitation": found,
        "session": found.session,
        "page": page,
        "rows": [(member, member.pk in recorded) for member in page],
        "recorded_count": len(recorded),
        "q": text,
        "declined": found.reply == Reply.DECLINED,
    }
    return render(request, "chains/attendance.html", context)


# Materials


@login_required
@require_POST
def material_add(request, pk: int):
    actor = request.user
    found = _managed_session(actor, pk)
    form = MaterialForm(request.POST, request.FILES, auto_id="material-%s")
    if form.is_valid():
        try:
            material = services.add_material(actor, found, form.cleaned_data["file"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s has been shared.") % {"name": material.name})
            return redirect("chains:session", found.pk)
    return session(request, found.pk, material_form=form, status=400)


@login_required
def material(request, pk: int):
    """A shared material, only to those who see its session: the host side, the invited
    organisations and the members they hold. Never a public file."""
    found = get_object_or_404(Material.objects.select_related("session__chain__lead"), pk=pk)
    if not queries.may_read_material(request.user, found.session):
        raise Http404
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
def material_delete(request, pk: int):
    actor = request.user
    found = get_object_or_404(
        Material.objects.filter(session__in=queries.sessions(actor)).select_related("session__chain__lead"), pk=pk
    )
    if not services.can_manage(actor, found.session.chain):
        raise PermissionDenied
    services.delete_material(actor, found)
    messages.success(request, _("%(name)s has been removed.") % {"name": found.name})
    return redirect("chains:session", found.session_id)


# Figures


@login_required
@reading_from_replica()
def figures(request, pk: int):
    actor = request.user
    chain = _chain(actor, pk)
    if not queries.is_host_reader(actor, chain):
        raise PermissionDenied
    form = YearForm(request.GET)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    months = queries.by_month(chain, year)
    organizations = queries.by_organization(chain, year)
    reached = [row for row in organizations if row.attended]
    context = {
        "chain": chain,
        "year": year,
        "years": queries.years(chain),
        "totals": queries.totals(chain, year),
        "months": months,
        "organizations": reached,
        "not_reached": [row for row in organizations if not row.attended],
        "chart_orgs": _chart(
            months, [(_("Sessions held"), "sessions_held"), (_("Organisations reached"), "organizations")]
        ),
        "chart_members": _chart(months, [(_("Members reached"), "members")]),
    }
    return render(request, "chains/figures.html", context)


def _chart(months: list[queries.Month], series: list[tuple[str, str]]) -> dict:
    return {
        "categories": [month.first.strftime("%Y-%m") for month in months],
        "series": [
            {"name": label, "data": [getattr(month.totals, name) for month in months]} for label, name in series
        ],
    }


# The member side


@login_required
def mine(request):
    user = request.user
    page = Paginator(queries.my_sessions(user), PAGE_SIZE).get_page(request.GET.get("page"))
    materials: dict[int, list[Material]] = {}
    for item in Material.objects.filter(session__in=[session.pk for session in page]).order_by("uploaded_at", "pk"):
        materials.setdefault(item.session_id, []).append(item)
    context = {
        "has_member": user.member_id is not None,
        "page": page,
        "rows": [(session, materials.get(session.pk, [])) for session in page],
        "now": timezone.now(),
    }
    return render(request, "chains/mine.html", context)
