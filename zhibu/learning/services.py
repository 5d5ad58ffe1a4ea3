"""Every write of courses, chapters, lessons, attachments and progress: one typed function each,
one transaction, the permission checked, audited.

Who may edit a course: the editors (Capability.EDIT: secretaries, organisation administrators) of
its organisation or above; a course of the platform-wide library (no organisation) only platform
administrators. A member records only their own progress, in lessons of courses published to them.

Progress positions are the member's own listening state, reported every few seconds: they are not
audit events (the trail would hold little else). Completing a lesson is, once.
"""

import datetime
import math
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhibu.core import audit
from zhibu.core.scope import Capability
from zhibu.learning import media, queries
from zhibu.learning.models import (
    Chapter,
    Course,
    Lesson,
    LessonAttachment,
    LessonKind,
    PlanCourse,
    Progress,
    Tag,
)
from zhibu.learning.sanitise import rich_text
from zhibu.points import services as points
from zhibu.points.models import PointKind
from zhibu.registry.models import Organization

EXTENSIONS = {"audio/mpeg": "mp3", "audio/mp4": "m4a", "video/mp4": "mp4", "video/webm": "webm"}
# A lesson with a duration is finished once this share of it has been heard.
COMPLETE_SHARE = 0.95


# Permissions


def may_edit_in(actor, organization: Organization | None) -> bool:
    """May the actor keep courses of this organisation (None: the platform-wide library)?"""
    if organization is None:
        return actor.scope.is_platform
    return actor.scope.covers(organization.path, Capability.EDIT)


def can_edit(actor, course: Course) -> bool:
    return may_edit_in(actor, course.organization)


def may_create(actor) -> bool:
    return actor.scope.can(Capability.EDIT)


def _require_edit(actor, course: Course) -> None:
    if not can_edit(actor, course):
        raise PermissionDenied(_("You may only change the courses of your organisations."))


def _require_organization(actor, organization: Organization | None) -> None:
    if not may_edit_in(actor, organization):
        if organization is None:
            raise PermissionDenied(_("Only platform administrators keep the platform-wide library."))
        raise PermissionDenied(_("You may only keep courses of your organisations."))


def _audit(actor, action: str, obj, course: Course, changes: dict) -> None:
    audit.record(actor, action, obj, org=course.organization_id, changes=changes)


# Courses


@dataclass
class CourseInput:
    organization: Organization | None
    title: str
    summary: str = ""
    tags: list[Tag] = field(default_factory=list)


def _course_state(course: Course, tags=None) -> dict:
    tag_names = sorted(tag.name for tag in (tags if tags is not None else course.tags.all()))
    return {
        "organization": course.organization_id,
        "title": course.title,
        "summary": course.summary,
        "tags": tag_names,
        "is_published": course.is_published,
    }


def _apply_course(course: Course, data: CourseInput) -> None:
    course.organization = data.organization
    course.title = (data.title or "").strip()
    course.summary = (data.summary or "").strip()
    course.full_clean(exclude=["created_by", "tags"])


