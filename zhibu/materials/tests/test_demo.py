"""The demo's campaigns: a year of them, through the audited services, with realistic gaps, and a
parcel waiting for the courier's one tap."""

from io import StringIO

from django.core.management import call_command
from django.db.models import Count, Q
from django.test import override_settings

from zhibu.accounts.models import User
from zhibu.core.models import AuditEvent
from zhibu.materials import queries
from zhibu.materials.models import Campaign, Delivery, DeliveryState
from zhibu.registry.models import Member


def test_the_demo_has_a_year_of_campaigns_with_gaps_and_a_parcel_for_the_courier(db):
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--members", "300", stdout=StringIO(), stderr=StringIO())
    assert Delivery.objects.exists()
    assert sorted(Campaign.objects.values_list("state", flat=True)) == ["closed", "draft", "launched", "launched"]
    red, books = Campaign.objects.filter(state="launched").order_by("-mobile_only")
    assert red.deliveries.count() == Member.objects.filter(is_mobile=True, standing="normal").count()
    figures = queries.progress(red.deliveries.all())
    assert (
        figures.received > figures.sent > 0
        and figures.pending > 0
        and figures.received + figures.sent > figures.pending
    )
    assert set(books.deliveries.values_list("member__home_org", flat=True)) == {books.organization_id}
    assert books.deliveries.filter(handed_over=True, state=DeliveryState.RECEIVED).exists()

    by_branch = (
        red.deliveries.values("member__home_org")
        .annotate(total=Count("pk"), pending=Count("pk", filter=Q(state=DeliveryState.PENDING)))
        .filter(total__gte=5)
    )
    shares = [row["pending"] / row["total"] for row in by_branch]
    assert max(shares) > 0.4 and min(shares) < 0.2  # some branches lag behind

    courier = User.objects.get(username="courier")
    parcel = queries.own_deliveries(courier).get(campaign=red)
    assert parcel.state == DeliveryState.SENT and parcel.tracking_number
    launches = AuditEvent.objects.filter(object_type="materials.campaign", changes__has_key="members")
    assert launches.count() == 3
