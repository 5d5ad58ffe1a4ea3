"""API tokens through the API: list one's own, create (shown once, stored as a digest), revoke."""

import json

from zhibu.accounts import services
from zhibu.accounts.models import ApiToken
from zhibu.core.models import AuditEvent

TOKENS = "/api/v1/tokens"


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_list_shows_only_own_tokens(client, world):
    _token, raw = services.create_api_token(world.users["secretary"], "script")
    services.create_api_token(world.users["secretary2"], "someone else's")
    response = client.get(TOKENS, **bearer(raw))
    assert response.status_code == 200
    assert [token["name"] for token in response.json()] == ["script"]
    assert raw not in response.content.decode()


def test_create_returns_the_raw_token_once(login, world):
    client = login("secretary")
    response = client.post(TOKENS, json.dumps({"name": "ledger export"}), content_type="application/json")
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    raw = response.json()["token"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert (token.user, token.name) == (world.users["secretary"], "ledger export")
    assert raw not in (token.digest, token.prefix)
    assert services.user_for_token(raw) == world.users["secretary"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_CREATE, object_id=str(token.pk)).exists()
    assert raw not in client.get(TOKENS).content.decode()


def test_create_needs_a_name(login, world):
    response = login("secretary").post(TOKENS, json.dumps({"name": ""}), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"]["name"]
    assert not ApiToken.objects.exists()


def test_revoke_own_token(client, world):
    token, raw = services.create_api_token(world.users["secretary"], "script")
    _other, other_raw = services.create_api_token(world.users["secretary"], "other")
    response = client.post(f"{TOKENS}/{token.pk}/revoke", **bearer(other_raw))
    assert response.status_code == 200
    assert response.json()["revoked_at"]
    assert client.get(TOKENS, **bearer(raw)).status_code == 401
    assert client.get(TOKENS, **bearer(other_raw)).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REVOKE, object_id=str(token.pk)).exists()


def test_someone_elses_token_cannot_be_revoked(login, world):
    token, raw = services.create_api_token(world.users["secretary2"], "script")
    response = login("secretary").post(f"{TOKENS}/{token.pk}/revoke")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert services.user_for_token(raw) == world.users["secretary2"]
