"""On PostgreSQL, 报到 and station visits become tables partitioned by month (zhibu/core/partitions.py)."""

from django.db import migrations
from django.utils import timezone

from zhibu.core import partitions

TABLES = ("checkins_checkin", "checkins_stationvisit")


def partition(apps, schema_editor):
    for table in TABLES:
        partitions.partition_by_month(schema_editor.connection, table, timezone.localdate())


def unpartition(apps, schema_editor):
    for table in TABLES:
        partitions.unpartition(schema_editor.connection, table)


class Migration(migrations.Migration):
    dependencies = [("checkins", "0001_initial")]

    operations = [migrations.RunPython(partition, unpartition)]
