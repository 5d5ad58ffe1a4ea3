"""以"链"领学: chain-led learning. A lead organisation (one branch of an express company, a park's
committee) brings many small organisations of an industry chain or a park together: it hosts
sessions for them, invites them, shares the materials, and the chain's figures (sessions held,
organisations reached, members reached) come from the attendance recorded, never typed in.

The participants are any organisations, wherever they stand in the tree: a chain crosses it. The
attendance of a session is recorded by name, member by member, each for the invited organisation
the member came with, by the editors of that organisation (or of the member's own organisation
below it): the host does not see other organisations' registries, so it does not name their
members; it sees how many came from each.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from zhibu.registry.models import Member, Organization


class Chain(models.Model):
    lead = models.ForeignKey(
        Organization, verbose_name=_("lead organisation"), on_delete=models.PROTECT, related_name="led_chains"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    participants = models.ManyToManyField(
        Organization,
        verbose_name=_("participant organisations"),
        through="Participant",
        related_name="chains",
        blank=True,
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("learning chain")
        verbose_name_plural = _("learning chains")

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    chain = models.ForeignKey(Chain, verbose_name=_("chain"), on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="chain_memberships"
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chain", "organization__path"]
        verbose_name = _("participant organisation")
        verbose_name_plural = _("participant organisations")
        constraints = [models.UniqueConstraint(fields=["chain", "organization"], name="one_participation_per_chain")]

    def __str__(self) -> str:
        return f"{self.chain} · {self.organization}"


class Mode(models.TextChoices):
    IN_PLACE = "in_place", _("In a place")
    ONLINE = "online", _("Online")


class Session(models.Model):
    chain = models.ForeignKey(Chain, verbose_name=_("chain"), on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    mode = models.CharField(_("held"), max_length=8, choices=Mode.choices, default=Mode.IN_PLACE)
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("chain session")
        verbose_name_plural = _("chain sessions")
        indexes = [models.Index(fields=["chain", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="chain_session_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.title


class Reply(models.TextChoices):
    PENDING = "pending", _("No reply yet")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Invitation(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="invitations"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="chain_invitations"
    )
    reply = models.CharField(_("reply"), max_length=8, choices=Reply.choices, default=Reply.PENDING)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        ordering = ["session", "organization__path"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["session", "organization"], name="one_invitation_per_session")]
        indexes = [models.Index(fields=["organization", "reply"])]

    def __str__(self) -> str:
        return f"{self.session} · {self.organization}"


class Attendee(models.Model):
    """A member who attended a session, for the invited organisation they came with."""

    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendees")
    invitation = models.ForeignKey(
        Invitation, verbose_name=_("invitation"), on_delete=models.CASCADE, related_name="attendees"
    )
    # The invited organisation, kept beside the invitation so that the figures group without a join.
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="chain_attendance"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["session", "organization", "member"]
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="one_chain_attendance_per_member")]
        indexes = [models.Index(fields=["invitation"]), models.Index(fields=["member"])]

    def __str__(self) -> str:
        return f"{self.session} · {self.member}"


class Material(models.Model):
    """A file shared with the invited organisations: slides, a reading, a sign-in sheet."""

    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="materials")
    file = models.FileField(_("file"), upload_to="chains/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.name
