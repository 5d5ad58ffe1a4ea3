"""Freeze every organisation's monthly ledger, as the scheduled job does (for cron-based deployments)."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhibu.snapshots import services


def month_argument(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise CommandError(f"--month takes YYYY-MM, not {text!r}") from None


class Command(BaseCommand):
    help = "Freeze the ledger of every organisation that holds members, for the month just ended by default."

    def add_arguments(self, parser):
        parser.add_argument("--month", metavar="YYYY-MM", help="the month to freeze (default: the month just ended)")

    def handle(self, *args, **options):
        month = month_argument(options["month"]) if options["month"] else None
        try:
            result = services.freeze_all(month, actor_name="manage.py freeze_ledgers")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"froze {result.month:%Y-%m}: {result.organizations} organisation(s), {result.members} member(s)"
        )
