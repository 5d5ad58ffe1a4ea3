"""The 报到 API: a signed-in member's one tap, for the app or a phone that scanned a station's code.

POST /checkins with the code read from the screen or the poster reports in as the page does
(`services.submit_from_account`): a second report at the same station within
CHECKIN_REPEAT_MINUTES is the same 报到, answered with `repeated`. GET /checkins/mine lists the
member's own. Station staff verify and organisations accept on their pages."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from zhibu.checkins import codes, queries, services

router = Router(tags=["checkins"])


class CheckInIn(Schema):
    code: str = Field(max_length=200, description="the code of the station's screen or poster")


class CheckInOut(Schema):
    id: int
    station: int = Field(alias="station_id")
    station_name: str = Field(alias="station.name")
    state: str
    submitted_at: datetime.datetime
    routed_to: int | None = Field(alias="routed_to_id")


class SubmittedOut(CheckInOut):
    repeated: bool = Field(description="the same 报到 as one a few minutes ago, recorded once")


@router.post("/checkins", response={201: SubmittedOut})
def submit_checkin(request, payload: CheckInIn):
    """Report in at the station whose code you scanned. Accounts without a member record report
    with their ID number on the station's page instead (403)."""
    if request.auth.member_id is None:
        raise PermissionDenied(_("Your account is not linked to a member record; report with your ID number."))
    try:
        station = codes.read_code(payload.code.strip())
    except codes.CodeError as error:
        raise ValidationError({"code": [str(error)]}) from None
    submitted = services.submit_from_account(request.auth, station)
    submitted.checkin.repeated = submitted.repeated
    return Status(201, submitted.checkin)


@router.get("/checkins/mine", response=list[CheckInOut])
@paginate
def list_own_checkins(request):
    """Your own 报到, the latest first."""
    return queries.own(request.auth).order_by("-submitted_at", "-pk")
