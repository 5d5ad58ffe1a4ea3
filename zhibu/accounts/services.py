"""Writes about accounts: sign-in bookkeeping, lockout, grants and API tokens."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from zhibu.accounts.models import ApiToken, RoleGrant, User, token_digest
from zhibu.core import audit


def _user_org_path(user: User) -> str:
    grant = user.grants.exclude(organization=None).select_related("organization").first()
    if grant is not None:
        return grant.organization.path
    return user.member.home_org.path if user.member_id else ""


@transaction.atomic
def record_login(user: User, request=None) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit.record(user, audit.Action.LOGIN, user, org_path=_user_org_path(user), request=request)


@transaction.atomic
def record_failed_login(user: User | None, attempted_name: str, request=None) -> None:
    """Count a failure; lock the account after LOGIN_MAX_FAILURES failures in a row."""
    if user is None:
        audit.record(None, audit.Action.LOGIN_FAILED, actor_name=attempted_name[:150], request=request)
        return
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    audit.record(
        None, audit.Action.LOGIN_FAILED, user, actor_name=user.username, org_path=_user_org_path(user), request=request
    )
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES and not user.is_locked:
        until = timezone.now() + datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
        audit.record(
            None,
            audit.Action.LOCKED_OUT,
            user,
            actor_name=user.username,
            org_path=_user_org_path(user),
            changes={"until": until.isoformat()},
            request=request,
        )


@transaction.atomic
def record_logout(user: User, request=None) -> None:
    audit.record(user, audit.Action.LOGOUT, user, org_path=_user_org_path(user), request=request)


@transaction.atomic
def change_password(user: User, new_password: str, request=None) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(user, audit.Action.PASSWORD_CHANGE, user, org_path=_user_org_path(user), request=request)


@transaction.atomic
def create_api_token(user: User, name: str, request=None) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown to the user once."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(user=user, name=name.strip()[:100], prefix=raw[:8], digest=token_digest(raw))
    audit.record(user, audit.Action.TOKEN_CREATE, token, org_path=_user_org_path(user), request=request)
    return token, raw


@transaction.atomic
def revoke_api_token(user: User, token: ApiToken, request=None) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(user, audit.Action.TOKEN_REVOKE, token, org_path=_user_org_path(user), request=request)


def user_for_token(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Record use at most once a minute, so that API calls do not each cost a write.
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def grant_role(user: User, role: str, organization=None) -> RoleGrant:
    grant, _created = RoleGrant.objects.get_or_create(user=user, role=role, organization=organization)
    return grant
