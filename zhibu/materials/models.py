"""书要发到: campaigns that send materials (红色包裹: 党章, 党徽, study books, a letter) to members, and
each member's delivery: 待寄出 → 已寄出 (with a tracking number) → 已签收.

A campaign targets the members whose record is in an organisation's subtree, optionally only the
mobile ones. Launching it writes one delivery per member targeted then; members who join later are
not added by themselves, so the figures say what was actually sent.

Receipt is normally confirmed after the parcel was sent. A secretary may also confirm it straight
from 待寄出 when the parcel was handed over in person (at a meeting, at a station): the delivery is
then marked `handed_over`, with no tracking number.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhibu.registry.choices import Standing
from zhibu.registry.models import Member, Organization


class Campaign(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LAUNCHED = "launched", _("Launched")
        CLOSED = "closed", _("Closed")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="campaigns"
    )
    title = models.CharField(_("title"), max_length=200)
    contents = models.TextField(_("contents"), help_text=_("What each parcel holds, one item a line"))
    mobile_only = models.BooleanField(_("mobile members only"), default=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("material campaign")
        verbose_name_plural = _("material campaigns")

    def __str__(self) -> str:
        return self.title

    @property
    def items(self) -> list[str]:
        return [line.strip() for line in self.contents.splitlines() if line.strip()]

    def targeted_members(self):
        """The members a launch writes deliveries for: in the organisation's subtree, in normal
        standing, and mobile when the campaign is for mobile members only."""
        members = Member.objects.filter(home_org__path__startswith=self.organization.path, standing=Standing.NORMAL)
        return members.filter(is_mobile=True) if self.mobile_only else members


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("To be sent")
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")


class Delivery(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="deliveries"
    )
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(_("state"), max_length=8, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    handed_over = models.BooleanField(_("handed over in person"), default=False)
    # Who confirmed receipt: the member themselves in one tap, or a cadre.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "member"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["campaign", "member"], name="one_delivery_per_member")]
        indexes = [models.Index(fields=["member", "state"]), models.Index(fields=["campaign", "state"])]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.member} · {self.get_state_display()}"
