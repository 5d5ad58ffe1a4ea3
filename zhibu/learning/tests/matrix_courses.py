"""Scope matrix cases of the course pages.

Company-a's published course: its readers (admin, city, industry) and its learners see it; its
editors are admin and industry (city reads only: 403). Branch-a1's draft: its readers see it, its
editors are admin, industry and the secretary. The catalogue lists company-a's course to those it
is published to as learners: the platform administrator, and the members and staff below company-a
(city and industry keep it, but it is not published to them as learners)."""

from zhibu.core.tests.matrix import A1_EDIT, REGISTRY_EDITORS, REGISTRY_READERS, SEE_A1, SIGNED_IN, Case
from zhibu.learning.tests.matrix_cases import LEARNERS, pdf_upload

COMPANY_A_EDITORS = {"admin", "industry"}
# Edits of company-a's course: its editors may, the others who see it are refused with 403.
A_EDIT = dict(allowed=COMPANY_A_EDITORS, visible=LEARNERS - COMPANY_A_EDITORS)
CATALOGUE_LEARNERS = {"admin", "secretary", "cadre", "courier"}


def course(w):
    return [w.course.pk]


def draft(w):
    return [w.draft.pk]


def draft_chapter(w):
    return [w.draft_chapter.pk]


def draft_lesson(w):
    return [w.draft_lesson.pk]


CASES: dict[str, Case] = {
    "learning:catalogue": Case(allowed=SIGNED_IN, marker=("安全生产十讲", CATALOGUE_LEARNERS)),
    "learning:kept": Case(allowed=REGISTRY_READERS, denied=403, marker=("A1 草稿课程", SEE_A1)),
    "learning:course": Case(args=course, allowed=LEARNERS),
    "learning:course_create": Case(allowed=REGISTRY_EDITORS, denied=403),
    "learning:course_edit": Case(args=course, **A_EDIT),
    "learning:course_publish": Case(args=draft, method="post", **A1_EDIT, ok=302),
    "learning:course_unpublish": Case(args=course, method="post", **A_EDIT, ok=302),
    "learning:course_delete": Case(args=draft, method="post", **A1_EDIT, ok=302),
    "learning:chapter_create": Case(args=draft, method="post", body=lambda w: {"title": "新章节"}, **A1_EDIT, ok=302),
    "learning:chapter_edit": Case(args=draft_chapter, **A1_EDIT),
    "learning:chapter_move": Case(args=draft_chapter, method="post", body=lambda w: {"step": "up"}, **A1_EDIT, ok=302),
    "learning:chapter_delete": Case(args=lambda w: [w.courses_empty_chapter.pk], method="post", **A1_EDIT, ok=302),
    "learning:lesson_create": Case(args=draft_chapter, **A1_EDIT),
    "learning:lesson_edit": Case(args=draft_lesson, **A1_EDIT),
    "learning:lesson_move": Case(args=draft_lesson, method="post", body=lambda w: {"step": "down"}, **A1_EDIT, ok=302),
    "learning:lesson_delete": Case(args=draft_lesson, method="post", **A1_EDIT, ok=302),
    "learning:attachment_add": Case(
        args=draft_lesson, method="post", body=lambda w: {"file": pdf_upload()}, **A1_EDIT, ok=302
    ),
    "learning:attachment_delete": Case(args=lambda w: [w.handout.pk], method="post", **A_EDIT, ok=302),
}


def prepare(world) -> None:
    from zhibu.learning import services

    world.courses_empty_chapter = services.create_chapter(world.root_user, world.draft, "空章节")
