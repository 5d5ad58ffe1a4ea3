"""Sign in with a username or a mobile number, with lockout after repeated failures."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError

from zhibu.accounts import services
from zhibu.accounts.models import User
from zhibu.core.crypto import blind_index
from zhibu.core.identity import validate_phone


def find_user(login: str) -> User | None:
    login = (login or "").strip()
    user = User.objects.filter(username=login).first()
    if user is None:
        try:
            phone = validate_phone(login)
        except ValidationError:
            return None
        user = User.objects.filter(phone_digest=blind_index("phone", phone)).first()
    return user


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            User().set_password(password)  # same work as a real check, so timing does not tell
            services.record_failed_login(None, username, request)
            return None
        if not services.reserve_login_attempt(user):
            raise PermissionDenied  # locked: stops the sign-in; the form explains the lockout
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        services.record_failed_login(user, username, request)
        return None
