"""Reads of the monthly ledgers, always through the actor's scope.

Two months are compared member by member over the snapshots of the organisations in a subtree:
a member only in the earlier month left, one only in the later month joined, one in both under
different organisations moved (out of the first, in to the second), and one under the same
organisation whose party status, standing or mobile flag differs changed. Counts are tallied per
organisation and rolled up over subtrees.

The rows of both months stream through once, sorted by member, so the number of queries does not
grow with the members and memory stays flat.
"""

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

from django.http import Http404
from django.utils.translation import gettext as _

from zhibu.core.scope import Capability
from zhibu.registry import queries as registry_queries
from zhibu.registry.models import Organization
from zhibu.snapshots.models import LedgerSnapshot, LedgerSnapshotRow

CHUNK = 5000
JOINED, LEFT, MOVED_IN, MOVED_OUT, CHANGED = "joined", "left", "moved_in", "moved_out", "changed"
AT_A, AT_B = "at_a", "at_b"
# Each kind is counted at the organisation of one side: where the member was in month A, or in month B.
KIND_SIDE = {AT_A: 0, AT_B: 1, JOINED: 1, LEFT: 0, MOVED_IN: 1, MOVED_OUT: 0, CHANGED: 1}
KINDS = tuple(KIND_SIDE)
COMPARED_FIELDS = ("party_status", "standing", "is_mobile")

# A member's row in one month: (organisation id, party status, standing, mobile flag[, name]).
Row = tuple


@dataclass
class Counts:
    """The changes of one organisation's whole subtree between two months."""

    organization: Organization
    at_a: int = 0
    at_b: int = 0
    joined: int = 0
    left: int = 0
    moved_in: int = 0
    moved_out: int = 0
    changed: int = 0

    @property
    def difference(self) -> int:
        return self.at_b - self.at_a


@dataclass(frozen=True)
class Comparison:
    organization: Organization
    month_a: datetime.date
    month_b: datetime.date
    total: Counts
    children: list[Counts]


@dataclass(frozen=True)
class ChangedPerson:
    member_id: int
    name: str
    before: Organization | None  # where the record was held in month A
    after: Organization | None  # and in month B
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (what, before, after)


def _require_view(actor, org: Organization) -> None:
    if not actor.scope.covers(org.path, Capability.VIEW):
        raise Http404


def snapshot_months(actor, org: Organization) -> list[datetime.date]:
    """The months frozen anywhere in `org`'s subtree, latest first."""
    _require_view(actor, org)
    return list(
        LedgerSnapshot.objects.filter(organization__path__startswith=org.path)
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )


def _classify(before: Row | None, after: Row | None) -> tuple[str, ...]:
    """The kinds of change of one member between the two months (besides being counted in each)."""
    if before is None:
        return (JOINED,)
    if after is None:
        return (LEFT,)
    if before[0] != after[0]:
        return (MOVED_OUT, MOVED_IN)
    if before[1:4] != after[1:4]:
        return (CHANGED,)
    return ()


class _Pairs:
    """Each member's rows in month A and month B over the snapshots of `org`'s subtree."""

    def __init__(self, org: Organization, month_a: datetime.date, month_b: datetime.date, *, names: bool = False):
        self.month_a, self.month_b = month_a, month_b
        snapshots = LedgerSnapshot.objects.filter(month__in={month_a, month_b}, organization__path__startswith=org.path)
        self.queryset = snapshots
        self.snapshots: dict[int, tuple[datetime.date, int]] = {}
        self.paths: dict[int, str] = {}
        for pk, month, org_id, path in snapshots.values_list("pk", "month", "organization_id", "organization__path"):
            self.snapshots[pk] = (month, org_id)
            self.paths[org_id] = path
        self._rows = (
            LedgerSnapshotRow.objects.filter(snapshot__in=snapshots.values("pk"))
            .order_by("member_id", "snapshot_id")
            .values_list("member_id", "snapshot_id", *COMPARED_FIELDS, *(["name"] if names else []))
        )

    def __iter__(self) -> Iterator[tuple[int, Row | None, Row | None]]:
        if not self.snapshots:
            return
        rows = self._rows.iterator(chunk_size=CHUNK)
        for member_id, group in groupby(rows, key=itemgetter(0)):
            before = after = None
            # Rows come in snapshot order: should a member appear in two snapshots of one month (two
            # provisional freezes of sibling subtrees with a move in between), the later one counts.
            for _member_id, snapshot_id, *values in group:
                taken = self.snapshots.get(snapshot_id)
                if taken is None:  # replaced by a freeze between our two queries
                    continue
                month, org_id = taken
                row = (org_id, *values)
                if month == self.month_a:
                    before = row
                if month == self.month_b:
                    after = row
            if before is not None or after is not None:
                yield member_id, before, after