@transaction.atomic
def create_course(actor, data: CourseInput) -> Course:
    """An unpublished course: members see it once it is published."""
    _require_organization(actor, data.organization)
    course = Course(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _apply_course(course, data)
    course.save()
    course.tags.set(data.tags)
    _audit(actor, audit.Action.CREATE, course, course, audit.created(_course_state(course, data.tags)))
    return course


@transaction.atomic
def update_course(actor, course: Course, data: CourseInput) -> Course:
    _require_edit(actor, course)
    _require_organization(actor, data.organization)
    before = _course_state(course)
    _apply_course(course, data)
    course.save()
    course.tags.set(data.tags)
    _audit(actor, audit.Action.UPDATE, course, course, audit.diff(before, _course_state(course, data.tags)))
    return course


@transaction.atomic
def publish(actor, course: Course) -> Course:
    """Members in the organisation's subtree (everyone, for the library) see the course."""
    _require_edit(actor, course)
    if not Lesson.objects.filter(chapter__course=course).exists():
        raise ValidationError(_("Add at least one lesson before publishing the course."))
    if course.is_published:
        return course
    course.is_published, course.published_at = True, timezone.now()
    course.save(update_fields=["is_published", "published_at", "updated_at"])
    _audit(actor, audit.Action.UPDATE, course, course, {"is_published": [False, True]})
    return course


@transaction.atomic
def unpublish(actor, course: Course) -> Course:
    """Members no longer see the course; their progress is kept for when it comes back."""
    _require_edit(actor, course)
    if not course.is_published:
        return course
    course.is_published = False
    course.save(update_fields=["is_published", "updated_at"])
    _audit(actor, audit.Action.UPDATE, course, course, {"is_published": [True, False]})
    return course


@transaction.atomic
def delete_course(actor, course: Course) -> None:
    """Only a course nobody has studied and no plan names: otherwise unpublish it."""
    _require_edit(actor, course)
    if Progress.objects.filter(lesson__chapter__course=course).exists():
        raise ValidationError(_("Members have studied this course: unpublish it instead of deleting it."))
    if PlanCourse.objects.filter(course=course).exists():
        raise ValidationError(_("A learning plan names this course: take it out of the plan first."))
    stored = _stored_files(Lesson.objects.filter(chapter__course=course))
    _audit(actor, audit.Action.DELETE, course, course, {"title": [course.title, None]})
    course.delete()
    _delete_files_on_commit(stored)


# Chapters


def _next_position(siblings) -> int:
    highest = siblings.aggregate(top=Max("position"))["top"]
    return 0 if highest is None else highest + 1


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Give a title.")]})
    if len(title) > 200:
        raise ValidationError({"title": [_("A title has at most 200 characters.")]})
    return title


@transaction.atomic
def create_chapter(actor, course: Course, title: str) -> Chapter:
    _require_edit(actor, course)
    chapter = Chapter.objects.create(
        course=course, title=_clean_title(title), position=_next_position(course.chapters.all())
    )
    _audit(actor, audit.Action.CREATE, chapter, course, {"course": [None, course.pk], "title": [None, chapter.title]})
    return chapter


@transaction.atomic
def update_chapter(actor, chapter: Chapter, title: str) -> Chapter:
    course = chapter.course
    _require_edit(actor, course)
    before = chapter.title
    chapter.title = _clean_title(title)
    chapter.save(update_fields=["title"])
    _audit(actor, audit.Action.UPDATE, chapter, course, audit.diff({"title": before}, {"title": chapter.title}))
    return chapter


@transaction.atomic
def delete_chapter(actor, chapter: Chapter) -> None:
    """Only an empty chapter: its lessons are moved or deleted first."""
    course = chapter.course
    _require_edit(actor, course)
    if chapter.lessons.exists():
        raise ValidationError(_("The chapter still has lessons: delete or move them first."))
    _audit(actor, audit.Action.DELETE, chapter, course, {"title": [chapter.title, None]})
    chapter.delete()


def _move(siblings: list, item, step: int) -> bool:
    """Swap `item` with its neighbour `step` (-1 up, +1 down) and number the siblings 0, 1, …"""
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == item.pk)
    other = index + step
    if not 0 <= other < len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])
    return True


@transaction.atomic
def move_chapter(actor, chapter: Chapter, step: int) -> bool:
    course = chapter.course
    _require_edit(actor, course)
    siblings = list(course.chapters.select_for_update().order_by("position", "id"))
    moved = _move(siblings, chapter, step)
    if moved:
        _audit(actor, audit.Action.MOVE, chapter, course, {"position": [None, step]})
    return moved


# Lessons


@dataclass
class LessonInput:
    title: str
    kind: str = LessonKind.TEXT
    body: str = ""
    video_url: str = ""
    upload: object | None = None  # an uploaded file, for audio and video lessons
    chapter: Chapter | None = None  # to move the lesson to another chapter of the course


def _lesson_state(lesson: Lesson) -> dict:
    return {
        "chapter": lesson.chapter_id,
        "title": lesson.title,
        "kind": lesson.kind,
        "body": f"{len(lesson.body)} characters",
        "video_url": lesson.video_url,
        "media": lesson.media.name or None,
        "duration_seconds": lesson.duration_seconds,
    }


def _stored_files(lessons) -> list[tuple]:
    found = []
    for lesson in lessons.prefetch_related("attachments"):
        if lesson.media:
            found.append((lesson.media.storage, lesson.media.name))
        found += [(attachment.file.storage, attachment.file.name) for attachment in lesson.attachments.all()]
    return found


def _delete_files_on_commit(stored: list[tuple]) -> None:
    def delete():
        for storage, name in stored:
            storage.delete(name)

    if stored:
        transaction.on_commit(delete)


