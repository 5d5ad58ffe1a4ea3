"""The 报到 API: a member's one tap with the station's code, repeated taps recorded once, bad codes
and accounts without a member record refused in the user's language, and the member's own list."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from zhibu.accounts.services import create_api_token
from zhibu.checkins import codes
from zhibu.checkins.models import CheckIn
from zhibu.checkins.tests.matrix_cases import prepare
from zhibu.core.models import AuditEvent


@pytest.fixture
def station_world(world):
    prepare(world)
    return world


def post(client, body, **headers):
    return client.post(
        reverse("api-1.0.0:submit_checkin"), json.dumps(body), content_type="application/json", **headers
    )


def bearer(user):
    _token, raw = create_api_token(user, "phone")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_member_reports_in_with_the_code_and_a_second_tap_is_the_same(client, station_world):
    auth = bearer(station_world.users["courier"])
    first = post(client, {"code": station_world.checkin_code}, **auth)
    assert first.status_code == 201, first.content
    body = first.json()
    checkin = CheckIn.objects.get(pk=body["id"])
    assert checkin.member == station_world.wang and checkin.station == station_world.checkin_point
    assert body["station_name"] == "南头党员报到处" and body["repeated"] is False
    assert body["routed_to"] == checkin.routed_to_id is not None
    assert AuditEvent.objects.filter(object_type="checkins.checkin", object_id=str(checkin.pk)).exists()

    again = post(client, {"code": station_world.checkin_code}, **auth)
    assert again.status_code == 201 and again.json()["id"] == checkin.pk and again.json()["repeated"] is True
    assert CheckIn.objects.filter(member=station_world.wang).count() == 1

    mine = client.get(reverse("api-1.0.0:list_own_checkins"), **auth).json()
    assert mine["count"] == 1 and mine["items"][0]["id"] == checkin.pk


def test_bad_codes_and_accounts_without_a_member_are_refused_in_their_language(client, station_world):
    auth = bearer(station_world.users["courier"])
    with translation.override("en"):
        bad = post(client, {"code": "not-a-code"}, **auth, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 422 and "code" in bad.json()["errors"]
    withdrawn_code = station_world.checkin_code
    from zhibu.checkins import services

    services.withdraw_codes(station_world.root_user, station_world.checkin_point)
    assert post(client, {"code": withdrawn_code}, **auth).status_code == 422
    assert post(client, {"code": codes.make_code(station_world.checkin_point)}, **auth).status_code == 201

    chinese = post(
        client,
        {"code": codes.make_code(station_world.checkin_point)},
        **bearer(station_world.users["secretary"]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert chinese.status_code == 403
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese.json()["message"])
    assert post(client, {"code": withdrawn_code}).status_code == 401


def test_the_query_count_of_a_tap_and_of_the_list_does_not_grow(client, station_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    auth = bearer(station_world.users["courier"])

    def counted(send):
        with CaptureQueriesContext(connection) as context:
            assert send().status_code in (200, 201)
        return len(context)

    first = counted(lambda: post(client, {"code": station_world.checkin_code}, **auth))
    listed = counted(lambda: client.get(reverse("api-1.0.0:list_own_checkins"), **auth))
    for _ in range(5):
        CheckIn.objects.create(
            station=station_world.checkin_point,
            via="account",
            state="submitted",
            name="王强",
            member=station_world.wang,
            submitted_at=CheckIn.objects.latest("submitted_at").submitted_at,
        )
    assert counted(lambda: client.get(reverse("api-1.0.0:list_own_checkins"), **auth)) == listed
    assert first < 40
