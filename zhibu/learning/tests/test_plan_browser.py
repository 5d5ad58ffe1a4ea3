"""A learning plan in the system Chromium on a phone-sized screen: the industry committee's
organiser writes a plan for company-a's front-line staff and reads its completion per group; the
courier opens "my plans", sees his progress and the lesson to continue."""

import datetime

import pytest
from django.utils import timezone

from zhibu.conftest import World, screenshot
from zhibu.learning.models import Plan
from zhibu.learning.tests.matrix_cases import prepare
from zhibu.learning.tests.test_plans import finish
from zhibu.registry.choices import WorkRole
from zhibu.registry.models import Member
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_writes_a_plan_and_the_courier_follows_it(live_server, phone_page):
    world = World()
    prepare(world)
    Member.objects.filter(pk=world.wang.pk).update(work_role=WorkRole.FRONTLINE)
    finish(world, world.wang, world.text_lesson)
    page, base = phone_page, live_server.url
    today = timezone.localdate()

    log_in(page, base, "industry")
    page.goto(f"{base}/learning/plans/")
    page.click("#new-plan")
    page.fill("#id_title", "一线员工安全学习")
    page.select_option("#id_mode", "self")
    page.select_option("#id_organization", str(world.company_a.pk))
    page.select_option("#id_target_org", str(world.company_a.pk))
    page.select_option("#id_work_role", "frontline")
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_due_on", (today + datetime.timedelta(days=14)).isoformat())
    page.select_option("#id_courses", [str(world.course.pk)])
    assert_fits_the_screen(page)
    page.click("#save-plan")
    page.wait_for_selector("#by-organization")
    plan = Plan.objects.get()
    assert page.url.endswith(f"/learning/plans/{plan.pk}/")
    assert page.locator("#members").inner_text().strip() == "1"
    assert page.locator("#completion").inner_text().strip() == "50%"  # one lesson of two
    mobile = page.locator(f"#by-organization tr[data-key='{world.mobile_a.path}']")
    assert mobile.locator(".part-percent").inner_text().strip() == "50%"
    assert mobile.locator(".part-finished").inner_text().strip() == "0/1"
    branch = page.locator(f"#by-organization tr[data-key='{world.branch_a1.path}']")
    assert branch.locator(".part-finished").inner_text().strip() == "0/0"
    assert page.locator("#by-role tr[data-key='frontline'] .part-percent").inner_text().strip() == "50%"
    assert page.locator("#plan-members tbody tr").count() == 1
    assert "王强" in page.locator("#plan-members").inner_text()
    assert_fits_the_screen(page)
    screenshot(page, "learning-plan")

    log_out(page)
    log_in(page, base, "courier")
    page.goto(f"{base}/learning/my-plans/")
    card = page.locator(f"#my-plan-{plan.pk}")
    assert "一线员工安全学习" in card.inner_text()
    assert "1" in card.locator(".plan-done").inner_text() and "2" in card.locator(".plan-done").inner_text()
    assert card.locator(".plan-course").count() == 1
    continue_link = card.locator("a.continue")
    assert continue_link.get_attribute("href") == f"/learning/lessons/{world.audio_lesson.pk}/play/"
    assert_fits_the_screen(page)
    screenshot(page, "learning-my-plans")
