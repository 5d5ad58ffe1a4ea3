"""Reads of pairings and contacts, always through the actor's scope.

An actor sees the pairings and contacts of organisations they may read, plus their own: a cadre
always sees the members paired with them, and those members' earlier contacts."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.accounts.queries import readers_of
from zhibu.care import services
from zhibu.care.models import Contact, Pairing
from zhibu.care.timeline import DueItem, Timeline, due_horizon
from zhibu.core.scope import Capability
from zhibu.registry import queries as registry_queries
from zhibu.registry.choices import Standing
from zhibu.registry.models import Member, Organization

PANEL_CONTACTS = 5


def _own(actor) -> bool:
    return getattr(actor, "pk", None) is not None


def _visible(actor, own: Q) -> Q:
    """The actor's scope, or their own records. (An empty Q, the platform's scope, would vanish in `|`.)"""
    if actor.scope.is_platform:
        return Q()
    visible = actor.scope.q("organization__path", Capability.VIEW)
    return visible | own if _own(actor) else visible


def pairings(actor) -> QuerySet[Pairing]:
    return Pairing.objects.filter(_visible(actor, Q(cadre=actor))).select_related("cadre", "member", "organization")


def _paired_with(actor) -> QuerySet:
    return Pairing.objects.filter(cadre=actor, ended_on=None).values("member_id")


def contacts(actor) -> QuerySet[Contact]:
    own = Q(cadre=actor) | Q(member_id__in=_paired_with(actor)) if _own(actor) else Q()
    return Contact.objects.filter(_visible(actor, own)).select_related("cadre", "member", "organization")


def members(actor) -> QuerySet[Member]:
    """Members whose care pages the actor may open: those of the registry they may read (not merely
    their own record), and those paired with them."""
    if actor.scope.is_platform:
        return Member.objects.select_related("home_org")
    visible = Q(pk__in=_paired_with(actor)) if _own(actor) else Q(pk__in=[])
    if actor.scope.can(Capability.VIEW):
        visible |= Q(pk__in=registry_queries.members(actor).values("pk"))
    return Member.objects.filter(visible).select_related("home_org")


# Due contacts


@dataclass
class MemberDue:
    """An open pairing with the contacts it owes, the earliest first."""

    pairing: Pairing
    items: list[DueItem]

    @property
    def member(self) -> Member:
        return self.pairing.member

    @property
    def next_item(self) -> DueItem | None:
        return self.items[0] if self.items else None

    @property
    def soon(self) -> list[DueItem]:
        return [item for item in self.items if item.is_soon]

    @property
    def never_contacted(self) -> bool:
        return self.pairing.last_contact_on is None

    @property
    def last_contact_on(self) -> datetime.date | None:
        return self.pairing.last_contact_on


def with_due(timeline: Timeline, annotated, today: datetime.date | None = None) -> list[MemberDue]:
    today = today or timezone.localdate()
    return [MemberDue(pairing, timeline.items(pairing, today)) for pairing in annotated]


def _open(actor) -> QuerySet[Pairing]:
    return pairings(actor).filter(ended_on=None)


def my_members(actor, today: datetime.date | None = None) -> list[MemberDue]:
    """The cadre's paired members, the next due first (one query for the pairings, one for the rules)."""
    timeline = Timeline.load()
    mine = Pairing.objects.filter(cadre=actor, ended_on=None).select_related("member__home_org", "organization")
    annotated = timeline.annotate(mine)
    return with_due(timeline, annotated.order_by("next_due", "member__name_pinyin"), today)


def in_subtree(org: Organization) -> Q:
    return Q(organization__path__startswith=org.path)


def branch_pairings(actor, org: Organization, today: datetime.date | None = None) -> list[MemberDue]:
    """Every open pairing made in the organisation's subtree, by cadre."""
    timeline = Timeline.load()
    annotated = timeline.annotate(_open(actor).filter(in_subtree(org)))
    return with_due(timeline, annotated.order_by("cadre__username", "member__name_pinyin", "id"), today)


def branch_due(actor, org: Organization, today: datetime.date | None = None) -> tuple[Timeline, QuerySet[Pairing]]:
    """The open pairings of the subtree with a contact due within a week or overdue, the most
    overdue first; filtered and sorted by the database, so the page can be paged there too."""
    timeline = Timeline.load()
    annotated = timeline.annotate(_open(actor).filter(in_subtree(org)))
    due = annotated.filter(next_due__lte=due_horizon(today)).order_by("next_due", "member__name_pinyin", "id")
    return timeline, due


# Pairing pages


def unpaired_members(actor, org: Organization) -> QuerySet[Member]:
    """Mobile members in normal standing registered in or taking part in the subtree, with no open pairing."""
    below = Organization.objects.filter(path__startswith=org.path).values("pk")
    taking_part = Member.activity_orgs.through.objects.filter(organization__in=below).values("member_id")
    return (
        registry_queries.members(actor)
        .filter(Q(home_org__in=below) | Q(pk__in=taking_part))
        .filter(is_mobile=True, standing=Standing.NORMAL)
        .filter(~Exists(Pairing.objects.filter(member=OuterRef("pk"), ended_on=None)))
        .select_related("home_org")
        .order_by("name_pinyin", "id")
    )


def cadre_candidates(org: Organization) -> QuerySet[User]:
    """Accounts whose grants read the organisation (on it or above), with their open pairings counted."""
    return (
        readers_of(org)
        .annotate(open_pairings=Count("pairings", filter=Q(pairings__ended_on=None)))
        .order_by("username")
    )


def over_ratio(org: Organization, limit: int) -> QuerySet[User]:
    """Cadres with pairings in the subtree who look after more members than the limit allows (the
    limit was lowered, or the cadre was paired elsewhere too)."""
    cadres = Pairing.objects.filter(in_subtree(org), ended_on=None).values("cadre_id")
    return (
        User.objects.filter(pk__in=cadres)
        .annotate(open_pairings=Count("pairings", filter=Q(pairings__ended_on=None)))
        .filter(open_pairings__gt=limit)
        .order_by("username")
    )


def member_pairings(actor, member: Member) -> QuerySet[Pairing]:
    return pairings(actor).filter(member=member).order_by("-started_on", "-id")


def cadre_pairings(actor, cadre) -> QuerySet[Pairing]:
    return pairings(actor).filter(cadre=cadre).order_by("ended_on", "-started_on", "-id")


def cadres(actor) -> QuerySet[User]:
    """Cadres whose pairing history the actor may read: those with pairings the actor sees."""
    return User.objects.filter(pk__in=pairings(actor).values("cadre_id"))


def member_contacts(actor, member: Member) -> QuerySet[Contact]:
    return contacts(actor).filter(member=member)


@dataclass
class MemberCare:
    """What the registry's member page shows of care: the open pairing with what is due, and the
    last contacts."""

    member: Member
    pairing: Pairing | None
    due: MemberDue | None
    contacts: list[Contact] = field(default_factory=list)
    can_log: bool = False


def member_panel(actor, member: Member, today: datetime.date | None = None) -> MemberCare:
    timeline = Timeline.load()
    annotated = timeline.annotate(_open(actor).filter(member=member))
    found = with_due(timeline, annotated, today)
    due = found[0] if found else None
    pairing = due.pairing if due else None
    recent = list(member_contacts(actor, member)[:PANEL_CONTACTS])
    may_log = services.may_log_contact(actor, member, pairing or services.open_pairing(member))
    return MemberCare(member, pairing, due, recent, may_log)
