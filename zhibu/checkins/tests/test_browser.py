"""The whole 报到 on phone-sized screens in the system Chromium: a courier scans the station's code,
the station staff verify, the organisation accepts, and the home branch sees where the courier is."""

from decimal import Decimal

import pytest

from zhibu.checkins import codes
from zhibu.checkins.models import CheckIn, CheckInState
from zhibu.conftest import World, screenshot
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in, log_out
from zhibu.stations import services as stations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_courier_scans_and_ends_up_accepted_into_an_organisation(live_server, phone_page):
    world = World()
    point = stations.create_station(
        world.root_user,
        name="西丽党群服务中心",
        kind="service_center",
        level=2,
        is_checkin_point=True,
        organization=world.branch_b1,
        latitude=Decimal("22.58"),
        longitude=Decimal("113.95"),
        coordinate_system="wgs84",
        always_open=True,
    )
    page, base = phone_page, live_server.url

    # The station's screen shows a code; the courier's phone opens the link inside it.
    log_in(page, base, "station")
    page.goto(f"{base}/checkin/stations/{point.pk}/screen/")
    assert page.locator("#screen-code svg").count() == 1
    log_out(page)
    page.goto(f"{base}/checkin/c/{codes.make_code(point)}/")
    page.fill("input[name=name]", "张晓明")
    page.fill("input[name=id_number]", world.zhang.id_number)
    page.fill("input[name=phone]", "13700137000")
    assert_fits_the_screen(page)
    screenshot(page, "checkin-form")
    page.click("#checkin-form button[type=submit]")
    page.wait_for_selector("#checkin-result")
    assert "出示身份证" in page.inner_text("#checkin-result")

    # The station staff see the person waiting, with the numbers masked, and verify.
    log_in(page, base, "station")
    page.goto(f"{base}/checkin/desk/")
    page.get_by_role("link", name="西丽党群服务中心").click()
    card = page.locator("#waiting .card", has_text="张晓明")
    assert world.zhang.id_number not in card.inner_text()
    card.locator("form button", has_text="核验").first.click()
    page.wait_for_selector(".alert-success")
    assert "B 公司党支部" in page.inner_text(".alert-success")
    assert_fits_the_screen(page)
    log_out(page)

    # The organisation it was routed to accepts it from its inbox.
    log_in(page, base, "secretary2")
    page.goto(f"{base}/checkin/inbox/")
    page.locator("#inbox").get_by_role("link", name="张晓明").click()
    page.get_by_role("button", name="接收").click()
    page.wait_for_selector(".alert-success")
    checkin = CheckIn.objects.get()
    assert checkin.state == CheckInState.ACCEPTED and checkin.inflow.organization == world.branch_b1
    screenshot(page, "checkin-accepted")
    log_out(page)

    # The home branch sees where the courier is now, on the member's page.
    log_in(page, base, "secretary")
    page.goto(f"{base}/registry/members/{world.zhang.pk}/")
    history = page.locator("#mobility-history").inner_text()
    assert "流入" in history and "B 公司党支部" in history and "已报到" in history
    assert_fits_the_screen(page)


def test_the_nearest_page_on_a_phone_uses_a_typed_point_and_draws_no_outside_request(live_server, phone_page):
    world = World()
    for name, lng in (("远的驿站", "113.990000"), ("近的驿站", "113.931000")):
        stations.create_station(
            world.root_user,
            name=name,
            kind="rest_station",
            level=4,
            organization=world.branch_a1,
            latitude=Decimal("22.540000"),
            longitude=Decimal(lng),
            coordinate_system="wgs84",
            always_open=True,
        )
    page, base = phone_page, live_server.url
    outside = []
    page.on("request", lambda request: None if request.url.startswith(base) else outside.append(request.url))
    page.goto(f"{base}/stations/nearest/")
    page.locator("summary").click()
    page.fill("input[name=lat]", "22.54")
    page.fill("input[name=lng]", "113.93")
    page.select_option("select[name=system]", "wgs84")
    page.click("#nearest-form button[type=submit]")
    page.wait_for_selector("#nearest li")
    items = page.locator("#nearest li")
    assert "近的驿站" in items.nth(0).inner_text() and "远的驿站" in items.nth(1).inner_text()
    assert "103 m" in items.nth(0).inner_text()
    assert_fits_the_screen(page)
    screenshot(page, "nearest-stations")

    page.goto(f"{base}/stations/map/")
    page.wait_for_selector("#station-map[data-markers='2']")
    assert page.locator("#station-map path.leaflet-interactive").count() == 2
    assert "map-plain" in page.get_attribute("#station-map", "class")
    assert outside == []
