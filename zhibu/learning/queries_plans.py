"""Reads of learning plans and their completion, always from the actor's scope.

A plan's group: the members in normal standing whose record (home organisation) lies in the target
organisation's subtree, narrowed by work role, occupation and the mobile mark when the plan sets
them. Its lessons: those of its courses that are still published. Completion counts lessons
finished (`Progress.completed_at`), never minutes online; a member has finished the plan when they
have finished each of its lessons.

The figures are aggregate queries whose number does not depend on the members: the members who
finished the plan, or began it, are an uncorrelated `IN (… GROUP BY member HAVING …)` subquery the
database evaluates once, and each grouping (child organisation, work role) is one GROUP BY.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from zhibu.core.scope import Capability
from zhibu.learning.models import Lesson, Plan, PlanCourse, Progress
from zhibu.registry.choices import Standing, WorkRole
from zhibu.registry.models import Member, Organization


def plans(actor) -> QuerySet[Plan]:
    """The plans of the organisations the actor reads."""
    if not actor.scope.can(Capability.VIEW):
        return Plan.objects.none()
    return Plan.objects.filter(actor.scope.q("organization__path", Capability.VIEW)).select_related(
        "organization", "target_org", "occupation"
    )


def group_q(plan: Plan, prefix: str = "") -> Q:
    """The plan's group as a condition on Member (`prefix`: the path to Member, e.g. "member__")."""
    condition = Q(**{f"{prefix}home_org__path__startswith": plan.target_org.path, f"{prefix}standing": Standing.NORMAL})
    if plan.work_role:
        condition &= Q(**{f"{prefix}work_role": plan.work_role})
    if plan.occupation_id:
        condition &= Q(**{f"{prefix}occupation_id": plan.occupation_id})
    if plan.mobile_only:
        condition &= Q(**{f"{prefix}is_mobile": True})
    return condition


def group_description(plan: Plan) -> str:
    """ "Members of X · Front-line staff · 快递员 · mobile members only", in the active language."""
    parts = [_("Members of %(organization)s") % {"organization": plan.target_org.name}]
    if plan.work_role:
        parts.append(str(WorkRole(plan.work_role).label))
    if plan.occupation_id:
        parts.append(plan.occupation.name)
    if plan.mobile_only:
        parts.append(_("mobile members only"))
    return " · ".join(parts)


def group(plan: Plan) -> QuerySet[Member]:
    return Member.objects.filter(group_q(plan))


def lessons(plan: Plan) -> QuerySet[Lesson]:
    """The lessons of the plan's published courses."""
    courses = PlanCourse.objects.filter(plan=plan, course__is_published=True).values("course")
    return Lesson.objects.filter(chapter__course__in=courses)


def lesson_total(plan: Plan) -> int:
    return lessons(plan).count()


def _finished_rows(plan: Plan) -> QuerySet[Progress]:
    return Progress.objects.filter(completed_at__isnull=False, lesson__in=lessons(plan).values("pk")).filter(
        group_q(plan, "member__")
    )


