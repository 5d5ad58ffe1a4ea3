"""An editor builds a course on a phone-sized screen in the system Chromium: creates it for
company-a, adds a chapter and a text lesson, publishes it; the courier of mobile-a (below
company-a) finds it in their catalogue and opens its outline."""

import pytest

from zhibu.conftest import World, screenshot
from zhibu.learning.models import Course, Lesson, Tag
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_publishes_a_course_and_the_courier_finds_it(live_server, phone_page):
    world = World()
    tag = Tag.objects.get_or_create(name="安全生产")[0]
    page, base = phone_page, live_server.url

    log_in(page, base, "industry")
    page.goto(f"{base}/learning/kept/")
    assert_fits_the_screen(page)
    page.click("#new-course")
    page.wait_for_selector("#course-form")
    page.select_option("select[name=organization]", str(world.company_a.pk))
    page.fill("input[name=title]", "雨雪天气配送安全")
    page.fill("textarea[name=summary]", "三分钟读完")
    page.check(f"input[name=tags][value='{tag.pk}']")
    assert_fits_the_screen(page)
    screenshot(page, "learning-course-form")
    page.click("#course-form button[type=submit]")
    page.wait_for_selector("#course-controls")
    course = Course.objects.get(title="雨雪天气配送安全")
    assert course.organization == world.company_a and not course.is_published

    page.fill("#chapter-form input[name=title]", "第一章 雨天")
    page.click("#add-chapter")
    page.wait_for_selector(".chapter-title")
    assert page.locator(".chapter-title").inner_text() == "第一章 雨天"
    page.click(".add-lesson")
    page.wait_for_selector("#lesson-form")
    assert_fits_the_screen(page)
    page.fill("input[name=title]", "雨天刹车要点")
    page.select_option("select[name=kind]", "video")  # the fields follow the kind chosen
    assert page.locator("#id_upload").is_visible() and page.locator("#id_video_url").is_visible()
    page.select_option("select[name=kind]", "audio")
    assert page.locator("#id_upload").is_visible() and not page.locator("#id_video_url").is_visible()
    page.select_option("select[name=kind]", "text")
    assert not page.locator("#id_upload").is_visible() and not page.locator("#id_video_url").is_visible()
    page.fill("textarea[name=body]", "<p>提前减速。</p><script>alert('x')</script>")
    page.click("#lesson-form button[type=submit]")
    page.wait_for_selector(".lesson")
    lesson = Lesson.objects.get(chapter__course=course)
    assert "script" not in lesson.body and "提前减速" in lesson.body
    page.click("#publish")
    page.wait_for_selector("#unpublish")
    assert_fits_the_screen(page)
    screenshot(page, "learning-course-editor")
    course.refresh_from_db()
    assert course.is_published

    log_out(page)
    log_in(page, base, "courier")
    page.goto(f"{base}/learning/")
    entry = page.locator(f"#course-{course.pk}")
    assert "雨雪天气配送安全" in entry.inner_text() and entry.locator(".progress").count() == 1
    assert_fits_the_screen(page)
    screenshot(page, "learning-catalogue")
    entry.click()
    page.wait_for_url(f"{base}/learning/courses/{course.pk}/")
    assert page.locator(f"#lesson-{lesson.pk} .lesson-title").inner_text() == "雨天刹车要点"
    assert page.locator("#course-controls").count() == 0
    assert_fits_the_screen(page)
