"""Every write of 报到 and station visits: one typed function each, one transaction, audited.

A person reporting with name and ID number is nobody's account, so their 报到 is audited under the
station; visits are not audited at all, since an audit event would keep whereabouts past their
retention.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhibu.accounts.models import RoleGrant, User
from zhibu.care.bottomlines import kept
from zhibu.checkins.models import CheckIn, CheckInState, PendingReason, RouteRule, StationDay, StationVisit, Via
from zhibu.checkins.routing import route
from zhibu.core import audit, partitions
from zhibu.core.crypto import blind_index
from zhibu.core.identity import validate_id_number, validate_phone
from zhibu.core.privacy import has_personal_number
from zhibu.core.scope import ROLE_CAPABILITIES, Capability
from zhibu.mobility import services as mobility
from zhibu.mobility.models import OPEN_STATES, Direction, Mobility, MobilityState
from zhibu.notifications.backends import Notice
from zhibu.notifications.services import notify
from zhibu.registry.models import Member, Organization
from zhibu.stations import services as stations
from zhibu.stations.models import Station

WAITING_STATES = (CheckInState.SUBMITTED, CheckInState.PENDING)
PERSONAL = frozenset({"id_number"})  # in an audit event's changes, shown only as changed


@dataclass
class Claim:
    """Who a person says they are, as typed at the station."""

    name: str
    id_number: str
    phone: str


@dataclass
class Submitted:
    checkin: CheckIn
    repeated: bool  # the same 报到 within CHECKIN_REPEAT_MINUTES: recorded once


def _clean_claim(claim: Claim) -> Claim:
    errors: dict[str, list[str]] = {}
    name = " ".join(claim.name.split())
    if not name:
        errors["name"] = [_("Enter your name.")]
    elif len(name) > 50:
        errors["name"] = [_("A name has at most 50 characters.")]
    id_number = phone = ""
    try:
        id_number = validate_id_number(claim.id_number)
    except ValidationError as error:
        errors["id_number"] = error.messages
    try:
        phone = validate_phone(claim.phone)
    except ValidationError as error:
        errors["phone"] = error.messages
    if errors:
        raise ValidationError(errors)
    return Claim(name, id_number, phone)


def _repeat_of(station: Station, digest: str, now: datetime.datetime) -> CheckIn | None:
    since = now - datetime.timedelta(minutes=settings.CHECKIN_REPEAT_MINUTES)
    return (
        CheckIn.objects.filter(station=station, id_number_digest=digest, submitted_at__gte=since)
        .order_by("-submitted_at")
        .first()
    )


@transaction.atomic
def submit_from_account(user, station: Station) -> Submitted:
    """One tap by a signed-in member: the account vouches for the identity, so it is routed at once,
    written once in its routed state."""
    member = getattr(user, "member", None)
    if member is None:
        raise ValidationError(_("Your account is not linked to a member record; report with your ID number."))
    now = timezone.now()
    repeat = _repeat_of(station, member.id_number_digest, now)
    if repeat is not None:
        return Submitted(repeat, True)
    checkin = CheckIn(
        station=station, via=Via.ACCOUNT, name=member.name, id_number_digest=member.id_number_digest, submitted_at=now
    )
    _route(checkin, member, now)
    checkin.save()
    made = audit.created(_state(checkin) | {"via": checkin.via}, PERSONAL)
    audit.record(user, audit.Action.CREATE, checkin, org=checkin.routed_to, changes=made)
    _routed(checkin)
    return Submitted(checkin, False)


@transaction.atomic
def submit_from_form(station: Station, claim: Claim, request=None) -> Submitted:
    """Name, ID number and phone typed by someone without an account; station staff verify them."""
    claim = _clean_claim(claim)
    now = timezone.now()
    repeat = _repeat_of(station, blind_index("id_number", claim.id_number), now)
    if repeat is not None:
        return Submitted(repeat, True)
    checkin = CheckIn(station=station, via=Via.FORM, state=CheckInState.SUBMITTED, name=claim.name, submitted_at=now)
    checkin.set_id_number(claim.id_number)
    checkin.set_phone(claim.phone)
    checkin.save()
    audit.record(
        None,
        audit.Action.CREATE,
        checkin,
        org=station.organization,
        changes={"via": Via.FORM},
        request=request,
        actor_name=_("check-in form"),
    )
    _notify_station_staff(checkin)
    return Submitted(checkin, False)


def can_staff(actor, station: Station) -> bool:
    return stations.can_edit(actor, station)


def _require_staff(actor, station: Station) -> None:
    if not can_staff(actor, station):
        raise PermissionDenied(_("Only the staff of this station may do this."))


@transaction.atomic
def verify(actor, checkin: CheckIn, corrected: Claim | None = None) -> CheckIn:
    """Station staff compare the person with the registry: exact ID number and name, or pending."""
    _require_staff(actor, checkin.station)
    if checkin.state not in WAITING_STATES:
        raise ValidationError(_("This check-in has been verified already."))
    before = _state(checkin)
    if corrected is not None:
        corrected = _clean_claim(corrected)
        checkin.name = corrected.name
        checkin.set_id_number(corrected.id_number)
        checkin.set_phone(corrected.phone)
    member = (
        Member.objects.select_related("home_org", "employer").filter(id_number_digest=checkin.id_number_digest).first()
    )
    if member is None or member.name != checkin.name:
        checkin.state = CheckInState.PENDING
        checkin.pending_reason = PendingReason.NOT_REGISTERED if member is None else PendingReason.NAME_MISMATCH
        checkin.save()
        audit.record(
            actor, audit.Action.UPDATE, checkin, org=checkin.station.organization, changes=_changes(before, checkin)
        )
        return checkin
    checkin.verified_by = actor
    _route(checkin, member, timezone.now())
    checkin.save()
    audit.record(actor, audit.Action.UPDATE, checkin, org=checkin.routed_to, changes=_changes(before, checkin))
    _routed(checkin)
    return checkin


def _route(checkin: CheckIn, member: Member, verified_at: datetime.datetime) -> None:
    """The 报到 of a person now known to be `member`, sent to the organisation the rules find."""
    organization, rule = route(member, checkin.station)
    checkin.member = member
    checkin.pending_reason = ""
    checkin.verified_at = verified_at
    # What was typed has served its purpose: the member record holds the numbers from now on.
    checkin.id_number_sealed = checkin.phone_sealed = ""
    checkin.state, checkin.routed_to, checkin.route_rule = CheckInState.ROUTED, organization, rule


def _routed(checkin: CheckIn) -> None:
    """What follows a 报到 saved as routed: the member is found this year, and the inbox is told."""
    kept.found(checkin.member_id, kept.year_of(checkin.verified_at))
    _notify_inbox(checkin)


def _state(checkin: CheckIn) -> dict:
    return {
        "state": checkin.state,
        "pending_reason": checkin.pending_reason,
        "member": checkin.member_id,
        "routed_to": checkin.routed_to_id,
        "route_rule": checkin.route_rule,
        "inflow": checkin.inflow_id,
        "id_number": checkin.id_number_digest,
    }


def _changes(before: dict, checkin: CheckIn) -> dict:
    return audit.diff(before, _state(checkin), PERSONAL)


def can_decide(actor, checkin: CheckIn) -> bool:
    return checkin.routed_to is not None and actor.scope.covers(checkin.routed_to.path, Capability.EDIT)


def _require_inbox(actor, checkin: CheckIn) -> None:
    if not can_decide(actor, checkin):
        raise PermissionDenied(_("Only the organisation this check-in was sent to may decide on it."))


@transaction.atomic
def accept(actor, checkin: CheckIn) -> CheckIn:
    """The organisation takes the member in: an inflow record (paired with the home branch's
    outflow, if any) and the link to its activities. A member of the organisation needs neither."""
    _require_inbox(actor, checkin)
    if checkin.state != CheckInState.ROUTED:
        raise ValidationError(_("Only a check-in in the inbox can be accepted."))
    before = _state(checkin)
    member, organization = checkin.member, checkin.routed_to
    if not member.home_org.path.startswith(organization.path):
        checkin.inflow = _inflow(actor, checkin, member, organization)
    checkin.state, checkin.decided_at, checkin.decided_by = CheckInState.ACCEPTED, timezone.now(), actor
    checkin.save()
    audit.record(actor, audit.Action.UPDATE, checkin, org=organization, changes=_changes(before, checkin))
    _notify_accepted(checkin)
    return checkin


def _inflow(actor, checkin: CheckIn, member: Member, organization: Organization) -> Mobility:
    existing = Mobility.objects.filter(
        member=member, direction=Direction.INFLOW, organization=organization, state__in=OPEN_STATES
    ).first()
    if existing is None:
        whereabouts = mobility.Whereabouts(
            since=timezone.localdate(checkin.submitted_at),
            to_unit=member.employer,
            to_region=checkin.station.region,
            reach_note=_("Reported in at %(station)s") % {"station": checkin.station.name},
        )
        return mobility.register_inflow(actor, member, organization, whereabouts)
    if existing.state == MobilityState.LOST:
        mobility.resume(actor, existing)
    return existing


@transaction.atomic
def redirect(actor, checkin: CheckIn, organization: Organization, note: str = "") -> CheckIn:
    """Sends the 报到 on to the organisation that should take the member in."""
    _require_inbox(actor, checkin)
    if checkin.state != CheckInState.ROUTED:
        raise ValidationError(_("Only a check-in in the inbox can be sent on."))
    if organization.pk == checkin.routed_to_id:
        raise ValidationError({"organization": [_("The check-in is with this organisation already.")]})
    if has_personal_number(note):
        raise ValidationError({"note": [_("Leave ID and phone numbers out of the note.")]})
    before = _state(checkin)
    checkin.routed_to, checkin.route_rule, checkin.route_note = organization, RouteRule.REDIRECT, note.strip()
    checkin.save()
    audit.record(actor, audit.Action.UPDATE, checkin, org=organization, changes=_changes(before, checkin))
    _notify_inbox(checkin)
    return checkin


@transaction.atomic
def withdraw_codes(actor, station: Station) -> Station:
    """Voids every code shown or printed so far, such as after a poster was stolen."""
    _require_staff(actor, station)
    Station.objects.filter(pk=station.pk).update(checkin_key_version=F("checkin_key_version") + 1)
    station.refresh_from_db(fields=["checkin_key_version"])
    audit.record(
        actor,
        audit.Action.UPDATE,
        station,
        org=station.organization,
        changes={"checkin_key_version": [station.checkin_key_version - 1, station.checkin_key_version]},
    )
    return station


# Station visits


@dataclass
class Visit:
    visit: StationVisit
    counted: bool  # False when the member pressed again within CHECKIN_REPEAT_MINUTES


@transaction.atomic
def record_visit(user, station: Station) -> Visit:
    member = getattr(user, "member", None)
    if member is None:
        raise ValidationError(_("Only members record visits."))
    if not station.is_active:
        raise ValidationError(_("This station is not in service."))
    now = timezone.now()
    since = now - datetime.timedelta(minutes=settings.CHECKIN_REPEAT_MINUTES)
    recent = StationVisit.objects.filter(member=member, station=station, at__gte=since).first()
    if recent is not None:
        return Visit(recent, False)
    visit = StationVisit.objects.create(station=station, member=member, at=now)
    day, _created = StationDay.objects.get_or_create(station=station, day=timezone.localdate(now))
    StationDay.objects.filter(pk=day.pk).update(visits=F("visits") + 1)
    return Visit(visit, True)


@transaction.atomic
def purge_whereabouts(now: datetime.datetime | None = None) -> dict[str, int]:
    """Visits past the retention period, and 报到 that never matched anyone (they hold the
    encrypted numbers someone typed). Daily counts and verified 报到 stay."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.STATION_VISIT_RETENTION_DAYS)
    # On PostgreSQL whole months go at once, as tables dropped; the rest row by row.
    visits = partitions.drop_months_before(connection, StationVisit._meta.db_table, cutoff)
    visits += StationVisit.objects.filter(at__lt=cutoff).delete()[0]
    unmatched, _by_model = CheckIn.objects.filter(state__in=WAITING_STATES, submitted_at__lt=cutoff).delete()
    if visits or unmatched:
        audit.record(
            None,
            audit.Action.DELETE,
            changes={"station_visits": visits, "unmatched_checkins": unmatched},
            actor_name="purge_whereabouts",
            object_repr=_("Whereabouts past the retention period"),
        )
    return {"visits": visits, "checkins": unmatched}


