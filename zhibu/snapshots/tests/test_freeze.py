"""Freezing: a snapshot per organisation holding members, replaced when re-taken, within the actor's
edit scope, audited, and with nothing personal beyond names and statuses."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zhibu.core.models import AuditEvent
from zhibu.registry.models import Member
from zhibu.snapshots import services
from zhibu.snapshots.models import LedgerSnapshot, LedgerSnapshotRow

MARCH = datetime.date(2025, 3, 1)


def frozen(month):
    """{organisation code: sorted names} of the month's snapshots, checked against their counts."""
    result = {}
    for snapshot in LedgerSnapshot.objects.filter(month=month).select_related("organization"):
        names = sorted(snapshot.rows.values_list("name", flat=True))
        assert snapshot.member_count == len(names)
        result[snapshot.organization.code] = names
    return result


def test_freeze_takes_each_branch_of_the_subtree(world):
    secretary_of_industry = world.users["industry"]
    result = services.freeze_month(secretary_of_industry, world.company_a, MARCH)
    assert (result.month, result.organizations, result.members) == (MARCH, 2, 3)
    assert frozen(MARCH) == {"branch-a1": ["张晓明", "李娜"], "mobile-a": ["王强"]}
    row = LedgerSnapshotRow.objects.get(member_id=world.wang.pk)
    assert (row.party_status, row.standing, row.is_mobile) == ("full", "normal", True)
    snapshot = row.snapshot
    assert snapshot.taken_by == secretary_of_industry and snapshot.taken_at is not None


def test_refreezing_replaces_the_month_and_drops_emptied_branches(world):
    industry = world.users["industry"]
    services.freeze_month(industry, world.company_a, MARCH)
    first_ids = set(LedgerSnapshot.objects.values_list("pk", flat=True))
    Member.objects.filter(pk=world.wang.pk).update(home_org=world.branch_a1, is_mobile=False)
    Member.objects.filter(pk=world.li.pk).delete()

    services.freeze_month(industry, world.company_a, MARCH)
    assert frozen(MARCH) == {"branch-a1": ["张晓明", "王强"]}  # mobile-a holds nobody now: no snapshot
    assert first_ids.isdisjoint(LedgerSnapshot.objects.values_list("pk", flat=True))
    assert LedgerSnapshotRow.objects.count() == 2
    assert LedgerSnapshotRow.objects.get(member_id=world.wang.pk).is_mobile is False


def test_a_freeze_leaves_other_subtrees_and_months_alone(world):
    services.freeze_all(MARCH)
    services.freeze_all(datetime.date(2025, 4, 1))
    Member.objects.filter(pk=world.zhao.pk).update(name="赵敏敏")
    services.freeze_month(world.users["secretary"], world.branch_a1, MARCH)
    assert frozen(MARCH)["branch-b1"] == ["赵敏"]
    assert sum(len(names) for names in frozen(datetime.date(2025, 4, 1)).values()) == 4


def test_on_demand_freezes_the_current_month_provisionally(world):
    result = services.freeze_month(world.users["secretary"], world.branch_a1)
    assert result.month == services.current_month() == datetime.date.today().replace(day=1)
    assert LedgerSnapshot.objects.get().month == result.month


def test_a_month_that_has_not_begun_cannot_be_frozen(world):
    next_month = (services.current_month() + datetime.timedelta(days=32)).replace(day=1)
    with pytest.raises(ValidationError):
        services.freeze_month(world.root_user, world.city, next_month)
    with pytest.raises(ValidationError):
        services.freeze_all(next_month)
    assert not LedgerSnapshot.objects.exists()


@pytest.mark.parametrize(
    ("persona", "org"),
    [("secretary", "branch_b1"), ("secretary", "company_a"), ("city", "branch_a1"), ("cadre", "mobile_a")],
)
def test_only_editors_of_the_organisation_may_freeze(world, persona, org):
    with pytest.raises(PermissionDenied):
        services.freeze_month(world.users[persona], getattr(world, org), MARCH)
    assert not LedgerSnapshot.objects.exists()
    assert not AuditEvent.objects.filter(changes__month="2025-03").exists()


def test_each_freeze_is_one_audit_event(world):
    services.freeze_month(world.users["secretary"], world.branch_a1, MARCH)
    event = AuditEvent.objects.get(changes__month="2025-03")
    assert event.action == AuditEvent.Action.CREATE
    assert event.actor == world.users["secretary"] and event.org_id == world.branch_a1.pk
    assert event.changes == {"month": "2025-03", "organizations": 1, "members": 2}


def test_the_scheduled_freeze_is_audited_per_tree_without_an_actor(world):
    result = services.freeze_all(MARCH)
    assert (result.organizations, result.members) == (3, 4)
    event = AuditEvent.objects.get(changes__month="2025-03")
    assert event.actor is None and event.actor_name == services.SCHEDULED_JOB
    assert event.org_id == world.city.pk
    assert event.changes == {"month": "2025-03", "organizations": 3, "members": 4}
    assert LedgerSnapshot.objects.filter(taken_by__isnull=True).count() == 3


def test_rows_hold_no_id_or_phone_numbers(world):
    services.freeze_all(MARCH)
    columns = {field.attname for field in LedgerSnapshotRow._meta.concrete_fields}
    assert columns == {"id", "snapshot_id", "member_id", "name", "party_status", "standing", "is_mobile"}
    values = {str(value) for row in LedgerSnapshotRow.objects.values_list() for value in row}
    assert world.zhang.id_number not in values and world.zhang.phone not in values


def test_history_outlives_deleted_members(world):
    services.freeze_all(MARCH)
    Member.objects.filter(pk=world.zhao.pk).delete()
    assert LedgerSnapshotRow.objects.filter(member_id=world.zhao.pk, name="赵敏").exists()
