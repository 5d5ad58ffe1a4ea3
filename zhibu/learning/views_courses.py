"""Course pages. Learners: the catalogue of published courses open to them, with where they
stopped and how far they are; a course's outline. Keepers: the courses of their organisations,
drafts included, and editing a course, its chapters, lessons and attachments. Every write goes
through `services`, which checks the permission again and refuses bad input whole."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.learning import queries, services
from zhibu.learning.forms_courses import AttachmentForm, CatalogueFilter, ChapterForm, CourseForm, LessonForm
from zhibu.learning.models import Chapter, Course, Lesson, LessonAttachment, LessonKind

PAGE_SIZE = 20


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def duration_text(seconds: int) -> str:
    """mm:ss (h:mm:ss from an hour)."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


# Reading


@login_required
def catalogue(request):
    actor = request.user
    courses = queries.catalogue(actor)
    search = CatalogueFilter(request.GET)
    search.is_valid()  # a bad value is ignored
    chosen = (search.cleaned_data.get("q") or "").strip()
    tag_id = search.cleaned_data.get("tag")
    if chosen:
        courses = courses.filter(Q(title__icontains=chosen) | Q(summary__icontains=chosen))
    if tag_id:
        courses = courses.filter(tags__pk=tag_id)
    found = queries.with_counts(courses, actor).order_by("-published_at", "-pk")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    recent = queries.recent_progress(actor)
    for progress in recent:
        progress.position_text = duration_text(progress.position_seconds) if progress.position_seconds else ""
    context = {
        "page": page,
        "rows": [(course, _percent(course.done_count, course.lesson_count)) for course in page],
        "recent": recent,
        "tags": list(queries.tags()),
        "tag_id": tag_id,
        "q": chosen,
        "is_member": getattr(actor, "member_id", None) is not None,
    }
    return render(request, "learning/catalogue.html", context)


@login_required
def kept(request):
    actor = request.user
    if not actor.scope.can(Capability.VIEW):
        raise PermissionDenied
    found = queries.with_counts(queries.kept_courses(actor), actor).order_by("-updated_at", "-pk")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "can_create": services.may_create(actor)}
    return render(request, "learning/kept.html", context)


def _visible_course(actor, pk: int) -> Course:
    return get_object_or_404(queries.visible_courses(actor).select_related("organization"), pk=pk)


@login_required
def course(request, pk: int):
    actor = request.user
    found = _visible_course(actor, pk)
    chapters = queries.course_outline(found)
    lessons = [lesson for chapter in chapters for lesson in chapter.lessons.all()]
    progress = queries.own_progress(actor, lessons)
    attachments: dict[int, list[LessonAttachment]] = {}
    for attachment in LessonAttachment.objects.filter(lesson__chapter__course=found).order_by("uploaded_at", "pk"):
        attachments.setdefault(attachment.lesson_id, []).append(attachment)
    for lesson in lessons:
        lesson.duration_text = duration_text(lesson.duration_seconds) if lesson.duration_seconds else ""
        lesson.done = lesson.pk in progress and progress[lesson.pk].completed_at is not None
        lesson.started = lesson.pk in progress and not lesson.done
        lesson.files = attachments.get(lesson.pk, [])
    done = sum(lesson.done for lesson in lessons)
    context = {
        "course": found,
        "chapters": chapters,
        "lesson_count": len(lessons),
        "done": done,
        "percent": _percent(done, len(lessons)),
        "is_member": getattr(actor, "member_id", None) is not None,
        "tags": list(found.tags.all()),
        "can_edit": services.can_edit(actor, found),
        "kinds": LessonKind,
        "chapter_form": ChapterForm(auto_id="new-chapter-%s"),
    }
    return render(request, "learning/course.html", context)


# Courses


def _editable_course(actor, pk: int) -> Course:
    """404 outside what the actor sees, 403 when they see it but may not change it."""
    found = _visible_course(actor, pk)
    if not services.can_edit(actor, found):
        raise PermissionDenied
    return found


@login_required
def course_create(request):
    actor = request.user
    if not services.may_create(actor):
        raise PermissionDenied
    form = CourseForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_course(actor, form.course_input())
        except (ValidationError, PermissionDenied) as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The course has been created. Add its chapters and lessons, then publish it."))
            return redirect("learning:course", created.pk)
    return render(request, "learning/course_form.html", {"form": form})


def _form_error(form, error) -> None:
    if isinstance(error, PermissionDenied):
        form.add_error("organization" if "organization" in form.fields else None, str(error))
    else:
        add_service_errors(form, error)


@login_required
def course_edit(request, pk: int):
    actor = request.user
    found = _editable_course(actor, pk)
    form = CourseForm(actor, request.POST or None, course=found)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_course(actor, found, form.course_input())
        except (ValidationError, PermissionDenied) as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The course has been saved."))
            return redirect("learning:course", found.pk)
    return render(request, "learning/course_form.html", {"form": form, "course": found})


@login_required
@require_POST
def course_publish(request, pk: int):
    actor = request.user
    found = _editable_course(actor, pk)
    try:
        services.publish(actor, found)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("The course is published: its members see it in their catalogue."))
    return redirect("learning:course", found.pk)


@login_required
@require_POST
def course_unpublish(request, pk: int):
    actor = request.user
    found = _editable_course(actor, pk)
    services.unpublish(actor, found)
    messages.success(request, _("The course is no longer published. Members' progress is kept."))
    return redirect("learning:course", found.pk)


