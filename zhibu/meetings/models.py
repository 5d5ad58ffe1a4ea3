"""组织生活: 三会一课, 主题党日, 组织生活会 and 民主评议党员, with attendance, leave and minutes.

The invitees of a meeting are the organisation's own members (their record is there) and the
mobile members who take part there (参加活动党组织). Attendance is taken by a signed meeting code
valid only within the meeting's window, by the secretary's roll call, or, for an online meeting,
by the member's own one tap. Frequency rules, kept as data, say which meetings a branch owes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhibu.registry.models import Member, Organization
from zhibu.stations.models import Station


class MeetingKind(models.TextChoices):
    GENERAL_ASSEMBLY = "assembly", _("Branch general assembly")
    COMMITTEE = "committee", _("Branch committee meeting")
    GROUP = "group", _("Party group meeting")
    LECTURE = "lecture", _("Party lecture")
    THEME_DAY = "theme_day", _("Theme party day")
    LIFE_MEETING = "life", _("Organisational life meeting")
    APPRAISAL = "appraisal", _("Democratic appraisal of members")


class Mode(models.TextChoices):
    IN_PLACE = "in_place", _("In a place")
    ONLINE = "online", _("Online")


class Meeting(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    mode = models.CharField(_("held"), max_length=8, choices=Mode.choices, default=Mode.IN_PLACE)
    station = models.ForeignKey(
        Station, verbose_name=_("station"), null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    online_link = models.URLField(_("online meeting link"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    # Raised to void every attendance code shown so far.
    code_version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["organization", "kind", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.title


class AttendanceMethod(models.TextChoices):
    CODE = "code", _("Meeting code")
    ROLL_CALL = "roll_call", _("Roll call")
    ONLINE = "online", _("Attended online")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="attendance")
    method = models.CharField(pgettext_lazy("attendance", "taken by"), max_length=10, choices=AttendanceMethod.choices)
    at = models.DateTimeField(_("at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["meeting", "at"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="one_attendance_per_member")]
        indexes = [models.Index(fields=["member", "at"])]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.member}"


class LeaveRequest(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="leave")
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "created_at"]
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="one_leave_request_per_member")]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.member}"


class Minutes(models.Model):
    meeting = models.OneToOneField(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="minutes")
    text = models.TextField(_("minutes"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return str(self.meeting)


class MinutesAttachment(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="meetings/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Period(models.TextChoices):
    MONTH = "month", _("Every month")
    QUARTER = "quarter", _("Every quarter")
    YEAR = "year", _("Every year")


class MeetingRule(models.Model):
    """ "A branch general assembly every quarter". Rules without an organisation are the defaults;
    an organisation's rule for the same kind replaces the default in its subtree, and an inactive
    one switches it off there."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meeting_rules",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MeetingKind.choices)
    period = models.CharField(_("how often"), max_length=8, choices=Period.choices)
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        ordering = ["organization_id", "kind"]
        verbose_name = _("meeting rule")
        verbose_name_plural = _("meeting rules")
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="one_meeting_rule_per_kind"),
            models.UniqueConstraint(fields=["kind"], condition=Q(organization=None), name="one_default_meeting_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_period_display()}"
