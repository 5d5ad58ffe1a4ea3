"""Coordinates: GCJ-02 ↔ WGS-84, distances, and checks of points typed by people.

Maps in China (Amap, Tencent) give GCJ-02; GPS and the browser's geolocation give WGS-84. Every
station keeps the coordinates as entered, with their system, and a WGS-84 copy used for distances.
"""

import math

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARTH_RADIUS_M = 6_371_008.8
# GCJ-02 parameters (Krasovsky 1940 ellipsoid).
_A = 6378245.0
_EE = 0.00669342162296594323
# A generous box around the mainland, Hainan, Taiwan and the South China Sea islands.
CHINA_LAT = (3.0, 54.0)
CHINA_LNG = (73.0, 136.0)


def in_china(lat: float, lng: float) -> bool:
    return CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LNG[0] <= lng <= CHINA_LNG[1]


def check_point(lat: float, lng: float) -> tuple[float, float]:
    """(lat, lng) if it is a point in China; a message naming the likely mistake otherwise."""
    if in_china(lat, lng):
        return lat, lng
    if in_china(lng, lat):
        raise ValidationError(
            _("Latitude and longitude seem swapped: in China the latitude is 3–54 and the longitude 73–136."),
            code="swapped",
        )
    raise ValidationError(_("This point lies outside China."), code="outside_china")


def _transform(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lng += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    if not in_china(lat, lng):
        return lat, lng
    d_lat, d_lng = _transform(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float, iterations: int = 4) -> tuple[float, float]:
    """The inverse by fixed-point iteration: within a few centimetres after four steps."""
    if not in_china(lat, lng):
        return lat, lng
    wgs_lat, wgs_lng = lat, lng
    for _step in range(iterations):
        gcj_lat, gcj_lng = wgs84_to_gcj02(wgs_lat, wgs_lng)
        wgs_lat, wgs_lng = wgs_lat + (lat - gcj_lat), wgs_lng + (lng - gcj_lng)
    return wgs_lat, wgs_lng


def to_wgs84(lat: float, lng: float, system: str) -> tuple[float, float]:
    return gcj02_to_wgs84(lat, lng) if system == "gcj02" else (lat, lng)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance between two WGS-84 points, in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lng, max lng) enclosing the circle of `radius_m` around the point."""
    d_lat = math.degrees(radius_m / EARTH_RADIUS_M)
    d_lng = math.degrees(radius_m / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 0.01)))
    return lat - d_lat, lat + d_lat, lng - d_lng, lng + d_lng