def compare(actor, org: Organization, month_a: datetime.date, month_b: datetime.date) -> Comparison:
    """Counts of `org` and of each of its children, each over its whole subtree."""
    _require_view(actor, org)
    pairs = _Pairs(org, month_a, month_b)
    tallies: dict[str, Counter[int]] = {kind: Counter() for kind in KINDS}
    at_a, at_b = tallies[AT_A], tallies[AT_B]
    for _member_id, before, after in pairs:
        if before is not None:
            at_a[before[0]] += 1
        if after is not None:
            at_b[after[0]] += 1
        for kind in _classify(before, after):
            side = after if KIND_SIDE[kind] else before
            tallies[kind][side[0]] += 1

    total = Counts(org)
    children = registry_queries.children(actor, org).order_by("name", "path")
    by_path = {child.path: Counts(child) for child in children}
    child_length = len(org.path) + Organization.steplen
    for kind, tally in tallies.items():
        for org_id, count in tally.items():
            setattr(total, kind, getattr(total, kind) + count)
            child = by_path.get(pairs.paths[org_id][:child_length])
            if child is not None:
                setattr(child, kind, getattr(child, kind) + count)
    return Comparison(org, month_a, month_b, total, list(by_path.values()))


def changed_people(
    actor,
    org: Organization,
    month_a: datetime.date,
    month_b: datetime.date,
    kind: str,
    *,
    part: Organization | None = None,
) -> Iterator[ChangedPerson]:
    """The people counted as `kind` when comparing `org`'s subtree, in member order; `part` (an
    organisation in the subtree) keeps those counted in its own subtree, as a child's row of the
    comparison counts them. The scope is checked at the call, before anything is read."""
    _require_view(actor, org)
    if kind not in KIND_SIDE:
        raise Http404
    if part is not None and not part.path.startswith(org.path):
        raise Http404
    return _people(_Pairs(org, month_a, month_b, names=True), kind, part)


def _people(pairs: _Pairs, kind: str, part: Organization | None) -> Iterator[ChangedPerson]:
    organizations = {
        organization.pk: organization
        for organization in Organization.objects.filter(ledger_snapshots__in=pairs.queryset.values("pk")).distinct()
    }
    side_index = KIND_SIDE[kind]
    for member_id, before, after in pairs:
        side = (before, after)[side_index]
        if side is None:
            continue
        if kind not in (AT_A, AT_B) and kind not in _classify(before, after):
            continue
        if part is not None and not pairs.paths[side[0]].startswith(part.path):
            continue
        yield ChangedPerson(
            member_id=member_id,
            name=(after or before)[4],
            before=organizations.get(before[0]) if before else None,
            after=organizations.get(after[0]) if after else None,
            changes=_changes(before, after),
        )


def _changes(before: Row | None, after: Row | None) -> list[tuple[str, str, str]]:
    if before is None or after is None:
        return []
    changes = []
    for index, name in enumerate(COMPARED_FIELDS, start=1):
        if before[index] != after[index]:
            model_field = LedgerSnapshotRow._meta.get_field(name)
            changes.append(
                (
                    str(model_field.verbose_name),
                    _display(model_field, before[index]),
                    _display(model_field, after[index]),
                )
            )
    return changes


def _display(model_field, value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(dict(model_field.flatchoices).get(value, value))
