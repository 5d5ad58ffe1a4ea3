"""Contests in the API: the list, the results of an organisation, and the ranking (404 unless the
organising organisation has turned it on for the contest)."""

import datetime

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from zhibu.contests import queries, services
from zhibu.contests.models import Contest
from zhibu.core.scope import Capability
from zhibu.registry import queries as registry_queries
from zhibu.registry.schemas import OrganizationRef

router = Router(tags=["contests"])


class ContestOut(Schema):
    id: int
    title: str
    organization: OrganizationRef
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    question_count: int
    time_limit_minutes: int
    max_attempts: int
    show_ranking: bool
    phase: str = Field(description="upcoming, open or closed")
    participants: int = Field(description="members who have handed in an attempt")

    @staticmethod
    def resolve_phase(obj: Contest) -> str:
        return obj.phase(timezone.now())


class FiguresOut(Schema):
    participants: int
    eligible: int = Field(description="members in normal standing in the subtree now")
    participation: int | None = Field(description="percent of the eligible members who took part")
    average_percent: float | None
    average_score: float | None
    full_marks: int


class PartOut(FiguresOut):
    organization: OrganizationRef
    own: bool = Field(description="the organisation's own members, not a child organisation")


class BandOut(Schema):
    band: str = Field(description="a range of percent scores, such as 60–69")
    members: int


class ResultsOut(FiguresOut):
    contest: int
    organization: OrganizationRef
    distribution: list[BandOut]
    children: list[PartOut]


class PlaceOut(Schema):
    rank: int
    name: str
    organization: OrganizationRef
    score: int
    total: int
    seconds_taken: int


class OrgQuery(Schema):
    org: int | None = Field(None, description="an organisation in the contest's subtree; the top you read when empty")


@router.get("/contests", response=list[ContestOut])
@paginate
def list_contests(request):
    """Contests of your organisations and of the organisations above them, the latest first."""
    actor = request.auth
    if not actor.scope.can(Capability.VIEW):
        return Contest.objects.none()
    return (
        queries.contests(actor)
        .annotate(participants=Count("attempts", filter=Q(attempts__is_best=True)))
        .order_by("-opens_at", "-pk")
    )


def _figures(figures: queries.Figures) -> dict:
    return {
        "participants": figures.participants,
        "eligible": figures.eligible,
        "participation": figures.participation,
        "average_percent": figures.average_percent,
        "average_score": figures.average_score,
        "full_marks": figures.full_marks,
    }


def _organization(actor, contest: Contest, org_id: int | None):
    if org_id is None:
        found = queries.rollup_parent(actor, contest)
        if found is None:
            raise Http404
        return found
    return get_object_or_404(
        registry_queries.organizations(actor).filter(path__startswith=contest.organization.path), pk=org_id
    )


@router.get("/contests/{contest_id}/results", response=ResultsOut)
def contest_results(request, contest_id: int, filters: Query[OrgQuery]):
    """Members who took part, the average, the score distribution and each child organisation's
    participation and average, counting each member's best attempt."""
    actor = request.auth
    if not actor.scope.can(Capability.VIEW):
        raise Http404
    contest = get_object_or_404(queries.contests(actor), pk=contest_id)
    organization = _organization(actor, contest, filters.org)
    found = queries.results(contest, organization, list(registry_queries.children(actor, organization)))
    return {
        **_figures(found.figures),
        "contest": contest.pk,
        "organization": organization,
        "distribution": [{"band": label, "members": count} for label, count in found.bands],
        "children": [
            {**_figures(part.figures), "organization": part.organization, "own": part.own} for part in found.parts
        ],
    }


@router.get("/contests/{contest_id}/ranking", response=list[PlaceOut])
def contest_ranking(request, contest_id: int, filters: Query[OrgQuery]):
    """The leaderboard, only when the organising organisation has turned it on for the contest
    (404 otherwise). Organisers read it for an organisation they read; members for the whole contest."""
    actor = request.auth
    contest = None
    if actor.scope.can(Capability.VIEW):
        contest = queries.contests(actor).filter(pk=contest_id).first()
    organization = None
    if contest is not None:
        organization = _organization(actor, contest, filters.org)
    else:
        contest = get_object_or_404(queries.member_contests(services.own_member(actor)), pk=contest_id)
    places = queries.ranking(contest, organization)
    if places is None:
        raise Http404(_("Rankings are off for this contest."))
    return [
        {
            "rank": place.rank,
            "name": place.attempt.member.name,
            "organization": place.attempt.organization,
            "score": place.attempt.score,
            "total": place.attempt.total,
            "seconds_taken": place.attempt.seconds_taken,
        }
        for place in places
    ]
