"""Reads of points, each from the actor: a member's own ledger, the policies of the actor's
organisations, and a ranking, which exists only where an organisation turned it on and then only
among the points that organisation's policy awarded, for its readers and its own members."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from zhibu.core.scope import Capability
from zhibu.points import services
from zhibu.points.models import PointsEntry, PointsPolicy
from zhibu.registry.models import Member, Organization


def own_entries(user) -> QuerySet[PointsEntry]:
    """The signed-in member's ledger, the newest first."""
    if user.member_id is None:
        return PointsEntry.objects.none()
    return PointsEntry.objects.filter(member_id=user.member_id).select_related("organization").order_by("-at", "-id")


def own_total(user) -> int:
    return own_entries(user).aggregate(total=Sum("points"))["total"] or 0


def own_policy(user) -> PointsPolicy | None:
    """The policy in force for the member's home organisation."""
    if user.member_id is None:
        return None
    member = Member.objects.select_related("home_org").get(pk=user.member_id)
    return services.policy_for(member.home_org)


def policies(actor) -> QuerySet[PointsPolicy]:
    """The organisations' own policies within the actor's scope."""
    return (
        PointsPolicy.objects.filter(actor.scope.q("organization__path", Capability.VIEW))
        .select_related("organization")
        .annotate(rule_count=Count("rules"))
        .order_by("organization__path")
    )


def may_see_ranking(actor, org: Organization) -> bool:
    """Readers of the organisation, and members whose record it holds."""
    if actor.scope.covers(org.path, Capability.VIEW):
        return True
    member = getattr(actor, "member", None)
    return member is not None and member.home_org.path.startswith(org.path)


def ranking_on(org: Organization) -> bool:
    """The organisation's own policy has points on and the ranking turned on."""
    return PointsPolicy.objects.filter(organization=org, is_enabled=True, show_ranking=True).exists()


@dataclass
class Place:
    rank: int
    member: Member
    total: int


def ranking(actor, org: Organization) -> QuerySet[Member] | None:
    """Members whose record is in the organisation's subtree, by the points its policy awarded them
    (points from other organisations' policies do not count here); None while the ranking is off or
    the actor may not see it."""
    if not may_see_ranking(actor, org) or not ranking_on(org):
        return None
    return (
        Member.objects.filter(home_org__path__startswith=org.path, points__organization=org)
        .annotate(total=Sum("points__points"))
        .select_related("home_org")
        .order_by("-total", "name_pinyin", "pk")
    )


def places(page, start: int) -> list[Place]:
    """Ranks of one page of `ranking`; equal totals share a rank."""
    rows, found, previous, rank = list(page), [], None, start
    for index, member in enumerate(rows):
        if member.total != previous:
            rank, previous = start + index, member.total
        found.append(Place(rank, member, member.total))
    return found
