"""Freezing the monthly ledgers: one typed function each, one transaction, audit recorded.

The snapshot of month M is the ledger as it stands at the end of M. The scheduled job freezes the
month just ended on the 1st; freezing on demand takes the current month, a provisional snapshot that
the next freeze of the same month (and finally the scheduled one) replaces.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from zhibu.core import audit, bulk
from zhibu.core.scope import Capability
from zhibu.registry.models import Member, Organization
from zhibu.snapshots.models import LedgerSnapshot, LedgerSnapshotRow

BATCH = 1000
SCHEDULED_JOB = "scheduled job"


@dataclass(frozen=True)
class FreezeResult:
    month: datetime.date
    organizations: int
    members: int

    def as_changes(self) -> dict:
        return {"month": f"{self.month:%Y-%m}", "organizations": self.organizations, "members": self.members}


def current_month() -> datetime.date:
    """The first day of the current month in the site's time zone."""
    return timezone.localdate().replace(day=1)


def previous_month(month: datetime.date | None = None) -> datetime.date:
    """The month before `month` (default: the month just ended)."""
    first = (month or current_month()).replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


def _month(month: datetime.date | None) -> datetime.date:
    month = (month or current_month()).replace(day=1)
    if month > current_month():
        raise ValidationError({"month": _("A month that has not begun cannot be frozen.")})
    return month


@transaction.atomic
def freeze_month(actor, org: Organization, month: datetime.date | None = None, *, request=None) -> FreezeResult:
    """Freeze the ledger of every organisation in `org`'s subtree that holds members (default: the
    current month, provisionally), replacing the snapshots of that month in the subtree."""
    if not actor.scope.covers(org.path, Capability.EDIT):
        raise PermissionDenied(_("You may not freeze the ledgers of this organisation."))
    month = _month(month)
    taken_by = actor if getattr(actor, "is_authenticated", False) else None
    per_org = _freeze(month, org.path, taken_by)
    result = FreezeResult(month, len(per_org), sum(per_org.values()))
    audit.record(
        actor,
        audit.Action.CREATE,
        org,
        org=org,
        changes=result.as_changes(),
        object_repr=f"{org.name} {month:%Y-%m}",
        request=request,
    )
    return result


@transaction.atomic
def freeze_all(month: datetime.date | None = None, *, actor_name: str = SCHEDULED_JOB) -> FreezeResult:
    """The scheduled freeze (and `manage.py freeze_ledgers`): every organisation that holds members,
    for the month just ended unless told otherwise. One audit event per tree root that was frozen."""
    month = _month(month or previous_month())
    per_org = _freeze(month, "", taken_by=None)
    paths = dict(Organization.objects.filter(ledger_snapshots__month=month).values_list("pk", "path"))
    for root in Organization.objects.get_root_nodes():
        frozen = [org_id for org_id, path in paths.items() if path.startswith(root.path)]
        if frozen:
            part = FreezeResult(month, len(frozen), sum(per_org[org_id] for org_id in frozen))
            audit.record(
                None,
                audit.Action.CREATE,
                root,
                org=root,
                changes=part.as_changes(),
                object_repr=f"{root.name} {month:%Y-%m}",
                actor_name=actor_name,
            )
    return FreezeResult(month, len(per_org), sum(per_org.values()))


def _freeze(month: datetime.date, prefix: str, taken_by) -> dict[int, int]:
    """Replace the snapshots of `month` below `prefix` ("" for all) with the registry as it is now.

    Returns {organisation id: members frozen}. The rows are copied inside the database by one
    INSERT … SELECT: nothing passes through Python, so a million members take seconds and no memory.
    """
    old = LedgerSnapshot.objects.filter(month=month)
    members = Member.objects.order_by()
    if prefix:
        old = old.filter(organization__path__startswith=prefix)
        members = members.filter(home_org__path__startswith=prefix)
    LedgerSnapshotRow.objects.filter(snapshot__in=old.values("pk")).delete()
    old.delete()

    expected = dict(members.values_list("home_org").annotate(n=Count("pk")))
    now = timezone.now()
    snapshots = LedgerSnapshot.objects.bulk_create(
        [
            LedgerSnapshot(organization_id=org_id, month=month, taken_at=now, taken_by=taken_by, member_count=count)
            for org_id, count in expected.items()
        ],
        batch_size=BATCH,
    )
    copied = bulk.insert_from_query(
        LedgerSnapshotRow,
        ROW_COLUMNS,
        members.filter(home_org__ledger_snapshots__month=month).values_list(
            "home_org__ledger_snapshots", "pk", "name", "party_status", "standing", "is_mobile"
        ),
    )
    if copied == sum(expected.values()):
        return expected
    # Under READ COMMITTED a member saved between the count and the copy makes them differ:
    # the snapshots keep what was actually copied.
    taken = LedgerSnapshot.objects.filter(month=month, organization__path__startswith=prefix)
    frozen = dict(
        LedgerSnapshotRow.objects.filter(snapshot__in=taken.values("pk"))
        .order_by()
        .values_list("snapshot__organization")
        .annotate(n=Count("pk"))
    )
    for snapshot in snapshots:
        snapshot.member_count = frozen.get(snapshot.organization_id, 0)
    LedgerSnapshot.objects.bulk_update(snapshots, ["member_count"], batch_size=BATCH)
    taken.filter(member_count=0).delete()
    return frozen


ROW_COLUMNS = ("snapshot_id", "member_id", "name", "party_status", "standing", "is_mobile")
