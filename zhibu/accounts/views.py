"""Account pages: sign in and out, password change, API tokens. Writes go through services."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zhibu.accounts import services
from zhibu.accounts.forms import LoginForm, PasswordChangeForm, TokenForm


class LogoutView(auth_views.LogoutView):
    """Signing out also empties what this site kept in the browser: lessons saved for offline use
    (the service worker's cache and the worker itself) and positions waiting to sync. A phone is
    often shared by the couriers of one station."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


class LoginView(auth_views.LoginView):
    # Django's LoginView already wraps dispatch in sensitive_post_parameters() (all fields).
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        services.change_password(self.request.user, form.cleaned_data["new_password1"], self.request)
        update_session_auth_hash(self.request, self.request.user)  # stay signed in with the new password
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@never_cache  # the page shows a new token in clear once; no cache may keep it
@login_required
def tokens(request):
    form = TokenForm(request.POST or None)
    raw_token = None
    if request.method == "POST" and form.is_valid():
        _token, raw_token = services.create_api_token(request.user, form.cleaned_data["name"], request)
        form = TokenForm()
    context = {"form": form, "tokens": request.user.api_tokens.all(), "raw_token": raw_token}
    return render(request, "accounts/tokens.html", context)


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(request.user.api_tokens, pk=pk)
    services.revoke_api_token(request.user, token, request)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