def _members_with(plan: Plan, at_least: int) -> QuerySet:
    """The ids of the group's members who finished at least this many of the plan's lessons."""
    return (
        _finished_rows(plan)
        .order_by()
        .values("member_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=at_least)
        .values("member_id")
    )


def finished_members(plan: Plan, total: int) -> QuerySet:
    """Ids of the members who finished every lesson of the plan (none while it has no lesson)."""
    if total <= 0:
        return Member.objects.none().values("pk")
    return _members_with(plan, total)


def begun_members(plan: Plan) -> QuerySet:
    """Ids of the members who finished at least one lesson of the plan."""
    return _members_with(plan, 1)


@dataclass
class Figures:
    members: int = 0
    finished: int = 0  # finished every lesson
    begun: int = 0  # finished at least one lesson (the finished included)
    lessons_done: int = 0
    lesson_total: int = 0

    @property
    def under_way(self) -> int:
        return self.begun - self.finished

    @property
    def not_started(self) -> int:
        return self.members - self.begun

    @property
    def percent(self) -> int | None:
        """The share of the group's lessons finished (members × lessons)."""
        possible = self.members * self.lesson_total
        if not possible:
            return None
        return min(100, round(100 * self.lessons_done / possible))

    @property
    def finished_percent(self) -> int | None:
        if not self.members:
            return None
        return round(100 * self.finished / self.members)

    def add(self, other: "Figures") -> None:
        self.members += other.members
        self.finished += other.finished
        self.begun += other.begun
        self.lessons_done += other.lessons_done


@dataclass
class Part:
    key: str
    label: str
    figures: Figures
    organization: Organization | None = None
    own: bool = False  # the target organisation's own members


@dataclass
class Completion:
    plan: Plan
    figures: Figures
    by_organization: list[Part] = field(default_factory=list)
    by_role: list[Part] = field(default_factory=list)


def _grouped(plan: Plan, total: int, key_members, key_progress) -> dict[str, Figures]:
    """Figures per value of a grouping expression: two GROUP BY queries."""
    found: dict[str, Figures] = {}
    rows = (
        group(plan)
        .order_by()
        .annotate(key=key_members)
        .values("key")
        .annotate(
            n=Count("pk"),
            finished=Count("pk", filter=Q(pk__in=finished_members(plan, total))),
            begun=Count("pk", filter=Q(pk__in=begun_members(plan))),
        )
    )
    for row in rows:
        found[row["key"]] = Figures(row["n"], row["finished"], row["begun"], 0, total)
    done = _finished_rows(plan).order_by().annotate(key=key_progress).values("key").annotate(n=Count("pk"))
    for row in done:
        found.setdefault(row["key"], Figures(lesson_total=total)).lessons_done = row["n"]
    return found


def completion(plan: Plan) -> Completion:
    """The plan's figures, per child organisation of the target (and its own members) and per work
    role: six queries however many members, organisations and lessons."""
    total = lesson_total(plan)
    target = plan.target_org
    length = len(target.path) + Organization.steplen
    per_prefix = _grouped(plan, total, Substr("home_org__path", 1, length), Substr("member__home_org__path", 1, length))
    children = Organization.objects.filter(path__startswith=target.path, depth=target.depth + 1).order_by("path")
    by_organization = []
    if target.path in per_prefix:
        by_organization.append(Part(target.path, target.name, per_prefix[target.path], target, own=True))
    for child in children:
        by_organization.append(
            Part(child.path, child.name, per_prefix.get(child.path, Figures(lesson_total=total)), child)
        )
    per_role = _grouped(plan, total, F("work_role"), F("member__work_role"))
    roles = [WorkRole(plan.work_role)] if plan.work_role else list(WorkRole)
    by_role = [Part(role.value, role.label, per_role.get(role.value, Figures(lesson_total=total))) for role in roles]
    if not plan.work_role and "" in per_role:
        by_role.append(Part("", "", per_role[""]))
    figures = Figures(lesson_total=total)
    for part in per_prefix.values():
        figures.add(part)
    return Completion(plan, figures, by_organization, by_role)


def summaries(page_plans: list[Plan]) -> dict[int, Figures]:
    """Members and members who finished, for each plan of a page: two queries however many plans
    (the plans' figures are one UNION)."""
    plan_ids = [plan.pk for plan in page_plans]
    totals = dict(
        PlanCourse.objects.filter(plan_id__in=plan_ids, course__is_published=True)
        .order_by()
        .values_list("plan_id")
        .annotate(n=Count("course__chapters__lessons"))
    )
    found = {plan.pk: Figures(lesson_total=totals.get(plan.pk, 0)) for plan in page_plans}
    selects = [
        group(plan)
        .order_by()
        .annotate(plan_id=Value(plan.pk, output_field=IntegerField()))
        .values("plan_id")
        .annotate(
            n=Count("pk"),
            finished=Count("pk", filter=Q(pk__in=finished_members(plan, found[plan.pk].lesson_total))),
        )
        .values_list("plan_id", "n", "finished")
        for plan in page_plans
    ]
    if not selects:
        return found
    rows = selects[0].union(*selects[1:], all=True) if len(selects) > 1 else selects[0]
    for plan_id, members, finished in rows:
        found[plan_id].members, found[plan_id].finished = members, finished
    return found


def member_rows(plan: Plan, total: int, unfinished_only: bool = False) -> QuerySet[Member]:
    """The group's members, each with `done` (lessons of the plan finished) and `last_studied`,
    in organisation and name order; a page of it costs one query."""
    plan_lessons = lessons(plan).values("pk")
    done = (
        Progress.objects.filter(member=OuterRef("pk"), completed_at__isnull=False, lesson__in=plan_lessons)
        .order_by()
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last = (
        Progress.objects.filter(member=OuterRef("pk"), lesson__in=plan_lessons)
        .order_by()
        .values("member")
        .annotate(at=Max("reported_at"))
        .values("at")
    )
    rows = group(plan)
    if unfinished_only:
        rows = rows.exclude(pk__in=finished_members(plan, total))
    return (
        rows.select_related("home_org")
        .annotate(done=Coalesce(Subquery(done, output_field=IntegerField()), Value(0)), last_studied=Subquery(last))
        .order_by("home_org__path", "name_pinyin", "pk")
    )


# The member's side


def member_plans(member: Member | None) -> QuerySet[Plan]:
    """Every plan whose group holds the member, whenever it runs."""
    if member is None or member.standing != Standing.NORMAL:
        return Plan.objects.none()
    condition = Q(target_org__path__in=member.home_org.lineage_paths)
    condition &= Q(work_role="") | Q(work_role=member.work_role)
    condition &= Q(occupation=None) | Q(occupation_id=member.occupation_id)
    if not member.is_mobile:
        condition &= Q(mobile_only=False)
    return Plan.objects.filter(condition).select_related("organization")


def plans_for_member(member: Member | None, today: datetime.date | None = None) -> QuerySet[Plan]:
    """The member's current plans: begun, the earliest due first."""
    today = today or timezone.localdate()
    return member_plans(member).filter(starts_on__lte=today).order_by("due_on", "pk")


@dataclass
class CourseProgress:
    course: object
    done: int
    total: int
    next_lesson: Lesson | None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class MyPlan:
    plan: Plan
    courses: list[CourseProgress]
    done: int
    total: int
    next_lesson: Lesson | None
    overdue: bool

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.total > 0 and self.done >= self.total


def my_plans(member: Member | None, today: datetime.date | None = None) -> list[MyPlan]:
    """The member's current plans with their progress per course and the next lesson to study:
    four queries however many plans, courses and lessons."""
    today = today or timezone.localdate()
    found = list(plans_for_member(member, today))
    if not found:
        return []
    links = list(
        PlanCourse.objects.filter(plan__in=[plan.pk for plan in found], course__is_published=True)
        .select_related("course")
        .order_by("plan", "position", "id")
    )
    course_ids = {link.course_id for link in links}
    ordered = list(
        Lesson.objects.filter(chapter__course__in=course_ids)
        .select_related("chapter")
        .order_by("chapter__course", "chapter__position", "chapter_id", "position", "id")
    )
    finished = set(
        Progress.objects.filter(
            member=member, completed_at__isnull=False, lesson__in=[lesson.pk for lesson in ordered]
        ).values_list("lesson_id", flat=True)
    )
    by_course: dict[int, list[Lesson]] = {}
    for lesson in ordered:
        by_course.setdefault(lesson.chapter.course_id, []).append(lesson)
    per_plan: dict[int, list[CourseProgress]] = {}
    for link in links:
        course_lessons = by_course.get(link.course_id, [])
        following = next((lesson for lesson in course_lessons if lesson.pk not in finished), None)
        done = sum(lesson.pk in finished for lesson in course_lessons)
        per_plan.setdefault(link.plan_id, []).append(CourseProgress(link.course, done, len(course_lessons), following))
    result = []
    for plan in found:
        courses = per_plan.get(plan.pk, [])
        done, total = sum(item.done for item in courses), sum(item.total for item in courses)
        following = next((item.next_lesson for item in courses if item.next_lesson is not None), None)
        result.append(MyPlan(plan, courses, done, total, following, overdue=plan.due_on < today and done < total))
    return result
