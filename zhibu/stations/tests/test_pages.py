"""The public station pages, the API, GeoJSON, and changing stations with photos."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from zhibu.core.models import AuditEvent
from zhibu.stations import geo, queries, services
from zhibu.stations.models import Amenity, Station, StationPhoto
from zhibu.stations.tests.test_services import make


@pytest.fixture
def network(world):
    """Three stations along a line east of 南头, 1 km apart (WGS-84), one of them closed at night."""
    stations = []
    for index, (name, always_open) in enumerate((("一号驿站", True), ("二号驿站", False), ("三号驿站", True))):
        station = make(
            world,
            name=name,
            latitude=Decimal("22.540000"),
            longitude=Decimal(f"{113.93 + index * 0.00972:.6f}"),
            coordinate_system="wgs84",
            always_open=always_open,
            opens_at=None if always_open else datetime.time(9),
            closes_at=None if always_open else datetime.time(9, 0, 1),
            amenities=list(Amenity.objects.filter(code__in=["water", "charging"][: index + 1])),
        )
        stations.append(station)
    return stations


def test_anyone_finds_the_nearest_stations_with_distance_opening_and_amenities(client, network):
    page = client.get(reverse("stations:nearest"), {"lat": "22.54", "lng": "113.9495", "system": "wgs84", "k": 2})
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index("三号驿站") < text.index("二号驿站") and "一号驿站" not in text
    assert "现在关闭" in text and "正在开放" in text and "饮水" in text and "充电" in text
    assert "m</span>" in text


def test_a_gcj02_point_is_converted_before_measuring(client, network):
    lat, lng = geo.wgs84_to_gcj02(22.54, 113.93)
    text = client.get(reverse("stations:nearest"), {"lat": lat, "lng": lng, "system": "gcj02", "k": 1}).content.decode()
    assert "一号驿站" in text and '"distance">0 m' in text.replace("badge text-bg-light border distance", "distance")


def test_swapped_or_foreign_points_are_explained(client, network):
    swapped = client.get(reverse("stations:nearest"), {"lat": "113.93", "lng": "22.54", "system": "wgs84"})
    assert "填反了" in swapped.content.decode()
    madrid = client.get(reverse("stations:nearest"), {"lat": "40.4", "lng": "-3.7", "system": "wgs84"})
    assert "不在中国境内" in madrid.content.decode()
    response = client.get(reverse("api-1.0.0:nearest"), {"lat": 113.93, "lng": 22.54})
    assert response.status_code == 422 and "填反了" in response.json()["errors"]["lat"][0]


def test_the_api_returns_the_k_nearest_with_distances(client, network):
    response = client.get(reverse("api-1.0.0:nearest"), {"lat": 22.54, "lng": 113.93, "k": 2})
    body = response.json()
    assert response.status_code == 200 and [row["name"] for row in body] == ["一号驿站", "二号驿站"]
    assert body[0]["distance_m"] == 0 and 990 <= body[1]["distance_m"] <= 1010
    assert body[0]["open_now"] is True and [a["code"] for a in body[1]["amenities"]] == ["water", "charging"]
    assert client.get(reverse("api-1.0.0:nearest"), {"lat": 22.54, "lng": 113.93, "k": 51}).status_code == 422
    detail = client.get(reverse("api-1.0.0:get_station", args=[network[2].pk])).json()
    assert detail["name"] == "三号驿站" and detail["latitude"] == pytest.approx(22.54)


def test_the_list_filters_and_the_open_now_filter_agrees_with_the_hours(client, network):
    text = client.get(reverse("stations:list"), {"amenity": "charging"}).content.decode()
    assert "二号驿站" in text and "三号驿站" in text and "一号驿站" not in text
    now = timezone.localtime()
    open_now = {s.name for s in queries.open_at(Station.objects.all(), now)}
    assert open_now == {s.name for s in Station.objects.all() if s.is_open_at(now)} == {"一号驿站", "三号驿站"}
    late = datetime.datetime(2026, 11, 23, 1, 30, tzinfo=now.tzinfo)  # a Monday, 01:30
    night = network[1]
    night.opens_at, night.closes_at, night.open_days = datetime.time(22), datetime.time(2), "7"
    night.save()
    assert night.is_open_at(late) and night in queries.open_at(Station.objects.all(), late)


def test_geojson_is_rfc7946_with_longitude_first(client, network):
    response = client.get(reverse("stations:geojson"))
    data = json.loads(response.content)
    assert response["Content-Type"] == "application/geo+json" and data["type"] == "FeatureCollection"
    first = next(f for f in data["features"] if f["properties"]["name"] == "一号驿站")
    assert first["geometry"] == {"type": "Point", "coordinates": [113.93, 22.54]}
    assert first["properties"]["url"] == reverse("stations:detail", args=[network[0].pk])
    shifted = json.loads(client.get(reverse("stations:geojson"), {"system": "gcj02"}).content)
    lng, lat = next(f for f in shifted["features"] if f["properties"]["name"] == "一号驿站")["geometry"]["coordinates"]
    assert 300 < geo.distance_m(22.54, 113.93, lat, lng) < 700


def test_the_station_page_is_public_and_shows_editing_only_to_its_staff(client, world, network):
    url = reverse("stations:detail", args=[network[0].pk])
    text = client.get(url).content.decode()
    assert "一号驿站" in text and "24 小时开放" in text and reverse("stations:edit", args=[network[0].pk]) not in text
    client.force_login(world.users["station"])
    assert reverse("stations:edit", args=[network[0].pk]) in client.get(url).content.decode()


def test_staff_edit_a_station_and_errors_show_on_the_fields(client, world, network):
    client.force_login(world.users["secretary"])
    station = network[0]
    url = reverse("stations:edit", args=[station.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    water = Amenity.objects.get(code="water").pk
    data |= {"latitude": "113.93", "longitude": "22.54", "amenities": [water], "organization": world.branch_a1.pk}
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    response = client.post(url, data)
    assert response.status_code == 200 and "填反了" in response.content.decode()
    data |= {"latitude": "22.550000", "longitude": "113.940000", "name": "一号驿站（新址）"}
    response = client.post(url, data)
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.name == "一号驿站（新址）" and station.wgs_latitude == pytest.approx(22.55)


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "orange")
    exif = Image.Exif()
    exif[0x8825] = {2: (22.0, 32.0, 0.0)}  # GPSInfo: latitude
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_photos_are_stripped_of_their_metadata_and_served_publicly(client, world, network):
    client.force_login(world.users["secretary"])
    station = network[0]
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif()
    upload = SimpleUploadedFile("p.jpg", raw, content_type="image/jpeg")
    response = client.post(reverse("stations:photo_add", args=[station.pk]), {"image": upload, "caption": "门口"})
    assert response.status_code == 302
    photo = StationPhoto.objects.get()
    client.logout()
    served = client.get(reverse("stations:photo", args=[photo.pk]))
    body = b"".join(served.streaming_content)
    assert served.status_code == 200 and not Image.open(io.BytesIO(body)).getexif()
    assert AuditEvent.objects.filter(object_type="stations.stationphoto", action="create").exists()

    client.force_login(world.users["secretary"])
    fake = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    page = client.post(reverse("stations:photo_add", args=[station.pk]), {"image": fake})
    assert page.status_code == 200 and StationPhoto.objects.count() == 1
    client.post(reverse("stations:photo_delete", args=[photo.pk]))
    assert not StationPhoto.objects.exists()


def test_a_station_with_check_ins_is_taken_out_of_service_not_deleted(client, world, network):
    from zhibu.checkins import services as checkins

    station = network[0]
    station.is_checkin_point = True
    station.save()
    checkins.submit_from_account(world.users["courier"], station)
    client.force_login(world.users["secretary"])
    response = client.post(reverse("stations:delete", args=[station.pk]), follow=True)
    assert "请改为停用" in response.content.decode() and Station.objects.filter(pk=station.pk).exists()
    services.delete_station(world.users["secretary"], network[2])
    assert not Station.objects.filter(pk=network[2].pk).exists()


def test_public_pages_do_not_grow_with_the_network(client, world, network, django_assert_max_num_queries):
    urls = [reverse("stations:list"), reverse("stations:geojson"), reverse("api-1.0.0:list_stations")]
    nearest = reverse("stations:nearest") + "?lat=22.54&lng=113.93&system=wgs84&k=10"
    urls.append(nearest)

    def counts():
        result = {}
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            result[url] = len(captured)
        return result

    baseline = counts()
    for index in range(8):
        make(
            world, name=f"新驿站{index}", latitude=Decimal("22.541"), longitude=Decimal(f"{113.931 + index / 1000:.6f}")
        )
    for url, count in baseline.items():
        with django_assert_max_num_queries(count):
            client.get(url)
