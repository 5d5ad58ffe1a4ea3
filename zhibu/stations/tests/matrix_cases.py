"""This app's URLs in the scope matrix (zhibu/core/tests/test_scope_matrix.py).

Stations are public places: reading them needs no account. The station is run by branch-a1, so its
staff are those who may change branch-a1 and the station persona (station staff of the industry)."""

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from zhibu.core.tests.matrix import EDIT_A1, PUBLIC, Case

STAFF = EDIT_A1 | {"station"}
RUNNERS = STAFF | {"secretary2"}  # may run some station, so may create one


def station(w):
    return [w.station.pk]


STAFF_PAGE = dict(args=station, allowed=STAFF, denied=403)

CASES: dict[str, Case] = {
    "stations:list": Case(**PUBLIC, marker=("南山暖蜂驿站", set(PUBLIC["allowed"]))),
    "stations:map": Case(**PUBLIC),
    "stations:nearest": Case(**PUBLIC),
    "stations:geojson": Case(**PUBLIC),
    "stations:detail": Case(args=station, **PUBLIC),
    "stations:create": Case(allowed=RUNNERS, denied=403),
    "stations:edit": Case(**STAFF_PAGE),
    "stations:delete": Case(**STAFF_PAGE),
    "stations:photo_add": Case(**STAFF_PAGE),
    "stations:photo": Case(args=lambda w: [w.station_photo.pk], **PUBLIC),
    "stations:photo_delete": Case(
        args=lambda w: [w.station_photo.pk], method="post", ok=302, allowed=STAFF, denied=403
    ),
    # Public API: bare URLs lack the point, which is the one thing a caller can get wrong.
    "api-1.0.0:nearest": Case(**PUBLIC, ok=422, api=True),
    "api-1.0.0:list_stations": Case(**PUBLIC, api=True, marker=("南山暖蜂驿站", set(PUBLIC["allowed"]))),
    "api-1.0.0:get_station": Case(args=station, **PUBLIC, api=True),
}


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def prepare(world) -> None:
    from zhibu.stations import services

    admin = world.root_user
    world.station = services.create_station(
        admin,
        name="南山暖蜂驿站",
        kind="rest_station",
        level=4,
        organization=world.branch_a1,
        latitude=Decimal("22.53"),
        longitude=Decimal("113.93"),
        coordinate_system="wgs84",
        always_open=True,
    )
    world.station_photo = services.add_photo(admin, world.station, jpeg(), "门口")
