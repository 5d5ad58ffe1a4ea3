"""Writing stations: who may, what is checked, what is derived, what is audited; opening hours."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from zhibu.core.models import AuditEvent
from zhibu.stations import geo, services
from zhibu.stations.models import Amenity, Station, StationKind, StationLevel


def make(world, actor="admin", **values) -> Station:
    defaults = {
        "name": "南头暖蜂驿站",
        "kind": StationKind.REST_STATION,
        "level": StationLevel.POST,
        "organization": world.branch_a1,
        "latitude": Decimal("22.543100"),
        "longitude": Decimal("113.929900"),
        "coordinate_system": "gcj02",
    }
    return services.create_station(world.users[actor], **(defaults | values))


def test_a_station_keeps_its_coordinates_and_gets_a_wgs84_copy(world):
    station = make(world, amenities=list(Amenity.objects.filter(code__in=["water", "charging"])))
    assert (station.latitude, station.longitude) == (Decimal("22.543100"), Decimal("113.929900"))
    lat, lng = geo.gcj02_to_wgs84(22.5431, 113.9299)
    assert (station.wgs_latitude, station.wgs_longitude) == pytest.approx((lat, lng))
    assert 200 < geo.distance_m(22.5431, 113.9299, station.wgs_latitude, station.wgs_longitude) < 700
    event = AuditEvent.objects.get(action="create", object_type="stations.station")
    assert event.changes["amenities"] == [None, ["charging", "water"]] and event.org_id == world.branch_a1.pk

    wgs = make(world, name="WGS 站", coordinate_system="wgs84")
    assert (wgs.wgs_latitude, wgs.wgs_longitude) == (22.5431, 113.9299)


def test_only_the_organisations_in_charge_may_change_a_station(world):
    station = make(world)
    services.update_station(world.users["secretary"], station, name="南头驿站（改）")
    with pytest.raises(PermissionDenied):
        services.update_station(world.users["secretary2"], station, name="x")
    with pytest.raises(PermissionDenied):
        make(world, actor="secretary2")
    with pytest.raises(PermissionDenied):  # nor hand it to an organisation outside their scope
        services.update_station(world.users["secretary"], station, organization=world.branch_b1)
    assert Station.objects.get(pk=station.pk).organization == world.branch_a1


@pytest.mark.parametrize(
    ("lat", "lng", "message"),
    [
        ("113.929900", "22.543100", "seem swapped"),
        ("48.856600", "2.352200", "outside China"),
    ],
)
def test_points_typed_wrongly_are_caught(world, lat, lng, message):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        make(world, latitude=Decimal(lat), longitude=Decimal(lng))
    assert message in error.value.message_dict["latitude"][0]
    assert not Station.objects.exists()


def test_the_network_is_a_hierarchy_of_levels(world):
    hub = make(world, name="总部", kind=StationKind.SERVICE_CENTER, level=StationLevel.HEADQUARTERS)
    centre = make(world, name="中心", kind=StationKind.SERVICE_CENTER, level=StationLevel.CENTER, parent=hub)
    with pytest.raises(ValidationError) as error:
        make(world, name="总部二", level=StationLevel.HEADQUARTERS, parent=centre)
    assert "parent" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.update_station(world.users["admin"], hub, parent=centre, level=StationLevel.POST)
    with pytest.raises(ValidationError):
        services.delete_station(world.users["admin"], hub)  # it still has a centre under it
    services.delete_station(world.users["admin"], centre)
    assert AuditEvent.objects.filter(action="delete", object_type="stations.station").count() == 1


def test_hours_and_days_are_checked(world):
    with pytest.raises(ValidationError) as error:
        make(world, opens_at=datetime.time(8), closes_at=None)
    assert "closes_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make(world, open_days="1238")
    assert "open_days" in error.value.message_dict


MONDAY = datetime.datetime(2026, 11, 23)


@pytest.mark.parametrize(
    ("hours", "moment", "is_open"),
    [
        ({"always_open": True}, MONDAY.replace(hour=3), True),
        ({"opens_at": datetime.time(9), "closes_at": datetime.time(18)}, MONDAY.replace(hour=9), True),
        ({"opens_at": datetime.time(9), "closes_at": datetime.time(18)}, MONDAY.replace(hour=18), False),
        (
            {"opens_at": datetime.time(9), "closes_at": datetime.time(18), "open_days": "23456"},
            MONDAY.replace(hour=10),
            False,
        ),
        # Until 2 a.m.: Monday 01:00 still belongs to Sunday's opening.
        ({"opens_at": datetime.time(10), "closes_at": datetime.time(2)}, MONDAY.replace(hour=1), True),
        (
            {"opens_at": datetime.time(10), "closes_at": datetime.time(2), "open_days": "123456"},
            MONDAY.replace(hour=1),
            False,
        ),
        ({"opens_at": datetime.time(10), "closes_at": datetime.time(2)}, MONDAY.replace(hour=5), False),
        ({}, MONDAY.replace(hour=12), False),  # no hours given
    ],
)
def test_open_now(hours, moment, is_open):
    assert Station(**hours).is_open_at(moment) is is_open
    assert Station(is_active=False, always_open=True).is_open_at(moment) is False
