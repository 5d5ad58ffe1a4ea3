"""Chain-led learning in the API: the chains the actor sees, and a chain's figures (sessions held,
organisations reached, members reached) overall, per month and per session, derived from the
attendance recorded. Figures are for the host side (readers of the lead organisation)."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from zhibu.chains import queries
from zhibu.core.replica import reading_from_replica
from zhibu.registry.schemas import OrganizationRef

router = Router(tags=["chains"])


class ChainOut(Schema):
    id: int
    name: str
    lead: OrganizationRef
    participants: int = Field(alias="participant_count")
    sessions: int = Field(alias="session_count")


class TotalsOut(Schema):
    sessions_held: int = Field(description="sessions at which at least one member was recorded")
    organizations: int = Field(description="distinct participant organisations with a member recorded")
    members: int = Field(description="distinct members recorded")


class MonthOut(TotalsOut):
    month: str = Field(description="YYYY-MM of the sessions' start")


class SessionOut(Schema):
    id: int
    title: str
    starts_at: datetime.datetime
    is_cancelled: bool
    invited: int
    accepted: int
    declined: int
    organizations: int
    members: int


class FiguresOut(Schema):
    chain: ChainOut
    year: int | None
    totals: TotalsOut
    months: list[MonthOut]
    sessions: list[SessionOut]


class YearQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="a year; all years when empty")


def _counted(actor):
    return queries.chains(actor).annotate(
        participant_count=Count("memberships", distinct=True), session_count=Count("sessions", distinct=True)
    )


@router.get("/chains", response=list[ChainOut])
@paginate
def list_chains(request):
    """Chains led by the actor's organisations, or in which they take part."""
    return _counted(request.auth).order_by("-created_at", "-pk")


@router.get("/chains/{chain_id}/figures", response=FiguresOut)
@reading_from_replica()
def chain_figures(request, chain_id: int, filters: Query[YearQuery]):
    actor = request.auth
    chain = get_object_or_404(_counted(actor), pk=chain_id)
    if not queries.is_host_reader(actor, chain):
        raise PermissionDenied
    found = chain.sessions.order_by("starts_at", "pk")
    if filters.year is not None:
        start, end = queries.year_span(filters.year)
        found = found.filter(starts_at__gte=start, starts_at__lt=end)
    sessions = list(found)
    per_session = queries.session_figures([session.pk for session in sessions])
    return {
        "chain": chain,
        "year": filters.year,
        "totals": queries.totals(chain, filters.year),
        "months": [
            {"month": month.first.strftime("%Y-%m"), **vars(month.totals)}
            for month in queries.by_month(chain, filters.year)
        ],
        "sessions": [
            {
                "id": session.pk,
                "title": session.title,
                "starts_at": session.starts_at,
                "is_cancelled": session.is_cancelled,
                "invited": per_session[session.pk].invited,
                "accepted": per_session[session.pk].accepted,
                "declined": per_session[session.pk].declined,
                "organizations": per_session[session.pk].organizations,
                "members": per_session[session.pk].members,
            }
            for session in sessions
        ],
    }
