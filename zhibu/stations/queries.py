"""Reads of the service network. Stations are public places: anyone may read them."""

import datetime
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from zhibu.core.scope import Capability
from zhibu.stations import geo
from zhibu.stations.models import Amenity, Station

# The search widens its box until it holds enough stations, then measures them exactly.
FIRST_RADIUS_M = 2_000
MAX_RADIUS_M = 2_000_000


def stations() -> QuerySet[Station]:
    return Station.objects.filter(is_active=True).select_related("organization", "region", "parent")


def open_at(found: QuerySet[Station], moment: datetime.datetime) -> QuerySet[Station]:
    """The stations of `found` open at a local time, by the same rule as Station.is_open_at."""
    day, time = str(moment.isoweekday()), moment.time()
    yesterday = str(7 if day == "1" else int(day) - 1)
    same_day = Q(opens_at__lte=F("closes_at")) & Q(open_days__contains=day, opens_at__lte=time, closes_at__gt=time)
    past_midnight = Q(opens_at__gt=F("closes_at")) & (
        Q(open_days__contains=day, opens_at__lte=time) | Q(open_days__contains=yesterday, closes_at__gt=time)
    )
    return found.filter(Q(always_open=True) | same_day | past_midnight, is_active=True)


def editable_stations(actor) -> QuerySet[Station]:
    scope = actor.scope
    return Station.objects.filter(
        scope.q("organization__path", Capability.EDIT) | scope.q("organization__path", Capability.STATION)
    )


@dataclass
class Nearby:
    station: Station
    distance_m: float


def nearest(lat: float, lng: float, k: int = 10) -> list[Nearby]:
    """The k nearest stations in service to a WGS-84 point, nearest first.

    A box around the point, on the (latitude, longitude) index, grows fourfold until the circle it
    encloses holds k stations; only ids and coordinates are read until the k are known."""
    radius = FIRST_RADIUS_M
    while True:
        min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius)
        points = (
            Station.objects.filter(
                is_active=True,
                wgs_latitude__range=(min_lat, max_lat),
                wgs_longitude__range=(min_lng, max_lng),
            )
            .order_by()
            .values_list("pk", "wgs_latitude", "wgs_longitude")
        )
        measured = sorted((geo.distance_m(lat, lng, s_lat, s_lng), pk) for pk, s_lat, s_lng in points)
        within = [(distance, pk) for distance, pk in measured if distance <= radius]
        if len(within) >= k or radius >= MAX_RADIUS_M:
            break
        radius *= 4
    chosen = within[:k]
    by_pk = Station.objects.select_related("organization").order_by().in_bulk([pk for _distance, pk in chosen])
    attach_amenities(by_pk.values())
    return [Nearby(by_pk[pk], distance) for distance, pk in chosen]


def attach_amenities(found) -> None:
    """`station.offers`: its amenities, in one query instead of a prefetch's two."""
    found = list(found)
    offered: dict[int, list[Amenity]] = {station.pk: [] for station in found}
    links = Station.amenities.through.objects.filter(station__in=found).select_related("amenity").order_by()
    for link in links:
        offered[link.station_id].append(link.amenity)
    for station in found:
        station.offers = sorted(offered[station.pk], key=lambda amenity: (amenity.sort_order, amenity.code))