def _checked_media(data: LessonInput) -> tuple[str, int]:
    """The media type and duration of an uploaded lesson file, or a ValidationError on `upload`."""
    allowed = media.AUDIO_TYPES if data.kind == LessonKind.AUDIO else media.VIDEO_TYPES
    try:
        media_type = media.check_upload(data.upload, allowed)
        duration = 0
        if media_type in media.AUDIO_TYPES:
            data.upload.seek(0)
            duration = media.duration_seconds(data.upload)
        elif media_type == "video/mp4":
            data.upload.seek(0)
            try:
                duration = media.duration_seconds(data.upload)  # the length of its sound track, if any
            except ValidationError:
                duration = 0
    except ValidationError as error:
        raise ValidationError({"upload": error.messages}) from None
    finally:
        data.upload.seek(0)
    return media_type, duration


def _apply_lesson(lesson: Lesson, data: LessonInput) -> list[tuple]:
    """Set the fields; returns the stored files that the change leaves behind."""
    errors: dict[str, list[str]] = {}
    try:
        lesson.title = _clean_title(data.title)
    except ValidationError as error:
        errors |= error.message_dict
    if data.kind not in LessonKind.values:
        errors["kind"] = [_("Choose the kind of lesson.")]
    lesson.kind = data.kind
    lesson.body = rich_text(data.body)
    lesson.video_url = (data.video_url or "").strip() if data.kind == LessonKind.VIDEO else ""
    if lesson.video_url and not lesson.video_url.startswith(("https://", "http://")):
        errors["video_url"] = [_("Give a link that starts with https:// or http://.")]
    left_behind, written = [], None
    has_media = bool(lesson.media) and lesson.media_type in (
        media.AUDIO_TYPES if data.kind == LessonKind.AUDIO else media.VIDEO_TYPES
    )
    if data.upload is not None and not errors.get("kind"):
        if data.kind == LessonKind.TEXT:
            errors["upload"] = [_("A text lesson has no media file: choose audio or video.")]
        else:
            try:
                media_type, duration = _checked_media(data)
            except ValidationError as error:
                errors |= error.message_dict
            else:
                if lesson.media:
                    left_behind.append((lesson.media.storage, lesson.media.name))
                name = f"{uuid.uuid4().hex}.{EXTENSIONS[media_type]}"
                lesson.media.save(name, File(data.upload, name=name), save=False)
                written = lesson.media.name
                lesson.media_type, lesson.media_size, lesson.duration_seconds = media_type, data.upload.size, duration
                has_media = True
    if data.kind == LessonKind.AUDIO and not has_media and "upload" not in errors:
        errors["upload"] = [_("An audio lesson needs its MP3 or M4A file.")]
    if data.kind == LessonKind.VIDEO and not has_media and not lesson.video_url and "upload" not in errors:
        errors.setdefault("video_url", [_("A video lesson needs a video file or a link to one.")])
    if not has_media and lesson.media:
        # A text lesson, or a video lesson given a link instead: the old file goes.
        left_behind.append((lesson.media.storage, lesson.media.name))
        lesson.media, lesson.media_type, lesson.media_size, lesson.duration_seconds = None, "", 0, 0
    if errors:
        if written:
            lesson.media.storage.delete(written)  # written above, before another field failed
        raise ValidationError(errors)
    return left_behind


@transaction.atomic
def create_lesson(actor, chapter: Chapter, data: LessonInput) -> Lesson:
    course = chapter.course
    _require_edit(actor, course)
    lesson = Lesson(chapter=chapter, position=_next_position(chapter.lessons.all()))
    _apply_lesson(lesson, data)
    lesson.save()
    _audit(actor, audit.Action.CREATE, lesson, course, audit.created(_lesson_state(lesson)))
    return lesson


@transaction.atomic
def update_lesson(actor, lesson: Lesson, data: LessonInput) -> Lesson:
    course = lesson.chapter.course
    _require_edit(actor, course)
    before = _lesson_state(lesson)
    if data.chapter is not None and data.chapter.pk != lesson.chapter_id:
        if data.chapter.course_id != course.pk:
            raise ValidationError({"chapter": [_("Choose a chapter of the same course.")]})
        lesson.chapter = data.chapter
        lesson.position = _next_position(data.chapter.lessons.all())
    left_behind = _apply_lesson(lesson, data)
    lesson.save()
    _audit(actor, audit.Action.UPDATE, lesson, course, audit.diff(before, _lesson_state(lesson)))
    _delete_files_on_commit(left_behind)
    return lesson


@transaction.atomic
def delete_lesson(actor, lesson: Lesson) -> None:
    """Only a lesson nobody has studied: members' completions are records."""
    course = lesson.chapter.course
    _require_edit(actor, course)
    if lesson.progress.exists():
        raise ValidationError(_("Members have studied this lesson, so it stays: change it instead."))
    stored = _stored_files(Lesson.objects.filter(pk=lesson.pk))
    _audit(actor, audit.Action.DELETE, lesson, course, {"title": [lesson.title, None]})
    lesson.delete()
    _delete_files_on_commit(stored)


