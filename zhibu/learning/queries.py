"""Reads of courses, lessons and progress, always from the actor's scope.

Two ways to see a course:
- as a learner: a published course of the platform-wide library (no organisation), or one whose
  organisation is the member's home organisation, one of their activity organisations or above
  (an organisation publishes to its own subtree). Staff without a member record learn as the
  members of the organisations they were granted.
- as a keeper: every course, published or not, of the organisations the actor reads (Capability.VIEW);
  platform administrators also the library's drafts.
"""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from zhibu.core.scope import Capability
from zhibu.learning.models import Chapter, Course, Lesson, LessonAttachment, Progress, Tag
from zhibu.registry.models import Member, Organization


def _lineage(path: str) -> list[str]:
    step = Organization.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def audience_paths(actor) -> list[str]:
    """The organisations whose courses reach the actor as a learner: their own organisations and
    every organisation above them."""
    paths: set[str] = set()
    member_id = getattr(actor, "member_id", None)
    if member_id is not None:
        own = Organization.objects.filter(Q(members__pk=member_id) | Q(activity_members__pk=member_id))
        paths.update(own.values_list("path", flat=True).distinct())
    for prefixes in actor.scope.paths.values():
        paths.update(prefixes)
    return sorted({ancestor for path in paths for ancestor in _lineage(path)})


def _published_to(actor) -> Q:
    if actor.scope.is_platform:
        return Q(is_published=True)
    return Q(is_published=True) & (Q(organization=None) | Q(organization__path__in=audience_paths(actor)))


def _kept_by(actor) -> Q:
    return actor.scope.q("organization__path", Capability.VIEW)


def catalogue(actor) -> QuerySet[Course]:
    """Published courses open to the actor as a learner."""
    return Course.objects.filter(_published_to(actor))


def kept_courses(actor) -> QuerySet[Course]:
    """Every course, published or not, of the organisations the actor reads."""
    if not actor.scope.can(Capability.VIEW):
        return Course.objects.none()
    return Course.objects.filter(_kept_by(actor))


def visible_courses(actor) -> QuerySet[Course]:
    """What the actor may open: the catalogue and the courses they keep."""
    if actor.scope.is_platform:
        return Course.objects.all()  # `Q(is_published=True) | Q()` would keep only the first term
    condition = _published_to(actor)
    if actor.scope.can(Capability.VIEW):
        condition |= _kept_by(actor)
    return Course.objects.filter(condition)


def visible_lessons(actor) -> QuerySet[Lesson]:
    return Lesson.objects.filter(chapter__course__in=visible_courses(actor).values("pk")).select_related(
        "chapter__course__organization"
    )


def learner_lessons(actor) -> QuerySet[Lesson]:
    """Lessons of published courses open to the actor: where progress may be recorded."""
    return Lesson.objects.filter(chapter__course__in=catalogue(actor).values("pk"))


def visible_attachments(actor) -> QuerySet[LessonAttachment]:
    return LessonAttachment.objects.filter(
        lesson__chapter__course__in=visible_courses(actor).values("pk")
    ).select_related("lesson__chapter__course__organization")


def home_org_id(member_id: int) -> int | None:
    return Member.objects.filter(pk=member_id).values_list("home_org_id", flat=True).first()


def tags() -> QuerySet[Tag]:
    return Tag.objects.all()


def with_counts(courses: QuerySet[Course], actor) -> QuerySet[Course]:
    """Each course with `lesson_count` and, for a member, `done_count` (lessons finished): one query
    for the page, however many courses, lessons and members there are; tags in one more."""
    member_id = getattr(actor, "member_id", None)
    lessons = (
        Lesson.objects.filter(chapter__course=OuterRef("pk"))
        .order_by()
        .values("chapter__course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    courses = courses.annotate(lesson_count=Coalesce(Subquery(lessons, output_field=IntegerField()), Value(0)))
    if member_id is not None:
        done = (
            Progress.objects.filter(
                member_id=member_id, completed_at__isnull=False, lesson__chapter__course=OuterRef("pk")
            )
            .order_by()
            .values("lesson__chapter__course")
            .annotate(n=Count("pk"))
            .values("n")
        )
        courses = courses.annotate(done_count=Coalesce(Subquery(done, output_field=IntegerField()), Value(0)))
    else:
        courses = courses.annotate(done_count=Value(0, output_field=IntegerField()))
    return courses.select_related("organization").prefetch_related("tags")


def course_outline(course: Course) -> list[Chapter]:
    """The chapters in order, each with its lessons in order (two queries)."""
    lessons = Lesson.objects.order_by("position", "id")
    return list(course.chapters.order_by("position", "id").prefetch_related(Prefetch("lessons", queryset=lessons)))


def ordered_lessons(course: Course) -> list[Lesson]:
    """The lessons of a course in the order they are studied."""
    return list(
        Lesson.objects.filter(chapter__course=course)
        .select_related("chapter")
        .order_by("chapter__position", "chapter_id", "position", "id")
    )


def own_progress(actor, lessons) -> dict[int, Progress]:
    """The member's progress in these lessons, by lesson id (one query)."""
    member_id = getattr(actor, "member_id", None)
    if member_id is None:
        return {}
    found = Progress.objects.filter(member_id=member_id, lesson__in=[lesson.pk for lesson in lessons])
    return {progress.lesson_id: progress for progress in found}


@dataclass
class Resume:
    progress: Progress
    lesson: Lesson


def recent_progress(actor, limit: int = 5) -> list[Progress]:
    """The member's lessons begun and not finished, the latest first, in courses still open to them."""
    member_id = getattr(actor, "member_id", None)
    if member_id is None:
        return []
    return list(
        Progress.objects.filter(
            member_id=member_id,
            completed_at__isnull=True,
            lesson__chapter__course__in=catalogue(actor).values("pk"),
        )
        .select_related("lesson__chapter__course")
        .order_by("-reported_at", "-pk")[:limit]
    )


def started_courses(actor) -> QuerySet[Course]:
    """Courses open to the member in which they have studied a lesson, with counts."""
    member_id = getattr(actor, "member_id", None)
    if member_id is None:
        return Course.objects.none()
    started = Progress.objects.filter(member_id=member_id).values("lesson__chapter__course")
    return with_counts(catalogue(actor).filter(pk__in=started), actor).order_by("title", "pk")