# Notices


def people_of(organization: Organization, capability: str) -> list[User]:
    """Accounts holding `capability` on the organisation, or else on its nearest ancestor that has any."""
    roles = [role for role, capabilities in ROLE_CAPABILITIES.items() if capability in capabilities]
    grants = (
        RoleGrant.objects.filter(
            organization__path__in=organization.lineage_paths, role__in=roles, user__is_active=True
        )
        .select_related("user", "organization")
        .order_by("-organization__depth")
    )
    nearest_depth = None
    people: dict[int, User] = {}
    for grant in grants:
        if nearest_depth is not None and grant.organization.depth < nearest_depth:
            break
        nearest_depth = grant.organization.depth
        people[grant.user_id] = grant.user
    return list(people.values())


def _notify_station_staff(checkin: CheckIn) -> None:
    notice = Notice(
        subject=_("A check-in at %(station)s is waiting for verification") % {"station": checkin.station.name},
        url=reverse("checkins:station", args=[checkin.station_id]),
    )
    notify(people_of(checkin.station.organization, Capability.STATION), notice)


def _notify_inbox(checkin: CheckIn) -> None:
    notice = Notice(
        subject=_("%(name)s reported in at %(station)s") % {"name": checkin.name, "station": checkin.station.name},
        body=_("The check-in is in the inbox of %(organization)s.") % {"organization": checkin.routed_to.name},
        url=reverse("checkins:detail", args=[checkin.pk]),
    )
    notify(people_of(checkin.routed_to, Capability.EDIT), notice)


def _notify_accepted(checkin: CheckIn) -> None:
    member, organization = checkin.member, checkin.routed_to
    place = {"organization": organization.name, "station": checkin.station.name}
    own_accounts = list(User.objects.filter(member=member, is_active=True))
    notify(
        own_accounts,
        Notice(
            subject=_("Your check-in at %(station)s was accepted") % place,
            body=_("From now on %(organization)s invites you to its activities.") % place,
            url=reverse("checkins:mine"),
        ),
    )
    if member.home_org.path.startswith(organization.path):
        return
    notify(
        people_of(member.home_org, Capability.EDIT),
        Notice(
            subject=_("%(name)s, a member of your branch, reported in at %(station)s")
            % {"name": member.name, "station": checkin.station.name},
            body=_("%(organization)s accepted the check-in and takes the member into its activities.") % place,
            url=reverse("registry:member_detail", args=[member.pk]),
        ),
    )
