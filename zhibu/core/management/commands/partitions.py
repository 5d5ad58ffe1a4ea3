"""`manage.py partitions`: the monthly partitions of each event table, made ahead of time on demand."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from zhibu.core import partitions


class Command(BaseCommand):
    help = "Make this month's partition and the next three of every event table (PostgreSQL), and list them."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("SQLite keeps plain tables: nothing to partition.")
            return
        with transaction.atomic():
            blocked = partitions.ensure_months(connection, timezone.localdate())
        for table in partitions.PARTITIONED:
            if partitions.is_partitioned(connection, table):
                self.stdout.write(f"{table}: {', '.join(partitions.months(connection, table))}")
            else:
                self.stdout.write(f"{table}: not partitioned (run manage.py migrate)")
        waiting = {table: months for table, months in blocked.items() if months}
        if waiting:
            raise CommandError(
                "; ".join(
                    f"{table}: rows of {', '.join(months)} wait in the default partition"
                    for table, months in waiting.items()
                )
            )
