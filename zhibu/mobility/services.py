"""Every write of mobility records and finding tasks: one typed function each, one transaction, audited."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhibu.core import audit
from zhibu.core.crypto import blind_index
from zhibu.core.identity import validate_id_number, validate_phone
from zhibu.core.privacy import has_personal_number
from zhibu.core.scope import Capability
from zhibu.mobility.models import OPEN_STATES, Direction, FindingAttempt, FindingTask, Mobility, MobilityState
from zhibu.registry import totals
from zhibu.registry.models import Member, Organization, Region, Unit

RECORD_FIELDS = (
    "state",
    "to_region",
    "abroad",
    "to_unit",
    "to_org",
    "since",
    "reason",
    "expected_months",
    "reach_note",
    "lost_on",
    "ended_on",
)


def _require(actor, org: Organization, capability: str = Capability.EDIT) -> None:
    if not actor.scope.covers(org.path, capability):
        raise PermissionDenied(_("You may only change mobility records of your organisations."))


def _state(record: Mobility) -> dict:
    state = {name: getattr(record, name) for name in RECORD_FIELDS}
    # The sealed text stands in for the number: the diff only tells that it changed, redacted.
    state["reach_phone"] = record.reach_phone_sealed
    state["paired_with"] = record.paired_with_id
    return state


def _audit(actor, action: str, record: Mobility, before: dict) -> None:
    audit.record(
        actor,
        action,
        record,
        org=record.organization,
        changes=audit.diff(before, _state(record), frozenset({"reach_phone"})),
    )


@dataclass
class Whereabouts:
    since: datetime.date
    reason: str = "work"
    to_region: Region | None = None
    abroad: bool = False
    to_unit: Unit | None = None
    to_org: Organization | None = None
    expected_months: int | None = None
    reach_phone: str = ""
    reach_note: str = ""


def _apply(record: Mobility, data: Whereabouts) -> None:
    errors: dict[str, list[str]] = {}
    if data.since > timezone.localdate():
        errors["since"] = [_("The date lies in the future.")]
    phone = ""
    if data.reach_phone:
        try:
            phone = validate_phone(data.reach_phone)
        except ValidationError as error:
            errors["reach_phone"] = error.messages
    if has_personal_number(data.reach_note):
        errors["reach_note"] = [
            _("Put a phone number in the phone field, where it is kept encrypted, not in the note.")
        ]
    if errors:
        raise ValidationError(errors)
    for name in ("since", "reason", "to_region", "abroad", "to_unit", "to_org", "expected_months", "reach_note"):
        setattr(record, name, getattr(data, name))
    if phone != record.reach_phone:
        record.set_reach_phone(phone)
    record.full_clean(exclude=["member", "organization", "paired_with", "created_by"])


def _open(member: Member, direction: str):
    return Mobility.objects.filter(member=member, direction=direction, state__in=OPEN_STATES)


def _pair(actor, outflow: Mobility, inflow: Mobility, existing: Mobility) -> None:
    """The home branch's record follows the member to the latest place they reported in.

    `existing` is the one of the two that was there before: its change is audited here, while the
    new record's creation is audited by the caller."""
    before = _state(existing)
    for earlier in Mobility.objects.filter(paired_with=outflow).exclude(pk=inflow.pk):
        earlier_before = _state(earlier)
        earlier.paired_with = None
        earlier.save(update_fields=["paired_with", "updated_at"])
        _audit(actor, audit.Action.UPDATE, earlier, earlier_before)
    outflow.paired_with, inflow.paired_with = inflow, outflow
    outflow.state = MobilityState.REPORTED
    outflow.to_org = outflow.to_org or inflow.organization
    outflow.lost_on = None
    outflow.save()
    inflow.save()
    _audit(actor, audit.Action.UPDATE, existing, before)


def _take_part(actor, member: Member, organization: Organization, joins: bool) -> None:
    """参加多重组织生活: an inflow makes the member take part in the receiving organisation's life,
    and its end stops it, as the registry's activity organisations record."""
    before = sorted(member.activity_orgs.values_list("pk", flat=True))
    if (organization.pk in before) == joins:
        return
    if joins:
        member.activity_orgs.add(organization)
    else:
        member.activity_orgs.remove(organization)
    after = sorted(member.activity_orgs.values_list("pk", flat=True))
    audit.record(actor, audit.Action.UPDATE, member, org=member.home_org, changes={"activity_orgs": [before, after]})


