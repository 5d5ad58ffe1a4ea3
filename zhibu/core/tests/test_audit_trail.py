import pytest
from django.db import DatabaseError, connection, transaction

from zhibu.core.models import AppendOnlyError, AuditEvent
from zhibu.registry import services


def test_writes_are_audited_with_personal_fields_redacted(world):
    data = services.member_input_from(world.zhang)
    data.phone = "13700137000"
    data.is_mobile = True
    services.update_member(world.users["secretary"], world.zhang, data)
    event = AuditEvent.objects.filter(action="update", object_id=str(world.zhang.pk)).get()
    assert event.actor == world.users["secretary"]
    assert event.org == world.branch_a1
    assert event.changes["phone"] == "[redacted]"
    assert event.changes["is_mobile"] == [False, True]
    assert "13700137000" not in str(event.changes) and "13800138000" not in str(event.changes)


def test_audit_events_cannot_be_changed_or_deleted(world):
    event = AuditEvent.objects.first()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_database_refuses_changes_behind_the_orm(world):
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET actor_name = 'forged'")
    assert "append-only" in str(error.value)
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    assert "append-only" in str(error.value)
    assert AuditEvent.objects.exclude(actor_name="forged").count() == AuditEvent.objects.count() > 0


def test_audit_scope_follows_moves_and_is_not_inherited_by_reused_paths(world):
    from zhibu.core import queries
    from zhibu.core.scope import Role
    from zhibu.registry.choices import OrganizationKind

    admin = world.root_user
    moved = services.create_organization(
        admin, parent=world.company_b, code="x", name="X", kind=OrganizationKind.BRANCH
    )
    old_path = moved.path
    services.move_organization(admin, moved, world.company_a)
    successor = services.create_organization(
        admin, parent=world.company_b, code="y", name="Y", kind=OrganizationKind.BRANCH
    )
    assert successor.path == old_path  # treebeard hands the freed path to the next child
    y_secretary = world.user("y-secretary", Role.SECRETARY, successor)
    seen_by_y = set(queries.audit_events(y_secretary).values_list("object_repr", flat=True))
    assert seen_by_y == {"Y"}
    seen_by_industry_on_a = queries.audit_events(world.users["industry"]).filter(object_repr="X")
    assert seen_by_industry_on_a.count() == 2  # created and moved, followed to its new place
