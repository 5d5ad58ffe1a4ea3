"""Every write of meetings, attendance, leave, minutes and frequency rules: one typed function
each, one transaction, the permission checked first, audited."""

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhibu.accounts.models import User
from zhibu.care.bottomlines import kept
from zhibu.core import audit
from zhibu.core.scope import Capability
from zhibu.meetings import codes, files
from zhibu.meetings.models import (
    Attendance,
    AttendanceMethod,
    LeaveRequest,
    Meeting,
    MeetingRule,
    Minutes,
    MinutesAttachment,
    Mode,
)
from zhibu.meetings.queries import invitees, is_invited
from zhibu.notifications.backends import Notice
from zhibu.notifications.services import notify
from zhibu.points import services as points
from zhibu.points.models import PointKind
from zhibu.registry.models import Member, Organization
from zhibu.stations.models import Station

MEETING_FIELDS = ("kind", "title", "starts_at", "ends_at", "mode", "address", "online_link", "agenda")


def _require_edit(actor, organization: Organization) -> None:
    if not actor.scope.covers(organization.path, Capability.EDIT):
        raise PermissionDenied(_("You may only change meetings of your organisations."))


def _state(meeting: Meeting) -> dict:
    state = {name: getattr(meeting, name) for name in MEETING_FIELDS}
    state["station"] = meeting.station_id
    state["is_cancelled"] = meeting.is_cancelled
    return state


@dataclass
class MeetingInput:
    kind: str
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    mode: str = Mode.IN_PLACE
    station: Station | None = None
    address: str = ""
    online_link: str = ""
    agenda: str = ""


def _validate(data: MeetingInput) -> None:
    errors: dict[str, list[str]] = {}
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = [_("The meeting must end after it starts.")]
    if data.mode == Mode.ONLINE and not data.online_link:
        errors["online_link"] = [_("Give the link of the online meeting.")]
    if data.mode == Mode.IN_PLACE and data.station is None and not data.address.strip():
        errors["address"] = [_("Give the station or the address where the meeting is held.")]
    if errors:
        raise ValidationError(errors)


def _apply(meeting: Meeting, data: MeetingInput) -> None:
    _validate(data)
    for name in MEETING_FIELDS:
        setattr(meeting, name, getattr(data, name))
    meeting.station = data.station if data.mode == Mode.IN_PLACE else None
    if data.mode == Mode.ONLINE:
        meeting.address = ""
    else:
        meeting.online_link = ""
    meeting.full_clean(exclude=["organization", "created_by", "station"])


def _tell_invitees(meeting: Meeting, subject: str) -> None:
    when = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")
    users = User.objects.filter(member__in=invitees(meeting), is_active=True)
    notify(users, Notice(subject=subject, body=f"{meeting.title} · {when}", url=reverse("meetings:mine")))


@transaction.atomic
def create_meeting(actor, organization: Organization, data: MeetingInput) -> Meeting:
    _require_edit(actor, organization)
    meeting = Meeting(organization=organization, created_by=actor if actor.pk else None)
    _apply(meeting, data)
    meeting.save()
    audit.record(actor, audit.Action.CREATE, meeting, org=organization, changes=audit.created(_state(meeting)))
    _tell_invitees(meeting, _("New meeting: %(title)s") % {"title": meeting.title})
    return meeting


@transaction.atomic
def update_meeting(actor, meeting: Meeting, data: MeetingInput) -> Meeting:
    _require_edit(actor, meeting.organization)
    before = _state(meeting)
    _apply(meeting, data)
    meeting.save()
    audit.record(
        actor, audit.Action.UPDATE, meeting, org=meeting.organization, changes=audit.diff(before, _state(meeting))
    )
    if before["starts_at"] != meeting.starts_at:
        _refresh_lines(meeting, meeting.attendance.values("member_id"), also=before["starts_at"])
        _tell_invitees(meeting, _("Meeting moved: %(title)s") % {"title": meeting.title})
    return meeting


def _refresh_lines(meeting: Meeting, members, also: datetime.datetime | None = None) -> None:
    """The organisational-life line of `members` in the meeting's year (and in the year of `also`,
    where a moved meeting was before)."""
    kept.refresh(members, [kept.year_of(meeting.starts_at), also and kept.year_of(also)])


@transaction.atomic
def cancel_meeting(actor, meeting: Meeting) -> Meeting:
    _require_edit(actor, meeting.organization)
    if meeting.is_cancelled:
        return meeting
    before = _state(meeting)
    meeting.is_cancelled = True
    meeting.code_version += 1  # codes shown so far stop working
    meeting.save(update_fields=["is_cancelled", "code_version", "updated_at"])
    _refresh_lines(meeting, meeting.attendance.values("member_id"))
    audit.record(
        actor, audit.Action.UPDATE, meeting, org=meeting.organization, changes=audit.diff(before, _state(meeting))
    )
    _tell_invitees(meeting, _("Meeting cancelled: %(title)s") % {"title": meeting.title})
    return meeting