def _set_mobile(member: Member, is_mobile: bool, actor) -> None:
    if member.is_mobile != is_mobile:
        Member.objects.filter(pk=member.pk).update(is_mobile=is_mobile)
        totals.follow([member.home_org_id])
        audit.record(
            actor,
            audit.Action.UPDATE,
            member,
            org=member.home_org,
            changes={"is_mobile": [member.is_mobile, is_mobile]},
        )
        member.is_mobile = is_mobile


@transaction.atomic
def register_outflow(actor, member: Member, data: Whereabouts) -> Mobility:
    """流出登记, by the home branch. Pairs with an inflow the receiving side registered first."""
    _require(actor, member.home_org)
    if _open(member, Direction.OUTFLOW).exists():
        raise ValidationError(_("This member already has an open outflow record; end it before registering another."))
    record = Mobility(member=member, direction=Direction.OUTFLOW, organization=member.home_org, created_by=actor)
    _apply(record, data)
    record.save()
    inflow = _open(member, Direction.INFLOW).first()
    if inflow is not None:
        _pair(actor, record, inflow, existing=inflow)
    _set_mobile(member, True, actor)
    _audit(actor, audit.Action.CREATE, record, {})
    return record


def find_member(id_number: str, name: str) -> Member:
    """The member with exactly this ID number and name, for an organisation that cannot see the
    registry of the home branch. Nothing is guessed: both must match."""
    try:
        normalised = validate_id_number(id_number)
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
    member = (
        Member.objects.select_related("home_org").filter(id_number_digest=blind_index("id_number", normalised)).first()
    )
    if member is None or member.name != name.strip():
        raise ValidationError({"id_number": [_("No member with this ID number and name is registered.")]})
    return member


@transaction.atomic
def register_inflow(actor, member: Member, organization: Organization, data: Whereabouts) -> Mobility:
    """流入登记, by the receiving organisation: the member takes part in its activities from now on."""
    _require(actor, organization)
    if member.home_org.path.startswith(organization.path):
        raise ValidationError(_("The member's record is held within this organisation already."))
    if _open(member, Direction.INFLOW).filter(organization=organization).exists():
        raise ValidationError(_("This member is already registered as having come to this organisation."))
    record = Mobility(
        member=member,
        direction=Direction.INFLOW,
        organization=organization,
        state=MobilityState.REPORTED,
        created_by=actor,
    )
    _apply(record, data)
    record.to_org = organization
    record.save()
    outflow = _open(member, Direction.OUTFLOW).first()
    if outflow is not None:
        _pair(actor, outflow, record, existing=outflow)
    _take_part(actor, member, organization, joins=True)
    _set_mobile(member, True, actor)
    _audit(actor, audit.Action.CREATE, record, {})
    return record


@transaction.atomic
def update_whereabouts(actor, record: Mobility, data: Whereabouts) -> Mobility:
    """The member moved on, or a new way to reach them: the open record follows."""
    _require(actor, record.organization)
    if not record.is_open:
        raise ValidationError(_("This record is closed."))
    before = _state(record)
    _apply(record, data)
    if record.lost_on and record.since > record.lost_on:
        raise ValidationError({"since": [_("The absence cannot start after contact was lost.")]})
    if record.direction == Direction.INFLOW:
        record.to_org = record.organization
    record.save()
    _audit(actor, audit.Action.UPDATE, record, before)
    return record


@transaction.atomic
def reveal_reach_phone(actor, record: Mobility, request=None) -> str:
    """The phone to reach the member in clear, for one response; who saw it is audited."""
    _require(actor, record.organization, Capability.REVEAL)
    audit.record(
        actor, audit.Action.REVEAL, record, org=record.organization, changes={"field": "reach_phone"}, request=request
    )
    return record.reach_phone


@transaction.atomic
def mark_lost(actor, record: Mobility, lost_on: datetime.date) -> Mobility:
    _require(actor, record.organization)
    if not record.is_open:
        raise ValidationError(_("This record is closed."))
    if lost_on > timezone.localdate() or lost_on < record.since:
        raise ValidationError({"lost_on": [_("Give a date between the start of the absence and today.")]})
    before = _state(record)
    record.state, record.lost_on = MobilityState.LOST, lost_on
    record.save()
    _audit(actor, audit.Action.UPDATE, record, before)
    return record


