"""Reads of the registry, always starting from the actor's scope.

Outside the scope an object simply does not exist for the actor (views answer 404).
"""

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from zhibu.core.replica import reading_from_replica
from zhibu.core.scope import Capability
from zhibu.registry import totals
from zhibu.registry.models import Member, MemberTotals, Organization, Region, Unit
from zhibu.registry.pinyin import could_begin_pinyin


def organizations(actor, capability: str = Capability.VIEW) -> QuerySet[Organization]:
    return Organization.objects.filter(actor.scope.q("path", capability))


def organization_roots(actor) -> QuerySet[Organization]:
    """The top nodes of the actor's scope: the whole forest for platform admins."""
    scope = actor.scope
    if scope.is_platform:
        return Organization.objects.get_root_nodes()
    return Organization.objects.filter(path__in=scope.prefixes(Capability.VIEW)).order_by("path")


def children(actor, org: Organization) -> QuerySet[Organization]:
    return organizations(actor).filter(path__startswith=org.path, depth=org.depth + 1).order_by("path")


@reading_from_replica()
def with_member_counts(orgs: QuerySet[Organization]) -> list[Organization]:
    """Annotate each organisation with the number of members in its whole subtree, as kept."""
    orgs = list(orgs)
    kept = dict(MemberTotals.objects.filter(pk__in=[org.pk for org in orgs]).values_list("pk", "members"))
    for org in orgs:
        org.member_count = kept.get(org.pk, 0)
    return orgs


def member_total(actor, org: Organization | None) -> int:
    """How many members the list shows the actor with no filter but the organisation, from the kept figures."""
    if org is None:
        return key_counts(actor, with_organizations=False)["members"]
    if actor.scope.covers(org.path):  # then every member whose home lies below is visible
        return MemberTotals.objects.values_list("members", flat=True).get(pk=org.pk)
    return search_members(actor, org=org).count()


def members(actor, capability: str = Capability.VIEW) -> QuerySet[Member]:
    """Members whose home organisation or one of whose activity organisations lies in scope,
    plus the actor's own record."""
    scope = actor.scope
    if scope.is_platform:
        return Member.objects.all()
    visible = Q(pk__in=[])
    if scope.prefixes(capability):
        # Two indexed IN subqueries rather than a join, so that the database starts from the few
        # organisations in scope instead of scanning every member.
        orgs_in_scope = Organization.objects.filter(scope.q("path", capability)).values("pk")
        taking_part = Member.activity_orgs.through.objects.filter(organization__in=orgs_in_scope).values("member_id")
        visible = Q(home_org__in=orgs_in_scope) | Q(pk__in=taking_part)
    if scope.self_member_id is not None and capability == Capability.VIEW:
        visible |= Q(pk=scope.self_member_id)
    return Member.objects.filter(visible)


def search_members(actor, *, text: str = "", org: Organization | None = None, **filters) -> QuerySet[Member]:
    """Filter by subtree and attributes; `text` matches the name, full pinyin or pinyin initials."""
    queryset = members(actor).select_related("home_org", "occupation", "region")
    if org is not None:
        queryset = queryset.filter(home_org__path__startswith=org.path)
    for name, value in filters.items():
        if value not in (None, ""):
            queryset = queryset.filter(**{name: value})
    text = text.strip()
    if text:
        if text.isascii():
            key = text.lower().replace(" ", "")
            if not key.isalpha():  # names have no digits: an ID or phone number is not searched here
                return queryset.none()
            if could_begin_pinyin(key):
                queryset = queryset.filter(_prefix("name_initials", key) | _prefix("name_pinyin", key))
                # Sorted by an expression of the same order, not the column: for a broad prefix
                # PostgreSQL would walk the pinyin index from its start looking for the first page
                # (0.7 s at a million members) instead of reading the matches and sorting them.
                queryset = queryset.order_by(Lower("name_pinyin"), "pk")
            else:
                # Initials alone ("lj"), in the order of their index, which gives the first page without
                # reading the other matches: 2 % of a million members took 100 ms to sort by pinyin.
                queryset = queryset.filter(_prefix("name_initials", key)).order_by("name_initials", "name_pinyin", "pk")
        else:
            queryset = queryset.filter(name__contains=text)
    return queryset


def _prefix(field: str, key: str) -> Q:
    """`field` starts with `key`, as a range that a plain index serves on SQLite as on PostgreSQL
    (SQLite's case-insensitive LIKE cannot use one)."""
    return Q(**{f"{field}__gte": key, f"{field}__lt": key[:-1] + chr(ord(key[-1]) + 1)})


def units(actor) -> QuerySet[Unit]:
    """Host units are shared reference data for anyone who may read the registry."""
    if not actor.scope.can(Capability.VIEW):
        return Unit.objects.none()
    return Unit.objects.select_related("region")


def regions(actor) -> QuerySet[Region]:
    return Region.objects.all() if actor.scope.can(Capability.VIEW) else Region.objects.none()


@reading_from_replica()
def key_counts(actor, with_organizations: bool = True) -> dict[str, int]:
    """Key figures of the registry within the actor's scope: the kept figures of the subtrees in scope,
    and the members seen from outside them (taking part in an organisation in scope, or the actor's own record)."""
    scope = actor.scope
    figures = totals.everyone() if scope.is_platform else totals.within(scope.prefixes(Capability.VIEW))
    if not scope.is_platform:
        for name, n in _members_from_outside(scope).items():
            figures[name] += n
    if with_organizations:
        figures["organizations"] = organizations(actor).count()
    return figures


def _members_from_outside(scope) -> dict[str, int]:
    outside = Q(pk__in=[])
    if scope.prefixes(Capability.VIEW):
        taking_part = Member.activity_orgs.through.objects.filter(scope.q("organization__path"))
        outside |= Q(pk__in=taking_part.values("member_id"))
    if scope.self_member_id is not None:
        outside |= Q(pk=scope.self_member_id)
    return Member.objects.filter(outside).exclude(scope.q("home_org__path")).aggregate(**totals.counts("pk"))
