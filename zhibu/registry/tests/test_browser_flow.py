"""The secretary's everyday flow in the system Chromium on a phone-sized screen, and secretary2's refusal."""

import pytest

from zhibu.conftest import PASSWORD, World, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def log_out(page) -> None:
    page.context.clear_cookies()


def assert_fits_the_screen(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone screen"


def test_secretary_finds_a_member_and_secretary2_cannot(live_server, phone_page):
    world = World()
    page, base = phone_page, live_server.url
    full_id = world.zhang.id_number

    log_in(page, base, "secretary")
    assert "A 公司第一党支部" in page.content()  # the home page shows the secretary's scope
    screenshot(page, "home")

    page.goto(f"{base}/registry/orgs/")
    node = page.locator("#org-tree li", has_text="A 公司第一党支部")
    assert node.count() == 1
    assert "2" in node.inner_text()  # members in the branch's subtree
    assert_fits_the_screen(page)
    screenshot(page, "org-tree")
    node.get_by_role("link", name="A 公司第一党支部").click()
    page.wait_for_url(f"{base}/registry/orgs/{world.branch_a1.pk}/")
    assert "张晓明" in page.content() and "李娜" in page.content()
    screenshot(page, "org-detail")

    page.goto(f"{base}/registry/members/")
    page.fill("input[name=q]", "zxm")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url("**q=zxm**")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1 and "张晓明" in rows.first.inner_text()
    assert_fits_the_screen(page)
    screenshot(page, "member-search")

    rows.first.get_by_role("link", name="张晓明").click()
    page.wait_for_url(f"{base}/registry/members/{world.zhang.pk}/")
    content = page.content()
    assert world.zhang.id_number_masked in content
    assert full_id not in content
    assert_fits_the_screen(page)
    screenshot(page, "member-detail")

    # Revealing is one deliberate, audited click, and the clear value replaces the mask in place.
    page.locator(".personal-value", has_text=world.zhang.id_number_masked).get_by_role("button").click()
    page.wait_for_selector(f"text={full_id}")
    page.reload()
    assert full_id not in page.content()  # shown for that one response only

    log_out(page)
    log_in(page, base, "secretary2")
    response = page.goto(f"{base}/registry/members/{world.zhang.pk}/")
    assert response.status == 404
    page.goto(f"{base}/registry/members/?q=zxm")
    assert "张晓明" not in page.content()


def test_tree_expands_lazily(live_server, phone_page):
    world = World()
    page, base = phone_page, live_server.url
    log_in(page, base, "industry")
    page.goto(f"{base}/registry/orgs/")
    company = page.locator(f"#org-node-{world.company_a.pk} > details")
    assert "A 公司第一党支部" not in page.locator("#org-tree").inner_text()
    with page.expect_response(lambda r: "/children/" in r.url):
        company.locator("> summary").click()
    page.wait_for_selector("#org-tree >> text=A 公司流动党员党支部")
    assert "A 公司第一党支部" in page.locator("#org-tree").inner_text()
    screenshot(page, "org-tree-expanded")
