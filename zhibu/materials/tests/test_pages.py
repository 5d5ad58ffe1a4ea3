"""The materials pages as a secretary, an industry admin and a courier use them: a campaign from draft
to launch with its preview count, the figures that drill down to the members behind them, marking
sent one at a time and in bulk, confirming receipt, the member's one tap, and the query counts."""

import datetime
import json
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhibu.conftest import make_id_number
from zhibu.core.models import AuditEvent
from zhibu.core.tests.pages import section, text
from zhibu.materials import services
from zhibu.materials.models import Campaign, Delivery, DeliveryState
from zhibu.notifications.models import Notification

TODAY = timezone.localdate()
INDEX = reverse("materials:index")
DELIVERIES = reverse("materials:deliveries")


def campaign_of(world, organization, title="红色包裹", mobile_only=False, launch=True) -> Campaign:
    campaign = services.create_campaign(
        world.root_user, services.CampaignInput(organization, title, "党章\n党徽", mobile_only=mobile_only)
    )
    if launch:
        services.launch(world.root_user, campaign, at=timezone.now() - datetime.timedelta(days=5))
    return campaign


def delivery_of(campaign, member) -> Delivery:
    return Delivery.objects.get(campaign=campaign, member=member)


def test_a_secretary_drafts_previews_changes_and_launches_a_campaign(as_persona, world):
    client = as_persona("secretary")
    response = client.post(
        reverse("materials:create"),
        {"organization": world.branch_a1.pk, "title": "学习用书", "contents": "党章\n学习读本", "mobile_only": "on"},
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and campaign.state == Campaign.State.DRAFT
    page = text(client.get(reverse("materials:detail", args=[campaign.pk])))
    assert "No member is targeted yet" in section(page, "launch-panel", "form")
    response = client.post(reverse("materials:launch", args=[campaign.pk]), follow=True)
    assert "No member is targeted" in text(response) and not Delivery.objects.exists()

    client.post(
        reverse("materials:edit", args=[campaign.pk]),
        {"organization": world.branch_a1.pk, "title": "学习用书", "contents": "党章\n学习读本"},  # all members
    )
    page = text(client.get(reverse("materials:detail", args=[campaign.pk])))
    assert "Launching writes a parcel to send for 2 members." in page
    response = client.post(reverse("materials:launch", args=[campaign.pk]), follow=True)
    assert "2 parcels to send" in text(response)
    assert Delivery.objects.filter(campaign=campaign, state=DeliveryState.PENDING).count() == 2
    assert client.get(reverse("materials:edit", args=[campaign.pk])).status_code == 302  # no longer a draft


def test_the_form_offers_only_the_organisations_the_actor_edits(as_persona, world):
    client = as_persona("secretary")
    response = client.post(
        reverse("materials:create"), {"organization": world.branch_b1.pk, "title": "x", "contents": "党章"}
    )
    assert response.status_code == 200 and not Campaign.objects.exists()
    assert "Select a valid choice" in text(response)


def test_figures_drill_down_to_the_members_behind_them(as_persona, world):
    campaign = campaign_of(world, world.industry)
    services.mark_sent(world.root_user, delivery_of(campaign, world.zhang), "SF0000000001")
    services.mark_sent(world.root_user, delivery_of(campaign, world.wang), "SF0000000003")
    services.confirm_receipt(world.root_user, delivery_of(campaign, world.wang))
    client = as_persona("industry")
    page = text(client.get(reverse("materials:detail", args=[campaign.pk])))
    by_org = section(page, "by-organization", "table")
    assert by_org.index("A 快递公司党委") < by_org.index("B 快递公司党委")  # the one lagging most first: 2 outstanding
    chart = json.loads(re.search(r'id="parts-data" type="application/json">(.*?)</script>', page)[1])
    assert chart["categories"] == ["A 快递公司党委", "B 快递公司党委"]
    assert chart["series"][-1] == {"name": "To be sent", "data": [1, 1]}
    pending_link = re.search(r'class="card text-decoration-none h-100 figure-pending" href="([^"]+)"', page)[1]
    listing = text(client.get(pending_link.replace("&amp;", "&")))
    rows = section(listing, "delivery-list", "table")
    assert "李娜" in rows and "赵敏" in rows and "张晓明" not in rows and "王强" not in rows

    outstanding = text(
        client.get(DELIVERIES, {"campaign": campaign.pk, "state": "outstanding", "org": world.company_a.pk})
    )
    rows = section(outstanding, "delivery-list", "table")
    assert "张晓明" in rows and "李娜" in rows and "王强" not in rows and "赵敏" not in rows


def test_a_secretary_sees_only_the_branch_share_of_a_higher_campaign(as_persona, world):
    campaign = campaign_of(world, world.industry, title="行业红色包裹")
    client = as_persona("secretary")
    assert "行业红色包裹" in text(client.get(INDEX))
    page = text(client.get(reverse("materials:detail", args=[campaign.pk])))
    assert "A 公司第一党支部" in page and "B 快递公司党委" not in page
    assert client.post(reverse("materials:close", args=[campaign.pk])).status_code == 403
    listing = section(text(client.get(DELIVERIES, {"campaign": campaign.pk})), "delivery-list", "table")
    assert "张晓明" in listing and "王强" not in listing and "赵敏" not in listing


def test_the_list_shows_no_personal_numbers(as_persona, world):
    campaign_of(world, world.company_a)
    page = text(as_persona("industry").get(DELIVERIES))
    assert "王强" in page
    for number in ("13900139000", "139****9000", world.wang.id_number, world.zhang.id_number):
        assert number not in page


def test_marking_sent_on_the_page_checks_the_tracking_number_and_tells_the_member(
    as_persona, world, django_capture_on_commit_callbacks
):
    campaign = campaign_of(world, world.mobile_a)
    delivery = delivery_of(campaign, world.wang)
    client = as_persona("industry")
    url = reverse("materials:send", args=[delivery.pk])
    response = client.post(url, {"tracking_number": "SF 12", "sent_on": TODAY.isoformat()})
    assert response.status_code == 400 and "6 to 40 letters and digits" in text(response)
    future = (TODAY + datetime.timedelta(days=1)).isoformat()
    assert "The date lies in the future." in text(
        client.post(url, {"tracking_number": "SF1234567890", "sent_on": future})
    )
    assert delivery_of(campaign, world.wang).state == DeliveryState.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"tracking_number": "sf1234567890", "sent_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert delivery_of(campaign, world.wang).tracking_number == "SF1234567890"
    assert Notification.objects.filter(recipient=world.users["courier"], body__contains="SF1234567890").exists()


def test_bulk_sending_writes_every_ticked_row_or_none(as_persona, world):
    campaign = campaign_of(world, world.company_a)
    zhang, li = delivery_of(campaign, world.zhang), delivery_of(campaign, world.li)
    client = as_persona("secretary")
    listing = text(client.get(DELIVERIES, {"campaign": campaign.pk}))
    assert f'name="tracking-{zhang.pk}"' in listing and 'id="bulk-send"' in listing
    assert f'name="tracking-{delivery_of(campaign, world.wang).pk}"' not in listing  # not the secretary's member
    body = {
        "delivery": [zhang.pk, li.pk],
        f"tracking-{zhang.pk}": "YT0000000001",
        f"tracking-{li.pk}": "坏单号",
        "sent_on": TODAY.isoformat(),
        "next": f"{DELIVERIES}?campaign={campaign.pk}",
    }
    response = client.post(reverse("materials:bulk_send"), body, follow=True)
    assert "Nothing was marked sent. 李娜:" in text(response)
    assert not Delivery.objects.filter(state=DeliveryState.SENT).exists()
    body[f"tracking-{li.pk}"] = "YT0000000002"
    response = client.post(reverse("materials:bulk_send"), body)
    assert response.status_code == 302 and response.url == f"{DELIVERIES}?campaign={campaign.pk}"
    assert set(Delivery.objects.filter(state=DeliveryState.SENT).values_list("member__name", flat=True)) == {
        "张晓明",
        "李娜",
    }
    wang = delivery_of(campaign, world.wang)
    body = {"delivery": [wang.pk], f"tracking-{wang.pk}": "YT0000000003", "sent_on": TODAY.isoformat()}
    assert client.post(reverse("materials:bulk_send"), body).status_code == 404  # outside the branch


def test_a_secretary_confirms_receipt_of_a_parcel_handed_over(as_persona, world):
    campaign = campaign_of(world, world.branch_a1)
    delivery = delivery_of(campaign, world.zhang)
    client = as_persona("secretary")
    page = text(client.get(reverse("materials:delivery", args=[delivery.pk])))
    assert "handed over in person" in section(page, "receive-form", "form")
    url = reverse("materials:receive", args=[delivery.pk])
    future = (TODAY + datetime.timedelta(days=1)).isoformat()
    assert "The date lies in the future." in text(client.post(url, {"received_on": future}, follow=True))
    response = client.post(url, {"received_on": TODAY.isoformat()}, follow=True)
    assert "Receipt recorded." in text(response)
    assert "Receipt was confirmed already." in text(client.post(url, {}, follow=True))
    delivery.refresh_from_db()
    assert (delivery.state, delivery.handed_over) == (DeliveryState.RECEIVED, True)


def test_the_courier_confirms_in_one_tap_and_a_second_tap_is_recorded_once(as_persona, world):
    campaign = campaign_of(world, world.mobile_a, title="流动党员红色包裹")
    delivery = delivery_of(campaign, world.wang)
    client = as_persona("courier")
    page = text(client.get(reverse("materials:mine")))
    assert "Your branch is preparing it." in page and "I have received it" not in page
    services.mark_sent(world.root_user, delivery, "SF1234567890")
    page = text(client.get(reverse("materials:mine")))
    assert "SF1234567890" in page and "I have received it" in page
    url = reverse("materials:receive", args=[delivery.pk])
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("materials:mine")
    assert "Receipt confirmed." in text(response) and "I have received it" not in text(response)
    assert "Receipt was confirmed already." in text(client.post(url, follow=True))
    events = AuditEvent.objects.filter(object_type="materials.delivery", object_id=str(delivery.pk))
    assert events.filter(changes__state=["sent", "received"]).count() == 1


def test_the_courier_cannot_confirm_someone_elses_parcel(as_persona, world):
    campaign = campaign_of(world, world.company_a)
    services.mark_sent(world.root_user, delivery_of(campaign, world.zhang), "SF1234567890")
    client = as_persona("courier")
    assert client.post(reverse("materials:receive", args=[delivery_of(campaign, world.zhang).pk])).status_code == 404
    assert delivery_of(campaign, world.zhang).state == DeliveryState.SENT


def test_closing_stops_changes_on_the_pages(as_persona, world):
    campaign = campaign_of(world, world.branch_a1)
    client = as_persona("secretary")
    client.post(reverse("materials:close", args=[campaign.pk]))
    delivery = delivery_of(campaign, world.zhang)
    page = text(client.get(reverse("materials:delivery", args=[delivery.pk])))
    assert 'id="send-form"' not in page and "The campaign is closed" in page
    response = client.post(
        reverse("materials:send", args=[delivery.pk]), {"tracking_number": "SF1234567890", "sent_on": TODAY.isoformat()}
    )
    assert "The campaign is closed" in text(response)
    assert 'id="bulk-send"' not in text(client.get(DELIVERIES))


def add_members(world, start: int, count: int) -> None:
    for index in range(start, start + count):
        world.add_member(f"党员{index}", make_id_number("440305", "19900303", 100 + index), world.branch_a1)


def test_pages_do_not_grow_with_the_deliveries(as_persona, world, django_assert_max_num_queries):
    client = as_persona("secretary")

    def build(start: int, count: int) -> Campaign:
        add_members(world, start, count)
        campaign = campaign_of(world, world.branch_a1, title=f"学习用书{start}")
        for delivery in Delivery.objects.filter(campaign=campaign).select_related(
            "member__home_org", "campaign__organization"
        )[: count // 2]:
            services.mark_sent(world.root_user, delivery, f"SF{delivery.pk:010d}")
        return campaign

    first = build(0, 2)
    urls = [INDEX, DELIVERIES, reverse("materials:detail", args=[first.pk]), f"{DELIVERIES}?state=pending"]
    baseline = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        baseline[url] = len(queries)
    build(10, 12)
    build(30, 6)
    for url, count in baseline.items():
        with django_assert_max_num_queries(count):
            client.get(url)


def test_my_parcels_do_not_grow_with_the_campaigns(as_persona, world, django_assert_max_num_queries):
    client = as_persona("courier")
    campaign_of(world, world.mobile_a, title="一")
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("materials:mine"))
    for title in ("二", "三", "四"):
        services.mark_sent(
            world.root_user, delivery_of(campaign_of(world, world.mobile_a, title=title), world.wang), "SF1234567890"
        )
    with django_assert_max_num_queries(len(queries)):
        page = text(client.get(reverse("materials:mine")))
    assert page.count('class="card parcel"') == 4


def test_the_audit_trail_shows_a_launch_with_its_count(as_persona, world):
    campaign_of(world, world.company_a, title="审计红色包裹")
    page = text(as_persona("industry").get(reverse("audit")))
    events = section(page, "audit-events", "ol")
    assert "审计红色包裹" in events and "Members:</span> 3" in events
