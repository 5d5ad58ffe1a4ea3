"""The cadre's "my members" on a phone-sized screen in the system Chromium: who is due this week,
the overdue member in red, and a talk logged with htmx that brings the card up to date."""

import pytest

from zhibu.care import services
from zhibu.care.models import Contact
from zhibu.care.tests.helpers import TODAY, days_ago, ensure_default_rules, mobile_member
from zhibu.conftest import World, screenshot
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cadre_sees_who_is_due_and_logs_a_talk_on_a_phone(live_server, phone_page):
    world = World()
    ensure_default_rules()
    cadre = world.users["cadre"]
    services.pair(world.root_user, world.mobile_a, world.wang, cadre, days_ago(100))  # overdue by 10 days
    soon = mobile_member(world, "陈静", 950)
    services.pair(world.root_user, world.mobile_a, soon, cadre, days_ago(86))  # due in 4 days
    page, base = phone_page, live_server.url
    log_in(page, base, "cadre")
    page.goto(f"{base}/care/")
    due = page.locator("#due-soon")
    assert "王强" in due.inner_text() and "陈静" in due.inner_text()
    card = page.locator(f"#member-{world.wang.pk}")
    assert card.locator(".due-overdue").is_visible()
    assert_fits_the_screen(page)
    screenshot(page, "care-my-members")

    card.locator("summary").click()
    form = card.locator("form.contact-form")
    form.locator("select[name$=-kind]").select_option("talk")
    form.locator("select[name$=-channel]").select_option("phone")
    form.locator("textarea[name$=-summary]").fill("聊了最近跑单的情况")
    form.locator("input[name$=-next_step]").fill("下月见面")
    assert_fits_the_screen(page)
    form.locator("button[type=submit]").click()
    page.locator(f"#member-{world.wang.pk} .contact-saved").wait_for()  # htmx swapped the card
    contact = Contact.objects.get()
    assert (contact.member, contact.cadre, contact.on, contact.kind) == (world.wang, cadre, TODAY, "talk")
    card = page.locator(f"#member-{world.wang.pk}")
    assert card.locator(".due-overdue").count() == 0 and TODAY.isoformat() in card.inner_text()
    screenshot(page, "care-contact-logged")
