"""Background jobs of the ledgers: checking and committing an import, writing an export.

A job's files (the upload, the error workbook, the export) are sealed with the field key and kept
under LEDGER_FILES_DIR/<job id>/ only until the job is finished with; see files.py.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Dataset(models.TextChoices):
    MEMBERS = "members", _("Members")
    ORGANIZATIONS = "organizations", _("Organisations")


class LedgerJob(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        CHECKING = "checking", _("Checking the file")
        CHECKED = "checked", _("Checked")
        COMMITTING = "committing", _("Importing")
        EXPORTING = "exporting", _("Writing the file")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    RUNNING_STATES = frozenset({State.QUEUED, State.CHECKING, State.COMMITTING, State.EXPORTING})

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    dataset = models.CharField(_("ledger"), max_length=16, choices=Dataset.choices, default=Dataset.MEMBERS)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.QUEUED)
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    # The language of the person who started the job: its messages and headers are written in it.
    language = models.CharField(_("language"), max_length=16, default=settings.LANGUAGE_CODE)
    options = models.JSONField(default=dict, blank=True)
    # Counts, samples and problems of a check; counts of a commit; rows of an export. No personal numbers.
    result = models.JSONField(default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ledger job")
        verbose_name_plural = _("ledger jobs")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name or self.organization_id}"

    @property
    def is_running(self) -> bool:
        return self.state in self.RUNNING_STATES

    @property
    def can_commit(self) -> bool:
        result = self.result
        return (
            self.kind == self.Kind.IMPORT
            and self.state == self.State.CHECKED
            and result.get("error_count") == 0
            and (result.get("created", 0) + result.get("updated", 0)) > 0
        )