@transaction.atomic
def end(actor, record: Mobility, state: str, ended_on: datetime.date) -> Mobility:
    """已返回 or 已转接: closes the record and its pair; the member stops being mobile when nothing stays open."""
    _require(actor, record.organization)
    if state not in (MobilityState.RETURNED, MobilityState.TRANSFERRED):
        raise ValidationError({"state": [_("A record ends as returned or transferred.")]})
    if not record.is_open:
        raise ValidationError(_("This record is closed."))
    for each in filter(None, (record, record.paired_with)):
        before = _state(each)
        each.state, each.ended_on = state, ended_on
        each.save()
        _audit(actor, audit.Action.UPDATE, each, before)
        still_there = _open(record.member, Direction.INFLOW).filter(organization=each.organization).exists()
        if each.direction == Direction.INFLOW and not still_there:
            _take_part(actor, record.member, each.organization, joins=False)
    if not Mobility.objects.filter(member=record.member, state__in=OPEN_STATES).exists():
        _set_mobile(record.member, False, actor)
    return record


# Finding lost members


@transaction.atomic
def open_finding_task(actor, record: Mobility, cadre) -> FindingTask:
    _require(actor, record.organization)
    if record.state != MobilityState.LOST:
        raise ValidationError(_("Only a member whose contact is lost is looked for."))
    if not cadre.scope.covers(record.organization.path, Capability.VIEW):
        raise ValidationError({"assigned_to": [_("Choose a cadre of this organisation.")]})
    task = FindingTask.objects.create(mobility=record, assigned_to=cadre, created_by=actor)
    audit.record(
        actor, audit.Action.CREATE, task, org=record.organization, changes={"assigned_to": cadre.get_username()}
    )
    return task


@transaction.atomic
def record_attempt(actor, task: FindingTask, *, method: str, result: str, note: str = "", at=None) -> FindingAttempt:
    """A cadre's note of one attempt; a member found ends the task and resumes the record."""
    record = task.mobility
    if actor.pk != task.assigned_to_id:
        _require(actor, record.organization)
    if task.state != FindingTask.State.OPEN:
        raise ValidationError(_("This task is closed."))
    if has_personal_number(note):
        raise ValidationError(
            {"note": [_("Put a phone number in the phone field, where it is kept encrypted, not in the note.")]}
        )
    attempt = FindingAttempt(
        task=task, at=at or timezone.now(), method=method, result=result, note=note, recorded_by=actor
    )
    attempt.full_clean(exclude=["task", "recorded_by"])
    attempt.save()
    audit.record(
        actor, audit.Action.CREATE, attempt, org=record.organization, changes={"method": method, "result": result}
    )
    if result == FindingAttempt.Result.FOUND:
        task.state, task.closed_at = FindingTask.State.FOUND, timezone.now()
        task.save()
        before = _state(record)
        record.state = MobilityState.REPORTED if record.paired_with_id else MobilityState.REGISTERED
        record.lost_on = None
        record.save()
        _audit(actor, audit.Action.UPDATE, record, before)
    return attempt


@transaction.atomic
def close_finding_task(actor, task: FindingTask) -> FindingTask:
    _require(actor, task.mobility.organization)
    if task.state != FindingTask.State.OPEN:
        raise ValidationError(_("This task is closed."))
    task.state, task.closed_at = FindingTask.State.CLOSED, timezone.now()
    task.save()
    audit.record(actor, audit.Action.UPDATE, task, org=task.mobility.organization, changes={"state": task.state})
    return task


@transaction.atomic
def resume(actor, record: Mobility) -> Mobility:
    """A lost member is in touch again (found, or reported in at a station)."""
    _require(actor, record.organization)
    if record.state != MobilityState.LOST:
        return record
    before = _state(record)
    record.state = MobilityState.REPORTED if record.paired_with_id else MobilityState.REGISTERED
    record.lost_on = None
    record.save()
    _audit(actor, audit.Action.UPDATE, record, before)
    return record
