"""The signed codes behind a station's QR: `s.` codes shown on a screen live minutes and are
renewed; `p.` codes printed on a poster live days. Raising the station's key version withdraws
every code issued before."""

import datetime

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from zhibu.stations.models import Station

SALT = "zhibu.checkins.code"
SCREEN, POSTER = "s", "p"


class CodeError(Exception):
    pass


def make_code(station: Station, kind: str = SCREEN) -> str:
    payload = f"{station.pk}.{station.checkin_key_version}"
    return f"{kind}.{signing.TimestampSigner(salt=f'{SALT}.{kind}').sign(payload)}"


def lifetime(kind: str) -> datetime.timedelta:
    if kind == POSTER:
        return datetime.timedelta(days=settings.CHECKIN_POSTER_CODE_DAYS)
    return datetime.timedelta(minutes=settings.CHECKIN_SCREEN_CODE_MINUTES)


def read_code(code: str) -> Station:
    """The station a code stands for, or CodeError with the reason in the user's language."""
    kind, _dot, signed = code.partition(".")
    if kind not in (SCREEN, POSTER):
        raise CodeError(_("This check-in code is not valid. Scan the code at the station again."))
    signer = signing.TimestampSigner(salt=f"{SALT}.{kind}")
    try:
        payload = signer.unsign(signed, max_age=lifetime(kind))
    except signing.SignatureExpired:
        raise CodeError(_("This check-in code has expired. Scan the code shown at the station now.")) from None
    except signing.BadSignature:
        raise CodeError(_("This check-in code is not valid. Scan the code at the station again.")) from None
    station_id, _dot, version = payload.partition(".")
    # With the organisations a 报到 may be routed to, which every tap asks for.
    station = (
        Station.objects.select_related("organization", "place_organization")
        .filter(pk=station_id, is_active=True, is_checkin_point=True)
        .first()
    )
    if station is None:
        raise CodeError(_("This station no longer takes check-ins."))
    if str(station.checkin_key_version) != version:
        raise CodeError(_("This check-in code has been withdrawn. Scan the station's current code."))
    return station
