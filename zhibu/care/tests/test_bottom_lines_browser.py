"""The bottom-lines page on a phone-sized screen in the system Chromium, in Chinese: the chart is
drawn, a bar opens the organisation below, and a count opens the names behind it."""

import pytest

from zhibu.care.tests.test_bottom_lines import attend, campaign, contact, day, meeting, moment, parcel
from zhibu.conftest import World, screenshot
from zhibu.mobility import services as mobility
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_industry_secretary_sees_who_was_not_found_on_a_phone(live_server, phone_page):
    world = World()
    mobility.register_outflow(world.root_user, world.zhang, mobility.Whereabouts(since=day(1, 3)))
    contact(world, world.wang, day(2, 2))
    parcel(campaign(world, world.industry, day(2, 1)), world.wang, "received")
    attend(meeting(world.mobile_a, moment(day(3, 3))), world.wang)
    page, base = phone_page, live_server.url
    log_in(page, base, "industry")
    page.goto(f"{base}/care/bottom-lines/")
    page.wait_for_selector("#bottom-lines-chart[data-drawn=true]")
    cards = page.locator("#line-cards").inner_text()
    assert "已找到" in cards and "50.0%" in cards and "2 人中 1 人" in cards
    assert_fits_the_screen(page)
    screenshot(page, "bottom-lines")

    page.locator("#line-cards a[data-line=found]").click()
    page.wait_for_selector("#missing")
    table = page.locator("#missing").inner_text()
    assert "张晓明" in table and "王强" not in table and "未结对" in table
    assert_fits_the_screen(page)
    screenshot(page, "bottom-lines-missing")

    page.locator("#back-link").click()
    page.locator("#bottom-lines a", has_text="A 快递公司党委").click()
    page.wait_for_selector("#bottom-lines")
    assert "A 公司流动党员党支部" in page.locator("#bottom-lines").inner_text()
