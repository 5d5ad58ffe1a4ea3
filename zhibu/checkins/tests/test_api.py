"""The 报到 API: a member's one tap with the station's code, repeated taps recorded once, bad codes
and accounts without a member record refused in the user's language, and the member's own list."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from zhibu.accounts.services import create_api_token
from zhibu.checkins import codes, services
from zhibu.checkins.models import CheckIn
from zhibu.checkins.tests.matrix_cases import prepare
from zhibu.conftest import make_id_number
from zhibu.core import audit
from zhibu.core.models import AuditEvent
from zhibu.core.scope import Capability, Role
from zhibu.notifications.models import Notification


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


def test_a_member_reports_in_with_the_code_and_a_second_tap_is_the_same(
    client, station_world, django_capture_on_commit_callbacks
):
    auth = bearer(station_world.users["courier"])
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, {"code": station_world.checkin_code}, **auth)
    assert first.status_code == 201, first.content
    body = first.json()
    checkin = CheckIn.objects.get(pk=body["id"])
    assert checkin.member == station_world.wang and checkin.station == station_world.checkin_point
    assert body["station_name"] == "南头党员报到处" and body["repeated"] is False
    assert body["routed_to"] == checkin.routed_to_id is not None
    # Written once, routed: one event, which names the inbox and not the ID number.
    event = AuditEvent.objects.get(object_type="checkins.checkin", object_id=str(checkin.pk))
    assert event.action == "create" and event.org_id == checkin.routed_to_id
    assert event.changes["state"] == [None, "routed"] and event.changes["via"] == [None, "account"]
    assert station_world.wang.id_number not in str(event.changes) and event.changes["id_number"] == audit.REDACTED
    told = Notification.objects.filter(url=reverse("checkins:detail", args=[checkin.pk]))
    inbox = services.people_of(checkin.routed_to, Capability.EDIT)
    assert inbox and {notice.recipient for notice in told} == set(inbox)

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


def test_the_query_count_of_a_tap_and_of_the_list_does_not_grow(
    client, station_world, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counted(send):
        with CaptureQueriesContext(connection) as context, django_capture_on_commit_callbacks(execute=True):
            assert send().status_code in (200, 201)
        return len(context)

    def tap(user):
        auth = bearer(user)
        return counted(lambda: post(client, {"code": station_world.checkin_code}, **auth))

    courier = station_world.users["courier"]
    first = tap(courier)
    auth = bearer(courier)
    client.get(reverse("api-1.0.0:list_own_checkins"), **auth)  # its first use is written; then once a minute
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
    # Another member of the same home, so routed to the same inbox, after more 报到 and audit events.
    neighbour = station_world.add_member("陈刚", make_id_number(sequence=456), station_world.wang.home_org)
    assert tap(station_world.user("chen", Role.MEMBER, neighbour.home_org, member=neighbour)) == first
    # The token and its use, the station with its organisations; in a savepoint the repeat check,
    # the 报到 written routed, its audit event, the kept lines and the inbox's people; a notice each.
    told = len(services.people_of(CheckIn.objects.latest("pk").routed_to, Capability.EDIT))
    assert first == 10 + told
