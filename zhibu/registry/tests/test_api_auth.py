"""Who may call the API: a per-user bearer token or the browser session (with CSRF); nobody else."""

import json

from django.test import Client

from zhibu.accounts.services import create_api_token, revoke_api_token

MEMBERS = "/api/v1/members"


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_unauthenticated_gets_401_json(client, world):
    response = client.get(MEMBERS)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_unauthenticated_write_gets_401_not_a_csrf_error(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{MEMBERS}/{world.zhang.pk}/reveal", '{"field": "phone"}', content_type="application/json")
    assert response.status_code == 401


def test_token_authenticates_as_its_user(client, world):
    _token, raw = create_api_token(world.users["secretary2"], "t")
    response = client.get(MEMBERS, **bearer(raw))
    assert response.status_code == 200
    assert {item["name"] for item in response.json()["items"]} == {"赵敏"}


def test_token_writes_need_no_csrf_token(world):
    _token, raw = create_api_token(world.users["secretary"], "t")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["secretary"])  # a session cookie too, as from a browser
    url = f"{MEMBERS}/{world.zhang.pk}/reveal"
    response = client.post(url, '{"field": "phone"}', content_type="application/json", **bearer(raw))
    assert response.status_code == 200


def test_revoked_token_fails(client, world):
    token, raw = create_api_token(world.users["secretary"], "t")
    revoke_api_token(world.users["secretary"], token)
    assert client.get(MEMBERS, **bearer(raw)).status_code == 401


def test_unknown_token_fails(client, world):
    assert client.get(MEMBERS, **bearer("zb_not-a-token")).status_code == 401


def test_token_of_an_inactive_user_fails(client, world):
    user = world.users["secretary"]
    _token, raw = create_api_token(user, "t")
    user.is_active = False
    user.save()
    assert client.get(MEMBERS, **bearer(raw)).status_code == 401


def test_session_authenticates_the_browser(login, world):
    assert login("secretary").get(MEMBERS).status_code == 200


def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["secretary"])
    url, body = f"{MEMBERS}/{world.zhang.pk}/reveal", json.dumps({"field": "phone"})
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["message"]
    client.get("/api/v1/docs")  # the docs page sets the CSRF cookie, as in a browser
    csrf = client.cookies["csrftoken"].value
    response = client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200
