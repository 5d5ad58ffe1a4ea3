"""知识竞赛: question banks owned by an organisation, contests that draw from them, and each
member's attempts.

A bank belongs to an organisation; contests of that organisation and of every organisation below
it may draw from it. A contest is open to the members whose record is in its organisation's
subtree, between `opens_at` and `closes_at`. Each attempt draws its own questions at random and
keeps them (one Answer row per question drawn), so that the page can be reloaded. The deadline of
an attempt is fixed when it starts: `started_at` plus the time limit, and never later than the
contest's closing time; the server refuses answers after it (with a few seconds' grace for the
network).

Scoring: one point per question. Single choice and true/false are right or wrong; multiple choice
is all or nothing (every right option and no other). A member's best attempt is the one that
counts (`is_best`), so that the results and the ranking read one row per member.
"""

import datetime
import hashlib
import re
import unicodedata

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhibu.learning.models import Tag
from zhibu.registry.models import Member, Organization

# Answers that arrive this long after the deadline are still taken: the network is slow on the road.
SUBMIT_GRACE = datetime.timedelta(seconds=5)
LETTERS = "ABCDEF"
TRUE, FALSE = "T", "F"


class Bank(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="question_banks"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")


def question_key(text: str) -> str:
    """What duplicates share: the question with full-width forms folded and spaces and case
    ignored, hashed so that long questions compare in full."""
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()
    return hashlib.sha256(folded.encode()).hexdigest()


class Question(models.Model):
    """`options` are the texts of options A, B, …; `correct` is the letters of the right options in
    order ("A", "AC"), or T / F for a true/false question (which has no options)."""

    bank = models.ForeignKey(Bank, verbose_name=_("question bank"), on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("type"), max_length=10, choices=QuestionKind.choices)
    text = models.TextField(_("question"))
    text_key = models.CharField(max_length=64, editable=False)
    options = models.JSONField(_("options"), default=list, blank=True)
    correct = models.CharField(_("answer"), max_length=len(LETTERS))
    explanation = models.TextField(_("explanation"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="questions")
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bank", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [models.UniqueConstraint(fields=["bank", "text_key"], name="one_question_text_per_bank")]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args, **kwargs):
        self.text_key = question_key(self.text)
        super().save(*args, **kwargs)

    @property
    def lettered_options(self) -> list[tuple[str, str]]:
        return list(zip(LETTERS, self.options, strict=False))

    def is_right(self, chosen: str) -> bool:
        """All or nothing: the letters chosen are exactly the right ones."""
        return bool(chosen) and sorted(chosen) == sorted(self.correct)

    def allowed(self) -> set[str]:
        return {TRUE, FALSE} if self.kind == QuestionKind.TRUE_FALSE else set(LETTERS[: len(self.options)])


class Contest(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="contests"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    banks = models.ManyToManyField(Bank, verbose_name=_("question banks"), related_name="contests")
    question_count = models.PositiveSmallIntegerField(_("questions per attempt"))
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit in minutes"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=1)
    show_ranking = models.BooleanField(
        _("show a ranking"), default=False, help_text=_("Off unless the organisation turns it on.")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("knowledge contest")
        verbose_name_plural = _("knowledge contests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="contest_closes_after_opening"
            ),
            models.CheckConstraint(condition=models.Q(question_count__gte=1), name="contest_has_questions"),
            models.CheckConstraint(condition=models.Q(time_limit_minutes__gte=1), name="contest_has_a_time_limit"),
            models.CheckConstraint(condition=models.Q(max_attempts__gte=1), name="contest_allows_an_attempt"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def time_limit(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.time_limit_minutes)

    def is_open(self, now: datetime.datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def phase(self, now: datetime.datetime) -> str:
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"


class Attempt(models.Model):
    contest = models.ForeignKey(Contest, verbose_name=_("contest"), on_delete=models.CASCADE, related_name="attempts")
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="contest_attempts"
    )
    # The member's home organisation when they started: the results roll up by it.
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveSmallIntegerField(_("attempt"), default=1)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    timed_out = models.BooleanField(_("timed out"), default=False)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    total = models.PositiveSmallIntegerField(_("questions"))
    seconds_taken = models.PositiveIntegerField(_("seconds taken"), null=True, blank=True)
    is_best = models.BooleanField(_("best attempt"), default=False)

    class Meta:
        ordering = ["contest", "member", "number"]
        verbose_name = _("contest attempt")
        verbose_name_plural = _("contest attempts")
        constraints = [
            models.UniqueConstraint(fields=["contest", "member", "number"], name="one_attempt_number_per_member"),
            models.UniqueConstraint(
                fields=["contest", "member"], condition=models.Q(is_best=True), name="one_best_attempt_per_member"
            ),
        ]
        indexes = [
            models.Index(fields=["contest", "is_best"]),
            models.Index(fields=["submitted_at", "deadline"]),
        ]

    def __str__(self) -> str:
        return f"{self.contest} · {self.member} · {self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def accepts_answers(self, now: datetime.datetime) -> bool:
        return self.submitted_at is None and now <= self.deadline + SUBMIT_GRACE

    @property
    def duration(self) -> str:
        """The time taken as m:ss."""
        if self.seconds_taken is None:
            return "—"
        minutes, seconds = divmod(self.seconds_taken, 60)
        return f"{minutes}:{seconds:02d}"

    @property
    def percent(self) -> int | None:
        return None if self.score is None else round(100 * self.score / self.total)


class Answer(models.Model):
    """One question drawn for an attempt, in the order shown, with the member's choice."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    chosen = models.CharField(max_length=len(LETTERS), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    is_correct = models.BooleanField(null=True)

    class Meta:
        ordering = ["attempt", "position"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.attempt} · {self.position}"
