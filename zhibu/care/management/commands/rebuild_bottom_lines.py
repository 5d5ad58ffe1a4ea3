"""Recompute the bottom lines kept per member and year from the records: after loading records in
bulk past the services (an import by SQL, a restore), or to check that nothing drifted."""

import time

from django.core.management.base import BaseCommand

from zhibu.care.bottomlines import kept
from zhibu.core import audit


class Command(BaseCommand):
    help = "Recompute the three bottom lines of every member from the records, for every year or one."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="only this year (may be repeated)")

    def handle(self, *args, year=None, **options):
        began = time.perf_counter()
        years = year or kept.record_years()
        rows = kept.rebuild(years)
        audit.record(
            None,
            audit.Action.UPDATE,
            actor_name="rebuild_bottom_lines",
            object_repr="bottom lines kept per member and year",
            changes={"years": years, "rows": rows},
        )
        self.stdout.write(f"{rows} rows for {len(years)} year(s) in {time.perf_counter() - began:.1f} s")
