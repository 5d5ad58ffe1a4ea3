"""The member's own points in the API: GET /points/mine (total, whether points are on, the ledger
page by page)."""

import datetime

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from zhibu.points import queries
from zhibu.registry.schemas import OrganizationRef

router = Router(tags=["points"])


class EntryOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    points: int
    at: datetime.datetime
    note: str
    organization: OrganizationRef = Field(description="the organisation whose policy awarded the points")


class SummaryOut(Schema):
    total: int
    points_on: bool = Field(description="whether the policy in force for the member's organisation has points on")
    ranking: OrganizationRef | None = Field(description="the organisation whose ranking the member may see, if any")


@router.get("/points/mine", response=SummaryOut)
def my_points(request):
    """The signed-in member's total; an account without a member record has 0 and points off."""
    user = request.auth
    policy = queries.own_policy(user)
    on = policy is not None and policy.is_enabled
    return {
        "total": queries.own_total(user),
        "points_on": on,
        "ranking": policy.organization if on and policy.show_ranking else None,
    }


@router.get("/points/mine/entries", response=list[EntryOut])
@paginate
def my_entries(request):
    """The signed-in member's ledger, the newest first."""
    return queries.own_entries(request.auth)