@login_required
@require_POST
def course_delete(request, pk: int):
    actor = request.user
    found = _editable_course(actor, pk)
    title = found.title
    try:
        services.delete_course(actor, found)
    except ValidationError as error:
        messages.error(request, _errors(error))
        return redirect("learning:course", found.pk)
    messages.success(request, _("The course “%(title)s” has been deleted.") % {"title": title})
    return redirect("learning:kept")


# Chapters


def _editable_chapter(actor, pk: int) -> Chapter:
    found = get_object_or_404(
        Chapter.objects.filter(course__in=queries.visible_courses(actor).values("pk")).select_related(
            "course__organization"
        ),
        pk=pk,
    )
    if not services.can_edit(actor, found.course):
        raise PermissionDenied
    return found


def _step(request) -> int:
    return -1 if request.POST.get("step") == "up" else 1


@login_required
@require_POST
def chapter_create(request, pk: int):
    actor = request.user
    found = _editable_course(actor, pk)
    form = ChapterForm(request.POST)
    if form.is_valid():
        try:
            services.create_chapter(actor, found, form.cleaned_data["title"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The chapter has been added."))
            return redirect("learning:course", found.pk)
    return render(request, "learning/chapter_form.html", {"form": form, "course": found}, status=400)


@login_required
def chapter_edit(request, pk: int):
    actor = request.user
    chapter = _editable_chapter(actor, pk)
    form = ChapterForm(request.POST or None, initial={"title": chapter.title})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_chapter(actor, chapter, form.cleaned_data["title"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The chapter has been renamed."))
            return redirect("learning:course", chapter.course_id)
    context = {"form": form, "course": chapter.course, "chapter": chapter}
    return render(request, "learning/chapter_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def chapter_move(request, pk: int):
    actor = request.user
    chapter = _editable_chapter(actor, pk)
    services.move_chapter(actor, chapter, _step(request))
    return redirect(f"{_course_url(chapter.course_id)}#chapter-{chapter.pk}")


@login_required
@require_POST
def chapter_delete(request, pk: int):
    actor = request.user
    chapter = _editable_chapter(actor, pk)
    try:
        services.delete_chapter(actor, chapter)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("The chapter has been deleted."))
    return redirect("learning:course", chapter.course_id)


def _course_url(pk: int) -> str:
    return reverse("learning:course", args=[pk])


# Lessons


def _editable_lesson(actor, pk: int):
    lessons = Lesson.objects.filter(chapter__course__in=queries.visible_courses(actor).values("pk"))
    found = get_object_or_404(lessons.select_related("chapter__course__organization"), pk=pk)
    if not services.can_edit(actor, found.chapter.course):
        raise PermissionDenied
    return found


@login_required
def lesson_create(request, pk: int):
    actor = request.user
    chapter = _editable_chapter(actor, pk)
    course = chapter.course
    form = LessonForm(request.POST or None, request.FILES or None, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            lesson = services.create_lesson(actor, chapter, form.lesson_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The lesson “%(title)s” has been added.") % {"title": lesson.title})
            return redirect(f"{_course_url(course.pk)}#lesson-{lesson.pk}")
    context = {"form": form, "course": course, "chapter": chapter}
    return render(request, "learning/lesson_form.html", context, status=400 if form.errors else 200)


@login_required
def lesson_edit(request, pk: int):
    actor = request.user
    lesson = _editable_lesson(actor, pk)
    course = lesson.chapter.course
    form = LessonForm(request.POST or None, request.FILES or None, course=course, lesson=lesson)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_lesson(actor, lesson, form.lesson_input())
        except ValidationError as error:
            add_service_errors(form, error)
            lesson.refresh_from_db()  # the form shows what is stored, not the refused change
        else:
            messages.success(request, _("The lesson has been saved."))
            return redirect(f"{_course_url(course.pk)}#lesson-{lesson.pk}")
    lesson.duration_text = duration_text(lesson.duration_seconds) if lesson.duration_seconds else ""
    context = {"form": form, "course": course, "chapter": lesson.chapter, "lesson": lesson}
    return render(request, "learning/lesson_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def lesson_move(request, pk: int):
    actor = request.user
    lesson = _editable_lesson(actor, pk)
    services.move_lesson(actor, lesson, _step(request))
    return redirect(f"{_course_url(lesson.chapter.course_id)}#lesson-{lesson.pk}")


@login_required
@require_POST
def lesson_delete(request, pk: int):
    actor = request.user
    lesson = _editable_lesson(actor, pk)
    course_id = lesson.chapter.course_id
    try:
        services.delete_lesson(actor, lesson)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("The lesson has been deleted."))
    return redirect("learning:course", course_id)


# Attachments


@login_required
@require_POST
def attachment_add(request, pk: int):
    actor = request.user
    lesson = _editable_lesson(actor, pk)
    course_id = lesson.chapter.course_id
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("file", [])) or _("Choose a PDF file to attach."))
    else:
        try:
            services.add_attachment(actor, lesson, form.cleaned_data["file"])
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, _("The attachment has been added."))
    return redirect(f"{_course_url(course_id)}#lesson-{lesson.pk}")


@login_required
@require_POST
def attachment_delete(request, pk: int):
    actor = request.user
    attachments = LessonAttachment.objects.filter(
        lesson__chapter__course__in=queries.visible_courses(actor).values("pk")
    )
    found = get_object_or_404(attachments.select_related("lesson__chapter__course__organization"), pk=pk)
    course = found.lesson.chapter.course
    if not services.can_edit(actor, course):
        raise PermissionDenied
    services.delete_attachment(actor, found)
    messages.success(request, _("The attachment has been deleted."))
    return redirect("learning:course", course.pk)
