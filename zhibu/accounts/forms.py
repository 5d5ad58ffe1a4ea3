"""Forms of the account pages."""

import math

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from zhibu.accounts import backends
from zhibu.accounts.models import User
from zhibu.core.forms import BootstrapFormMixin


class LoginForm(BootstrapFormMixin, auth_forms.AuthenticationForm):
    """Sign in with a user name or a mobile number. The failure message never tells whether the
    account exists, except that a locked account says how long it stays locked."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("The user name, mobile number or password is wrong."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("User name or mobile number")

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            user = backends.find_user(self.cleaned_data.get("username", ""))
            if error.code == "invalid_login" and user is not None and user.is_locked:
                raise lockout_error(user) from None
            raise


def lockout_error(user: User) -> ValidationError:
    seconds_left = (user.locked_until - timezone.now()).total_seconds()
    minutes = min(settings.LOGIN_LOCKOUT_MINUTES, max(1, math.ceil(seconds_left / 60)))
    message = ngettext(
        "Too many failed attempts; try again in %(minutes)d minute.",
        "Too many failed attempts; try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    return ValidationError(message, code="locked_out")


class PasswordChangeForm(BootstrapFormMixin, auth_forms.PasswordChangeForm):
    pass


class TokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("thing", "Name"),
        max_length=100,
        help_text=_("What the token is for, for example “monthly ledger export script”."),
    )