@transaction.atomic
def move_lesson(actor, lesson: Lesson, step: int) -> bool:
    course = lesson.chapter.course
    _require_edit(actor, course)
    siblings = list(lesson.chapter.lessons.select_for_update().order_by("position", "id"))
    moved = _move(siblings, lesson, step)
    if moved:
        _audit(actor, audit.Action.MOVE, lesson, course, {"position": [None, step]})
    return moved


# Attachments


@transaction.atomic
def add_attachment(actor, lesson: Lesson, upload) -> LessonAttachment:
    """A PDF beside the lesson (a handout, the slides), checked by its bytes and the size limit."""
    course = lesson.chapter.course
    _require_edit(actor, course)
    try:
        content_type = media.check_upload(upload, media.ATTACHMENT_TYPES)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    stem = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0].strip()[:180]
    attachment = LessonAttachment(
        lesson=lesson,
        name=f"{stem or _('attachment')}.pdf",
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    name = f"{uuid.uuid4().hex}.pdf"
    attachment.file.save(name, File(upload, name=name), save=False)
    attachment.save()
    _audit(
        actor, audit.Action.CREATE, attachment, course, {"name": [None, attachment.name], "size": [None, upload.size]}
    )
    return attachment


@transaction.atomic
def delete_attachment(actor, attachment: LessonAttachment) -> None:
    course = attachment.lesson.chapter.course
    _require_edit(actor, course)
    _audit(actor, audit.Action.DELETE, attachment, course, {"name": [attachment.name, None]})
    stored = [(attachment.file.storage, attachment.file.name)]
    attachment.delete()
    _delete_files_on_commit(stored)


# Progress


@dataclass
class Report:
    """What a device saw: the position in the lesson at `reported_at` (the device's clock), and for
    a text lesson or a linked video that the member marked it done."""

    position_seconds: float
    reported_at: datetime.datetime
    done: bool = False


def _finished(lesson: Lesson, position: float, done: bool) -> bool:
    if lesson.duration_seconds > 0:
        return position >= COMPLETE_SHARE * lesson.duration_seconds
    return done


@transaction.atomic
def record_progress(actor, lesson: Lesson, report: Report) -> Progress:
    """The member's own position in a lesson published to them. A report older than the one kept
    (an offline phone syncing late) leaves the position as it is, so that the later position from
    another device stands; a completion counts whenever it arrives, and is never taken back."""
    member_id = getattr(actor, "member_id", None)
    if member_id is None:
        raise PermissionDenied(_("Only members record their learning progress."))
    if not queries.learner_lessons(actor).filter(pk=lesson.pk).exists():
        raise PermissionDenied(_("This lesson is not published to you."))
    position = report.position_seconds
    if position is None or not math.isfinite(position) or position < 0:
        raise ValidationError({"position_seconds": [_("The position is a number of seconds, zero or more.")]})
    if lesson.duration_seconds > 0:
        position = min(position, float(lesson.duration_seconds))
    now = timezone.now()
    reported_at = report.reported_at
    if timezone.is_naive(reported_at):
        raise ValidationError({"reported_at": [_("Give the time with its time zone.")]})
    reported_at = min(reported_at, now)  # a phone whose clock runs ahead must not freeze the position
    progress = Progress.objects.select_for_update().filter(member_id=member_id, lesson=lesson).first()
    if progress is None:
        try:
            with transaction.atomic():
                progress = Progress.objects.create(
                    member_id=member_id, lesson=lesson, position_seconds=position, reported_at=reported_at
                )
        except IntegrityError:  # another device created it at the same moment
            progress = Progress.objects.select_for_update().get(member_id=member_id, lesson=lesson)
    elif reported_at >= progress.reported_at:
        progress.position_seconds, progress.reported_at = position, reported_at
        progress.save(update_fields=["position_seconds", "reported_at", "updated_at"])
    if progress.completed_at is None and _finished(lesson, position, report.done):
        progress.completed_at = reported_at
        progress.save(update_fields=["completed_at", "updated_at"])
        audit.record(
            actor,
            audit.Action.UPDATE,
            progress,
            org=queries.home_org_id(member_id),
            changes={"completed_at": [None, reported_at.isoformat()]},
        )
        points.award_many([member_id], PointKind.LESSON_COMPLETED, lesson, at=reported_at)
    return progress
