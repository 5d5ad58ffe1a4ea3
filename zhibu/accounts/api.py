"""API authentication and the caller's own API tokens.

Two ways in: a per-user token (`Authorization: Bearer <token>`, for scripts) and the Django
session of the browser (with CSRF protection, for the docs page and htmx). The authenticated
user is `request.auth` and is the actor of every read and write.
"""

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from zhibu.accounts import services
from zhibu.accounts.models import User


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return services.user_for_token(token)


class SessionAuth(NinjaSessionAuth):
    """Ninja's django_auth, but without a session cookie there is nothing to protect from CSRF:
    a request carrying only a (wrong) token then gets 401, not a CSRF 403."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


# Token first: a script that sends a token is not asked for a CSRF token because a session cookie came along.
AUTH = [TokenAuth(), SessionAuth()]

router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself. It is shown this once and cannot be read again.")


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request):
    return request.auth.api_tokens.all()


@router.post("/tokens", response={201: TokenCreated})
def create_token(request, payload: TokenIn, response: HttpResponse):
    token, raw = services.create_api_token(request.auth, payload.name, request)
    response["Cache-Control"] = "no-store"
    return Status(201, {**TokenOut.model_validate(token).model_dump(), "token": raw})


@router.post("/tokens/{token_id}/revoke", response=TokenOut)
def revoke_token(request, token_id: int):
    """Revoke one of your own tokens; other users' tokens do not exist for you (404)."""
    token = get_object_or_404(request.auth.api_tokens, pk=token_id)
    services.revoke_api_token(request.auth, token, request)
    return token
