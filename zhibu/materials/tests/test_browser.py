"""Materials on a phone-sized screen in the system Chromium, in Chinese: the courier finds the parcel
on its way and confirms receipt in one tap; the secretary follows the branch's figures down to the
members still waiting."""

import datetime

import pytest
from django.utils import timezone

from zhibu.conftest import World, screenshot
from zhibu.materials import services
from zhibu.materials.models import Delivery, DeliveryState
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def launched(world, organization, title: str, mobile_only: bool):
    campaign = services.create_campaign(
        world.root_user, services.CampaignInput(organization, title, "党章\n党徽\n致流动党员的一封信", mobile_only)
    )
    services.launch(world.root_user, campaign, at=timezone.now() - datetime.timedelta(days=7))
    return campaign


def test_the_courier_confirms_receipt_in_one_tap_on_a_phone(live_server, phone_page):
    world = World()
    campaign = launched(world, world.industry, "秋季红色包裹", mobile_only=True)
    delivery = Delivery.objects.select_related("member__home_org", "campaign__organization").get(member=world.wang)
    services.mark_sent(world.root_user, delivery, "SF1234567890", timezone.localdate() - datetime.timedelta(days=2))
    page, base = phone_page, live_server.url
    log_in(page, base, "courier")
    page.goto(f"{base}/materials/mine/")
    parcel = page.locator(f"#parcel-{delivery.pk}")
    assert "秋季红色包裹" in parcel.inner_text() and "SF1234567890" in parcel.inner_text()
    assert_fits_the_screen(page)
    screenshot(page, "materials-mine")

    parcel.locator("button.confirm-receipt").click()  # the one tap
    page.wait_for_selector(".alert-success")
    assert page.locator("button.confirm-receipt").count() == 0
    delivery.refresh_from_db()
    assert (delivery.state, delivery.confirmed_by.username) == (DeliveryState.RECEIVED, "courier")
    assert campaign.deliveries.filter(state=DeliveryState.RECEIVED).count() == 1
    assert_fits_the_screen(page)
    screenshot(page, "materials-mine-received")


def test_the_secretary_drills_down_to_the_members_waiting_on_a_phone(live_server, phone_page):
    world = World()
    campaign = launched(world, world.branch_a1, "学习用书", mobile_only=False)
    zhang = Delivery.objects.select_related("member__home_org", "campaign__organization").get(member=world.zhang)
    services.mark_sent(world.root_user, zhang, "YT0000000001")
    page, base = phone_page, live_server.url
    log_in(page, base, "secretary")
    page.goto(f"{base}/materials/{campaign.pk}/")
    page.locator("#parts-chart[data-drawn=true] canvas").wait_for()
    assert_fits_the_screen(page)
    screenshot(page, "materials-campaign")
    page.locator(".figure-pending").click()
    page.wait_for_url("**state=pending**")
    rows = page.locator("#delivery-list tbody").inner_text()
    assert "李娜" in rows and "张晓明" not in rows
    page.fill(f"input[name=tracking-{campaign.deliveries.get(member=world.li).pk}]", "YT0000000002")
    page.click("#bulk-send button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert campaign.deliveries.filter(state=DeliveryState.SENT).count() == 2
    assert_fits_the_screen(page)
