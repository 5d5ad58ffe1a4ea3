"""The signed code behind a meeting's QR, and the signed tokens of the calendar feeds.

A meeting code names the meeting and its code version; it carries no time of its own, because
the meeting's window (from `OPENS_BEFORE` before the start to the end) decides when it is taken.
Raising the meeting's code version withdraws every code shown so far.

Both are signed without a timestamp (the same meeting or feed always has the same address).
A feed token names the user who copied it (and the organisation, for an organisation's feed):
calendar apps cannot sign in, and the feed answers only while that user may still see it.
"""

import datetime

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from zhibu.meetings.models import Meeting

CODE_SALT = "zhibu.meetings.code"
FEED_SALT = "zhibu.meetings.feed"
OPENS_BEFORE = datetime.timedelta(minutes=30)


class CodeError(Exception):
    pass


def opens_at(meeting: Meeting) -> datetime.datetime:
    return meeting.starts_at - OPENS_BEFORE


def is_open(meeting: Meeting, now: datetime.datetime | None = None) -> bool:
    """Whether attendance may be taken by code or by an online tap now."""
    now = now or timezone.now()
    return not meeting.is_cancelled and opens_at(meeting) <= now <= meeting.ends_at


def window_error(meeting: Meeting, now: datetime.datetime | None = None) -> str:
    """Why attendance cannot be taken now, or "" when it can."""
    now = now or timezone.now()
    if meeting.is_cancelled:
        return _("This meeting has been cancelled.")
    if now < opens_at(meeting):
        local = timezone.localtime(opens_at(meeting))
        return _("Attendance opens at %(time)s, 30 minutes before the meeting starts.") % {
            "time": local.strftime("%Y-%m-%d %H:%M")
        }
    if now > meeting.ends_at:
        return _("This meeting has ended; attendance can no longer be recorded with the code.")
    return ""


def make_code(meeting: Meeting) -> str:
    return signing.Signer(salt=CODE_SALT).sign_object([meeting.pk, meeting.code_version])


def read_code(code: str) -> Meeting:
    """The meeting a code stands for, or CodeError with the reason in the user's language."""
    try:
        meeting_id, version = signing.Signer(salt=CODE_SALT).unsign_object(code)
    except (signing.BadSignature, ValueError, TypeError):
        raise CodeError(_("This attendance code is not valid. Scan the code shown at the meeting again.")) from None
    meeting = Meeting.objects.select_related("organization").filter(pk=meeting_id).first()
    if meeting is None:
        raise CodeError(_("This meeting no longer exists."))
    if meeting.code_version != version:
        raise CodeError(_("This attendance code has been withdrawn. Scan the code shown at the meeting now."))
    return meeting


def member_feed_token(user) -> str:
    return signing.Signer(salt=FEED_SALT).sign_object({"u": user.pk})


def organization_feed_token(user, organization) -> str:
    return signing.Signer(salt=FEED_SALT).sign_object({"u": user.pk, "o": organization.pk})


def read_feed_token(token: str) -> dict:
    """{"u": user id} or {"u": user id, "o": organisation id}; BadSignature when forged."""
    payload = signing.Signer(salt=FEED_SALT).unsign_object(token)
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise signing.BadSignature("malformed feed token")
    return payload
