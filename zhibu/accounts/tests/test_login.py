"""Login by user name or mobile number, lockout, logout, Argon2 and password change."""

import datetime

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.conftest import PASSWORD
from zhibu.core.models import AuditEvent

LOGIN_URL = reverse("accounts:login")
NEW_PASSWORD = "quiet-river-lantern-42"


def post_login(client, username, password=PASSWORD):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def non_field_errors(response):
    return response.context["form"].non_field_errors()


def test_login_page_works_logged_out_without_navigation(client, world):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert 'id="main-nav"' not in html


def test_login_by_username_is_audited(client, world):
    response = post_login(client, "secretary")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = world.users["secretary"]
    assert logged_in_user_id(client) == str(user.pk)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor=user).exists()


@pytest.mark.parametrize("typed", ["13800138000", "+86 138-0013-8000"])
def test_login_by_mobile_number(client, world, typed):
    user = world.users["cadre"]
    user.set_phone("13800138000")
    user.save()
    response = post_login(client, typed)
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_login_keeps_next(client, world):
    tokens = reverse("accounts:tokens")
    response = client.post(
        f"{LOGIN_URL}?next={tokens}", {"username": "secretary", "password": PASSWORD, "next": tokens}
    )
    assert response["Location"] == tokens


def test_failed_login_gives_the_same_message_whether_or_not_the_account_exists(client, world):
    wrong_password = post_login(client, "secretary", "not-the-password")
    unknown_user = post_login(client, "no-such-user", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert non_field_errors(wrong_password) == non_field_errors(unknown_user)
    assert len(non_field_errors(wrong_password)) == 1
    assert logged_in_user_id(client) is None
    failures = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
    assert set(failures.values_list("actor_name", flat=True)) == {"secretary", "no-such-user"}


def test_lockout_refuses_even_the_right_password(client, world):
    for _attempt in range(settings.LOGIN_MAX_FAILURES):
        post_login(client, "secretary", "not-the-password")
    user = User.objects.get(username="secretary")
    assert user.is_locked
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT, object_id=str(user.pk)).exists()

    response = post_login(client, "secretary")
    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    form = response.context["form"]
    assert form.has_error("__all__", code="locked_out")
    assert str(settings.LOGIN_LOCKOUT_MINUTES) in non_field_errors(response)[0]


def test_other_accounts_are_not_locked_by_someone_elses_failures(client, world):
    for _attempt in range(settings.LOGIN_MAX_FAILURES):
        post_login(client, "secretary", "not-the-password")
    assert post_login(client, "secretary2").status_code == 302


def test_logout_is_post_only_and_audited(client, world):
    user = world.users["secretary"]
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert logged_in_user_id(client) is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, actor=user).exists()
    # What the site kept in the browser goes too (a phone may be shared): the browser test is
    # zhibu/learning/tests/test_player_browser.py.
    assert response["Clear-Site-Data"] == '"cache", "storage"'


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_stored_with_argon2(client, db):
    user = User.objects.create_user("argon", password=PASSWORD)
    user.refresh_from_db()
    assert user.password.startswith("argon2")
    assert post_login(client, "argon").status_code == 302


def test_password_change_keeps_the_session_and_is_audited(client, world):
    user = world.users["secretary"]
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_CHANGE, actor=user).count() == 1
    # Still signed in: the session hash follows the new password.
    assert client.get(reverse("accounts:password_change_done")).status_code == 200
    assert logged_in_user_id(client) == str(user.pk)


def test_password_change_with_a_wrong_old_password_changes_nothing(client, world):
    user = world.users["secretary"]
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "not-the-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("old_password")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_CHANGE).exists()


def test_account_pages_need_login(client, world):
    for name in ("password_change", "password_change_done", "tokens"):
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)


def test_session_expires_after_the_configured_age(client, world):
    from django.contrib.sessions.models import Session

    post_login(client, "secretary")
    assert client.get(reverse("home")).status_code == 200
    session = Session.objects.get()
    assert abs((session.expire_date - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 60
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_failed_login_with_an_unknown_phone_number_is_audited_masked(client, world):
    post_login(client, "13712345678", "wrong")
    event = AuditEvent.objects.get(action="login_failed", actor=None)
    assert event.actor_name == "137****5678"


def test_attempts_are_counted_before_the_password_check(world):
    """Parallel guesses each reserve an attempt first, so no more than the limit get through."""
    from zhibu.accounts.services import reserve_login_attempt

    user = world.users["cadre"]
    granted = [reserve_login_attempt(user) for _ in range(settings.LOGIN_MAX_FAILURES + 3)]
    assert granted.count(True) == settings.LOGIN_MAX_FAILURES
    assert granted[settings.LOGIN_MAX_FAILURES :] == [False, False, False]
