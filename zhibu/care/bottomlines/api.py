"""The bottom-lines rollup in the API: GET /orgs/{id}/bottom-lines?period=YYYY."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from zhibu.care.bottomlines import queries
from zhibu.care.bottomlines.queries import ALL_THREE, LINES, Counts
from zhibu.core.replica import reading_from_replica
from zhibu.registry import queries as registry_queries
from zhibu.registry.schemas import OrganizationRef

router = Router(tags=["care"])


class LineOut(Schema):
    line: str = Field(description="found, materials, life, or all (all three lines)")
    label: str
    met: int
    missed: int
    percent: float | None = Field(description="share meeting the line, null without mobile members")


class FiguresOut(Schema):
    organization: OrganizationRef
    mobile_members: int
    lines: list[LineOut]


class BottomLinesOut(FiguresOut):
    period: str
    children: list[FiguresOut] = Field(description="each child organisation over its own subtree")


class PeriodQuery(Schema):
    period: str = Field("", description="a year such as 2026; the current year when empty")


def _figures(organization, counts: Counts) -> dict:
    lines = [
        {
            "line": line,
            "label": queries.label(line),
            "met": counts.met[line],
            "missed": counts.missed(line),
            "percent": counts.percent(line),
        }
        for line in (*LINES, ALL_THREE)
    ]
    return {"organization": organization, "mobile_members": counts.total, "lines": lines}


@router.get("/orgs/{org_id}/bottom-lines", response=BottomLinesOut)
@reading_from_replica()
def bottom_lines(request, org_id: int, filters: Query[PeriodQuery]):
    """Mobile members of the organisation's subtree found, reached by the materials and at
    organisational life in the period, with the same figures for each child organisation."""
    actor = request.auth
    organization = get_object_or_404(registry_queries.organizations(actor), pk=org_id)
    try:
        period = queries.parse_period(filters.period)
    except ValidationError as error:
        raise ValidationError({"period": error.messages}) from None
    children = list(registry_queries.children(actor, organization))
    rollup = queries.rollup(organization, children, period)
    return {
        **_figures(organization, rollup.total),
        "period": str(period),
        "children": [_figures(row.organization, row.counts) for row in rollup.children],
    }
