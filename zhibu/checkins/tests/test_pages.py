"""The 报到 pages as people use them: the page behind the QR code, the station desk, the inbox,
a member's own list, the figures with their drill-down, and the notices."""

import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from zhibu.checkins import codes, services
from zhibu.checkins.models import CheckIn, CheckInState
from zhibu.conftest import make_id_number
from zhibu.notifications.models import Notification

ZHANG = {"name": "张晓明", "phone": "13700137000"}


def start_url(point, kind=codes.SCREEN) -> str:
    return reverse("checkins:start", args=[codes.make_code(point, kind)])


def test_the_qr_page_takes_a_check_in_without_an_account(client, world, point):
    url = start_url(point)
    page = client.get(url).content.decode()
    assert "西丽党群服务中心" in page and 'name="id_number"' in page
    response = client.post(url, ZHANG | {"id_number": world.zhang.id_number})
    assert response.status_code == 200 and "出示身份证" in response.content.decode()
    checkin = CheckIn.objects.get()
    assert checkin.state == CheckInState.SUBMITTED and checkin.member is None
    again = client.post(url, ZHANG | {"id_number": world.zhang.id_number})  # a reload re-sends the form
    assert "已在此报到过" in again.content.decode() and CheckIn.objects.count() == 1


def test_the_qr_page_shows_mistakes_on_the_fields(client, world, point):
    response = client.post(start_url(point), {"name": "张晓明", "id_number": "440305199001011234", "phone": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and page.count("invalid-feedback") == 2 and "身份证" in page
    assert "440305199001011234" not in page  # never written back into the page
    assert not CheckIn.objects.exists()


def test_a_forged_or_expired_code_gets_a_clear_page(client, world, point):
    response = client.get(reverse("checkins:start", args=["s.forged:code"]))
    assert response.status_code == 400 and "报到码无效" in response.content.decode()
    services.withdraw_codes(world.root_user, point)
    old = client.get(start_url(point).replace(str(point.checkin_key_version), str(point.checkin_key_version - 1)))
    assert old.status_code == 400


def test_a_signed_in_courier_reports_in_with_one_tap(client, world, point):
    client.force_login(world.users["courier"])
    url = start_url(point, codes.POSTER)
    assert "一键" in client.get(url).content.decode()
    page = client.post(url).content.decode()
    checkin = CheckIn.objects.get()
    assert checkin.member == world.wang and checkin.state == CheckInState.ROUTED
    assert checkin.routed_to.name in page
    mine = client.get(reverse("checkins:mine")).content.decode()
    assert "西丽党群服务中心" in mine and "待党组织接收" in mine


def test_station_staff_verify_at_the_desk(client, world, point, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_from_form(point, services.Claim(id_number=world.zhang.id_number, **ZHANG))
    client.force_login(world.users["station"])
    desk = client.get(reverse("checkins:desk")).content.decode()
    assert "西丽党群服务中心" in desk and "1 人等待" in desk
    station_page = client.get(reverse("checkins:station", args=[point.pk])).content.decode()
    checkin = CheckIn.objects.get()
    assert "张晓明" in station_page and checkin.id_number_masked in station_page
    assert world.zhang.id_number not in station_page and "13700137000" not in station_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("checkins:verify", args=[checkin.pk]), follow=True)
    assert "已核验" in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.state == CheckInState.ROUTED and checkin.routed_to == world.branch_b1
    assert Notification.objects.filter(recipient=world.users["secretary2"], url__endswith=f"/{checkin.pk}/").exists()


def test_staff_correct_a_mistyped_entry_before_verifying(client, world, point):
    checkin = services.submit_from_form(
        point, services.Claim(id_number=world.zhang.id_number, **ZHANG | {"name": "张小明"})
    ).checkin
    client.force_login(world.users["station"])
    response = client.post(reverse("checkins:verify", args=[checkin.pk]), follow=True)
    assert "未匹配" in response.content.decode()
    corrected = {"name": "张晓明", "id_number": world.zhang.id_number, "phone": "13700137000"}
    client.post(reverse("checkins:verify", args=[checkin.pk]), corrected)
    checkin.refresh_from_db()
    assert checkin.member == world.zhang and checkin.state == CheckInState.ROUTED


def test_the_screen_code_renews_itself_and_the_poster_is_a_pdf(client, world, point):
    client.force_login(world.users["station"])
    screen = client.get(reverse("checkins:screen", args=[point.pk])).content.decode()
    assert "<svg" in screen and 'hx-trigger="every 300s"' in screen  # half of the ten minutes
    partial = client.get(reverse("checkins:screen_code", args=[point.pk])).content.decode()
    assert partial.startswith('<div id="screen-code"') and "<svg" in partial and "<html" not in partial
    response = client.get(reverse("checkins:poster", args=[point.pk]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1 and "党员报到处" in text and "西丽党群服务中心" in text and "365" in text


def test_withdrawing_codes_from_the_desk(client, world, point):
    code = codes.make_code(point)
    client.force_login(world.users["secretary2"])
    response = client.post(reverse("checkins:withdraw", args=[point.pk]), follow=True)
    assert "已全部作废" in response.content.decode()
    with pytest.raises(codes.CodeError):
        codes.read_code(code)


def routed_checkin(world, point):
    checkin = services.submit_from_form(point, services.Claim(id_number=world.zhang.id_number, **ZHANG)).checkin
    return services.verify(world.root_user, checkin)


def test_the_inbox_accepts_and_the_home_branch_sees_where_the_member_is(client, world, point):
    checkin = routed_checkin(world, point)
    client.force_login(world.users["secretary2"])
    inbox = client.get(reverse("checkins:inbox")).content.decode()
    assert "张晓明" in inbox and "A 公司第一党支部" in inbox
    detail = client.get(reverse("checkins:detail", args=[checkin.pk])).content.decode()
    assert reverse("checkins:accept", args=[checkin.pk]) in detail
    client.post(reverse("checkins:accept", args=[checkin.pk]))
    checkin.refresh_from_db()
    assert checkin.state == CheckInState.ACCEPTED and checkin.inflow.organization == world.branch_b1
    inbox = client.get(reverse("checkins:inbox")).content.decode()
    assert "已接收张晓明" in inbox and "没有待您处理的报到" in inbox

    client.force_login(world.users["secretary"])  # the home branch reads the check-in, cannot decide
    home_view = client.get(reverse("checkins:detail", args=[checkin.pk])).content.decode()
    assert "B 公司党支部" in home_view and reverse("checkins:accept", args=[checkin.pk]) not in home_view


def test_sending_a_check_in_on_by_organisation_code(client, world, point):
    checkin = routed_checkin(world, point)
    client.force_login(world.users["secretary2"])
    url = reverse("checkins:redirect", args=[checkin.pk])
    page = client.post(url, {"organization_code": "no-such-code"}).content.decode()
    assert "没有使用该编码的党组织" in page
    response = client.post(url, {"organization_code": "mobile-a", "note": "在 A 公司跑件"})
    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.routed_to == world.mobile_a and checkin.route_note == "在 A 公司跑件"


def test_figures_count_check_ins_and_drill_down_to_them(client, world, point):
    routed_checkin(world, point)
    services.submit_from_form(point, services.Claim(name="李娜", id_number=world.li.id_number, phone="13700137001"))
    client.force_login(world.users["industry"])
    page = client.get(reverse("checkins:figures")).content.decode()
    total = re.search(r"全部报到</div><div class=\"fs-3\">(\d+)<", page)
    assert total and total[1] == "2"
    chart = json.loads(re.search(r'<script id="stations-data" type="application/json">(.*?)</script>', page)[1])
    assert chart["categories"] == ["西丽党群服务中心"] and chart["series"][0]["data"] == [2]
    link = re.search(r'href="([^"]*station=\d+)"', page)[1].replace("&amp;", "&")
    drilled = client.get(link).content.decode()
    assert "张晓明" in drilled and "李娜" in drilled and "2 条报到" in drilled
    routed_only = client.get(link + "&state=routed").content.decode()
    assert "张晓明" in routed_only and "李娜" not in routed_only
    assert client.get(reverse("checkins:list") + "?station=x&month=bad&state=nope").status_code == 200


def test_a_member_presses_i_am_here(client, world, point):
    client.force_login(world.users["courier"])
    response = client.post(reverse("checkins:visit", args=[point.pk]))
    assert response.status_code == 302 and response.url == reverse("stations:detail", args=[point.pk])
    assert point.visits.count() == 1 and point.days.get().visits == 1
    client.force_login(world.users["station"])
    response = client.post(reverse("checkins:visit", args=[point.pk]), follow=True)
    assert "只有党员" in response.content.decode() and point.visits.count() == 1


def test_notifications_are_listed_and_marked_read(client, world, point, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        routed_checkin(world, point)
    client.force_login(world.users["secretary2"])
    home = client.get(reverse("home")).content.decode()
    assert 'id="unread-count">2<' in home  # one waiting at their station, then one in their inbox
    listing = client.get(reverse("notifications:inbox")).content.decode()
    assert "张晓明在西丽党群服务中心报到" in listing
    client.post(reverse("notifications:mark_all_read"))
    assert 'id="unread-count"' not in client.get(reverse("home")).content.decode()


def test_pages_do_not_grow_with_the_check_ins(client, world, point, django_assert_max_num_queries):
    client.force_login(world.users["industry"])
    urls = [reverse(name) for name in ("checkins:inbox", "checkins:figures", "checkins:list", "checkins:desk")]

    def counts():
        counted = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counted[url] = len(queries)
        return counted

    def add_checkin(index: int) -> None:
        member = world.add_member(f"报到{index}", make_id_number("440305", "19920202", 500 + index), world.branch_a1)
        checkin = services.submit_from_form(point, services.Claim(member.name, member.id_number, "13700137000")).checkin
        services.verify(world.root_user, checkin)

    add_checkin(0)
    baseline = counts()
    for index in range(1, 7):
        add_checkin(index)
    for url, count in baseline.items():
        with django_assert_max_num_queries(count):
            client.get(url)
