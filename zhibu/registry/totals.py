"""Members per organisation, kept in `MemberTotals` so that a subtree's figures are one row.

Every write that adds or removes a member, or changes a member's home organisation, party status
or mobility, calls `follow` (or `follow_subtree`) in its transaction with the home organisations it
touched. Those organisations' own figures are counted again from the records and the change is
carried up to every ancestor. Organisations made by `services.create_organization` start with a
row of zeros, and a moved subtree takes its figures from its old ancestors to its new ones.
Writes past the services (the demo, the benchmarks, a restore) end with `rebuild`.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, F, Q, QuerySet

from zhibu.core import bulk
from zhibu.registry.choices import PartyStatus
from zhibu.registry.models import Member, MemberTotals, Organization

logger = logging.getLogger(__name__)

FIGURES = ("members", "full", "probationary", "mobile")
OWN = tuple(f"own_{name}" for name in FIGURES)
Figures = tuple[int, int, int, int]
NONE: Figures = (0, 0, 0, 0)


def lineage(path: str) -> list[str]:
    step = Organization.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def counts(field: str) -> dict[str, Count]:
    """The four figures as aggregates over `field`, a column never empty."""
    return {
        "members": Count(field),
        "full": Count(field, filter=Q(party_status=PartyStatus.FULL)),
        "probationary": Count(field, filter=Q(party_status=PartyStatus.PROBATIONARY)),
        "mobile": Count(field, filter=Q(is_mobile=True)),
    }


def _count_by_home(members: QuerySet) -> dict[int, Figures]:
    # Counted by the home organisation: the index on (organisation, status, mobile) holds all the query reads.
    rows = members.order_by().values("home_org_id").annotate(**counts("home_org")).values_list("home_org_id", *FIGURES)
    return {pk: tuple(figures) for pk, *figures in rows}


def follow(org_ids: Iterable[int | None]) -> None:
    """Bring the kept figures of these home organisations, and their ancestors', in line with the records."""
    ids = {pk for pk in org_ids if pk is not None}
    if not ids:
        return
    paths = set(Organization.objects.filter(pk__in=ids).values_list("path", flat=True))
    lines = {ancestor for path in paths for ancestor in lineage(path)}
    _settle(Q(organization__path__in=lines), ids, Member.objects.filter(home_org_id__in=ids))


def follow_subtree(org: Organization) -> None:
    """`follow` for every organisation of a subtree at once: after an import into it."""
    rows = Q(organization__path__startswith=org.path) | Q(organization__path__in=lineage(org.path))
    counted = Organization.objects.filter(path__startswith=org.path).values_list("pk", flat=True)
    _settle(rows, set(counted), Member.objects.filter(home_org__path__startswith=org.path))


def _settle(rows: Q, counted: set[int], members: QuerySet) -> None:
    # The rows are locked in one statement and one order before counting, so that a concurrent write
    # below a common ancestor waits for this one and then counts what it committed.
    kept = {
        row[0]: row
        for row in MemberTotals.objects.select_for_update(of=("self",))
        .filter(rows)
        .order_by("organization_id")
        .values_list("organization_id", "organization__path", *OWN)
    }
    if not counted <= kept.keys():
        logger.error("Organisations without kept member totals: %s; rebuilding them all.", counted - kept.keys())
        rebuild()
        return
    now = _count_by_home(members)
    id_of = {path: pk for pk, path, *_own in kept.values()}
    changes: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for pk in counted:
        _pk, path, *before = kept[pk]
        after = now.get(pk, NONE)
        if tuple(before) == after:
            continue
        MemberTotals.objects.filter(pk=pk).update(**dict(zip(OWN, after, strict=True)))
        for ancestor in lineage(path):
            for i, (old, new) in enumerate(zip(before, after, strict=True)):
                changes[ancestor][i] += new - old
    by_change: dict[Figures, list[int]] = defaultdict(list)
    for ancestor, change in changes.items():
        if any(change):
            by_change[tuple(change)].append(id_of[ancestor])
    for change, pks in by_change.items():
        _add(MemberTotals.objects.filter(pk__in=pks), change)


def _add(rows: QuerySet, change: Figures) -> None:
    rows.update(**{name: F(name) + n for name, n in zip(FIGURES, change, strict=True) if n})


def subtree_leaves(org: Organization) -> Figures:
    """The kept figures of a subtree, taken from all its ancestors as its paths are about to change."""
    figures = MemberTotals.objects.values_list(*FIGURES).get(pk=org.pk)
    _add(MemberTotals.objects.filter(organization__path__in=lineage(org.path)[:-1]), tuple(-n for n in figures))
    return figures


def subtree_arrives(org: Organization, figures: Figures) -> None:
    """…and given to its new ancestors once moved."""
    _add(MemberTotals.objects.filter(organization__path__in=lineage(org.path)[:-1]), figures)


def rebuild(member=Member, organization=Organization, kept=MemberTotals) -> int:
    """Count every organisation's figures from the records again; returns how many organisations had
    other figures kept (or none). A migration passes its historical models."""
    own = _count_by_home(member.objects.all())
    orgs = list(organization.objects.values_list("pk", "path"))
    below: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for pk, path in orgs:
        for ancestor in lineage(path) if pk in own else ():
            totals = below[ancestor]
            for i, n in enumerate(own[pk]):
                totals[i] += n
    rows = [
        {
            "organization_id": pk,
            **dict(zip(OWN, own.get(pk, NONE), strict=True)),
            **dict(zip(FIGURES, below.get(path, NONE), strict=True)),
        }
        for pk, path in orgs
    ]
    before = {pk: tuple(figures) for pk, *figures in kept.objects.values_list("pk", *OWN, *FIGURES)}
    drifted = sum(before.get(row["organization_id"]) != tuple(row[name] for name in (*OWN, *FIGURES)) for row in rows)
    kept.objects.all().delete()
    bulk.insert_rows(kept, rows)
    return drifted


def within(prefixes: Iterable[str]) -> dict[str, int]:
    """The figures of the subtrees under these paths, which do not overlap (a scope's prefixes)."""
    return _summed(MemberTotals.objects.filter(organization__path__in=list(prefixes)))


def everyone() -> dict[str, int]:
    """The figures of the whole forest."""
    return _summed(MemberTotals.objects.filter(organization__depth=1))


def _summed(rows: QuerySet) -> dict[str, int]:
    figures = list(rows.values_list(*FIGURES))
    return {name: sum(row[i] for row in figures) for i, name in enumerate(FIGURES)}
