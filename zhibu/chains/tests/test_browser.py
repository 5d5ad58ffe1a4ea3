"""Chain-led learning on a phone-sized screen in the system Chromium, in Chinese: a participant's
secretary accepts the invitation and names the members who came; the host's secretary reads the
chain's figures with their charts; the courier finds the session and its reading."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhibu.chains import services
from zhibu.chains.models import Attendee, Reply
from zhibu.chains.tests.conftest import invitation_of, session_input
from zhibu.conftest import World, screenshot
from zhibu.registry.tests.test_browser_flow import assert_fits_the_screen, log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_chain_session_from_invitation_to_figures_on_a_phone(live_server, phone_page):
    world = World()
    admin = world.root_user
    chain = services.create_chain(admin, services.ChainInput(world.branch_a1, "快递行业学习链"))
    services.add_participants(admin, chain, [world.branch_b1, world.mobile_a])
    session = services.create_session(admin, chain, session_input(agenda="一、学习\n二、交流"))
    services.invite(admin, session)
    pdf = SimpleUploadedFile("学习材料.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    services.add_material(admin, session, pdf)
    services.set_attendance(admin, invitation_of(session, world.mobile_a), {world.wang.pk}, {world.wang.pk})
    page, base = phone_page, live_server.url

    log_in(page, base, "secretary2")
    page.goto(f"{base}/chains/")
    page.locator("#open-invitations a").first.click()
    page.wait_for_selector("#invitations")
    assert_fits_the_screen(page)
    page.click("#invitations button[name=accept][value='1']")
    page.wait_for_selector(".alert-success")
    assert invitation_of(session, world.branch_b1).reply == Reply.ACCEPTED
    page.click("#invitations a.record-attendance")
    page.check(f"#present-{world.zhao.pk}")
    assert_fits_the_screen(page)
    screenshot(page, "chains-attendance")
    page.click("#attendance-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert set(Attendee.objects.values_list("member__name", flat=True)) == {"赵敏", "王强"}

    log_out(page)
    log_in(page, base, "secretary")
    page.goto(f"{base}/chains/{chain.pk}/figures/")
    page.locator("#orgs-chart[data-drawn=true] canvas").wait_for()
    page.locator("#members-chart[data-drawn=true] canvas").wait_for()
    assert page.inner_text("#total-organizations") == "2" and page.inner_text("#total-members") == "2"
    assert_fits_the_screen(page)
    screenshot(page, "chains-figures")

    log_out(page)
    log_in(page, base, "courier")
    page.goto(f"{base}/chains/mine/")
    card = page.locator(f"#session-{session.pk}")
    assert "链上党课" in card.inner_text() and "学习材料.pdf" in card.inner_text()
    assert_fits_the_screen(page)
    screenshot(page, "chains-mine")