@transaction.atomic
def withdraw_code(actor, meeting: Meeting) -> Meeting:
    _require_edit(actor, meeting.organization)
    meeting.code_version += 1
    meeting.save(update_fields=["code_version", "updated_at"])
    audit.record(actor, audit.Action.UPDATE, meeting, org=meeting.organization, changes={"code_version": "withdrawn"})
    return meeting


# Attendance


@dataclass
class Recorded:
    attendance: Attendance
    created: bool  # False: it was recorded before, and this repeat changed nothing


def _own_member(user) -> Member:
    member = getattr(user, "member", None) if user.is_authenticated else None
    if member is None:
        raise PermissionDenied(_("Your account is not linked to a party member record."))
    return member


def _record_attendance(recorder, meeting: Meeting, member: Member, method: str) -> Recorded:
    existing = Attendance.objects.filter(meeting=meeting, member=member).first()
    if existing is not None:
        return Recorded(existing, created=False)
    attendance = Attendance(meeting=meeting, member=member, method=method, at=timezone.now(), recorded_by=recorder)
    try:
        with transaction.atomic():
            attendance.save()
    except IntegrityError:  # a second tap that raced the first
        return Recorded(Attendance.objects.get(meeting=meeting, member=member), created=False)
    audit.record(
        recorder,
        audit.Action.CREATE,
        attendance,
        org=meeting.organization,
        changes={"member": [None, member.pk], "method": [None, method]},
    )
    _refresh_lines(meeting, [member.pk])
    points.award(member, PointKind.MEETING_ATTENDED, meeting, at=meeting.starts_at)
    return Recorded(attendance, created=True)


def _attend_self(user, meeting: Meeting, method: str) -> Recorded:
    member = _own_member(user)
    if not is_invited(meeting, member):
        raise PermissionDenied(_("You are not invited to this meeting."))
    problem = codes.window_error(meeting)
    if problem:
        raise ValidationError(problem)
    return _record_attendance(user, meeting, member, method)


@transaction.atomic
def attend_by_code(user, code: str) -> Recorded:
    """The signed-in member scanned the meeting's code: only their own attendance is recorded."""
    try:
        meeting = codes.read_code(code)
    except codes.CodeError as error:
        raise ValidationError(str(error)) from None
    return _attend_self(user, meeting, AttendanceMethod.CODE)


@transaction.atomic
def attend_online(user, meeting: Meeting) -> Recorded:
    """The member's own "I attended" for an online meeting, within the meeting's window."""
    if meeting.mode != Mode.ONLINE:
        raise ValidationError(_("Only an online meeting takes attendance with a tap; scan the code at the meeting."))
    return _attend_self(user, meeting, AttendanceMethod.ONLINE)


def _require_roll_call(actor, meeting: Meeting) -> None:
    _require_edit(actor, meeting.organization)
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting has been cancelled."))
    if timezone.now() < codes.opens_at(meeting):
        raise ValidationError(_("The roll call opens 30 minutes before the meeting starts."))


@transaction.atomic
def mark_present(actor, meeting: Meeting, member: Member, present: bool) -> bool:
    """Roll call of one invitee. Returns whether the member is now recorded as present. Taking
    back a mark removes only the secretary's own roll-call marks, never a member's own."""
    _require_roll_call(actor, meeting)
    if not is_invited(meeting, member):
        raise ValidationError(_("%(name)s is not invited to this meeting.") % {"name": member.name})
    if present:
        _record_attendance(actor, meeting, member, AttendanceMethod.ROLL_CALL)
        return True
    mark = Attendance.objects.filter(meeting=meeting, member=member).first()
    if mark is None:
        return False
    if mark.method != AttendanceMethod.ROLL_CALL:
        return True
    audit.record(actor, audit.Action.DELETE, mark, org=meeting.organization, changes={"member": [member.pk, None]})
    mark.delete()
    _refresh_lines(meeting, [member.pk])
    return False


@transaction.atomic
def take_roll_call(actor, meeting: Meeting, present_ids: set[int]) -> int:
    """The whole roll call at once: the invitees in `present_ids` are marked present (one insert),
    roll-call marks of the others are taken back. Returns how many were newly marked."""
    _require_roll_call(actor, meeting)
    invited = set(invitees(meeting).values_list("pk", flat=True))
    unknown = present_ids - invited
    if unknown:
        raise ValidationError(_("Only invitees can be marked present."))
    recorded = dict(Attendance.objects.filter(meeting=meeting).values_list("member_id", "method"))
    now = timezone.now()
    new = [
        Attendance(meeting=meeting, member_id=pk, method=AttendanceMethod.ROLL_CALL, at=now, recorded_by=actor)
        for pk in sorted(present_ids - recorded.keys())
    ]
    Attendance.objects.bulk_create(new)
    points.award_many([a.member_id for a in new], PointKind.MEETING_ATTENDED, meeting, at=meeting.starts_at)
    taken_back = [
        pk for pk, method in recorded.items() if method == AttendanceMethod.ROLL_CALL and pk not in present_ids
    ]
    Attendance.objects.filter(meeting=meeting, member_id__in=taken_back).delete()
    _refresh_lines(meeting, [*(a.member_id for a in new), *taken_back])
    if new or taken_back:
        audit.record(
            actor,
            audit.Action.UPDATE,
            meeting,
            org=meeting.organization,
            changes={"roll_call": {"present": [a.member_id for a in new], "taken_back": sorted(taken_back)}},
        )
    return len(new)


