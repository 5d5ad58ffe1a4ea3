"""Load the demo data (seed 003's Shenzhen express industry) into an empty database."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from zhibu.demo import DEMO_PASSWORD
from zhibu.demo.builder import MIN_MEMBERS, DemoBuilder, Summary, database_has_data, existing_demo_usernames
from zhibu.demo.data import SEED_MEMBERS
from zhibu.snapshots import services as snapshot_services


class Command(BaseCommand):
    help = (
        "Fill an empty database with deterministic demo data: a Shenzhen express-industry committee, "
        "8 companies, 117 grassroots organisations, 3,449 members (1,087 mobile) and one account per persona."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--members",
            type=int,
            default=SEED_MEMBERS,
            help=f"number of members to generate (default {SEED_MEMBERS}); branches scale with it",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing, successfully, when organisations already exist"
        )
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (the demo accounts share a known password)"
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates accounts with a published password and runs only with DEBUG on; "
                "use --force to load the demo data anyway."
            )
        if options["members"] < MIN_MEMBERS:
            raise CommandError(f"--members must be at least {MIN_MEMBERS}.")
        if database_has_data():
            if options["if_empty"]:
                self.stdout.write("Demo data not loaded: the database already holds organisations.")
                return
            raise CommandError("The database already holds organisations; seed_demo fills an empty database only.")
        taken = existing_demo_usernames()
        if taken:
            raise CommandError(f"Demo account names are already taken: {', '.join(taken)}.")
        started = time.monotonic()
        summary = DemoBuilder(options["members"], progress=self._progress).build()
        # Last month's ledgers, so that the monthly page has a month to compare the current one with.
        frozen = snapshot_services.freeze_all(actor_name="manage.py seed_demo")
        self._report(summary, time.monotonic() - started)
        self.stdout.write(f"Monthly ledgers of {frozen.month:%Y-%m} frozen: {frozen.organizations} organisations.")

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(f"members: {done:,} / {total:,}", style_func=str)  # progress, not an error

    def _report(self, summary: Summary, seconds: float) -> None:
        self.stdout.write(
            f"Demo data loaded in {seconds:.1f} s: {summary.regions} regions, {summary.units} units, "
            f"{summary.organizations} organisations ({summary.grassroots} grassroots), "
            f"{summary.members:,} members ({summary.mobile:,} mobile), {summary.stations} stations, "
            f"{summary.mobility} mobility records, {summary.checkins} check-ins, {summary.contacts:,} contacts, "
            f"{summary.meetings:,} meetings, {summary.deliveries:,} parcels."
        )
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for persona in summary.personas:
            where = persona.organization.name if persona.organization else "—"
            self.stdout.write(f"  {persona.username:<11} {persona.display_name:<10} {persona.role:<14} {where}")
