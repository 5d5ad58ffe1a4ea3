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
    assert event.org_path == world.branch_a1.path
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
