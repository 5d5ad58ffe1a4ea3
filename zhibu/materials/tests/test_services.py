"""Campaigns and deliveries through the services: targeting, launching in bulk with one audit event,
the delivery states with their checks, the one-tap confirmation recorded once, who may act, and the
notice to the member."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhibu.core.models import AuditEvent
from zhibu.materials import services
from zhibu.materials.models import Campaign, Delivery, DeliveryState
from zhibu.notifications.models import Notification
from zhibu.registry.choices import Standing
from zhibu.registry.models import Member

TODAY = timezone.localdate()


def draft(world, organization=None, mobile_only=False, actor=None) -> Campaign:
    return services.create_campaign(
        actor or world.root_user,
        services.CampaignInput(
            organization=organization or world.company_a,
            title="红色包裹",
            contents="党章\n党徽\n\n 学习读本 ",
            mobile_only=mobile_only,
        ),
    )


def launched(world, **options) -> Campaign:
    campaign = draft(world, **options)
    services.launch(world.root_user, campaign, at=timezone.now() - datetime.timedelta(days=10))
    return campaign


def delivery_of(campaign, member) -> Delivery:
    return Delivery.objects.select_related("member__home_org", "campaign__organization").get(
        campaign=campaign, member=member
    )


def test_a_draft_is_created_changed_and_audited(world):
    campaign = draft(world, actor=world.users["industry"])
    assert campaign.state == Campaign.State.DRAFT and campaign.items == ["党章", "党徽", "学习读本"]
    services.update_campaign(
        world.users["industry"],
        campaign,
        services.CampaignInput(world.company_b, "学习用书", "学习读本", mobile_only=True),
    )
    campaign.refresh_from_db()
    assert (campaign.organization, campaign.title, campaign.mobile_only) == (world.company_b, "学习用书", True)
    events = AuditEvent.objects.filter(object_type="materials.campaign", object_id=str(campaign.pk))
    assert [event.action for event in events.order_by("id")] == ["create", "update"]
    assert events.order_by("id").last().changes["title"] == ["红色包裹", "学习用书"]


def test_only_editors_of_the_organisation_create_or_run_a_campaign(world):
    with pytest.raises(PermissionDenied):
        draft(world, organization=world.branch_b1, actor=world.users["secretary"])
    with pytest.raises(PermissionDenied):
        draft(world, organization=world.branch_a1, actor=world.users["city"])  # a reader only
    campaign = draft(world, organization=world.company_a)
    with pytest.raises(PermissionDenied):
        services.launch(world.users["secretary"], campaign)  # the branch is below, not above
    assert not Delivery.objects.exists()


def test_targets_are_the_subtree_in_normal_standing_and_mobile_when_asked(world):
    Member.objects.filter(pk=world.li.pk).update(standing=Standing.SUSPENDED)
    everyone = draft(world, organization=world.company_a)
    assert set(everyone.targeted_members()) == {world.zhang, world.wang}  # not 李娜 (suspended), not 赵敏 (company b)
    mobile = draft(world, organization=world.industry, mobile_only=True)
    assert list(mobile.targeted_members()) == [world.wang]


def test_launching_writes_a_delivery_per_member_and_one_audit_event(world):
    campaign = draft(world, organization=world.industry)
    assert services.launch(world.users["industry"], campaign) == 4
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.LAUNCHED and campaign.launched_at is not None
    rows = Delivery.objects.filter(campaign=campaign)
    assert set(rows.values_list("member__name", flat=True)) == {"张晓明", "李娜", "王强", "赵敏"}
    assert set(rows.values_list("state", flat=True)) == {DeliveryState.PENDING}
    assert all(row.updated_at is not None and row.tracking_number == "" for row in rows)
    events = AuditEvent.objects.filter(object_type="materials.campaign", action="update")
    assert [event.changes for event in events] == [{"state": ["draft", "launched"], "members": 4}]
    assert not AuditEvent.objects.filter(object_type="materials.delivery").exists()
    with pytest.raises(ValidationError, match="launched already"):
        services.launch(world.users["industry"], campaign)
    assert rows.count() == 4


def test_launching_an_empty_campaign_is_refused_and_leaves_a_draft(world):
    campaign = draft(world, organization=world.branch_a1, mobile_only=True)  # no mobile member there
    with pytest.raises(ValidationError, match="No member is targeted"):
        services.launch(world.root_user, campaign)
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DRAFT and campaign.launched_at is None
    assert not AuditEvent.objects.filter(object_type="materials.campaign", action="update").exists()


def test_a_launched_campaign_is_no_longer_edited_and_closing_stops_changes(world):
    campaign = launched(world)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.update_campaign(world.root_user, campaign, services.CampaignInput(world.company_a, "x", "y"))
    with pytest.raises(ValidationError, match="Only a draft"):
        services.discard(world.root_user, campaign)
    services.close(world.root_user, campaign)
    assert campaign.state == Campaign.State.CLOSED and campaign.closed_at is not None
    with pytest.raises(ValidationError, match="closed"):
        services.mark_sent(world.root_user, delivery_of(campaign, world.zhang), "SF1234567890")
    with pytest.raises(ValidationError, match="closed"):
        services.confirm_receipt(world.root_user, delivery_of(campaign, world.zhang))
    with pytest.raises(ValidationError, match="Only a launched"):
        services.close(world.root_user, campaign)


def test_a_draft_can_be_discarded(world):
    campaign = draft(world)
    services.discard(world.root_user, campaign)
    assert not Campaign.objects.exists()
    assert AuditEvent.objects.filter(object_type="materials.campaign", action="delete").count() == 1


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("SF1234567890", "SF1234567890"), (" yt 9876 5432 1 ", "YT987654321"), ("ＪＤ１２３４５６７", "JD1234567")],
)
def test_tracking_numbers_are_normalised(typed, stored):
    assert services.validate_tracking_number(typed) == stored


@pytest.mark.parametrize("typed", ["", "SF123", "SF-1234567", "顺丰1234567", "A" * 41])
def test_bad_tracking_numbers_are_refused_with_a_message(typed):
    with pytest.raises(ValidationError, match="6 to 40 letters and digits"):
        services.validate_tracking_number(typed)


def test_marking_sent_records_the_number_and_tells_the_member(world, django_capture_on_commit_callbacks):
    campaign = launched(world)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.mark_sent(world.root_user, delivery_of(campaign, world.wang), "sf1234567890")
    assert (delivery.state, delivery.tracking_number, delivery.sent_on) == ("sent", "SF1234567890", TODAY)
    notice = Notification.objects.get(recipient=world.users["courier"])
    assert "红色包裹" in notice.subject and "SF1234567890" in notice.body and notice.url == "/materials/mine/"
    event = AuditEvent.objects.get(object_type="materials.delivery", object_id=str(delivery.pk))
    assert event.changes["state"] == ["pending", "sent"] and event.org_id == world.mobile_a.pk


def test_a_sent_parcel_gets_its_number_corrected_without_a_second_notice(world, django_capture_on_commit_callbacks):
    campaign = launched(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_sent(world.root_user, delivery_of(campaign, world.wang), "SF1234567890")
        services.mark_sent(world.root_user, delivery_of(campaign, world.wang), "SF1234567899")
    assert delivery_of(campaign, world.wang).tracking_number == "SF1234567899"
    assert Notification.objects.count() == 1


def test_bad_input_when_marking_sent_writes_nothing(world):
    campaign = launched(world)
    delivery = delivery_of(campaign, world.zhang)
    with pytest.raises(ValidationError) as error:
        services.mark_sent(world.root_user, delivery, "SF-12", TODAY + datetime.timedelta(days=1))
    assert set(error.value.message_dict) == {"tracking_number", "sent_on"}
    assert "future" in error.value.message_dict["sent_on"][0]
    with pytest.raises(ValidationError, match="before the campaign was launched"):
        services.mark_sent(world.root_user, delivery, "SF1234567890", TODAY - datetime.timedelta(days=30))
    assert delivery_of(campaign, world.zhang).state == DeliveryState.PENDING


def test_marking_in_bulk_checks_every_row_before_writing_any(world):
    campaign = launched(world)
    zhang, li, wang = (delivery_of(campaign, member) for member in (world.zhang, world.li, world.wang))
    shipments = [
        services.Shipment(zhang, "SF0000000001"),
        services.Shipment(li, "bad"),
        services.Shipment(wang, "SF0000000003"),
    ]
    with pytest.raises(ValidationError) as error:
        services.mark_sent_many(world.root_user, shipments)
    assert list(error.value.message_dict) == [str(li.pk)]
    assert not Delivery.objects.filter(state=DeliveryState.SENT).exists()
    shipments[1] = services.Shipment(li, "SF0000000002")
    assert services.mark_sent_many(world.root_user, shipments) == 3
    assert dict(Delivery.objects.values_list("member__name", "tracking_number")) == {
        "张晓明": "SF0000000001",
        "李娜": "SF0000000002",
        "王强": "SF0000000003",
    }
    assert AuditEvent.objects.filter(object_type="materials.delivery").count() == 3


def test_a_secretary_changes_the_deliveries_of_the_branch_only(world):
    campaign = launched(world, organization=world.industry)
    secretary = world.users["secretary"]
    services.mark_sent(secretary, delivery_of(campaign, world.zhang), "SF1234567890")  # a member of branch-a1
    for member in (world.wang, world.zhao):
        with pytest.raises(PermissionDenied):
            services.mark_sent(secretary, delivery_of(campaign, member), "SF1234567890")
    with pytest.raises(PermissionDenied):
        services.mark_sent(world.users["cadre"], delivery_of(campaign, world.wang), "SF1234567890")  # reads only


def test_the_member_confirms_once_and_the_second_tap_says_so(world):
    campaign = launched(world)
    services.mark_sent(world.root_user, delivery_of(campaign, world.wang), "SF1234567890")
    courier = world.users["courier"]
    assert services.confirm_receipt(courier, delivery_of(campaign, world.wang)) is True
    assert services.confirm_receipt(courier, delivery_of(campaign, world.wang)) is False
    delivery = delivery_of(campaign, world.wang)
    assert (delivery.state, delivery.received_on, delivery.confirmed_by, delivery.handed_over) == (
        "received",
        TODAY,
        courier,
        False,
    )
    events = AuditEvent.objects.filter(object_type="materials.delivery", object_id=str(delivery.pk))
    assert events.filter(changes__state=["sent", "received"]).count() == 1


def test_nobody_confirms_for_someone_else_without_editing_their_organisation(world):
    campaign = launched(world, organization=world.industry)
    for member in (world.zhang, world.zhao):
        services.mark_sent(world.root_user, delivery_of(campaign, member), "SF1234567890")
    with pytest.raises(PermissionDenied):
        services.confirm_receipt(world.users["courier"], delivery_of(campaign, world.zhang))
    with pytest.raises(PermissionDenied):
        services.confirm_receipt(world.users["secretary"], delivery_of(campaign, world.zhao))
    assert services.confirm_receipt(world.users["secretary2"], delivery_of(campaign, world.zhao)) is True
    assert Delivery.objects.filter(state=DeliveryState.RECEIVED).count() == 1


def test_a_secretary_confirms_a_parcel_handed_over_in_person(world):
    campaign = launched(world)
    yesterday = TODAY - datetime.timedelta(days=1)
    assert services.confirm_receipt(world.users["secretary"], delivery_of(campaign, world.zhang), yesterday)
    delivery = delivery_of(campaign, world.zhang)
    assert (delivery.state, delivery.handed_over, delivery.received_on, delivery.sent_on) == (
        "received",
        True,
        yesterday,
        None,
    )


def test_the_member_cannot_confirm_a_parcel_not_sent_yet(world):
    campaign = launched(world)
    with pytest.raises(ValidationError, match="not been sent"):
        services.confirm_receipt(world.users["courier"], delivery_of(campaign, world.wang))
    assert delivery_of(campaign, world.wang).state == DeliveryState.PENDING


def test_receipt_dates_in_the_future_or_before_sending_are_refused(world):
    campaign = launched(world)
    services.mark_sent(
        world.root_user, delivery_of(campaign, world.wang), "SF1234567890", TODAY - datetime.timedelta(days=2)
    )
    for day, message in (
        (TODAY + datetime.timedelta(days=1), "future"),
        (TODAY - datetime.timedelta(days=3), "before the parcel was sent"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.confirm_receipt(world.root_user, delivery_of(campaign, world.wang), day)
    assert delivery_of(campaign, world.wang).state == DeliveryState.SENT
    services.confirm_receipt(world.root_user, delivery_of(campaign, world.wang))
    with pytest.raises(ValidationError, match="received the parcel already"):
        services.mark_sent(world.root_user, delivery_of(campaign, world.wang), "SF1234567890")


def test_receipts_in_bulk_check_every_row_and_skip_those_confirmed(world):
    campaign = launched(world)
    zhang, li, wang = (delivery_of(campaign, member) for member in (world.zhang, world.li, world.wang))
    services.mark_sent(world.root_user, zhang, "SF0000000001")
    services.confirm_receipt(world.root_user, delivery_of(campaign, world.wang))  # handed over already
    future = TODAY + datetime.timedelta(days=1)
    receipts = [services.Receipt(zhang), services.Receipt(li, future), services.Receipt(wang)]
    with pytest.raises(ValidationError) as error:
        services.confirm_many(world.root_user, receipts)
    assert list(error.value.message_dict) == [str(li.pk)]
    assert delivery_of(campaign, world.zhang).state == DeliveryState.SENT
    receipts[1] = services.Receipt(li)
    assert services.confirm_many(world.root_user, receipts) == 2
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.RECEIVED}
    assert dict(Delivery.objects.values_list("member__name", "handed_over")) == {
        "张晓明": False,
        "李娜": True,
        "王强": True,
    }
    with pytest.raises(PermissionDenied):
        services.confirm_many(world.users["secretary2"], [services.Receipt(delivery_of(campaign, world.zhang))])
