"""Ledger pages: templates, uploads checked and committed by background jobs, exports."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import MemoryFileUploadHandler, SkipFile
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from zhibu.core.downloads import attachment
from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.ledgers import files, queries, reading, services, writing
from zhibu.ledgers.forms import ExportForm, ImportForm
from zhibu.ledgers.models import Dataset, LedgerJob

ERRORS_SHOWN = 200


def _require_view(actor) -> None:
    if not actor.scope.can(Capability.VIEW):
        raise Http404


@login_required
def index(request, import_form=None, export_form=None):
    actor = request.user
    _require_view(actor)
    context = {
        "import_form": import_form or ImportForm(actor),
        "export_form": export_form or ExportForm(actor),
        "can_import": queries.import_targets(actor).exists(),
        "jobs": queries.jobs(actor)[:20],
        "limits": {"mb": settings.LEDGER_MAX_FILE_MB, "rows": f"{settings.LEDGER_MAX_ROWS:,}"},
    }
    return render(request, "ledgers/index.html", context)


@login_required
def template(request, dataset: str):
    actor = request.user
    _require_view(actor)
    if dataset not in Dataset.values:
        raise Http404
    # The drop-down of organisations offers those the actor may import into.
    organizations = list(queries.import_targets(actor))
    name = f"{_('member ledger template') if dataset == Dataset.MEMBERS else _('organisation ledger template')}.xlsx"
    return attachment(name, writing.template(dataset, organizations))


class SealedMemoryUploadHandler(MemoryFileUploadHandler):
    """Keeps the upload in memory (it holds ID numbers in clear, so it must not land in a temporary file)
    and skips a file over the size limit instead of reading it all."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = True

    def new_file(self, *args, **kwargs):
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > reading.max_bytes():
            self.request.upload_too_large = True
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)


@csrf_exempt
@login_required
def upload(request):
    request.upload_handlers = [SealedMemoryUploadHandler(request)]
    return _upload(request)


@csrf_protect
def _upload(request):
    actor = request.user
    _require_view(actor)
    if request.method != "POST":
        return redirect("ledgers:index")
    form = ImportForm(actor, request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        form.add_error(
            "file",
            _("The file is larger than %(limit)s MB. Split it into smaller files.")
            % {"limit": settings.LEDGER_MAX_FILE_MB},
        )
    if not form.is_valid():
        return index(request, import_form=form)
    upload = form.cleaned_data["file"]
    try:
        job = services.start_import(
            actor,
            org=form.cleaned_data["organization"],
            dataset=form.cleaned_data["dataset"],
            file_name=upload.name,
            data=upload.read(),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return index(request, import_form=form)
    except PermissionDenied:
        raise Http404 from None
    return redirect("ledgers:job", pk=job.pk)


@login_required
def job_detail(request, pk):
    job = queries.job(request.user, pk)
    result = job.result
    errors = result.get("errors", [])
    context = {
        "job": job,
        "progress": _progress(job),
        "stalled": services.is_stalled(job),
        "errors": errors[:ERRORS_SHOWN],
        "more_errors": result.get("error_count", 0) - min(len(errors), ERRORS_SHOWN),
        "has_error_workbook": files.exists(job.pk, files.ERRORS),
        "has_export": job.kind == LedgerJob.Kind.EXPORT and files.exists(job.pk, "export"),
    }
    return render(request, "ledgers/job.html", context)


def _progress(job: LedgerJob) -> dict:
    progress = files.read_progress(job.pk) if job.is_running else {}
    total, done = progress.get("total") or 0, progress.get("done") or 0
    percent = int(done * 100 / total) if total else 0
    return {"percent": min(percent, 100), "done": done, "total": total}


@login_required
def job_progress(request, pk):
    """The progress bar, polled by htmx while the job runs; a finished job reloads the page."""
    job = queries.job(request.user, pk)
    if not job.is_running:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "ledgers/job_progress.html", {"job": job, "progress": _progress(job)})


@login_required
@require_POST
def job_commit(request, pk):
    actor = request.user
    job = queries.job(actor, pk)
    try:
        services.request_commit(actor, job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    return redirect("ledgers:job", pk=job.pk)


@login_required
@require_POST
def job_discard(request, pk):
    actor = request.user
    job = queries.job(actor, pk)
    try:
        services.discard(actor, job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("ledgers:job", pk=job.pk)
    messages.success(request, _("The file was discarded; nothing was imported."))
    return redirect("ledgers:index")


@login_required
def job_errors(request, pk):
    job = queries.job(request.user, pk)
    if not files.exists(job.pk, files.ERRORS):
        raise Http404
    stem = job.file_name.rsplit(".", 1)[0] or "ledger"
    return attachment(f"{stem}-{_('errors')}.xlsx", files.unseal(job.pk, files.ERRORS))


@login_required
def job_download(request, pk):
    job = queries.job(request.user, pk)
    if job.kind != LedgerJob.Kind.EXPORT or not files.exists(job.pk, "export"):
        raise Http404
    return attachment(job.file_name, files.unseal(job.pk, "export"))


@login_required
@require_POST
def export(request):
    actor = request.user
    _require_view(actor)
    form = ExportForm(actor, request.POST)
    if not form.is_valid():
        return index(request, export_form=form)
    values = form.cleaned_data
    try:
        job, inline = services.export_members(
            actor,
            org=values["organization"],
            per_branch=values["per_branch"],
            reveal=values.get("reveal", False),
            fmt=values["format"],
            request=request,
        )
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return index(request, export_form=form)
    if job is not None:
        return redirect("ledgers:job", pk=job.pk)
    return attachment(*inline)
