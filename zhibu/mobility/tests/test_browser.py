"""Mobility on phone-sized screens in the system Chromium, in Chinese: a secretary registers an
outflow from the member page and finds it in the history; the figures drill down to the records;
a cadre records an attempt to find a lost member."""

import datetime

import pytest
from django.utils import timezone

from zhibu.conftest import World, screenshot
from zhibu.core.models import AuditEvent
from zhibu.mobility import services
from zhibu.mobility.models import FindingTask, Mobility, MobilityState
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()


def test_a_secretary_registers_an_outflow_on_a_phone_and_sees_it_in_the_history(live_server, phone_page):
    world = World()
    page, base = phone_page, live_server.url
    log_in(page, base, "secretary")
    page.goto(f"{base}/registry/members/{world.zhang.pk}/")
    assert "没有流动记录" in page.locator("#mobility-history").inner_text()
    page.locator("#register-outflow").click()
    page.wait_for_selector("#outflow-form")
    since = TODAY - datetime.timedelta(days=14)
    page.fill("input[name=since]", since.isoformat())
    page.select_option("select[name=to_region]", label="南山区")
    page.fill("input[name=expected_months]", "12")
    page.fill("input[name=reach_phone]", "13700137000")
    page.fill("input[name=reach_note]", "电话 13700137000")  # in the note: refused
    page.click("#outflow-form button[type=submit]")
    page.wait_for_selector("#outflow-form .invalid-feedback")
    assert "不要写在备注里" in page.locator("#outflow-form").inner_text() and not Mobility.objects.exists()
    assert_fits_the_screen(page)
    screenshot(page, "mobility-outflow-refused")

    page.fill("input[name=reach_phone]", "13700137000")  # the page never keeps the number
    page.fill("input[name=reach_note]", "")
    page.click("#outflow-form button[type=submit]")
    page.wait_for_selector("#record")
    record = Mobility.objects.get()
    assert (record.state, record.since, record.reach_phone) == (MobilityState.REGISTERED, since, "13700137000")
    reach = page.locator("#reach-phone")
    assert "137****7000" in reach.inner_text() and "13700137000" not in page.content()
    reach.locator("button").click()  # revealing: htmx swaps the number in, and it is audited
    page.wait_for_selector("#reach-phone .revealed")
    assert "13700137000" in reach.inner_text()
    assert AuditEvent.objects.filter(action="reveal", object_id=str(record.pk)).count() == 1
    assert_fits_the_screen(page)
    screenshot(page, "mobility-record")

    page.locator("#record").get_by_role("link", name="张晓明").click()
    history = page.locator("#mobility-history")
    history.wait_for()
    assert "流出登记" in history.inner_text() and "南山区" in history.inner_text()
    assert page.locator("#register-outflow").count() == 0  # one open outflow at a time
    history.get_by_role("link").first.click()
    page.wait_for_url(f"**/mobility/{record.pk}/")
    assert_fits_the_screen(page)


def test_the_figures_drill_down_to_the_records_on_a_phone(live_server, phone_page):
    world = World()
    admin = world.root_user
    services.register_outflow(admin, world.zhang, services.Whereabouts(since=TODAY - datetime.timedelta(days=60)))
    lost = services.register_outflow(admin, world.li, services.Whereabouts(since=TODAY - datetime.timedelta(days=90)))
    services.mark_lost(admin, lost, TODAY - datetime.timedelta(days=30))
    page, base = phone_page, live_server.url
    log_in(page, base, "secretary")
    page.goto(f"{base}/mobility/")
    chart = page.locator("#state-chart[data-drawn=true] canvas")
    chart.wait_for()
    assert chart.bounding_box()["width"] > 300
    assert "30 天" in page.locator("#lost").inner_text()
    assert_fits_the_screen(page)
    screenshot(page, "mobility-index")

    page.locator("#by-state tbody tr", has_text="失联").locator("td").first.get_by_role("link").click()
    page.wait_for_url("**state=lost**direction=outflow**")
    records = page.locator("#record-list tbody").inner_text()
    assert "李娜" in records and "张晓明" not in records
    assert_fits_the_screen(page)


def test_a_cadre_records_an_attempt_on_a_phone(live_server, phone_page):
    world = World()
    admin = world.root_user
    record = services.register_outflow(
        admin, world.wang, services.Whereabouts(since=TODAY - datetime.timedelta(days=90))
    )
    services.mark_lost(admin, record, TODAY - datetime.timedelta(days=10))
    task = services.open_finding_task(admin, record, world.users["cadre"])
    page, base = phone_page, live_server.url
    log_in(page, base, "cadre")
    page.goto(f"{base}/mobility/tasks/")
    page.locator("#task-list").get_by_role("link", name="王强").click()
    page.wait_for_selector("#attempt-form")
    page.select_option("select[name=method]", "employer")
    page.select_option("select[name=result]", "found")
    page.fill("textarea[name=note]", "在龙华分拣中心上班")
    assert_fits_the_screen(page)
    page.click("#attempt-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "在龙华分拣中心上班" in page.locator("#attempts").inner_text()
    assert page.locator("#attempt-form").count() == 0
    task.refresh_from_db()
    record.refresh_from_db()
    assert task.state == FindingTask.State.FOUND and record.state == MobilityState.REGISTERED
    screenshot(page, "mobility-task")
