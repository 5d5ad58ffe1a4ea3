"""Every write of the ledgers: import jobs (check, then commit all or nothing) and export jobs.

A web import is two background jobs: `check` reads the file and stores what importing it would do;
`commit` checks it again (the registry may have changed) and writes it in one transaction, or
nothing. `import_file` does both in one go for the command line.
"""

import datetime
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhibu.core import audit, bulk
from zhibu.core.models import AuditEvent
from zhibu.core.scope import Capability
from zhibu.ledgers import files, importing, pdf, queries, reading, writing
from zhibu.ledgers.models import LedgerJob
from zhibu.registry import services as registry_services
from zhibu.registry import totals
from zhibu.registry.models import Member, Organization

State = LedgerJob.State
BATCH = 1000
STORED_PROBLEMS = 1000  # listed on the job page; the marked workbook has them all
# Registry fields written when a column of the audit diff changed.
MEMBER_WRITE_FIELDS = {
    "name": ("name", "name_pinyin", "name_initials"),
    "id_number": ("id_number_sealed", "id_number_digest"),
    "phone": ("phone_sealed", "phone_digest"),
}


def _require_edit(actor, org: Organization) -> None:
    if not actor.scope.covers(org.path, Capability.EDIT):
        raise PermissionDenied(_("You may only import into your own organisations."))


def _require_owner(actor, job: LedgerJob) -> None:
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("This job belongs to someone else."))


# Import


