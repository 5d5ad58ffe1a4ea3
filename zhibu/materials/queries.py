"""Reads of campaigns and deliveries, always through the actor's scope.

A campaign is seen by the readers of its organisation, and by the readers of any member it sends
to: a branch secretary follows the industry committee's 红色包裹 for the members of the branch, and
sees only their deliveries."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import Substr

from zhibu.core.scope import Capability
from zhibu.materials.models import Campaign, Delivery, DeliveryState
from zhibu.registry.models import Organization


def deliveries(actor) -> QuerySet[Delivery]:
    """Deliveries to members whose home organisation is in scope, or of campaigns in scope."""
    scope = actor.scope
    return Delivery.objects.filter(
        scope.q("member__home_org__path", Capability.VIEW) | scope.q("campaign__organization__path", Capability.VIEW)
    ).select_related("member__home_org", "campaign__organization")


def campaigns(actor) -> QuerySet[Campaign]:
    scope = actor.scope
    reaching_scope = Delivery.objects.filter(campaign=OuterRef("pk")).filter(
        scope.q("member__home_org__path", Capability.VIEW)
    )
    visible = scope.q("organization__path", Capability.VIEW)
    if not scope.is_platform:
        visible |= Exists(reaching_scope)
    return Campaign.objects.filter(visible).select_related("organization")


def own_deliveries(user) -> QuerySet[Delivery]:
    """The signed-in member's parcels, the newest campaign first."""
    if user.member_id is None:
        return Delivery.objects.none()
    return (
        Delivery.objects.filter(member_id=user.member_id)
        .select_related("campaign__organization")
        .order_by("-campaign__launched_at", "-pk")
    )


@dataclass
class Progress:
    """Deliveries per state, with the share of each for a progress bar."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, state: str) -> int:
        return self.counts.get(state, 0)

    @property
    def pending(self) -> int:
        return self.count(DeliveryState.PENDING)

    @property
    def sent(self) -> int:
        return self.count(DeliveryState.SENT)

    @property
    def received(self) -> int:
        return self.count(DeliveryState.RECEIVED)

    @property
    def outstanding(self) -> int:
        return self.pending + self.sent

    def percent(self, state: str) -> int:
        return round(100 * self.count(state) / self.total) if self.total else 0

    @property
    def received_percent(self) -> int:
        return self.percent(DeliveryState.RECEIVED)

    @property
    def sent_percent(self) -> int:
        return self.percent(DeliveryState.SENT)

    @property
    def pending_percent(self) -> int:
        return self.percent(DeliveryState.PENDING)


def progress(found: QuerySet[Delivery]) -> Progress:
    """Counts per state of these deliveries, in one aggregate query."""
    rows = found.order_by().values_list("state").annotate(n=Count("pk"))
    return Progress(dict(rows))


def progress_by_campaign(actor, campaign_ids: list[int]) -> dict[int, Progress]:
    """Each campaign's figures among the deliveries the actor sees, in one aggregate query."""
    rows = (
        deliveries(actor)
        .filter(campaign_id__in=campaign_ids)
        .order_by()
        .values_list("campaign_id", "state")
        .annotate(n=Count("pk"))
    )
    found = {pk: Progress() for pk in campaign_ids}
    for campaign_id, state, count in rows:
        found[campaign_id].counts[state] = count
    return found


@dataclass
class Part:
    """One sub-organisation's figures, or the parent's own members (`own`)."""

    organization: Organization
    progress: Progress
    own: bool = False


def by_suborganization(found: QuerySet[Delivery], parent: Organization) -> list[Part]:
    """Deliveries rolled up to the children of `parent` (by path prefix: one aggregate query), the
    most outstanding first, so that the branches lagging behind come first."""
    length = len(parent.path) + Organization.steplen
    rows = (
        found.filter(member__home_org__path__startswith=parent.path)
        .order_by()
        .annotate(prefix=Substr("member__home_org__path", 1, length))
        .values_list("prefix", "state")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, dict[str, int]] = {}
    for prefix, state, count in rows:
        counts.setdefault(prefix, {})[state] = count
    orgs = Organization.objects.in_bulk(list(counts), field_name="path")
    parts = [
        Part(orgs[prefix], Progress(by_state), own=prefix == parent.path)
        for prefix, by_state in counts.items()
        if prefix in orgs
    ]
    return sorted(parts, key=lambda part: (-part.progress.outstanding, part.organization.name))
