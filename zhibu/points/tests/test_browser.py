"""Points on a phone-sized screen in the system Chromium, in Chinese: the industry committee's
administrator turns points on for the mobile members' branch with a rule, and a member who
attends a meeting finds the points in their ledger."""

import pytest

from zhibu.conftest import World, screenshot
from zhibu.meetings import services as meetings
from zhibu.meetings.tests.conftest import meeting_input
from zhibu.points.models import PointsPolicy
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_points_turned_on_and_earned_on_a_phone(live_server, phone_page):
    world = World()
    page, base = phone_page, live_server.url
    log_in(page, base, "industry")
    page.goto(f"{base}/points/org/{world.mobile_a.pk}/")
    page.locator("#points-state").wait_for()
    page.check("#policy-is_enabled")
    page.click("#points-policy button[type=submit]")
    page.wait_for_selector(".alert-success")
    page.select_option("#rule-kind", "meeting_attended")
    page.fill("#rule-points", "5")
    page.fill("#rule-cap_per_day", "10")
    page.click("#points-rule-form button[type=submit]")
    page.wait_for_selector("#rule-meeting_attended")
    assert_fits_the_screen(page)
    screenshot(page, "points-settings")
    assert PointsPolicy.objects.get(organization=world.mobile_a).is_enabled

    online = meetings.create_meeting(
        world.root_user,
        world.mobile_a,
        meeting_input(
            kind="lecture", title="线上党课", mode="online", address="", online_link="https://m.example.org/a"
        ),
    )
    meetings.attend_online(world.users["courier"], online)
    log_out(page)
    log_in(page, base, "courier")
    page.goto(f"{base}/points/mine/")
    assert page.inner_text("#points-total") == "5"
    assert "+5" in page.inner_text("#points-ledger")
    assert page.locator("#ranking-link").count() == 0
    assert_fits_the_screen(page)
    screenshot(page, "points-mine")
