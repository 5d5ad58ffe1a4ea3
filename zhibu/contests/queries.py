"""Reads of banks, contests and attempts, always through the actor's scope.

Organisers see the banks and contests of the organisations they read, and those of the
organisations above them (a committee's contest reaches a branch's members, and its bank may be
drawn from by the branch). A member sees the contests of their home organisation and of the
organisations above it, and only their own attempts.

The results count each member's best submitted attempt (`Attempt.is_best`), rolled up by the
home organisation the member had when they started.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, Substr

from zhibu.contests.models import Answer, Attempt, Bank, Contest, Question
from zhibu.core.scope import Capability
from zhibu.registry.choices import Standing
from zhibu.registry.models import Member, Organization

# Score bands of the distribution: (label, lowest percent, first percent above).
BANDS = (("0–59", 0, 60), ("60–69", 60, 70), ("70–79", 70, 80), ("80–89", 80, 90), ("90–100", 90, 101))
RANKING_SIZE = 20


def _lineages(prefixes) -> set[str]:
    """The paths of the organisations above each prefix (the prefix itself included)."""
    step = Organization.steplen
    return {prefix[:end] for prefix in prefixes for end in range(step, len(prefix) + 1, step)}


def _reaching(scope, capability: str) -> Q:
    if scope.is_platform:
        return Q()
    prefixes = scope.prefixes(capability)
    return scope.q("organization__path", capability) | Q(organization__path__in=sorted(_lineages(prefixes)))


def banks(actor) -> QuerySet[Bank]:
    """Banks the actor reads, and those of the organisations above the ones they edit (which their
    contests may draw from)."""
    scope = actor.scope
    visible = scope.q("organization__path", Capability.VIEW)
    if not scope.is_platform:
        visible |= Q(organization__path__in=sorted(_lineages(scope.prefixes(Capability.EDIT))))
    return Bank.objects.filter(visible).select_related("organization")


def usable_banks(actor) -> QuerySet[Bank]:
    """Banks a contest of an organisation the actor edits may draw from."""
    scope = actor.scope
    if scope.is_platform:
        return Bank.objects.select_related("organization")
    prefixes = scope.prefixes(Capability.EDIT)
    return Bank.objects.filter(
        scope.q("organization__path", Capability.EDIT) | Q(organization__path__in=sorted(_lineages(prefixes)))
    ).select_related("organization")


def contests(actor) -> QuerySet[Contest]:
    """Contests of the organisations the actor reads, and of those above them."""
    return Contest.objects.filter(_reaching(actor.scope, Capability.VIEW)).select_related("organization")


def member_contests(member: Member | None) -> QuerySet[Contest]:
    """The contests a member may take: those of their home organisation and of the ones above it."""
    if member is None:
        return Contest.objects.none()
    return Contest.objects.filter(organization__path__in=member.home_org.lineage_paths).select_related("organization")


def own_attempts(member: Member | None) -> QuerySet[Attempt]:
    if member is None:
        return Attempt.objects.none()
    return Attempt.objects.filter(member=member).select_related("contest__organization")


def participants(contest_ids: list[int]) -> dict[int, int]:
    """Members who have handed in an attempt, per contest, in one query."""
    rows = (
        Attempt.objects.filter(contest_id__in=contest_ids, is_best=True)
        .order_by()
        .values_list("contest_id")
        .annotate(n=Count("pk"))
    )
    return {pk: 0 for pk in contest_ids} | dict(rows)


def question_counts(bank_ids: list[int]) -> dict[int, int]:
    rows = Question.objects.filter(bank_id__in=bank_ids).order_by().values_list("bank_id").annotate(n=Count("pk"))
    return {pk: 0 for pk in bank_ids} | dict(rows)


# Results


def rollup_parent(actor, contest: Contest) -> Organization | None:
    """Results roll up below the contest's organisation, or below the top of the actor's scope
    inside it when the actor reads only part of it (None: the actor reads none of it)."""
    if actor.scope.covers(contest.organization.path, Capability.VIEW):
        return contest.organization
    inside = [path for path in actor.scope.prefixes(Capability.VIEW) if path.startswith(contest.organization.path)]
    return Organization.objects.filter(path__in=inside).order_by("path").first()


def _percent():
    return Cast("score", FloatField()) * 100.0 / Cast("total", FloatField())


@dataclass
class Figures:
    participants: int = 0
    eligible: int = 0
    average_percent: float | None = None
    average_score: float | None = None
    full_marks: int = 0

    @property
    def participation(self) -> int | None:
        """Share of the eligible members who took part (members who joined since may make it exceed them)."""
        if not self.eligible:
            return None
        return min(100, round(100 * self.participants / self.eligible))


@dataclass
class Part:
    organization: Organization
    figures: Figures
    own: bool = False


@dataclass
class Results:
    organization: Organization
    figures: Figures
    bands: list[tuple[str, int]]
    parts: list[Part] = field(default_factory=list)


def best_attempts(contest: Contest, organization: Organization) -> QuerySet[Attempt]:
    """Each member's counted attempt, of the members who were in the organisation's subtree."""
    return Attempt.objects.filter(contest=contest, is_best=True, organization__path__startswith=organization.path)


def _eligible(organization: Organization) -> QuerySet[Member]:
    return Member.objects.filter(home_org__path__startswith=organization.path, standing=Standing.NORMAL)


def results(
    contest: Contest, organization: Organization, children: list[Organization], with_parts: bool = True
) -> Results:
    """Figures of the organisation's subtree, the score distribution, and the same figures for each
    child organisation (and the organisation's own members): four queries however many rows."""
    found = best_attempts(contest, organization).order_by()
    band_counts = {
        label: Count("pk", filter=Q(points__gte=F("total") * low, points__lt=F("total") * high))
        for label, low, high in BANDS
    }
    totals = found.annotate(points=F("score") * 100).aggregate(
        n=Count("pk"),
        average=Avg(_percent()),
        mean_score=Avg("score"),
        full=Count("pk", filter=Q(score=F("total"))),
        **{f"band{index}": expression for index, expression in enumerate(band_counts.values())},
    )
    figures = Figures(
        participants=totals["n"],
        eligible=_eligible(organization).count(),
        average_percent=totals["average"],
        average_score=totals["mean_score"],
        full_marks=totals["full"],
    )
    bands = [(label, totals[f"band{index}"]) for index, (label, _low, _high) in enumerate(BANDS)]
    return Results(organization, figures, bands, _parts(found, organization, children) if with_parts else [])


def _parts(found: QuerySet[Attempt], organization: Organization, children: list[Organization]) -> list[Part]:
    length = len(organization.path) + Organization.steplen
    taken = {
        row["prefix"]: row
        for row in found.annotate(prefix=Substr("organization__path", 1, length))
        .values("prefix")
        .annotate(
            n=Count("pk"),
            average=Avg(_percent()),
            mean_score=Avg("score"),
            full=Count("pk", filter=Q(score=F("total"))),
        )
    }
    eligible = dict(
        _eligible(organization)
        .order_by()
        .annotate(prefix=Substr("home_org__path", 1, length))
        .values_list("prefix")
        .annotate(n=Count("pk"))
    )
    by_path = {child.path: child for child in children} | {organization.path: organization}
    parts = []
    for prefix in sorted(set(taken) | set(eligible)):
        if prefix not in by_path:
            continue  # outside the actor's scope
        row = taken.get(prefix, {})
        figures = Figures(
            participants=row.get("n", 0),
            eligible=eligible.get(prefix, 0),
            average_percent=row.get("average"),
            average_score=row.get("mean_score"),
            full_marks=row.get("full", 0),
        )
        parts.append(Part(by_path[prefix], figures, own=prefix == organization.path))
    return parts


@dataclass
class Place:
    rank: int
    attempt: Attempt


def ranking(contest: Contest, organization: Organization | None = None, size: int = RANKING_SIZE) -> list[Place] | None:
    """The leaderboard, or None when the organisation has not turned rankings on for this contest:
    the best score first, then the quicker, then the earlier. Equal score and time share a rank."""
    if not contest.show_ranking:
        return None
    found = Attempt.objects.filter(contest=contest, is_best=True)
    if organization is not None:
        found = found.filter(organization__path__startswith=organization.path)
    rows = list(
        found.select_related("member", "organization").order_by("-score", "seconds_taken", "submitted_at", "pk")[:size]
    )
    return _ranked(rows)


def _ranked(rows: list[Attempt], first_rank: int = 1) -> list[Place]:
    places, previous = [], None
    for index, attempt in enumerate(rows):
        key = (attempt.score, attempt.seconds_taken)
        rank = places[-1].rank if previous == key else first_rank + index
        places.append(Place(rank, attempt))
        previous = key
    return places


def rank_of(attempt: Attempt) -> int | None:
    """The rank of a member's counted attempt, when rankings are on."""
    if not attempt.contest.show_ranking or not attempt.is_best:
        return None
    ahead = Attempt.objects.filter(contest_id=attempt.contest_id, is_best=True).filter(
        Q(score__gt=attempt.score) | Q(score=attempt.score, seconds_taken__lt=attempt.seconds_taken)
    )
    return ahead.count() + 1


# A member's own attempt


def attempt_questions(attempt: Attempt) -> list[Answer]:
    return list(Answer.objects.filter(attempt=attempt).select_related("question").order_by("position"))


@dataclass
class MyContest:
    """A contest on the member's list, with their attempts at it."""

    contest: Contest
    attempts: int = 0
    best: Attempt | None = None
    in_progress: Attempt | None = None


def my_contests(member: Member | None, now: datetime.datetime) -> dict[str, list[MyContest]]:
    """The member's contests: open, coming, and taken (with the best result), in two queries."""
    if member is None:
        return {"open": [], "upcoming": [], "taken": []}
    listed = list(
        member_contests(member).filter(closes_at__gt=now - datetime.timedelta(days=365)).order_by("closes_at", "pk")
    )
    attempts = Attempt.objects.filter(member=member, contest__in=[contest.pk for contest in listed]).order_by("number")
    by_contest: dict[int, MyContest] = {contest.pk: MyContest(contest) for contest in listed}
    for attempt in attempts:
        standing = by_contest[attempt.contest_id]
        standing.attempts = max(standing.attempts, attempt.number)
        if attempt.is_best:
            standing.best = attempt
        if attempt.accepts_answers(now):
            standing.in_progress = attempt
    found = {"open": [], "upcoming": [], "taken": []}
    for standing in by_contest.values():
        contest = standing.contest
        phase = contest.phase(now)
        may_start = standing.attempts < contest.max_attempts or standing.in_progress is not None
        if phase == "open" and may_start:
            found["open"].append(standing)
        elif phase == "upcoming":
            found["upcoming"].append(standing)
        if standing.best is not None:
            found["taken"].append(standing)
    found["taken"].sort(key=lambda standing: standing.best.submitted_at, reverse=True)
    return found
