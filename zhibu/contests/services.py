"""Every write of question banks, contests and attempts: one typed function each, one transaction,
audited.

Who may act: the editors (Capability.EDIT) of an organisation run its banks and contests; a member
takes the contests of the organisations above their home organisation (their own included) and
answers only their own attempts.

Time: the functions that check the clock take `now` (default: the clock). It may lie in the past,
for the demo's past contest and for tests, never in the future; every check compares it with the
times stored on the contest and the attempt, so a late answer is refused whatever the caller.
Answers saved during an attempt (the page saves each choice as it is made) are not audited one by
one; the submission records them all.
"""

import datetime
import random
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhibu.contests import importing
from zhibu.contests.importing import ImportRefused, RowError
from zhibu.contests.models import (
    SUBMIT_GRACE,
    Answer,
    Attempt,
    Bank,
    Contest,
    Question,
    QuestionKind,
)
from zhibu.core import audit
from zhibu.core.scope import Capability
from zhibu.learning.models import Tag
from zhibu.points import services as points
from zhibu.points.models import PointKind
from zhibu.registry.choices import Standing
from zhibu.registry.models import Member, Organization

MAX_TIME_LIMIT_MINUTES = 600
MAX_ATTEMPTS = 20
MAX_QUESTIONS_PER_ATTEMPT = 200


class BadRows(ValidationError):
    """The file has rows with problems: nothing was imported. `rows` lists each problem."""

    def __init__(self, rows: list[RowError]):
        count = len({(row.sheet, row.row) for row in rows})
        super().__init__(
            ngettext(
                "%(count)s row has a problem, so nothing was imported. Correct it and import the file again.",
                "%(count)s rows have problems, so nothing was imported. Correct them and import the file again.",
                count,
            )
            % {"count": count}
        )
        self.rows = rows


def _now(now: datetime.datetime | None) -> datetime.datetime:
    clock = timezone.now()
    if now is None:
        return clock
    if now > clock:
        raise ValueError("`now` lies in the future")
    return now


