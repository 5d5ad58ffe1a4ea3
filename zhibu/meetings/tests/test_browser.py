"""Meetings on a phone-sized screen in the system Chromium: a courier taps "attended" for an
online lecture, and a secretary takes the roll call with htmx, row by row, and reads the calendar."""

import pytest

from zhibu.conftest import World, screenshot
from zhibu.meetings import services
from zhibu.meetings.models import Attendance, AttendanceMethod
from zhibu.meetings.tests.conftest import meeting_input
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_courier_taps_attended_for_an_online_lecture_on_a_phone(live_server, phone_page):
    world = World()
    data = meeting_input(
        kind="lecture", title="线上党课", mode="online", address="", online_link="https://meet.example.org/x"
    )
    lecture = services.create_meeting(world.root_user, world.mobile_a, data)
    page, base = phone_page, live_server.url
    log_in(page, base, "courier")
    page.goto(f"{base}/meetings/mine/")
    card = page.locator(f"#meeting-{lecture.pk}")
    assert "线上党课" in card.inner_text()
    assert_fits_the_screen(page)
    card.locator(".attend-button").click()
    page.wait_for_selector(".alert-success")
    card = page.locator(f"#meeting-{lecture.pk}")
    assert card.locator(".badge.text-bg-success").count() == 1 and card.locator(".attend-button").count() == 0
    attendance = Attendance.objects.get()
    assert (attendance.member, attendance.method) == (world.wang, AttendanceMethod.ONLINE)
    screenshot(page, "meetings-mine")


def test_a_secretary_takes_the_roll_call_on_a_phone(live_server, phone_page):
    world = World()
    assembly = services.create_meeting(world.root_user, world.branch_a1, meeting_input())
    page, base = phone_page, live_server.url
    log_in(page, base, "secretary")
    page.goto(f"{base}/meetings/{assembly.pk}/roll-call/")
    row = page.locator(f"#roll-{world.zhang.pk}")
    row.locator(".mark-present").click()
    page.locator(f"#roll-{world.zhang.pk} .mark-absent").wait_for()  # htmx swapped the row in place
    assert page.url.endswith("/roll-call/")
    assert list(Attendance.objects.values_list("member", flat=True)) == [world.zhang.pk]
    assert_fits_the_screen(page)
    screenshot(page, "meetings-roll-call")
    page.check(f"#roll-{world.li.pk} input[type=checkbox]")
    page.click("#roll-call-form > button[type=submit]")
    page.wait_for_url(f"**/meetings/{assembly.pk}/")
    assert page.locator("#quorum.alert-success").count() == 1  # both voting members present
    assert set(Attendance.objects.values_list("member", flat=True)) == {world.zhang.pk, world.li.pk}
    assert_fits_the_screen(page)
    page.goto(f"{base}/meetings/org/{world.branch_a1.pk}/calendar/")
    held = page.locator('.calendar-rule[data-kind="assembly"] .cal-held')
    assert held.count() == 1 and held.locator(".cal-state").inner_text().strip()  # a word, not colour alone
    assert_fits_the_screen(page)
    screenshot(page, "meetings-calendar")
