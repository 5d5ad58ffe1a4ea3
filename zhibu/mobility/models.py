"""流动党员: a member whose record stays with the home branch while they live or work elsewhere.

The home branch registers the outflow (流出登记); the receiving organisation registers the inflow,
and the two records are paired. States: 流出登记 → 已报到 → 已返回 or 已转接, and 失联 when contact
is lost. Cadres look for lost members through finding tasks, one note per attempt.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhibu.core import crypto
from zhibu.core.identity import mask_phone
from zhibu.registry.models import Member, Organization, Region, Unit


class Direction(models.TextChoices):
    OUTFLOW = "outflow", _("Outflow")
    INFLOW = "inflow", _("Inflow")


class MobilityState(models.TextChoices):
    REGISTERED = "registered", _("Outflow registered")
    REPORTED = "reported", _("Reported in")
    LOST = "lost", _("Lost contact")
    RETURNED = "returned", _("Returned")
    TRANSFERRED = "transferred", _("Record transferred")


OPEN_STATES = frozenset({MobilityState.REGISTERED, MobilityState.REPORTED, MobilityState.LOST})


class Reason(models.TextChoices):
    WORK = "work", _("Work")
    BUSINESS = "business", _("Own business")
    STUDY = "study", _("Study")
    FAMILY = "family", _("Family")
    OTHER = "other", _("Other")


class Mobility(models.Model):
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="mobility")
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    state = models.CharField(_("state"), max_length=12, choices=MobilityState.choices, default=MobilityState.REGISTERED)
    # Outflow: the home branch that registered it. Inflow: the organisation that receives the member.
    organization = models.ForeignKey(
        Organization, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="mobility_records"
    )
    to_region = models.ForeignKey(
        Region, verbose_name=_("gone to (region)"), null=True, blank=True, on_delete=models.PROTECT
    )
    abroad = models.BooleanField(_("gone abroad"), default=False)
    to_unit = models.ForeignKey(Unit, verbose_name=_("employer there"), null=True, blank=True, on_delete=models.PROTECT)
    to_org = models.ForeignKey(
        Organization,
        verbose_name=_("organisation there"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    since = models.DateField(_("away since"))
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices, default=Reason.WORK)
    expected_months = models.PositiveSmallIntegerField(_("expected months away"), null=True, blank=True)
    reach_phone_sealed = models.TextField(blank=True, editable=False)
    reach_note = models.CharField(_("how to reach them"), max_length=200, blank=True)
    paired_with = models.OneToOneField(
        "self", verbose_name=_("paired record"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lost_on = models.DateField(_("contact lost on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-since", "-id"]
        verbose_name = _("mobility record")
        verbose_name_plural = _("mobility records")
        indexes = [models.Index(fields=["member", "state"]), models.Index(fields=["organization", "state"])]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_direction_display()} · {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def set_reach_phone(self, phone: str) -> None:
        self.reach_phone_sealed = crypto.encrypt(phone, b"mobility.reach_phone") if phone else ""

    @property
    def reach_phone(self) -> str:
        return crypto.decrypt(self.reach_phone_sealed, b"mobility.reach_phone") if self.reach_phone_sealed else ""

    @property
    def reach_phone_masked(self) -> str:
        return mask_phone(self.reach_phone) if self.reach_phone_sealed else ""


class FindingTask(models.Model):
    """寻找流动党员: a cadre's task to find a member whose contact is lost."""

    class State(models.TextChoices):
        OPEN = "open", _("Looking")
        FOUND = "found", _("Found")
        CLOSED = "closed", _("Closed without finding")

    mobility = models.ForeignKey(
        Mobility, verbose_name=_("mobility record"), on_delete=models.CASCADE, related_name="tasks"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="finding_tasks"
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["state", "-created_at"]
        verbose_name = _("finding task")
        verbose_name_plural = _("finding tasks")

    def __str__(self) -> str:
        return f"{self.mobility.member} · {self.get_state_display()}"


class FindingAttempt(models.Model):
    class Method(models.TextChoices):
        CALL = "call", _("Phone call")
        MESSAGE = "message", _("Message")
        VISIT = "visit", _("Visit")
        EMPLOYER = "employer", _("Asked the employer")
        FAMILY = "family", _("Asked the family")
        OTHER = "other", _("Other")

    class Result(models.TextChoices):
        NO_ANSWER = "no_answer", _("No answer")
        LEAD = "lead", _("A lead")
        FOUND = "found", _("Found")

    task = models.ForeignKey(FindingTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(_("time"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("finding attempt")
        verbose_name_plural = _("finding attempts")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.get_method_display()} {self.get_result_display()}"
