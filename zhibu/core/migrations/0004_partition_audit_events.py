"""On PostgreSQL, the audit trail becomes a table partitioned by month (zhibu/core/partitions.py)."""

from django.db import migrations
from django.utils import timezone

from zhibu.core import audit_guard, partitions

TABLE = "core_auditevent"


def partition(apps, schema_editor):
    partitions.partition_by_month(schema_editor.connection, TABLE, timezone.localdate())
    audit_guard.install(schema_editor.connection)  # the triggers went with the old table


def unpartition(apps, schema_editor):
    partitions.unpartition(schema_editor.connection, TABLE)
    audit_guard.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_alter_auditevent_action")]

    operations = [migrations.RunPython(partition, unpartition)]
