"""报到 at a 党员报到处, and station visits (进站记录).

A 报到 is a member reporting to a station: from their own account in one tap, or by name, ID number
and phone, which station staff verify against the registry by the keyed hash. A verified 报到 is
routed to an organisation, which accepts it (creating the inflow record) or sends it on. What was
typed is kept encrypted; an ID number that matches nobody stays pending, never merged by guesswork.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhibu.core import crypto
from zhibu.core.identity import mask_id_number, mask_phone
from zhibu.mobility.models import Mobility
from zhibu.registry.models import Member, Organization
from zhibu.stations.models import Station


class CheckInState(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for verification")
    PENDING = "pending", _("Pending: not matched")
    ROUTED = "routed", _("In an organisation's inbox")
    ACCEPTED = "accepted", _("Accepted")


class PendingReason(models.TextChoices):
    NOT_REGISTERED = "not_registered", _("No member with this ID number is registered.")
    NAME_MISMATCH = "name_mismatch", _("The name does not match the member registered with this ID number.")


class RouteRule(models.TextChoices):
    EMPLOYER = "employer", _("The member's employer")
    PLACE = "place", _("The building, park or community of the station")
    STATION = "station", _("The station's organisation")
    REDIRECT = "redirect", _("Sent on by an organisation")


class Via(models.TextChoices):
    ACCOUNT = "account", _("Own account")
    FORM = "form", _("Name and ID number")


class CheckIn(models.Model):
    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="checkins")
    via = models.CharField(_("reported with"), max_length=8, choices=Via.choices)
    state = models.CharField(_("state"), max_length=10, choices=CheckInState.choices, db_index=True)
    member = models.ForeignKey(
        Member, verbose_name=_("member"), null=True, blank=True, on_delete=models.CASCADE, related_name="checkins"
    )
    name = models.CharField(_("name as given"), max_length=50)
    id_number_sealed = models.TextField(blank=True, editable=False)
    id_number_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_sealed = models.TextField(blank=True, editable=False)
    pending_reason = models.CharField(_("why pending"), max_length=16, choices=PendingReason.choices, blank=True)
    routed_to = models.ForeignKey(
        Organization,
        verbose_name=_("routed to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checkins",
    )
    route_rule = models.CharField(_("routed by"), max_length=10, choices=RouteRule.choices, blank=True)
    route_note = models.CharField(_("note"), max_length=200, blank=True)
    inflow = models.ForeignKey(
        Mobility, verbose_name=_("inflow record"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("reported at"), db_index=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [
            models.Index(fields=["station", "state"]),
            models.Index(fields=["routed_to", "state"]),
            models.Index(fields=["member", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.station}"

    def set_id_number(self, id_number: str) -> None:
        self.id_number_sealed = crypto.encrypt(id_number, b"checkin.id_number")
        self.id_number_digest = crypto.blind_index("id_number", id_number)

    def set_phone(self, phone: str) -> None:
        self.phone_sealed = crypto.encrypt(phone, b"checkin.phone") if phone else ""

    @property
    def id_number_masked(self) -> str:
        if not self.id_number_sealed:
            return ""
        return mask_id_number(crypto.decrypt(self.id_number_sealed, b"checkin.id_number"))

    @property
    def phone_masked(self) -> str:
        return mask_phone(crypto.decrypt(self.phone_sealed, b"checkin.phone")) if self.phone_sealed else ""


class StationVisit(models.Model):
    """“I am here”, pressed by the member. Whereabouts: purged after STATION_VISIT_RETENTION_DAYS."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="visits")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="station_visits")
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["member", "station", "at"])]

    def __str__(self) -> str:
        return f"{self.station} · {self.at:%Y-%m-%d %H:%M}"


class StationDay(models.Model):
    """Visits to a station on one day: a count with nobody in it, kept after the visits are purged."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["station", "day"], name="one_count_per_station_day")]

    def __str__(self) -> str:
        return f"{self.station} · {self.day}: {self.visits}"
