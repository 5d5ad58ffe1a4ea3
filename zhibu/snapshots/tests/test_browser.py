"""The monthly ledger page on a phone-sized screen in the system Chromium: compare, drill down, freeze."""

import pytest

from zhibu.conftest import World, screenshot
from zhibu.registry.models import Member
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in
from zhibu.snapshots import services
from zhibu.snapshots.tests.conftest import FEBRUARY, JANUARY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_compares_months_and_freezes_on_a_phone(live_server, phone_page):
    world = World()
    services.freeze_all(JANUARY)
    Member.objects.filter(pk=world.zhang.pk).update(home_org=world.mobile_a)
    services.freeze_all(FEBRUARY)
    page, base = phone_page, live_server.url

    log_in(page, base, "industry")
    page.goto(f"{base}/ledgers/months/")
    table = page.locator("#comparison")
    assert table.locator("tbody tr").count() == 3  # the industry committee's total and its two companies
    assert_fits_the_screen(page)  # the wide table scrolls inside its own box
    chart = page.locator("#changes-chart[data-drawn=true] canvas")
    chart.wait_for()
    assert chart.bounding_box()["width"] > 300  # drawn across the phone's width
    data = page.evaluate("JSON.parse(document.getElementById('changes-data').textContent)")
    assert data["categories"] == ["A 快递公司党委", "B 快递公司党委"]
    assert [series["data"] for series in data["series"]] == [[0, 0], [0, 0], [1, 0], [1, 0], [0, 0]]
    screenshot(page, "monthly-ledgers")

    table.get_by_role("link", name="A 快递公司党委").click()
    page.wait_for_url(f"**org={world.company_a.pk}**")
    row = page.locator("#comparison tbody tr", has_text="A 公司第一党支部")
    row.locator("td").nth(5).get_by_role("link", name="1").click()  # moved out
    page.wait_for_url("**/people/moved_out/**")
    assert "张晓明" in page.locator("#people").inner_text()
    assert_fits_the_screen(page)
    screenshot(page, "monthly-ledgers-people")

    page.goto(f"{base}/ledgers/months/")
    page.locator("#freeze-form button").click()
    page.wait_for_selector(".alert-success")
    assert f"{services.current_month():%Y-%m}" in page.locator(".alert-success").inner_text()