def start_import(actor, *, org: Organization, dataset: str, file_name: str, data: bytes) -> LedgerJob:
    """Seal the upload and queue its check. Nothing in the registry changes yet."""
    _require_edit(actor, org)
    if len(data) > reading.max_bytes():
        raise ValidationError(
            _("The file is larger than %(limit)s MB. Split it into smaller files.")
            % {"limit": settings.LEDGER_MAX_FILE_MB}
        )
    job = LedgerJob.objects.create(
        kind=LedgerJob.Kind.IMPORT,
        dataset=dataset,
        organization=org,
        created_by=actor,
        file_name=file_name[:200],
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    files.seal(job.pk, files.UPLOAD, data)
    files.write_progress(job.pk, State.QUEUED, 0, 0)
    _enqueue("check", job)
    return job


def request_commit(actor, job: LedgerJob) -> LedgerJob:
    _require_owner(actor, job)
    _require_edit(actor, job.organization)
    with transaction.atomic():
        updated = LedgerJob.objects.filter(pk=job.pk, state=State.CHECKED).update(state=State.COMMITTING)
        if not updated or not job.can_commit:
            raise ValidationError(_("This file cannot be imported: check it again first."))
        job.state = State.COMMITTING
        files.write_progress(job.pk, State.COMMITTING, 0, 0)
        _enqueue("commit", job)
    return job


def discard(actor, job: LedgerJob) -> None:
    _require_owner(actor, job)
    if job.is_running and not is_stalled(job):
        raise ValidationError(_("Wait until the job has finished."))
    LedgerJob.objects.filter(pk=job.pk).update(state=State.DISCARDED, finished_at=timezone.now())
    files.remove_all(job.pk)


STALLED_AFTER_SECONDS = 15 * 60


def is_stalled(job: LedgerJob) -> bool:
    """A running job that has reported no progress for a quarter of an hour: its worker has stopped."""
    progress = files.read_progress(job.pk)
    return job.is_running and time.time() - progress.get("at", 0) > STALLED_AFTER_SECONDS


def _enqueue(step: str, job: LedgerJob) -> None:
    from zhibu.ledgers import tasks  # tasks import this module

    runner = {"check": tasks.check_import, "commit": tasks.commit_import, "export": tasks.run_export}[step]
    transaction.on_commit(lambda: runner(str(job.pk)))


def run_check(job_id) -> None:
    job = _job(job_id)
    _set_state(job, State.CHECKING)
    plan = _check(job)
    if plan is not None:
        _finish(job, State.CHECKED, plan.summary(max_problems=STORED_PROBLEMS))


def run_commit(job_id) -> None:
    job = _job(job_id)
    plan = _check(job)  # again: the registry may have changed since the file was checked
    if plan is None:
        return
    if plan.problems:
        _finish(job, State.CHECKED, plan.summary(max_problems=STORED_PROBLEMS) | {"changed_since_check": True})
        return
    try:
        counts = commit(job.created_by, plan, file_name=job.file_name, progress=_progress(job, State.COMMITTING))
    except (ValidationError, PermissionDenied, IntegrityError) as error:
        _finish(job, State.FAILED, job.result, message=commit_failure_message(error))
        return
    files.remove(job.pk, files.UPLOAD)
    _finish(job, State.DONE, job.result | counts)


def _job(job_id) -> LedgerJob:
    job = LedgerJob.objects.select_related("organization", "created_by").get(pk=job_id)
    translation.activate(job.language)  # the worker thread speaks the language of whoever started the job
    return job


def _check(job: LedgerJob) -> importing.Plan | None:
    """Read and plan the upload, keeping the marked workbook when it has problems. An unreadable file
    finishes the job with the reason, and gives None."""
    try:
        with importing.paused_garbage_collector():
            table = reading.read_table(files.unseal(job.pk, files.UPLOAD), job.dataset)
            plan = importing.plan(job.created_by, table, job.organization, _progress(job, job.state))
    except reading.LedgerFileError as error:
        _finish(job, State.CHECKED, {"file_error": error.message, "error_count": 1})
        return None
    except FileNotFoundError:  # removed after a day: see purge_expired_files
        _finish(
            job,
            State.CHECKED,
            {"file_error": _("The uploaded file is no longer kept; upload it again."), "error_count": 1},
        )
        return None
    if plan.problems:
        files.seal(job.pk, files.ERRORS, writing.errors_workbook(table, plan.problems))
    else:
        files.remove(job.pk, files.ERRORS)
    return plan


def commit_failure_message(error: Exception) -> str:
    if isinstance(error, IntegrityError):
        return _(
            "Someone registered one of these members while the file was being imported. Nothing was written; check the file again."
        )
    if isinstance(error, ValidationError):
        return _("Nothing was written: %(reason)s") % {"reason": " ".join(error.messages)}
    return str(error)


def _progress(job: LedgerJob, phase: str):
    def report(done: int, total: int) -> None:
        files.write_progress(job.pk, phase, done, total)

    return report


def _set_state(job: LedgerJob, state: str) -> None:
    job.state = state
    LedgerJob.objects.filter(pk=job.pk).update(state=state)
    files.write_progress(job.pk, state, 0, 0)


def _finish(job: LedgerJob, state: str, result: dict, message: str = "") -> None:
    job.state, job.result, job.message, job.finished_at = state, result, message, timezone.now()
    job.save(update_fields=["state", "result", "message", "finished_at"])
    files.write_progress(job.pk, state, 1, 1)


@dataclass
class ImportResult:
    plan: importing.Plan
    counts: dict


def import_file(actor, *, org: Organization, dataset: str, data: bytes, file_name: str, dry_run: bool) -> ImportResult:
    """Check a file and, unless `dry_run` or it has problems, commit it: the command line's import."""
    _require_edit(actor, org)
    with importing.paused_garbage_collector():
        table = reading.read_table(data, dataset)
        plan = importing.plan(actor, table, org)
        counts = {}
        if not dry_run and not plan.problems:
            counts = commit(actor, plan, file_name=file_name)
    return ImportResult(plan, counts)


@transaction.atomic
def commit(actor, plan: importing.Plan, *, file_name: str = "", progress=None) -> dict:
    """Write a plan without problems, all or nothing, with an audit event per record and one for the import."""
    if plan.problems:
        raise ValidationError(_("The file has errors; nothing was written."))
    _require_edit(actor, plan.target)
    progress = progress or (lambda done, total: None)
    with importing.paused_garbage_collector():
        if plan.dataset == "members":
            _commit_members(actor, plan, progress)
        else:
            _commit_organizations(actor, plan)
    counts = {action: plan.count(action) for action in ("create", "update", "unchanged")}
    counts = {"created": counts["create"], "updated": counts["update"], "unchanged": counts["unchanged"]}
    audit.record(
        actor,
        audit.Action.IMPORT,
        plan.target,
        org=plan.target,
        changes={"dataset": plan.dataset, "file": file_name} | counts,
    )
    return counts


def _commit_members(actor, plan: importing.Plan, progress) -> None:
    created = [item for item in plan.items if item.action == "create"]
    updated = [item for item in plan.items if item.action == "update"]
    total, done = len(created) + len(updated), 0
    now = timezone.now()
    newest = Member.objects.aggregate(newest=Max("pk"))["newest"] or 0
    for start in range(0, len(created), BATCH):
        batch = created[start : start + BATCH]
        bulk.insert_rows(Member, (item.record for item in batch))
        ids = _new_ids(newest)
        newest = max(ids[item.record["id_number_digest"]] for item in batch)
        _audit_batch(
            actor,
            audit.Action.CREATE,
            [
                (
                    ids[i.record["id_number_digest"]],
                    i.record["name"],
                    i.record["home_org_id"],
                    importing.creation_changes(i.record),
                )
                for i in batch
            ],
        )
        done += len(batch)
        progress(done, total)
    for start in range(0, len(updated), BATCH):
        batch = updated[start : start + BATCH]
        fields = {"updated_at"}
        for item in batch:
            item.record.updated_at = now
            for name in item.changes:
                fields.update(MEMBER_WRITE_FIELDS.get(name, (name,)))
        Member.objects.bulk_update([item.record for item in batch], sorted(fields), batch_size=250)
        _audit_batch(
            actor, audit.Action.UPDATE, [(i.record.pk, i.record.name, i.record.home_org_id, i.changes) for i in batch]
        )
        done += len(batch)
        progress(done, total)
    totals.follow_subtree(plan.target)
    totals.follow(item.extra["home_before"] for item in updated)  # a member may come from outside the target


def _new_ids(newest: int) -> dict[str, int]:
    """The ids of the rows just inserted, by their ID-number digest: every id above the newest before
    them (the bulk insert does not return them; ids only grow). Rows other writers committed
    meanwhile come too, and are not asked for."""
    return dict(Member.objects.filter(pk__gt=newest).values_list("id_number_digest", "pk"))


def _audit_batch(actor, action: str, members: list[tuple]) -> None:
    """One event per member: (id, name, home organisation id, changes)."""
    template = audit.build(actor, action)
    at = timezone.now()
    bulk.insert_rows(
        AuditEvent,
        (
            {
                "at": at,
                "actor_id": template.actor_id,
                "actor_name": template.actor_name,
                "action": action,
                "object_type": Member._meta.label_lower,
                "object_id": str(pk),
                "object_repr": name[:200],
                "org_id": org_id,
                "changes": changes,
                "ip_address": None,
            }
            for pk, name, org_id, changes in members
        ),
    )


def _commit_organizations(actor, plan: importing.Plan) -> None:
    """Organisations are few: each goes through the registry's own service, inside this transaction."""
    by_code = {org.code: org for org in Organization.objects.filter(path__startswith=plan.target.path)}
    for item in plan.items:
        if item.action == "unchanged":
            continue
        parent_code = item.extra.get("parent_code")
        try:
            if item.action == "create":
                org = registry_services.create_organization(
                    actor, parent=by_code[parent_code], **_org_fields(item.record)
                )
                by_code[org.code] = org
            else:
                org = Organization.objects.get(pk=item.record.pk)
                if parent_code:
                    org = registry_services.move_organization(actor, org, by_code[parent_code])
                registry_services.update_organization(actor, org, **item.extra["values"])
        except ValidationError as error:
            raise ValidationError(
                _("row %(row)s: %(reason)s") % {"row": item.row.number, "reason": " ".join(error.messages)}
            ) from None


def _org_fields(org: Organization) -> dict:
    return {
        name: getattr(org, name)
        for name in ("code", "name", "kind", "region", "founded_on", "dissolved_on")
        if getattr(org, name if name != "region" else "region_id") is not None
    }


# Export


def export_members(actor, *, org: Organization, per_branch: bool, reveal: bool, fmt: str, request=None):
    """A ledger file for `org`'s subtree. Returns (job, None) when it is large, else (None, (name, bytes))."""
    if not actor.scope.covers(org.path, Capability.VIEW):
        raise PermissionDenied(_("You may not read the ledger of this organisation."))
    if reveal and not actor.scope.covers(org.path, Capability.REVEAL):
        raise PermissionDenied(_("You may not export full ID and phone numbers."))
    count = queries.ledger_members(actor, org).count()
    options = {"per_branch": per_branch, "reveal": reveal, "format": fmt}
    _audit_export(actor, org, count, options, request)
    inline_limit = settings.LEDGER_INLINE_PDF_ROWS if fmt == "pdf" else settings.LEDGER_INLINE_EXPORT_ROWS
    if count > inline_limit:
        job = LedgerJob.objects.create(
            kind=LedgerJob.Kind.EXPORT,
            organization=org,
            created_by=actor,
            options=options,
            result={"rows": count},
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        files.write_progress(job.pk, State.QUEUED, 0, count)
        _enqueue("export", job)
        return job, None
    return None, render_export(actor, org, options)


@transaction.atomic
def _audit_export(actor, org, count: int, options: dict, request) -> None:
    audit.record(
        actor,
        audit.Action.EXPORT,
        org,
        org=org,
        changes={
            "rows": count,
            "revealed": options["reveal"],
            "format": options["format"],
            "per_branch": options["per_branch"],
        },
        request=request,
    )


def render_export(actor, org: Organization, options: dict, on_row=None) -> tuple[str, bytes]:
    groups = queries.ledger_groups(actor, org, options["per_branch"] or options["format"] == "pdf")
    stamp = datetime.date.today().isoformat()
    if options["format"] == "pdf":
        return f"{org.code}-{stamp}.pdf", pdf.ledger_pdf(org, groups, options["reveal"], on_row)
    rows = ((name, writing.member_rows(members, options["reveal"])) for name, members in groups)
    return f"{org.code}-{stamp}.xlsx", writing.export("members", rows, on_row)


def run_export(job_id) -> None:
    job = _job(job_id)
    _set_state(job, State.EXPORTING)
    total = job.result.get("rows", 0)
    progress = _progress(job, State.EXPORTING)

    reported = [0]

    def on_row(done: int) -> None:
        if done - reported[0] >= max(total // 100, 1):
            reported[0] = done
            progress(done, total)

    name, data = render_export(job.created_by, job.organization, job.options, on_row)
    files.seal(job.pk, "export", data)
    LedgerJob.objects.filter(pk=job.pk).update(file_name=name)
    job.file_name = name
    _finish(job, State.DONE, job.result)


def purge_expired_files(max_age_hours: int = 24) -> int:
    """Uploads and exports hold personal data: they are kept a day at most."""
    removed = 0
    for directory in files.expired_job_dirs(max_age_hours * 3600):
        files.remove_all(directory.name)
        removed += 1
    return removed
