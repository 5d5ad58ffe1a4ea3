"""The course pages as learners and keepers use them: the catalogue (what is published to whom,
the tag filter, the search, where the member stopped, lessons done), a course's outline with its
done marks and attachments, an editor building a course through the forms (an mp3 upload and its
duration on the page, publishing), bad input shown on the form with nothing written, who may do
what, and query counts that do not grow with the rows."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhibu.core.tests.pages import section, text
from zhibu.learning import services
from zhibu.learning.models import Chapter, Course, Lesson, LessonKind, Tag
from zhibu.learning.services import CourseInput, LessonInput, Report
from zhibu.learning.tests import matrix_cases
from zhibu.learning.tests.matrix_cases import mp3_upload, pdf_upload

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
CATALOGUE = reverse("learning:catalogue")
KEPT = reverse("learning:kept")


@pytest.fixture
def w(world):
    matrix_cases.prepare(world)
    return world


def course_url(course) -> str:
    return reverse("learning:course", args=[course.pk])


def listed(page: str) -> str:
    """The list of courses: the last part of the catalogue page."""
    return page.split('id="courses"', 1)[1].split("</main>", 1)[0]


def published(w, organization, title, tags=(), lessons=1) -> Course:
    admin = w.root_user
    course = services.create_course(admin, CourseInput(organization, title, tags=list(tags)))
    chapter = services.create_chapter(admin, course, "第一章")
    for number in range(lessons):
        services.create_lesson(admin, chapter, LessonInput(f"{title} 第{number + 1}课", LessonKind.TEXT, body="正文"))
    services.publish(admin, course)
    return course


# The catalogue


def test_the_catalogue_shows_what_is_published_to_the_member(as_persona, w):
    published(w, w.company_b, "B 公司课程")
    published(w, None, "全平台课程")
    page = text(as_persona("courier").get(CATALOGUE))
    courses = listed(page)
    assert "安全生产十讲" in courses and "全平台课程" in courses
    assert "A1 草稿课程" not in page and "B 公司课程" not in page
    assert "0 of 2 lessons done" in courses
    # A signed-in user with no member record and no role sees the library only.
    page = text(as_persona("nobody").get(CATALOGUE))
    assert "全平台课程" in page and "安全生产十讲" not in page


def test_the_catalogue_filters_by_tag_and_searches_titles(as_persona, w):
    law = Tag.objects.get(name="法律")
    published(w, w.company_a, "快递员法律常识", [law])
    client = as_persona("courier")
    safety = Tag.objects.get(name="安全生产")
    courses = listed(text(client.get(CATALOGUE, {"tag": safety.pk})))
    assert "安全生产十讲" in courses and "快递员法律常识" not in courses
    courses = listed(text(client.get(CATALOGUE, {"tag": law.pk})))
    assert "安全生产十讲" not in courses and "快递员法律常识" in courses
    courses = listed(text(client.get(CATALOGUE, {"q": "法律"})))
    assert "安全生产十讲" not in courses and "快递员法律常识" in courses
    page = text(client.get(CATALOGUE, {"q": "没有这门课"}))
    assert "No course matches." in page
    assert client.get(CATALOGUE, {"tag": "x"}).status_code == 200  # a bad filter is ignored


def test_the_catalogue_continues_where_the_member_stopped(as_persona, w):
    courier = w.users["courier"]
    services.record_progress(courier, w.audio_lesson, Report(83 / 4, timezone.now()))
    services.record_progress(courier, w.text_lesson, Report(0, timezone.now(), done=True))
    page = text(as_persona("courier").get(CATALOGUE))
    resume = section(page, "continue", "div")
    assert reverse("learning:player", args=[w.audio_lesson.pk]) in resume
    assert "第一讲 电动车安全" in resume and "stopped at 0:20" in resume
    assert "第二讲" not in resume  # finished: nothing to continue
    assert "1 of 2 lessons done" in listed(page)
    assert 'aria-valuenow="50"' in page


# A course


def test_the_course_page_shows_the_outline_with_done_marks(as_persona, w):
    services.record_progress(w.users["courier"], w.text_lesson, Report(0, timezone.now(), done=True))
    response = as_persona("courier").get(course_url(w.course))
    page = text(response)
    outline = section(page, "outline", "section")
    assert "第一章 交通安全" in outline
    audio = section(page, f"lesson-{w.audio_lesson.pk}", "li")
    assert "Audio" in audio and "1:00" in audio and "done-mark" not in audio
    assert reverse("learning:player", args=[w.audio_lesson.pk]) in audio
    assert reverse("learning:attachment", args=[w.handout.pk]) in page and "讲义.pdf" in page
    text_row = page.split(f'id="lesson-{w.text_lesson.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Text" in text_row and "done-mark" in text_row
    assert "1 of 2 lessons done" in page
    # A learner reads, but has no edit controls.
    assert 'id="course-controls"' not in page and "chapter-form" not in page
    assert reverse("learning:course_edit", args=[w.course.pk]) not in page


def test_who_sees_and_who_edits_a_course(as_persona, w):
    assert as_persona("courier").get(course_url(w.draft)).status_code == 404
    assert as_persona("secretary2").get(course_url(w.course)).status_code == 404
    page = text(as_persona("city").get(course_url(w.draft)))
    assert "草稿课" in page and 'id="course-controls"' not in page  # a reader
    assert as_persona("city").get(reverse("learning:course_edit", args=[w.draft.pk])).status_code == 403
    assert as_persona("city").post(reverse("learning:course_publish", args=[w.draft.pk])).status_code == 403
    page = text(as_persona("secretary").get(course_url(w.draft)))
    assert 'id="course-controls"' in page and 'id="publish"' in page and "Draft" in page
    assert as_persona("courier").get(KEPT).status_code == 403
    kept = text(as_persona("secretary").get(KEPT))
    assert "A1 草稿课程" in kept and "安全生产十讲" not in kept and 'id="new-course"' in kept
    assert 'id="new-course"' not in text(as_persona("city").get(KEPT))


def test_the_library_is_offered_only_to_platform_administrators(as_persona, w):
    create = reverse("learning:course_create")
    assert "(platform-wide library)" in text(as_persona("admin").get(create))
    page = text(as_persona("industry").get(create))
    assert "(platform-wide library)" not in page and "A 快递公司党委" in page
    response = as_persona("secretary").post(create, {"organization": w.company_a.pk, "title": "越级"})
    assert response.status_code == 200 and "Select a valid choice" in text(response)
    response = as_persona("industry").post(create, {"organization": "", "title": "全平台"})
    assert response.status_code == 200 and "This field is required." in text(response)
    response = as_persona("admin").post(create, {"organization": "", "title": "全平台课程"})
    assert Course.objects.get(title="全平台课程").organization is None and response.status_code == 302


def test_an_editor_builds_and_publishes_a_course(as_persona, w):
    client = as_persona("industry")
    safety = Tag.objects.get(name="安全生产")
    response = client.post(
        reverse("learning:course_create"),
        {"organization": w.company_a.pk, "title": "冬季配送安全", "summary": "三讲", "tags": [safety.pk]},
    )
    course = Course.objects.get(title="冬季配送安全")
    assert response.url == course_url(course) and list(course.tags.all()) == [safety]
    response = client.post(reverse("learning:chapter_create", args=[course.pk]), {"title": "第一章 雨雪天"})
    chapter = Chapter.objects.get(course=course)
    assert response.status_code == 302 and chapter.title == "第一章 雨雪天"
    assert client.get(reverse("learning:lesson_create", args=[chapter.pk])).status_code == 200
    response = client.post(
        reverse("learning:lesson_create", args=[chapter.pk]),
        {"title": "雨天刹车", "kind": "audio", "upload": mp3_upload(75, "刹车.mp3")},
    )
    lesson = Lesson.objects.get(chapter=chapter)
    assert response.status_code == 302 and lesson.duration_seconds == 75
    response = client.post(reverse("learning:attachment_add", args=[lesson.pk]), {"file": pdf_upload("要点.pdf")})
    assert lesson.attachments.get().name == "要点.pdf"
    response = client.post(reverse("learning:course_publish", args=[course.pk]), follow=True)
    page = text(response)
    assert "The course is published" in page and "1:15" in section(page, f"lesson-{lesson.pk}", "li")
    assert "要点.pdf" in page and 'id="unpublish"' in page
    assert "冬季配送安全" in text(as_persona("courier").get(CATALOGUE))

    client = as_persona("industry")
    response = client.post(reverse("learning:course_unpublish", args=[course.pk]), follow=True)
    assert "no longer published" in text(response)
    assert "冬季配送安全" not in text(as_persona("courier").get(CATALOGUE))


def test_an_editor_edits_moves_and_deletes(as_persona, w):
    client = as_persona("industry")
    response = client.post(reverse("learning:lesson_move", args=[w.text_lesson.pk]), {"step": "up"})
    assert response.status_code == 302
    page = text(client.get(course_url(w.course)))
    assert page.index(f'id="lesson-{w.text_lesson.pk}"') < page.index(f'id="lesson-{w.audio_lesson.pk}"')
    second = services.create_chapter(w.root_user, w.course, "第二章")
    client.post(reverse("learning:chapter_move", args=[second.pk]), {"step": "up"})
    page = text(client.get(course_url(w.course)))
    assert page.index(f'id="chapter-{second.pk}"') < page.index(f'id="chapter-{w.chapter.pk}"')
    response = client.post(reverse("learning:chapter_edit", args=[second.pk]), {"title": "第二章 夜间"})
    assert response.status_code == 302 and Chapter.objects.get(pk=second.pk).title == "第二章 夜间"
    response = client.post(reverse("learning:chapter_edit", args=[second.pk]), {"title": " "})
    assert response.status_code == 400 and "This field is required." in text(response)

    response = client.post(
        reverse("learning:lesson_edit", args=[w.text_lesson.pk]),
        {
            "title": "第二讲 夜间配送",
            "kind": "text",
            "body": "<p>开灯</p><script>alert(1)</script>",
            "chapter": second.pk,
        },
    )
    w.text_lesson.refresh_from_db()
    assert response.status_code == 302 and w.text_lesson.chapter == second
    form = text(client.get(reverse("learning:lesson_edit", args=[w.text_lesson.pk])))
    assert "&lt;p&gt;开灯&lt;/p&gt;" in form and "alert(1)" not in form and "scripts, styles and event handlers" in form

    response = client.post(reverse("learning:chapter_delete", args=[second.pk]), follow=True)
    assert "still has lessons" in text(response) and Chapter.objects.filter(pk=second.pk).exists()
    client.post(reverse("learning:lesson_delete", args=[w.text_lesson.pk]))
    client.post(reverse("learning:chapter_delete", args=[second.pk]))
    assert not Chapter.objects.filter(pk=second.pk).exists()
    response = client.post(reverse("learning:attachment_delete", args=[w.handout.pk]), follow=True)
    assert "The attachment has been deleted." in text(response) and not w.audio_lesson.attachments.exists()

    services.record_progress(w.users["courier"], w.audio_lesson, Report(5, timezone.now()))
    response = client.post(reverse("learning:lesson_delete", args=[w.audio_lesson.pk]), follow=True)
    assert "Members have studied this lesson" in text(response)
    response = client.post(reverse("learning:course_delete", args=[w.course.pk]), follow=True)
    assert "unpublish it instead" in text(response) and Course.objects.filter(pk=w.course.pk).exists()
    response = as_persona("secretary").post(reverse("learning:course_delete", args=[w.draft.pk]), follow=True)
    assert response.redirect_chain[-1][0] == KEPT and not Course.objects.filter(pk=w.draft.pk).exists()


def test_bad_input_is_shown_on_the_form_and_nothing_is_written(as_persona, w):
    client = as_persona("secretary")
    url = reverse("learning:lesson_create", args=[w.draft_chapter.pk])
    form = text(client.get(url))
    assert 'enctype="multipart/form-data"' in form and "At most 50 MB" in form
    fake = SimpleUploadedFile("讲座.mp3", PNG, content_type="audio/mpeg")
    response = client.post(url, {"title": "假音频", "kind": "audio", "upload": fake})
    assert response.status_code == 400
    assert "Upload a file of one of these types: MP3, M4A." in section(text(response), "id_upload_error", "div")
    response = client.post(url, {"title": "无文件", "kind": "audio"})
    assert response.status_code == 400 and "An audio lesson needs its MP3 or M4A file." in text(response)
    response = client.post(url, {"title": "链接", "kind": "video", "video_url": "ftp://example.org/a.mp4"})
    assert "Give a link that starts with https:// or http://." in text(response)
    assert not Lesson.objects.filter(chapter=w.draft_chapter).exclude(pk=w.draft_lesson.pk).exists()

    fake = SimpleUploadedFile("讲义.pdf", PNG, content_type="application/pdf")
    response = client.post(reverse("learning:attachment_add", args=[w.draft_lesson.pk]), {"file": fake}, follow=True)
    assert "Upload a file of one of these types: PDF." in text(response) and not w.draft_lesson.attachments.exists()
    response = client.post(reverse("learning:chapter_create", args=[w.draft.pk]), {"title": ""})
    assert response.status_code == 400 and w.draft.chapters.count() == 1
    empty = services.create_course(w.root_user, CourseInput(w.branch_a1, "空课"))
    response = client.post(reverse("learning:course_publish", args=[empty.pk]), follow=True)
    assert "Add at least one lesson before publishing the course." in text(response)


# Query counts


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_catalogue_and_kept_pages_do_not_grow_with_the_courses(as_persona, w, django_assert_max_num_queries):
    courier = as_persona("courier")
    services.record_progress(w.users["courier"], w.audio_lesson, Report(10, timezone.now()))
    catalogue = _count(courier, CATALOGUE)
    tags = list(Tag.objects.all()[:2])
    for number in range(20):
        course = published(w, w.company_a, f"课程{number}", tags, lessons=2)
        lesson = course.chapters.get().lessons.first()
        services.record_progress(
            w.users["courier"], lesson, Report(0, timezone.now() - datetime.timedelta(minutes=number), done=True)
        )
    with django_assert_max_num_queries(catalogue):
        assert "课程19" in text(courier.get(CATALOGUE))
    industry = as_persona("industry")
    kept = _count(industry, KEPT)
    for number in range(5):
        services.create_course(w.root_user, CourseInput(w.branch_a1, f"草稿{number}", tags=tags))
    with django_assert_max_num_queries(kept):
        industry.get(KEPT)


def test_the_course_page_does_not_grow_with_the_lessons(as_persona, w, django_assert_max_num_queries):
    courier = as_persona("courier")
    url = course_url(w.course)
    baseline = _count(courier, url)
    editor = as_persona("industry")
    edit_baseline = _count(editor, url)
    courier = as_persona("courier")
    admin = w.root_user
    chapter = services.create_chapter(admin, w.course, "第二章")
    for number in range(20):
        lesson = services.create_lesson(admin, chapter, LessonInput(f"课{number}", LessonKind.TEXT, body="x"))
        services.add_attachment(admin, lesson, pdf_upload(f"附件{number}.pdf"))
        services.record_progress(w.users["courier"], lesson, Report(0, timezone.now(), done=number % 2 == 0))
    with django_assert_max_num_queries(baseline):
        assert "课19" in text(courier.get(url))
    editor = as_persona("industry")
    with django_assert_max_num_queries(edit_baseline):
        assert "附件19.pdf" in text(editor.get(url))
