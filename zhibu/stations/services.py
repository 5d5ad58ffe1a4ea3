"""Every write of the service network: one typed function each, one transaction, audited."""

import io
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from zhibu.core import audit
from zhibu.core.scope import Capability
from zhibu.stations import geo
from zhibu.stations.models import Amenity, Station, StationPhoto

STATION_FIELDS = (
    "name",
    "kind",
    "level",
    "parent",
    "is_checkin_point",
    "organization",
    "unit",
    "region",
    "place_organization",
    "address",
    "latitude",
    "longitude",
    "coordinate_system",
    "always_open",
    "opens_at",
    "closes_at",
    "open_days",
    "hours_note",
    "contact_name",
    "contact_phone",
    "is_active",
)


def can_edit(actor, station: Station) -> bool:
    """Registry editors and station staff of the organisation that runs it."""
    path = station.organization.path
    return actor.scope.covers(path, Capability.EDIT) or actor.scope.covers(path, Capability.STATION)


def _require_edit(actor, station: Station) -> None:
    if station.organization_id is None or not can_edit(actor, station):
        raise PermissionDenied(_("You may only change stations run under your organisations."))


def _state(station: Station) -> dict:
    state = {name: getattr(station, name) for name in STATION_FIELDS}
    state["amenities"] = sorted(station.amenities.values_list("code", flat=True)) if station.pk else []
    return state


def _clean(station: Station) -> None:
    errors: dict[str, list[str]] = {}
    if (station.latitude is None) != (station.longitude is None):
        errors.setdefault("longitude", []).append(_("Give both the latitude and the longitude, or neither."))
    elif station.latitude is not None:
        try:
            geo.check_point(float(station.latitude), float(station.longitude))
        except ValidationError as error:
            errors.setdefault("latitude", []).extend(error.messages)
    if station.parent_id is not None:
        if station.pk is not None and _is_descendant_or_self(station.parent, station):
            errors.setdefault("parent", []).append(_("A station cannot be placed under itself or its own stations."))
        elif station.parent.level >= station.level:
            errors.setdefault("parent", []).append(_("The parent station must be of a higher level."))
    if not station.always_open and (station.opens_at is None) != (station.closes_at is None):
        errors.setdefault("closes_at", []).append(_("Give both the opening and the closing time."))
    if any(day not in "1234567" for day in station.open_days) or len(set(station.open_days)) != len(station.open_days):
        errors.setdefault("open_days", []).append(
            _("Write the weekdays as digits 1 (Monday) to 7 (Sunday), such as 12345.")
        )
    try:
        station.full_clean(exclude=["wgs_latitude", "wgs_longitude"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _is_descendant_or_self(candidate: Station | None, station: Station) -> bool:
    seen = set()
    while candidate is not None and candidate.pk not in seen:
        if candidate.pk == station.pk:
            return True
        seen.add(candidate.pk)
        candidate = candidate.parent
    return False


def _place(station: Station) -> None:
    if station.latitude is None:
        station.wgs_latitude = station.wgs_longitude = None
    else:
        station.wgs_latitude, station.wgs_longitude = geo.to_wgs84(
            float(station.latitude), float(station.longitude), station.coordinate_system
        )


@transaction.atomic
def create_station(actor, *, amenities: list[Amenity] = (), **values) -> Station:
    station = Station(**values)
    _require_edit(actor, station)
    _clean(station)
    _place(station)
    station.save()
    station.amenities.set(amenities)
    audit.record(actor, audit.Action.CREATE, station, org=station.organization, changes=audit.diff({}, _state(station)))
    return station


@transaction.atomic
def update_station(actor, station: Station, *, amenities: list[Amenity] | None = None, **values) -> Station:
    _require_edit(actor, station)
    before = _state(station)
    for name, value in values.items():
        setattr(station, name, value)
    _require_edit(actor, station)  # the new organisation too
    _clean(station)
    _place(station)
    station.save()
    if amenities is not None:
        station.amenities.set(amenities)
    audit.record(
        actor, audit.Action.UPDATE, station, org=station.organization, changes=audit.diff(before, _state(station))
    )
    return station


@transaction.atomic
def delete_station(actor, station: Station) -> None:
    _require_edit(actor, station)
    if station.children.exists():
        raise ValidationError(_("Move or delete the stations under this one first."))
    audit.record(actor, audit.Action.DELETE, station, org=station.organization)
    try:
        station.delete()
    except ProtectedError:
        raise ValidationError(
            _("Records refer to this station, such as check-ins made there. Take it out of service instead.")
        ) from None


# Photos

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_SIDE = 2000


def _reencoded(upload) -> ContentFile:
    """The picture drawn again without its metadata: a phone's photo carries the GPS point it was
    taken at, and people in it may not want that published. Large pictures are scaled down."""
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError({"image": [_("A photo may be at most 5 MB.")]})
    try:
        with Image.open(upload) as image:
            image.load()
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationError({"image": [_("This file is not a picture we can read (JPEG, PNG or WebP).")]}) from None
    picture.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


@transaction.atomic
def add_photo(actor, station: Station, upload, caption: str = "") -> StationPhoto:
    _require_edit(actor, station)
    photo = StationPhoto(station=station, caption=caption.strip())
    photo.image.save("photo.jpg", _reencoded(upload), save=False)
    photo.save()
    audit.record(actor, audit.Action.CREATE, photo, org=station.organization, changes={"caption": photo.caption})
    return photo


@transaction.atomic
def delete_photo(actor, photo: StationPhoto) -> None:
    station = photo.station
    _require_edit(actor, station)
    audit.record(actor, audit.Action.DELETE, photo, org=station.organization)
    name, storage = photo.image.name, photo.image.storage
    photo.delete()
    transaction.on_commit(lambda: storage.delete(name))