def _when(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i:s")


# Permissions


def can_edit(actor, organization: Organization) -> bool:
    return actor.scope.covers(organization.path, Capability.EDIT)


def can_run(actor, contest: Contest) -> bool:
    return can_edit(actor, contest.organization)


def _require_edit(actor, organization: Organization) -> None:
    if not can_edit(actor, organization):
        raise PermissionDenied(_("You may only run the contests and question banks of your organisations."))


def own_member(actor) -> Member | None:
    member_id = getattr(actor, "member_id", None)
    if member_id is None:
        return None
    return Member.objects.select_related("home_org").filter(pk=member_id).first()


def is_eligible(member: Member | None, contest: Contest) -> bool:
    """Members in normal standing whose record is in the contest organisation's subtree."""
    return (
        member is not None
        and member.standing == Standing.NORMAL
        and member.home_org.path.startswith(contest.organization.path)
    )


# Banks


@dataclass
class BankInput:
    organization: Organization
    title: str
    description: str = ""


@transaction.atomic
def create_bank(actor, data: BankInput) -> Bank:
    _require_edit(actor, data.organization)
    bank = Bank(
        organization=data.organization,
        title=data.title.strip(),
        description=data.description.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    bank.full_clean(exclude=["created_by"])
    bank.save()
    changes = audit.created({"organization": bank.organization_id, "title": bank.title})
    audit.record(actor, audit.Action.CREATE, bank, org=bank.organization, changes=changes)
    return bank


@transaction.atomic
def import_questions(actor, bank: Bank, data: bytes, file_name: str = "") -> int:
    """Adds the questions of a spreadsheet to the bank, all of them or, when any row has a problem,
    none (BadRows lists them). A file that cannot be used at all raises ValidationError."""
    _require_edit(actor, bank.organization)
    Bank.objects.select_for_update().filter(pk=bank.pk).first()  # one import into a bank at a time
    existing = set(Question.objects.filter(bank=bank).values_list("text_key", flat=True))
    try:
        parsed, errors = importing.parse(data, existing)
    except ImportRefused as refused:
        raise ValidationError(refused.message) from None
    if errors:
        raise BadRows(errors)
    start = (
        Question.objects.filter(bank=bank).order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    questions = [
        Question(
            bank=bank,
            kind=item.kind,
            text=item.text,
            text_key=item.key,
            options=item.options,
            correct=item.correct,
            explanation=item.explanation,
            position=start + number,
        )
        for number, item in enumerate(parsed)
    ]
    try:
        with transaction.atomic():
            Question.objects.bulk_create(questions)
    except IntegrityError:
        raise ValidationError(_("Someone added the same questions at the same moment. Reload the bank.")) from None
    _tag(questions, parsed)
    kinds = {kind: sum(item.kind == kind for item in parsed) for kind in QuestionKind.values}
    audit.record(
        actor,
        audit.Action.IMPORT,
        bank,
        org=bank.organization,
        changes={"questions": len(questions), "kinds": kinds, "file": file_name[:200]},
    )
    return len(questions)


def _tag(questions: list[Question], parsed: list[importing.ParsedQuestion]) -> None:
    names = {name for item in parsed for name in item.tags}
    if not names:
        return
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    tags = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    through = Question.tags.through
    rows = [
        through(question_id=question.pk, tag_id=tags[name])
        for question, item in zip(questions, parsed, strict=True)
        for name in item.tags
    ]
    through.objects.bulk_create(rows)


# Contests


@dataclass
class ContestInput:
    organization: Organization
    title: str
    banks: list[Bank]
    question_count: int
    time_limit_minutes: int
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    description: str = ""
    max_attempts: int = 1
    show_ranking: bool = False


DRAW_FIELDS = ("organization", "question_count", "time_limit_minutes", "opens_at", "banks")


def _state(contest: Contest, banks: list[Bank] | None = None) -> dict:
    banks = banks if banks is not None else list(contest.banks.all())
    return {
        "organization": contest.organization_id,
        "title": contest.title,
        "description": contest.description,
        "banks": sorted(bank.pk for bank in banks),
        "question_count": contest.question_count,
        "time_limit_minutes": contest.time_limit_minutes,
        "opens_at": contest.opens_at.isoformat(),
        "closes_at": contest.closes_at.isoformat(),
        "max_attempts": contest.max_attempts,
        "show_ranking": contest.show_ranking,
    }


def _check(data: ContestInput) -> None:
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = [_("Give the contest a title.")]
    if data.closes_at <= data.opens_at:
        errors["closes_at"] = [_("The contest must close after it opens.")]
    if not 1 <= data.time_limit_minutes <= MAX_TIME_LIMIT_MINUTES:
        errors["time_limit_minutes"] = [
            _("The time limit lies between 1 and %(limit)s minutes.") % {"limit": MAX_TIME_LIMIT_MINUTES}
        ]
    if not 1 <= data.max_attempts <= MAX_ATTEMPTS:
        errors["max_attempts"] = [_("Allow between 1 and %(limit)s attempts.") % {"limit": MAX_ATTEMPTS}]
    lineage = set(data.organization.lineage_paths)
    if not data.banks:
        errors["banks"] = [_("Choose at least one question bank.")]
    outside = [bank.title for bank in data.banks if bank.organization.path not in lineage]
    if outside:
        errors["banks"] = [
            _(
                "A contest draws from the banks of its organisation and of the organisations above it; "
                "“%(bank)s” is not one of them."
            )
            % {"bank": outside[0]}
        ]
    available = Question.objects.filter(bank__in=data.banks).count() if data.banks else 0
    if not 1 <= data.question_count <= MAX_QUESTIONS_PER_ATTEMPT:
        errors["question_count"] = [
            _("An attempt has between 1 and %(limit)s questions.") % {"limit": MAX_QUESTIONS_PER_ATTEMPT}
        ]
    elif data.banks and not outside and data.question_count > available:
        errors["question_count"] = [
            ngettext(
                "The banks chosen hold %(count)s question only.",
                "The banks chosen hold %(count)s questions only.",
                available,
            )
            % {"count": available}
        ]
    if errors:
        raise ValidationError(errors)


def _apply(contest: Contest, data: ContestInput) -> None:
    contest.organization = data.organization
    contest.title = data.title.strip()
    contest.description = data.description.strip()
    contest.question_count = data.question_count
    contest.time_limit_minutes = data.time_limit_minutes
    contest.opens_at = data.opens_at
    contest.closes_at = data.closes_at
    contest.max_attempts = data.max_attempts
    contest.show_ranking = data.show_ranking
    contest.full_clean(exclude=["created_by", "banks"])


@transaction.atomic
def create_contest(actor, data: ContestInput) -> Contest:
    _require_edit(actor, data.organization)
    _check(data)
    contest = Contest(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _apply(contest, data)
    contest.save()
    contest.banks.set(data.banks)
    changes = audit.created(_state(contest, data.banks))
    audit.record(actor, audit.Action.CREATE, contest, org=contest.organization, changes=changes)
    return contest


@transaction.atomic
def update_contest(actor, contest: Contest, data: ContestInput) -> Contest:
    """Once someone has started it, its questions, time limit, opening and organisation stay."""
    _require_edit(actor, contest.organization)
    _require_edit(actor, data.organization)
    contest = Contest.objects.select_for_update().select_related("organization").get(pk=contest.pk)
    before = _state(contest)
    _check(data)
    after_banks = sorted(bank.pk for bank in data.banks)
    if contest.attempts.exists():
        proposed = {
            "organization": data.organization.pk,
            "question_count": data.question_count,
            "time_limit_minutes": data.time_limit_minutes,
            "opens_at": data.opens_at.isoformat(),
            "banks": after_banks,
        }
        if any(before[name] != proposed[name] for name in DRAW_FIELDS):
            raise ValidationError(
                _(
                    "Members have started this contest: its organisation, question banks, number of questions, "
                    "time limit and opening can no longer change."
                )
            )
        used = contest.attempts.order_by("-number").values_list("number", flat=True).first() or 0
        if data.max_attempts < used:
            raise ValidationError(
                {"max_attempts": [_("A member has made %(count)s attempts already.") % {"count": used}]}
            )
    _apply(contest, data)
    contest.save()
    contest.banks.set(data.banks)
    changes = audit.diff(before, _state(contest, data.banks))
    audit.record(actor, audit.Action.UPDATE, contest, org=contest.organization, changes=changes)
    return contest


@transaction.atomic
def set_ranking(actor, contest: Contest, show: bool) -> Contest:
    """Rankings are off unless the organising organisation turns them on, contest by contest."""
    _require_edit(actor, contest.organization)
    before = contest.show_ranking
    Contest.objects.filter(pk=contest.pk).update(show_ranking=show)
    contest.show_ranking = show
    if before != show:
        audit.record(
            actor, audit.Action.UPDATE, contest, org=contest.organization, changes={"show_ranking": [before, show]}
        )
    return contest


# Attempts


def _require_own(actor, attempt: Attempt) -> None:
    if getattr(actor, "member_id", None) is None or attempt.member_id != actor.member_id:
        raise PermissionDenied(_("This is not your attempt."))


def late_message(attempt: Attempt) -> str:
    return _(
        "The time was up at %(deadline)s: answers sent after it are not accepted. The answers saved before then count."
    ) % {"deadline": _when(attempt.deadline)}


@transaction.atomic
def start_attempt(
    actor, contest: Contest, now: datetime.datetime | None = None, rng: random.Random | None = None
) -> Attempt:
    """Draws the questions of a new attempt at random and fixes its deadline; an attempt still
    under way is returned as it is (a reloaded page, a second tap)."""
    now = _now(now)
    member = own_member(actor)
    if not is_eligible(member, contest):
        raise PermissionDenied(_("This contest is for the members of %(org)s.") % {"org": contest.organization.name})
    if now < contest.opens_at:
        raise ValidationError(_("The contest opens at %(when)s.") % {"when": _when(contest.opens_at)})
    if now >= contest.closes_at:
        raise ValidationError(_("The contest closed at %(when)s.") % {"when": _when(contest.closes_at)})
    Member.objects.select_for_update().filter(pk=member.pk).first()  # one start per member at a time
    attempts = list(Attempt.objects.filter(contest=contest, member=member).order_by("number"))
    for attempt in attempts:
        if attempt.accepts_answers(now):
            return attempt
        if not attempt.is_submitted:
            _finish(attempt, now, timed_out=True)
            _record_finish(actor, attempt, expired=True)
    if len(attempts) >= contest.max_attempts:
        raise ValidationError(
            ngettext(
                "You have taken this contest already: it allows %(count)s attempt.",
                "You have taken this contest already: it allows %(count)s attempts.",
                contest.max_attempts,
            )
            % {"count": contest.max_attempts}
        )
    pool = list(Question.objects.filter(bank__in=contest.banks.all()).values_list("pk", flat=True).distinct())
    if len(pool) < contest.question_count:
        raise ValidationError(_("The contest's question banks hold too few questions. Tell its organisers."))
    drawn = (rng or secrets.SystemRandom()).sample(sorted(pool), contest.question_count)
    attempt = Attempt(
        contest=contest,
        member=member,
        organization=member.home_org,
        number=len(attempts) + 1,
        started_at=now,
        deadline=min(now + contest.time_limit, contest.closes_at),
        total=len(drawn),
    )
    try:
        with transaction.atomic():
            attempt.save()
    except IntegrityError:
        raise ValidationError(_("You have started this contest in another window. Reload the page.")) from None
    Answer.objects.bulk_create(
        Answer(attempt=attempt, question_id=pk, position=position) for position, pk in enumerate(drawn, start=1)
    )
    changes = {
        "contest": contest.pk,
        "number": attempt.number,
        "questions": attempt.total,
        "deadline": attempt.deadline.isoformat(),
    }
    audit.record(actor, audit.Action.CREATE, attempt, org=attempt.organization, changes=changes)
    return attempt


def _clean_choice(question: Question, chosen: str | list[str]) -> str:
    letters = "".join(chosen) if isinstance(chosen, list | tuple) else str(chosen or "")
    letters = "".join(sorted(set(letters.strip().upper())))
    if not set(letters) <= question.allowed():
        raise ValidationError(_("That is not one of the question's options."))
    if question.kind != QuestionKind.MULTIPLE and len(letters) > 1:
        raise ValidationError(_("This question has one answer."))
    return letters


def _locked(attempt: Attempt) -> Attempt:
    return Attempt.objects.select_for_update().select_related("contest", "organization").get(pk=attempt.pk)


@transaction.atomic
def save_answer(
    actor, attempt: Attempt, question_id: int, chosen: str | list[str], now: datetime.datetime | None = None
) -> Answer:
    """The member's choice for one question, kept as it is made; refused after the deadline."""
    now = _now(now)
    _require_own(actor, attempt)
    fresh = _locked(attempt)
    if fresh.is_submitted:
        raise ValidationError(_("You have submitted this attempt already."))
    if not fresh.accepts_answers(now):
        raise ValidationError(late_message(fresh))
    answer = Answer.objects.select_related("question").filter(attempt=fresh, question_id=question_id).first()
    if answer is None:
        raise ValidationError(_("That question is not part of your attempt."))
    answer.chosen = _clean_choice(answer.question, chosen)
    answer.answered_at = now
    answer.save(update_fields=["chosen", "answered_at"])
    return answer


@transaction.atomic
def submit(
    actor, attempt: Attempt, answers: dict[int, str | list[str]] | None = None, now: datetime.datetime | None = None
) -> Attempt:
    """Hands the attempt in and scores it. Answers given here replace the saved ones; a question not
    given keeps its saved choice. After the deadline (and its grace) nothing is accepted: the
    caller may then close the attempt with `close_expired`, which scores the saved answers."""
    now = _now(now)
    _require_own(actor, attempt)
    fresh = _locked(attempt)
    if fresh.is_submitted:
        raise ValidationError(_("You have submitted this attempt already."))
    if now < fresh.started_at:
        raise ValueError("`now` lies before the attempt started")
    if not fresh.accepts_answers(now):
        raise ValidationError(late_message(fresh))
    rows = {row.question_id: row for row in Answer.objects.filter(attempt=fresh).select_related("question")}
    for question_id, chosen in (answers or {}).items():
        row = rows.get(int(question_id))
        if row is None:
            raise ValidationError(_("That question is not part of your attempt."))
        cleaned = _clean_choice(row.question, chosen)
        if cleaned != row.chosen:
            row.chosen, row.answered_at = cleaned, now
    _finish(fresh, now, timed_out=False, rows=list(rows.values()))
    _record_finish(actor, fresh, expired=False)
    attempt.refresh_from_db()
    return attempt


@transaction.atomic
def close_expired(actor, attempt: Attempt, now: datetime.datetime | None = None) -> bool:
    """An attempt whose time is up is scored with the answers saved before the deadline. True if it
    was closed now."""
    now = _now(now)
    fresh = _locked(attempt)
    if fresh.is_submitted or fresh.accepts_answers(now):
        return False
    if not (
        getattr(actor, "member_id", None) == fresh.member_id or actor.scope.is_platform or can_run(actor, fresh.contest)
    ):
        raise PermissionDenied(_("This is not your attempt."))
    _finish(fresh, now, timed_out=True)
    _record_finish(actor, fresh, expired=True)
    attempt.refresh_from_db()
    return True


@transaction.atomic
def close_all_expired(actor, now: datetime.datetime | None = None) -> int:
    """Every attempt whose time is up, scored with its saved answers (the periodic job)."""
    now = _now(now)
    if not actor.scope.is_platform:
        raise PermissionDenied
    due = (
        Attempt.objects.select_for_update()
        .select_related("contest", "organization")
        .filter(submitted_at=None, deadline__lt=now - SUBMIT_GRACE)
        .order_by("pk")
    )
    closed = 0
    for attempt in due:
        _finish(attempt, now, timed_out=True)
        _record_finish(actor, attempt, expired=True)
        closed += 1
    return closed


def _finish(attempt: Attempt, now: datetime.datetime, timed_out: bool, rows: list[Answer] | None = None) -> None:
    """Scores the attempt and marks it submitted; it becomes the member's best if it beats the
    previous best (a tie keeps the earlier one)."""
    if rows is None:
        rows = list(Answer.objects.filter(attempt=attempt).select_related("question"))
    for row in rows:
        row.is_correct = row.question.is_right(row.chosen)
    Answer.objects.bulk_update(rows, ["chosen", "answered_at", "is_correct"])
    ended = attempt.deadline if timed_out else min(now, attempt.deadline)
    attempt.score = sum(row.is_correct for row in rows)
    attempt.submitted_at = attempt.deadline if timed_out else now
    attempt.timed_out = timed_out
    attempt.seconds_taken = max(0, int((ended - attempt.started_at).total_seconds()))
    best = (
        Attempt.objects.filter(contest_id=attempt.contest_id, member_id=attempt.member_id, is_best=True)
        .exclude(pk=attempt.pk)
        .first()
    )
    attempt.is_best = best is None or attempt.score > best.score
    if attempt.is_best and best is not None:
        Attempt.objects.filter(pk=best.pk).update(is_best=False)
    attempt.save(update_fields=["score", "submitted_at", "timed_out", "seconds_taken", "is_best"])


def _record_finish(actor, attempt: Attempt, expired: bool) -> None:
    given = Answer.objects.filter(attempt=attempt).order_by("position").values_list("position", "chosen")
    changes = {
        "submitted_at": [None, attempt.submitted_at.isoformat()],
        "score": [None, attempt.score],
        "total": attempt.total,
        "answers": {str(position): chosen for position, chosen in given},
    }
    if expired:
        changes["timed_out"] = [False, True]
    audit.record(actor, audit.Action.UPDATE, attempt, org=attempt.organization_id, changes=changes)
    # The contest, not the attempt, is the source: a second attempt earns nothing more.
    points.award_many([attempt.member_id], PointKind.CONTEST_TAKEN, attempt.contest, at=attempt.submitted_at)
