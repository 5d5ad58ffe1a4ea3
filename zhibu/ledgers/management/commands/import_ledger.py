"""Import a ledger file as an administrator: the same checks and the same all-or-nothing commit as the web."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from zhibu.core.scope import SystemActor
from zhibu.ledgers import reading, services
from zhibu.ledgers.models import Dataset
from zhibu.registry.models import Organization


def _failed(message: str) -> dict:
    errors = [{"row": None, "column": None, "message": message}]
    return {"created": 0, "updated": 0, "unchanged": 0, "errors": errors, "committed": False}


class Command(BaseCommand):
    help = "Import a member (or organisation) ledger from .xlsx, .xls or .csv into an organisation's subtree."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", required=True, help="code of the organisation to import into")
        parser.add_argument("--dataset", choices=Dataset.values, default=Dataset.MEMBERS)
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        org = Organization.objects.filter(code=options["org"]).first()
        if org is None:
            raise CommandError(f"no organisation has the code {options['org']}")
        try:
            data = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {options['file']}: {error.strerror}") from None
        actor = SystemActor("manage.py import_ledger")
        try:
            result = services.import_file(
                actor,
                org=org,
                dataset=options["dataset"],
                data=data,
                file_name=options["file"].name,
                dry_run=options["dry_run"],
            )
        except reading.LedgerFileError as error:
            report = _failed(error.message)
        except (ValidationError, IntegrityError) as error:  # refused while committing: nothing was written
            report = _failed(services.commit_failure_message(error))
        else:
            plan = result.plan
            report = {
                "created": plan.count("create"),
                "updated": plan.count("update"),
                "unchanged": plan.count("unchanged"),
                "errors": [problem.as_dict() for problem in plan.problems],
                "committed": bool(result.counts),
            }
        self._print(report, options)
        if report["errors"]:
            raise SystemExit(1)

    def _print(self, report: dict, options) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        verb = "would create" if options["dry_run"] else "created"
        self.stdout.write(f"{verb} {report['created']}, updated {report['updated']}, unchanged {report['unchanged']}")
        for error in report["errors"]:
            where = f"row {error['row']}, {error['column']}: " if error.get("row") else ""
            self.stderr.write(f"{where}{error['message']}")
        if report["errors"]:
            self.stderr.write(f"{len(report['errors'])} error(s); nothing was written")
