"""The service network in the API. Stations are public places: these routes need no token."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from zhibu.registry.choices import CoordinateSystem
from zhibu.registry.schemas import OrganizationRef
from zhibu.stations import geo, queries
from zhibu.stations.forms import StationFilterForm

router = Router(tags=["stations"])


class AmenityOut(Schema):
    code: str
    name: str = Field(alias="label")
    icon: str


class StationOut(Schema):
    id: int
    name: str
    kind: str
    level: int
    is_checkin_point: bool
    address: str
    latitude: float | None = Field(None, description="WGS-84", alias="wgs_latitude")
    longitude: float | None = Field(None, description="WGS-84", alias="wgs_longitude")
    organization: OrganizationRef
    always_open: bool
    opens_at: str | None = None
    closes_at: str | None = None
    open_days: str
    hours_note: str
    contact_name: str
    contact_phone: str
    amenities: list[AmenityOut]
    open_now: bool = False

    @staticmethod
    def resolve_amenities(station) -> list:
        return station.offers if hasattr(station, "offers") else list(station.amenities.all())

    @staticmethod
    def resolve_opens_at(station) -> str | None:
        return station.opens_at.strftime("%H:%M") if station.opens_at else None

    @staticmethod
    def resolve_closes_at(station) -> str | None:
        return station.closes_at.strftime("%H:%M") if station.closes_at else None

    @staticmethod
    def resolve_open_now(station) -> bool:
        return station.is_open_at(timezone.localtime())


class NearbyOut(StationOut):
    distance_m: int


class NearestQuery(Schema):
    lat: float
    lng: float
    k: int = Field(10, ge=1, le=50)
    system: CoordinateSystem = CoordinateSystem.WGS84


class StationFilters(Schema):
    q: str = ""
    kind: str = ""
    level: int | None = None
    checkin: bool = False
    amenity: str = ""
    open_now: bool = False


@router.get("/stations/nearest", response=list[NearbyOut], auth=None)
def nearest(request, point: Query[NearestQuery]):
    """The k stations in service nearest a point, nearest first, with their distance in metres."""
    try:
        geo.check_point(point.lat, point.lng)
    except ValidationError as error:
        raise ValidationError({"lat": error.messages}) from None
    lat, lng = geo.to_wgs84(point.lat, point.lng, point.system)
    found = queries.nearest(lat, lng, point.k)
    for near in found:
        near.station.distance_m = round(near.distance_m)
    return [near.station for near in found]


@router.get("/stations", response=list[StationOut], auth=None)
@paginate
def list_stations(request, filters: Query[StationFilters]):
    data = {name: value for name, value in filters.model_dump().items() if value not in ("", None, False)}
    return StationFilterForm(data).results().order_by("level", "name", "pk")


@router.get("/stations/{station_id}", response=StationOut, auth=None)
def get_station(request, station_id: int):
    return get_object_or_404(queries.stations().prefetch_related("amenities"), pk=station_id)
