"""Reads of chain-led learning, always from the actor.

An actor sees a chain and its sessions from either side:
- the host side: the lead organisation is in the actor's scope (its readers see everything of
  the chain but the names of other organisations' members: they see how many came from each);
- the participant side: a participant (for sessions: an invited organisation) is in the actor's
  scope, or lies above it (a branch secretary of an invited company sees the company's sessions).
A member sees the sessions to which their home organisation, or one above it, is invited.

Every figure comes from the attendance recorded: a session is held when someone attended it, an
organisation is reached when one of its members attended a session with it, and members reached
are the distinct members recorded.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from zhibu.chains.models import Attendee, Chain, Invitation, Participant, Reply, Session
from zhibu.core.scope import Capability
from zhibu.registry.models import Member, Organization


def _ancestors(paths) -> set[str]:
    step = Organization.steplen
    return {path[:end] for path in paths for end in range(step, len(path) + 1, step)}


def participant_q(actor, path_field: str, capability: str = Capability.VIEW) -> Q:
    """Organisations in the actor's scope, or above a part of it."""
    scope = actor.scope
    if scope.is_platform:
        return Q()
    return scope.q(path_field, capability) | Q(**{f"{path_field}__in": _ancestors(scope.prefixes(capability))})


def chains(actor) -> QuerySet[Chain]:
    scope = actor.scope
    taking_part = Participant.objects.filter(chain=OuterRef("pk")).filter(participant_q(actor, "organization__path"))
    visible = scope.q("lead__path", Capability.VIEW)
    if not scope.is_platform:
        visible |= Q(Exists(taking_part))
    return Chain.objects.filter(visible).select_related("lead")


def sessions(actor) -> QuerySet[Session]:
    scope = actor.scope
    invited = Invitation.objects.filter(session=OuterRef("pk")).filter(participant_q(actor, "organization__path"))
    visible = scope.q("chain__lead__path", Capability.VIEW)
    if not scope.is_platform:
        visible |= Q(Exists(invited))
    return Session.objects.filter(visible).select_related("chain__lead")


def is_host_reader(actor, chain: Chain) -> bool:
    return actor.scope.covers(chain.lead.path, Capability.VIEW)


def invitations(actor, session: Session) -> QuerySet[Invitation]:
    """All of a session's invitations for the host side; the actor's own ones otherwise."""
    found = Invitation.objects.filter(session=session).select_related("organization", "session__chain__lead")
    if not is_host_reader(actor, session.chain):
        found = found.filter(participant_q(actor, "organization__path"))
    return found.order_by("organization__path")


def invitation(actor, pk: int) -> Invitation | None:
    return (
        Invitation.objects.filter(pk=pk)
        .filter(participant_q(actor, "organization__path") | actor.scope.q("session__chain__lead__path"))
        .select_related("organization", "session__chain__lead")
        .first()
    )


def open_invitations(actor) -> QuerySet[Invitation]:
    """Invitations to the actor's organisations (or above them) of sessions not over yet."""
    if not actor.scope.can(Capability.EDIT):
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(participant_q(actor, "organization__path", Capability.EDIT))
        .filter(session__is_cancelled=False, session__ends_at__gte=timezone.now() - datetime.timedelta(days=7))
        .select_related("organization", "session__chain__lead")
        .order_by("session__starts_at", "organization__path")
    )


# The member side


def my_sessions(user) -> QuerySet[Session]:
    member = Member.objects.select_related("home_org").filter(pk=user.member_id).first() if user.member_id else None
    if member is None:
        return Session.objects.none()
    invited = Invitation.objects.filter(session=OuterRef("pk"), organization__path__in=member.home_org.lineage_paths)
    return (
        Session.objects.filter(Exists(invited))
        .select_related("chain__lead")
        .annotate(attended=Exists(Attendee.objects.filter(session=OuterRef("pk"), member=member)))
        .order_by("-starts_at", "-pk")
    )


def may_read_material(actor, session: Session) -> bool:
    if sessions(actor).filter(pk=session.pk).exists():
        return True
    return getattr(actor, "member_id", None) is not None and my_sessions(actor).filter(pk=session.pk).exists()


# Figures


@dataclass
class Totals:
    sessions_held: int = 0
    organizations: int = 0
    members: int = 0


@dataclass
class SessionFigures:
    invited: int = 0
    accepted: int = 0
    declined: int = 0
    organizations: int = 0
    members: int = 0

    @property
    def pending(self) -> int:
        return self.invited - self.accepted - self.declined


def _attendees(chain: Chain, year: int | None) -> QuerySet[Attendee]:
    found = Attendee.objects.filter(session__chain=chain, session__is_cancelled=False)
    if year is not None:
        start, end = year_span(year)
        found = found.filter(session__starts_at__gte=start, session__starts_at__lt=end)
    return found


