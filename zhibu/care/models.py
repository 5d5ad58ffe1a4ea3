"""结对联系: cadres paired with mobile members, the contacts they log, and the timeline rules that say
when the next contact is due (kept as data, as CiviCase keeps case timelines).

A pairing belongs to the organisation that made it; the cadre is an account, the member a registry
record. Reassigning a member ends the open pairing and starts a new one, so the history stays.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhibu.registry.models import Member, Organization


class CarePolicy(models.Model):
    """An organisation's own settings for its subtree; the nearest ancestor's policy applies."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="care_policy"
    )
    members_per_cadre = models.PositiveSmallIntegerField(
        _("mobile members per cadre at most"), default=3, help_text=_("Guangdong's rule is three.")
    )

    class Meta:
        verbose_name = _("care policy")
        verbose_name_plural = _("care policies")

    def __str__(self) -> str:
        return f"{self.organization} · {self.members_per_cadre}"


class Pairing(models.Model):
    class EndReason(models.TextChoices):
        REASSIGNED = "reassigned", _("Given to another cadre")
        MEMBER_BACK = "member_back", _("The member is no longer mobile")
        CADRE_LEFT = "cadre_left", _("The cadre stepped down")
        OTHER = "other", _("Other")

    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="pairings"
    )
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="pairings")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="pairings"
    )
    started_on = models.DateField(_("paired since"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=12, choices=EndReason.choices, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(ended_on=None), name="one_open_pairing_per_member")
        ]
        indexes = [models.Index(fields=["cadre", "ended_on"]), models.Index(fields=["organization", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.cadre} · {self.member}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class ContactKind(models.TextChoices):
    TALK = "talk", _("Heart-to-heart talk")
    VISIT = "visit", _("Visit")
    OTHER = "other", _("Other contact")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    ONLINE = "online", _("Online")


class Contact(models.Model):
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="contacts")
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="contacts"
    )
    pairing = models.ForeignKey(
        Pairing, verbose_name=_("pairing"), null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    # The organisation the contact was logged for: the audit trail and the scope follow it.
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="contacts"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ContactKind.choices)
    on = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    summary = models.CharField(_("summary"), max_length=500)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = pgettext_lazy("care", "contact")
        verbose_name_plural = _("contacts")
        constraints = [
            # The same contact entered twice (a double tap, a retry) is recorded once.
            models.UniqueConstraint(fields=["member", "cadre", "kind", "on"], name="one_contact_per_kind_and_day")
        ]
        indexes = [models.Index(fields=["member", "on"])]

    def __str__(self) -> str:
        return f"{self.on} {self.member} · {self.get_kind_display()}"


class Audience(models.TextChoices):
    MOBILE = "mobile", _("Every mobile member")
    ABROAD = "abroad", _("Mobile members abroad")


ANY_KIND = "any"
RULE_KINDS = [*ContactKind.choices, (ANY_KIND, _("Any contact"))]


class ContactRule(models.Model):
    """ "A talk every 90 days": a contact of a kind is due `interval_days` after the last one.

    Rules without an organisation are the platform's defaults. An organisation's rule with the same
    kind and audience replaces the default for its subtree; an inactive one switches it off there."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contact_rules",
    )
    kind = models.CharField(_("kind of contact"), max_length=8, choices=RULE_KINDS)
    audience = models.CharField(_("for"), max_length=8, choices=Audience.choices, default=Audience.MOBILE)
    interval_days = models.PositiveSmallIntegerField(_("at least every (days)"))
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        ordering = ["organization_id", "audience", "kind"]
        verbose_name = _("contact rule")
        verbose_name_plural = _("contact rules")
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "audience"], name="one_rule_per_kind_audience"),
            models.UniqueConstraint(
                fields=["kind", "audience"], condition=Q(organization=None), name="one_default_rule_per_kind_audience"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.interval_days}"


class ContactReminder(models.Model):
    """A reminder sent to a cadre about a due contact: at most one per pairing and rule a week."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="reminders")
    rule = models.ForeignKey(ContactRule, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["pairing", "rule", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.pairing} · {self.due_on}"


class YearLines(models.Model):
    """Which of the three bottom lines a member met in a calendar year, kept from the records by the
    services that write them (contacts, 报到, parcels, attendance) so that a province's rollup reads
    one narrow row per member instead of every record of the year. A member with no row met none.
    `manage.py rebuild_bottom_lines` recomputes it from the records; a test checks the two agree."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="year_lines")
    year = models.PositiveSmallIntegerField()
    found = models.BooleanField(default=False)
    materials = models.BooleanField(default=False)
    life = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("bottom lines of a year")
        verbose_name_plural = _("bottom lines of a year")
        constraints = [models.UniqueConstraint(fields=["year", "member"], name="one_year_lines_per_member_and_year")]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.year}"
