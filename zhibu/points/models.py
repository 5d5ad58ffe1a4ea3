"""积分, off by default: an organisation may turn points on for its subtree and say what earns how
many; each member then has a ledger of the points awarded.

The policy in force for a member is that of the nearest organisation on their home organisation's
lineage (itself included) that has one, as with care's CarePolicy; without one, points are off. A
policy brings its own rules: the rules of a farther ancestor do not mix in.

Points are only ever earned. There is no kind of rule that takes points away, an entry's points
are positive by a database constraint, and nothing in the services removes or lowers an entry:
nobody loses points for not using the app.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhibu.registry.models import Member, Organization

MAX_POINTS_PER_EVENT = 1000
MAX_CAP = 100_000


class PointKind(models.TextChoices):
    """What earns points. Every kind is an event a member took part in; none is a deduction."""

    LESSON_COMPLETED = "lesson_completed", _("Lesson completed")
    CONTEST_TAKEN = "contest_taken", _("Knowledge contest taken")
    MEETING_ATTENDED = "meeting_attended", _("Meeting attended")
    CHAIN_SESSION_ATTENDED = "chain_session_attended", _("Chain-led session attended")
    VOLUNTEER_HOUR = "volunteer_hour", _("Hour of volunteer service")


class PointsPolicy(models.Model):
    organization = models.OneToOneField(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="points_policy"
    )
    is_enabled = models.BooleanField(
        _("points are on"), default=False, help_text=_("Off unless the organisation turns them on.")
    )
    show_ranking = models.BooleanField(
        _("show a ranking"),
        default=False,
        help_text=_("Off by default. When on, members see a ranking within this organisation only."),
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("points policy")
        verbose_name_plural = _("points policies")

    def __str__(self) -> str:
        return f"{self.organization} · {'on' if self.is_enabled else 'off'}"


class EarningRule(models.Model):
    """ "A meeting attended earns 5 points, at most 10 a day.\" One rule per kind and policy."""

    policy = models.ForeignKey(PointsPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("what earns points"), max_length=24, choices=PointKind.choices)
    points = models.PositiveSmallIntegerField(_("points per event"))
    cap_per_day = models.PositiveIntegerField(_("at most per day"), null=True, blank=True)
    cap_per_month = models.PositiveIntegerField(_("at most per month"), null=True, blank=True)

    class Meta:
        ordering = ["policy", "kind"]
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind"], name="one_earning_rule_per_kind"),
            models.CheckConstraint(condition=Q(points__gt=0), name="earning_rule_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.points}"


class PointsEntry(models.Model):
    """One award in a member's ledger. `source_key` names the event (for a record, its model label
    and primary key, such as "meetings.meeting:12", with the content type and id kept too): the same
    event earns a member points of a kind once."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="points")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("awarded by"),
        on_delete=models.CASCADE,
        related_name="points_awarded",
        help_text=_("The organisation whose policy awarded the points"),
    )
    kind = models.CharField(_("for"), max_length=24, choices=PointKind.choices)
    points = models.PositiveIntegerField(_("points"))
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_key = models.CharField(_("source"), max_length=200)
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [
            models.UniqueConstraint(fields=["member", "kind", "source_key"], name="points_once_per_source"),
            models.CheckConstraint(condition=Q(points__gt=0), name="points_entry_positive"),
        ]
        indexes = [
            models.Index(fields=["member", "at"]),
            models.Index(fields=["organization", "member"]),
            models.Index(fields=["member", "kind", "organization", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_kind_display()} · +{self.points}"
