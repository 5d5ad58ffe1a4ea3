"""The JSON API under /api/v1: OpenAPI at openapi.json, docs at docs (served from ninja's bundled
static files, no CDN).

Every error is JSON of one shape, in the language of the request:
    {"message": "...", "errors": {"field": ["...", ...]}}
Messages never repeat the submitted values, which may be ID or phone numbers.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.parser import Parser

from zhibu.accounts.api import AUTH
from zhibu.accounts.api import router as accounts_router
from zhibu.care.bottomlines.api import router as bottom_lines_router
from zhibu.chains.api import router as chains_router
from zhibu.checkins.api import router as checkins_router
from zhibu.contests.api import router as contests_router
from zhibu.learning.api import router as learning_router
from zhibu.points.api import router as points_router
from zhibu.registry.api import router as registry_router
from zhibu.stations.api import router as stations_router


class JsonObjectParser(Parser):
    """Every body of this API is one JSON object. Anything else (`[1]`, `"x"`) would reach the
    schemas as an empty body, and a PATCH would then succeed without changing anything."""

    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the request body is not a JSON object")  # ninja turns it into a 400
        return data


api = NinjaAPI(
    title="zhibu API",
    version="1.0.0",
    urls_namespace="api-1.0.0",
    auth=AUTH,
    parser=JsonObjectParser(),
    description=(
        "Send `Authorization: Bearer <token>` with a token made on the API tokens page or at POST /tokens, "
        "or use the browser session (with its CSRF token). Everything is limited to your organisations; "
        "records outside them answer 404."
    ),
)
api.add_router("/", accounts_router)
api.add_router("/", registry_router)
api.add_router("/", stations_router)
api.add_router("/", checkins_router)
api.add_router("/", bottom_lines_router)
api.add_router("/", learning_router)
api.add_router("/", contests_router)
api.add_router("/", chains_router)
api.add_router("/", points_router)

NON_FIELD = "__all__"


def error_response(request, status: int, message: str, errors: dict[str, list[str]] | None = None):
    return api.create_response(request, {"message": str(message), "errors": errors or {}}, status=status)


@api.exception_handler(ValidationError)
def on_service_error(request, exc: ValidationError):
    """Field errors from services: 422. A refusal without a field (such as deleting an
    organisation that still has members): 400 with the reason as the message."""
    if hasattr(exc, "error_dict"):
        return error_response(request, 422, _("Check the fields marked with an error."), exc.message_dict)
    return error_response(request, 400, " ".join(exc.messages), {NON_FIELD: exc.messages})


@api.exception_handler(RequestValidationError)
def on_request_error(request, exc: RequestValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_name(error["loc"]), []).append(_pydantic_message(error))
    return error_response(request, 422, _("Check the fields marked with an error."), errors)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc: PermissionDenied):
    return error_response(request, 403, str(exc) or _("You do not have permission to do this."))


@api.exception_handler(Http404)
def on_not_found(request, exc: Http404):
    return error_response(request, 404, _("Not found."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc: AuthenticationError):
    response = error_response(request, 401, _("Sign in, or send a valid API token as “Authorization: Bearer …”."))
    response["WWW-Authenticate"] = "Bearer"
    return response


# ninja raises HttpError with fixed English texts; these are the ones a client can meet.
NINJA_MESSAGES = {
    "Cannot parse request body": gettext_lazy("The request body is not a valid JSON object."),
    "CSRF check Failed": gettext_lazy("The CSRF check failed; reload the page and try again."),
}


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    message = next((text for prefix, text in NINJA_MESSAGES.items() if str(exc).startswith(prefix)), str(exc))
    return error_response(request, exc.status_code, message)


def _field_name(loc) -> str:
    """("body", "payload", "home_org") -> "home_org"; ("query", "level") -> "level"."""
    source, *path = loc
    if source == "body":
        path = path[1:]  # the name of the view's body parameter
    return ".".join(str(part) for part in path) or NON_FIELD


# Django's own message ids where they exist, so that they come translated already.
PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "int": gettext_lazy("Enter a whole number."),
    "decimal": gettext_lazy("Enter a number."),
    "float": gettext_lazy("Enter a number."),
    "date": gettext_lazy("Enter a valid date."),
    "datetime": gettext_lazy("Enter a valid date/time."),
    "bool": gettext_lazy("Enter true or false."),
    "enum": gettext_lazy("Select a valid choice. That choice is not one of the available choices."),
    "literal": gettext_lazy("Select a valid choice. That choice is not one of the available choices."),
    "list": gettext_lazy("Enter a list of values."),
    "string_too_short": gettext_lazy("This field cannot be blank."),
    "string_too_long": gettext_lazy("Ensure this value has at most %(max_length)s characters."),
    "greater_than_equal": gettext_lazy("Ensure this value is greater than or equal to %(ge)s."),
    "less_than_equal": gettext_lazy("Ensure this value is less than or equal to %(le)s."),
}


def _pydantic_message(error: dict) -> str:
    kind = error["type"]
    message = PYDANTIC_MESSAGES.get(kind) or PYDANTIC_MESSAGES.get(kind.split("_")[0])
    if message is None:
        return _("Enter a valid value.")
    return str(message) % error.get("ctx", {}) if "%(" in str(message) else str(message)
