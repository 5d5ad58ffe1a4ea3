"""Monthly ledger snapshots (每月动态更新台账): each organisation's members as they stood at the end of a month.

A snapshot belongs to the organisation that held the records; its rows are compact copies of the
fields the monthly comparison reads. No ID or phone number is ever copied into them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhibu.registry.choices import PartyStatus, Standing


class LedgerSnapshot(models.Model):
    organization = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="ledger_snapshots",
    )
    # Always the first day of the month; the snapshot is the ledger as it stands at the end of that month.
    month = models.DateField(_("month"))
    taken_at = models.DateTimeField(_("taken at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    member_count = models.PositiveIntegerField(_("members"), default=0)

    class Meta:
        ordering = ["-month", "organization_id"]
        verbose_name = _("ledger snapshot")
        verbose_name_plural = _("ledger snapshots")
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="snapshot_one_per_org_and_month"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}"


class LedgerSnapshotRow(models.Model):
    snapshot = models.ForeignKey(LedgerSnapshot, on_delete=models.CASCADE, related_name="rows")
    # Not a foreign key: the history outlives members who are later deleted.
    member_id = models.PositiveBigIntegerField(_("member"))
    name = models.CharField(_("name"), max_length=50)
    party_status = models.CharField(_("party status"), max_length=16, choices=PartyStatus.choices)
    standing = models.CharField(_("membership standing"), max_length=16, choices=Standing.choices)
    is_mobile = models.BooleanField(_("mobile member"), default=False)

    class Meta:
        verbose_name = _("ledger snapshot row")
        verbose_name_plural = _("ledger snapshot rows")
        indexes = [models.Index(fields=["snapshot", "member_id"])]

    def __str__(self) -> str:
        return self.name