def year_span(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.datetime(year, 1, 1), tz),
        timezone.make_aware(datetime.datetime(year + 1, 1, 1), tz),
    )


def totals(chain: Chain, year: int | None = None) -> Totals:
    """Distinct over the whole period, not added up over the sessions: an organisation that came
    to three sessions is one organisation reached. One query."""
    found = _attendees(chain, year).aggregate(
        sessions_held=Count("session", distinct=True),
        organizations=Count("organization", distinct=True),
        members=Count("member", distinct=True),
    )
    return Totals(**found)


def session_figures(session_ids: list[int]) -> dict[int, SessionFigures]:
    """Each session's invitations by reply and its attendance: two queries however many."""
    found = {pk: SessionFigures() for pk in session_ids}
    replies = (
        Invitation.objects.filter(session_id__in=session_ids)
        .order_by()
        .values_list("session_id", "reply")
        .annotate(n=Count("pk"))
    )
    for session_id, answer, count in replies:
        figures = found[session_id]
        figures.invited += count
        if answer == Reply.ACCEPTED:
            figures.accepted = count
        elif answer == Reply.DECLINED:
            figures.declined = count
    attended = (
        Attendee.objects.filter(session_id__in=session_ids)
        .order_by()
        .values_list("session_id")
        .annotate(orgs=Count("organization", distinct=True), members=Count("member", distinct=True))
    )
    for session_id, orgs, members in attended:
        found[session_id].organizations, found[session_id].members = orgs, members
    return found


@dataclass
class Month:
    first: datetime.date
    totals: Totals


def by_month(chain: Chain, year: int | None = None) -> list[Month]:
    """Per month of the sessions' start: sessions held, organisations and members reached that
    month (distinct within the month). One query."""
    rows = (
        _attendees(chain, year)
        .annotate(month=TruncMonth("session__starts_at"))
        .order_by()
        .values_list("month")
        .annotate(
            sessions=Count("session", distinct=True),
            orgs=Count("organization", distinct=True),
            members=Count("member", distinct=True),
        )
        .order_by("month")
    )
    return [Month(_as_date(month), Totals(sessions, orgs, members)) for month, sessions, orgs, members in rows]


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@dataclass
class OrganizationFigures:
    organization: Organization
    invited: int = 0
    attended: int = 0  # sessions at which at least one of its members was recorded
    members: int = 0  # distinct members recorded
    sessions: list = field(default_factory=list)


def by_organization(chain: Chain, year: int | None = None) -> list[OrganizationFigures]:
    """Every participant (and any organisation invited before it left), with its sessions invited,
    sessions attended and distinct members: three queries however many."""
    orgs = {
        org.pk: OrganizationFigures(org)
        for org in Organization.objects.filter(
            Q(chain_memberships__chain=chain) | Q(chain_invitations__session__chain=chain)
        )
        .distinct()
        .order_by("path")
    }
    invited = Invitation.objects.filter(session__chain=chain, session__is_cancelled=False)
    if year is not None:
        start, end = year_span(year)
        invited = invited.filter(session__starts_at__gte=start, session__starts_at__lt=end)
    for org_id, count in invited.order_by().values_list("organization_id").annotate(n=Count("pk")):
        orgs[org_id].invited = count
    attended = (
        _attendees(chain, year)
        .order_by()
        .values_list("organization_id")
        .annotate(sessions=Count("session", distinct=True), members=Count("member", distinct=True))
    )
    for org_id, sessions_count, members in attended:
        orgs[org_id].attended, orgs[org_id].members = sessions_count, members
    return sorted(orgs.values(), key=lambda row: (-row.members, -row.attended, row.organization.path))


def years(chain: Chain) -> list[int]:
    """The years in which the chain has sessions, the latest first."""
    starts = Session.objects.filter(chain=chain).dates("starts_at", "year", order="DESC")
    return [day.year for day in starts]


def participants(chain: Chain) -> QuerySet[Participant]:
    return Participant.objects.filter(chain=chain).select_related("organization").order_by("organization__path")


def search_organizations(text: str, limit: int = 30) -> list[Organization]:
    """Organisations anywhere in the tree by name or code, for bringing them into a chain: only
    their names and kinds are shown, never their members."""
    text = text.strip()
    if len(text) < 1:
        return []
    found = list(
        Organization.objects.filter(Q(name__contains=text) | Q(code__iexact=text), dissolved_on=None).order_by("path")[
            :limit
        ]
    )
    parents = Organization.objects.in_bulk(
        [org.path[: -Organization.steplen] for org in found if org.depth > 1], field_name="path"
    )
    for org in found:
        org.parent_name = parents[org.path[: -Organization.steplen]].name if org.depth > 1 else ""
    return found
