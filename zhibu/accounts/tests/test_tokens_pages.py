"""The API tokens page: list own tokens, create one (shown once), revoke only one's own."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhibu.accounts import services
from zhibu.accounts.models import ApiToken
from zhibu.core.models import AuditEvent

TOKENS_URL = reverse("accounts:tokens")


def revoke_url(token):
    return reverse("accounts:token_revoke", args=[token.pk])


def test_page_lists_only_own_tokens(login, world):
    services.create_api_token(world.users["secretary"], "ledger export")
    services.create_api_token(world.users["secretary2"], "someone else's script")
    html = login("secretary").get(TOKENS_URL).content.decode()
    assert "ledger export" in html
    assert "someone else" not in html


def test_create_shows_the_raw_token_once(login, world):
    client = login("secretary")
    response = client.post(TOKENS_URL, {"name": "monthly report"})
    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=world.users["secretary"])
    assert token.name == "monthly report"
    assert raw not in (token.digest, token.prefix)
    assert services.user_for_token(raw) == world.users["secretary"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_CREATE, object_id=str(token.pk)).exists()
    again = client.get(TOKENS_URL).content.decode()
    assert raw not in again
    assert token.prefix in again


def test_create_needs_a_name(login, world):
    response = login("secretary").post(TOKENS_URL, {"name": ""})
    assert response.context["form"].has_error("name")
    assert response.context["raw_token"] is None
    assert not ApiToken.objects.exists()


def test_revoke_own_token(login, world):
    token, raw = services.create_api_token(world.users["secretary"], "script")
    response = login("secretary").post(revoke_url(token))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert services.user_for_token(raw) is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REVOKE, object_id=str(token.pk)).exists()


def test_revoke_is_post_only(login, world):
    token, _raw = services.create_api_token(world.users["secretary"], "script")
    assert login("secretary").get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_cannot_revoke_another_users_token(login, world):
    token, raw = services.create_api_token(world.users["secretary2"], "script")
    response = login("secretary").post(revoke_url(token))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert services.user_for_token(raw) == world.users["secretary2"]


def test_page_query_count_does_not_grow_with_tokens(login, world, django_assert_max_num_queries):
    client = login("secretary")
    services.create_api_token(world.users["secretary"], "first")
    with CaptureQueriesContext(connection) as baseline:
        client.get(TOKENS_URL)
    for number in range(10):
        services.create_api_token(world.users["secretary"], f"script {number}")
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(TOKENS_URL)
    assert len(response.context["tokens"]) == 11
