"""学习: courses of ordered lessons in chapters, each member's progress through them, and plans that
assign courses to a group (领学/共学/自学).

A course belongs to an organisation, which publishes it to its own subtree, or to no organisation:
the platform-wide library. Completion counts lessons finished, never minutes online.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhibu.registry.models import Member, Occupation, Organization


class Tag(models.Model):
    """主题教育, 党史, 二十大精神, 业务技能, 安全生产, 法律, …: data, so that organisations can add more."""

    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
        help_text=_("Empty for the platform-wide library"),
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="courses")
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title


class Chapter(models.Model):
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="chapters")
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["course", "position", "id"]
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")

    def __str__(self) -> str:
        return self.title


class LessonKind(models.TextChoices):
    TEXT = "text", _("Text")
    AUDIO = "audio", _("Audio")
    VIDEO = "video", _("Video")


class Lesson(models.Model):
    """One lesson: sanitised rich text, and for audio and video lessons the media, uploaded (with
    its duration read from the file) or, for video, linked."""

    chapter = models.ForeignKey(Chapter, verbose_name=_("chapter"), on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=LessonKind.choices, default=LessonKind.TEXT)
    body = models.TextField(_("text"), blank=True, help_text=_("Sanitised HTML"))
    media = models.FileField(_("media file"), upload_to="learning/%Y/%m/", blank=True)
    media_type = models.CharField(_("media type"), max_length=40, blank=True)
    media_size = models.PositiveBigIntegerField(_("size"), default=0)
    video_url = models.URLField(_("video link"), blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration in seconds"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["chapter__course", "chapter__position", "chapter", "position", "id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return self.title


class LessonAttachment(models.Model):
    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="learning/attachments/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("media type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Progress(models.Model):
    """Where a member stands in a lesson, on whichever device they used last. `reported_at` is the
    moment the device saw that position, so that progress synced late from an offline phone does
    not overwrite a later position reported by another device."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="progress")
    position_seconds = models.FloatField(_("position in seconds"), default=0)
    reported_at = models.DateTimeField(_("reported at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("progress")
        verbose_name_plural = _("progress")
        constraints = [models.UniqueConstraint(fields=["member", "lesson"], name="one_progress_per_member_and_lesson")]
        indexes = [models.Index(fields=["lesson", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.member} · {self.lesson}"


class PlanMode(models.TextChoices):
    LEAD = "lead", _("Leaders lead the study (领学)")
    TOGETHER = "together", _("Study together (共学)")
    SELF = "self", _("Self-study (自学)")


class Plan(models.Model):
    """Courses assigned to a group, from a start date to a due date. The group: members whose record
    is in `target_org`'s subtree, narrowed by work role, occupation and the mobile mark when set."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="learning_plans"
    )
    title = models.CharField(_("title"), max_length=200)
    mode = models.CharField(_("mode"), max_length=8, choices=PlanMode.choices, default=PlanMode.SELF)
    courses = models.ManyToManyField(Course, verbose_name=_("courses"), through="PlanCourse", related_name="plans")
    target_org = models.ForeignKey(
        Organization, verbose_name=_("for the members of"), on_delete=models.PROTECT, related_name="+"
    )
    work_role = models.CharField(_("work role"), max_length=12, blank=True)
    occupation = models.ForeignKey(
        Occupation, verbose_name=_("occupation"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mobile_only = models.BooleanField(_("mobile members only"), default=False)
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("due on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("learning plan")
        verbose_name_plural = _("learning plans")
        constraints = [
            models.CheckConstraint(condition=models.Q(due_on__gte=models.F("starts_on")), name="plan_due_after_start")
        ]

    def __str__(self) -> str:
        return self.title


class PlanCourse(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="plan_courses")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "course"], name="one_course_once_per_plan")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.course}"