# Leave


@transaction.atomic
def request_leave(user, meeting: Meeting, reason: str) -> LeaveRequest:
    """The member asks for leave (请假) for themselves; asking again changes the reason."""
    member = _own_member(user)
    if not is_invited(meeting, member):
        raise PermissionDenied(_("You are not invited to this meeting."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for your leave.")]})
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting has been cancelled."))
    if timezone.now() > meeting.ends_at:
        raise ValidationError(_("This meeting is over; leave can only be asked for before it ends."))
    if Attendance.objects.filter(meeting=meeting, member=member).exists():
        raise ValidationError(_("Your attendance is already recorded for this meeting."))
    leave, created = LeaveRequest.objects.update_or_create(meeting=meeting, member=member, defaults={"reason": reason})
    audit.record(
        user,
        audit.Action.CREATE if created else audit.Action.UPDATE,
        leave,
        org=meeting.organization,
        changes={"reason": [None, reason]},
    )
    secretaries = [meeting.created_by] if meeting.created_by_id else []
    notify(
        secretaries,
        Notice(
            subject=_("%(name)s asks for leave: %(title)s") % {"name": member.name, "title": meeting.title},
            body=reason,
            url=reverse("meetings:detail", args=[meeting.pk]),
        ),
    )
    return leave


# Minutes


@transaction.atomic
def save_minutes(actor, meeting: Meeting, text: str) -> Minutes:
    _require_edit(actor, meeting.organization)
    text = text.strip()
    if not text:
        raise ValidationError({"text": [_("Write the minutes before saving them.")]})
    minutes = Minutes.objects.filter(meeting=meeting).first()
    before = minutes.text if minutes else None
    if minutes is None:
        minutes = Minutes(meeting=meeting)
    minutes.text, minutes.updated_by = text, actor if actor.pk else None
    minutes.save()
    audit.record(
        actor,
        audit.Action.UPDATE if before is not None else audit.Action.CREATE,
        minutes,
        org=meeting.organization,
        changes={"text": [before, text]} if before != text else {},
    )
    return minutes


@transaction.atomic
def add_attachment(actor, meeting: Meeting, upload) -> MinutesAttachment:
    """A file of the minutes (sign-in sheet, photo, slides), checked by size and by its first bytes."""
    _require_edit(actor, meeting.organization)
    extension = files.check_upload(upload)
    attachment = MinutesAttachment(
        meeting=meeting,
        name=files.display_name(upload.name, extension),
        size=upload.size,
        uploaded_by=actor if actor.pk else None,
    )
    upload.seek(0)
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(upload.read()), save=False)
    attachment.save()
    audit.record(
        actor,
        audit.Action.CREATE,
        attachment,
        org=meeting.organization,
        changes={"name": [None, attachment.name], "size": [None, attachment.size]},
    )
    return attachment


@transaction.atomic
def delete_attachment(actor, attachment: MinutesAttachment) -> None:
    meeting = attachment.meeting
    _require_edit(actor, meeting.organization)
    audit.record(
        actor, audit.Action.DELETE, attachment, org=meeting.organization, changes={"name": [attachment.name, None]}
    )
    stored = attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: attachment.file.storage.delete(stored))


# Frequency rules


@transaction.atomic
def set_rule(actor, organization: Organization, kind: str, period: str | None, is_active: bool) -> MeetingRule | None:
    """The organisation's own rule for a kind of meeting, for its whole subtree. `period=None`
    removes it, so the rule of the nearest ancestor (or the platform default) applies again."""
    _require_edit(actor, organization)
    rule = MeetingRule.objects.filter(organization=organization, kind=kind).first()
    before = {"period": rule.period, "is_active": rule.is_active} if rule else {}
    if period is None:
        if rule is not None:
            audit.record(actor, audit.Action.DELETE, rule, org=organization, changes=audit.diff(before, {}))
            rule.delete()
        return None
    rule = rule or MeetingRule(organization=organization, kind=kind)
    rule.period, rule.is_active = period, is_active
    rule.full_clean(exclude=["organization"], validate_unique=False)
    rule.save()
    after = {"period": rule.period, "is_active": rule.is_active}
    audit.record(
        actor,
        audit.Action.UPDATE if before else audit.Action.CREATE,
        rule,
        org=organization,
        changes=audit.diff(before, after),
    )
    return rule
