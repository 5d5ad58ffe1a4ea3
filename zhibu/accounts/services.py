"""Writes about accounts: sign-in bookkeeping, lockout, grants and API tokens."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from zhibu.accounts.models import ApiToken, RoleGrant, User, token_digest
from zhibu.core import audit
from zhibu.core.identity import mask_id_number, mask_phone, validate_id_number, validate_phone
from zhibu.core.privacy import redact


def _user_org(user: User):
    """The organisation whose auditors see this account's sign-ins and token events."""
    grant = user.grants.exclude(organization=None).select_related("organization").first()
    if grant is not None:
        return grant.organization
    return user.member.home_org if user.member_id else None


@transaction.atomic
def record_login(user: User, request=None) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit.record(user, audit.Action.LOGIN, user, org=_user_org(user), request=request)


def reserve_login_attempt(user: User) -> bool:
    """Count an attempt before the password is checked, in one conditional UPDATE, so that a burst
    of parallel guesses cannot exceed LOGIN_MAX_FAILURES. False while the account is locked."""
    now = timezone.now()
    not_locked = Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    reserved = User.objects.filter(not_locked, pk=user.pk, failed_logins__lt=settings.LOGIN_MAX_FAILURES).update(
        failed_logins=F("failed_logins") + 1, locked_until=None
    )
    return reserved == 1


def attempted_name_for_audit(login: str) -> str:
    """What a failed sign-in typed as the account name, with a phone or ID number masked."""
    for validate, mask in ((validate_phone, mask_phone), (validate_id_number, mask_id_number)):
        try:
            return mask(validate(login))
        except ValidationError:
            pass
    return redact(login)[:150]


@transaction.atomic
def record_failed_login(user: User | None, attempted_name: str, request=None) -> None:
    """Audit a failure (its attempt was counted by reserve_login_attempt); lock the account once
    LOGIN_MAX_FAILURES attempts in a row have failed."""
    if user is None:
        audit.record(
            None, audit.Action.LOGIN_FAILED, actor_name=attempted_name_for_audit(attempted_name), request=request
        )
        return
    audit.record(None, audit.Action.LOGIN_FAILED, user, actor_name=user.username, org=_user_org(user), request=request)
    until = timezone.now() + datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    locked = User.objects.filter(pk=user.pk, failed_logins__gte=settings.LOGIN_MAX_FAILURES).update(
        locked_until=until, failed_logins=0
    )
    if locked:
        audit.record(
            None,
            audit.Action.LOCKED_OUT,
            user,
            actor_name=user.username,
            org=_user_org(user),
            changes={"until": until.isoformat()},
            request=request,
        )


@transaction.atomic
def record_logout(user: User, request=None) -> None:
    audit.record(user, audit.Action.LOGOUT, user, org=_user_org(user), request=request)


@transaction.atomic
def change_password(user: User, new_password: str, request=None) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(user, audit.Action.PASSWORD_CHANGE, user, org=_user_org(user), request=request)


@transaction.atomic
def create_api_token(user: User, name: str, request=None) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown to the user once."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(user=user, name=name.strip()[:100], prefix=raw[:8], digest=token_digest(raw))
    audit.record(user, audit.Action.TOKEN_CREATE, token, org=_user_org(user), request=request)
    return token, raw


@transaction.atomic
def revoke_api_token(user: User, token: ApiToken, request=None) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(user, audit.Action.TOKEN_REVOKE, token, org=_user_org(user), request=request)


def user_for_token(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user__member")  # most calls act on the caller's own member record
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
