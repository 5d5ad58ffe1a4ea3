"""Every write to the registry: one typed function each, one transaction, one audit event.

Functions raise ValidationError (with field names) for bad input and PermissionDenied when the
actor's scope does not allow the write. Nothing is written in either case.
"""

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from treebeard.exceptions import InvalidMoveToDescendant

from zhibu.core import audit
from zhibu.core.crypto import blind_index
from zhibu.core.identity import (
    birth_date_from_id,
    gender_from_id,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)
from zhibu.core.scope import Capability
from zhibu.registry import totals
from zhibu.registry.models import Member, MemberTotals, Occupation, Organization, Region, Unit

PERSONAL_FIELDS = frozenset({"id_number", "phone"})


def _require(actor, capability: str, path: str | None = None) -> None:
    scope = actor.scope
    allowed = scope.covers(path, capability) if path is not None else scope.is_platform
    if not allowed:
        raise PermissionDenied(_("You may not change records outside your organisations."))


def _require_any(actor, capability: str) -> None:
    if not actor.scope.can(capability):
        raise PermissionDenied(_("You may not change the registry."))


def _snapshot(obj, names) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _full_clean(obj, exclude=None) -> None:
    obj.full_clean(exclude=exclude, validate_unique=True)


# Regions are national reference data: platform administrators maintain them.

REGION_FIELDS = ("code", "name", "level", "parent")


@transaction.atomic
def create_region(actor, *, code: str, name: str, level: int, parent: Region | None = None) -> Region:
    _require(actor, Capability.EDIT)
    region = Region(code=code, name=name, level=level, parent=parent)
    _validate_region(region)
    region.save()
    audit.record(actor, audit.Action.CREATE, region, changes=audit.diff({}, _snapshot(region, REGION_FIELDS)))
    return region


@transaction.atomic
def update_region(actor, region: Region, **values) -> Region:
    _require(actor, Capability.EDIT)
    before = _snapshot(region, REGION_FIELDS)
    for name, value in values.items():
        setattr(region, name, value)
    _validate_region(region)
    region.save()
    audit.record(actor, audit.Action.UPDATE, region, changes=audit.diff(before, _snapshot(region, REGION_FIELDS)))
    return region


def _validate_region(region: Region) -> None:
    _full_clean(region)
    if region.parent is not None:
        if region.parent.level >= region.level:
            raise ValidationError({"parent": _("The parent region must be at a higher level.")})
        if not region.code.startswith(region.parent.subtree_prefix):
            raise ValidationError({"code": _("The region code does not lie within the parent region's code.")})


@transaction.atomic
def delete_region(actor, region: Region) -> None:
    _require(actor, Capability.EDIT)
    in_use = (
        region.children.exists()
        or Unit.objects.filter(region=region).exists()
        or Organization.objects.filter(region=region).exists()
        or Member.objects.filter(region=region).exists()
    )
    if in_use:
        raise ValidationError(_("This region is still used by sub-regions, units, organisations or members."))
    audit.record(actor, audit.Action.DELETE, region)
    region.delete()


# Units (两新组织) are shared reference data: anyone who may edit the registry may add one.

UNIT_FIELDS = (
    "name",
    "kind",
    "industry",
    "employee_count",
    "region",
    "address",
    "credit_code",
    "latitude",
    "longitude",
    "coordinate_system",
)


def _validate_unit(unit: Unit) -> None:
    if unit.credit_code:
        try:
            unit.credit_code = validate_credit_code(unit.credit_code)
        except ValidationError as error:
            raise ValidationError({"credit_code": error.messages}) from None
    else:
        unit.credit_code = None
    _full_clean(unit)


@transaction.atomic
def create_unit(actor, **values) -> Unit:
    _require_any(actor, Capability.EDIT)
    unit = Unit(**values)
    _validate_unit(unit)
    unit.save()
    audit.record(actor, audit.Action.CREATE, unit, changes=audit.diff({}, _snapshot(unit, UNIT_FIELDS)))
    return unit


def unit_org(actor, unit: Unit) -> Organization | None:
    """The hosted organisation through which the actor may change a unit, if any."""
    for org in unit.organizations.all():
        if actor.scope.covers(org.path, Capability.EDIT):
            return org
    return None


def can_edit_unit(actor, unit: Unit) -> bool:
    """Platform administrators, and editors of an organisation the unit hosts; a unit that hosts
    none yet may be completed by anyone who may edit the registry."""
    if actor.scope.is_platform:
        return True
    if not unit.organizations.exists():
        return actor.scope.can(Capability.EDIT)
    return unit_org(actor, unit) is not None


@transaction.atomic
def update_unit(actor, unit: Unit, **values) -> Unit:
    if not can_edit_unit(actor, unit):
        raise PermissionDenied(_("You may change only the units that host your organisations."))
    before = _snapshot(unit, UNIT_FIELDS)
    for name, value in values.items():
        setattr(unit, name, value)
    _validate_unit(unit)
    unit.save()
    audit.record(
        actor,
        audit.Action.UPDATE,
        unit,
        org=unit_org(actor, unit),
        changes=audit.diff(before, _snapshot(unit, UNIT_FIELDS)),
    )
    return unit


@transaction.atomic
def delete_unit(actor, unit: Unit) -> None:
    _require(actor, Capability.EDIT)
    if unit.organizations.exists() or Member.objects.filter(employer=unit).exists():
        raise ValidationError(_("This unit still hosts organisations or employs members."))
    audit.record(actor, audit.Action.DELETE, unit)
    unit.delete()


# Organisations

ORG_FIELDS = ("code", "name", "kind", "region", "secretary", "founded_on", "dissolved_on")


def validate_organization(org: Organization) -> None:
    _full_clean(org, exclude=["path", "depth", "numchild"])
    if org.founded_on and org.dissolved_on and org.dissolved_on < org.founded_on:
        raise ValidationError({"dissolved_on": _("An organisation cannot be dissolved before it was founded.")})
    if org.secretary_id and org.pk and not org.secretary.home_org.path.startswith(org.path):
        raise ValidationError({"secretary": _("The secretary must be a member of this organisation or below it.")})


@transaction.atomic
def create_organization(actor, *, parent: Organization | None, units=(), **values) -> Organization:
    if parent is None:
        _require(actor, Capability.EDIT)
    else:
        _require(actor, Capability.EDIT, parent.path)
        if not parent.is_active:
            raise ValidationError({"parent": _("A dissolved organisation cannot receive new organisations.")})
    org = Organization(**values)
    validate_organization(org)
    if org.secretary_id:
        raise ValidationError({"secretary": _("Choose the secretary once members are registered here.")})
    if parent is None:
        org = Organization.objects.add_root(instance=org)
    else:
        org = Organization.objects.add_child(parent, instance=org)
    org.units.set(units)
    MemberTotals.objects.create(organization=org)
    audit.record(
        actor,
        audit.Action.CREATE,
        org,
        org=org,
        changes=audit.diff({}, {**_snapshot(org, ORG_FIELDS), "units": [u.pk for u in units]}),
    )
    return org


@transaction.atomic
def update_organization(actor, org: Organization, *, units=None, **values) -> Organization:
    _require(actor, Capability.EDIT, org.path)
    before = {**_snapshot(org, ORG_FIELDS), "units": list(org.units.values_list("pk", flat=True))}
    for name, value in values.items():
        setattr(org, name, value)
    validate_organization(org)
    org.save()
    if units is not None:
        org.units.set(units)
    after = {**_snapshot(org, ORG_FIELDS), "units": list(org.units.values_list("pk", flat=True))}
    audit.record(actor, audit.Action.UPDATE, org, org=org, changes=audit.diff(before, after))
    return org


@transaction.atomic
def move_organization(actor, org: Organization, new_parent: Organization) -> Organization:
    """Move a whole subtree under `new_parent`; treebeard rewrites every path below it."""
    _require(actor, Capability.EDIT, org.path)
    if not actor.scope.covers(new_parent.path, Capability.EDIT):
        raise ValidationError({"parent": _("Select an organisation within your scope.")})
    if new_parent.path.startswith(org.path):
        raise ValidationError(
            {"parent": _("An organisation cannot be moved under itself or one of its own sub-organisations.")}
        )
    old_path, old_parent = org.path, Organization.objects.get_parent(org)
    figures = totals.subtree_leaves(org)
    try:
        Organization.objects.move(org, new_parent, "last-child")
    except InvalidMoveToDescendant:  # pragma: no cover - the check above is stricter
        raise ValidationError(
            {"parent": _("An organisation cannot be moved under itself or one of its own sub-organisations.")}
        ) from None
    org.refresh_from_db()
    totals.subtree_arrives(org, figures)
    audit.record(
        actor,
        audit.Action.MOVE,
        org,
        org=org,
        changes={"parent": [str(old_parent) if old_parent else None, str(new_parent)], "path": [old_path, org.path]},
    )
    return org


@transaction.atomic
def delete_organization(actor, org: Organization) -> None:
    _require(actor, Capability.EDIT, org.path)
    if Organization.objects.get_children_count(org):
        raise ValidationError(_("This organisation still has sub-organisations; move or delete them first."))
    if org.members.exists():
        raise ValidationError(_("This organisation still holds member records; transfer them first."))
    if org.activity_members.exists():
        raise ValidationError(
            _("Members still take part in this organisation's life; change their activity organisations first.")
        )
    if org.grants.exists():
        raise ValidationError(_("Accounts still hold roles on this organisation; withdraw them first."))
    audit.record(actor, audit.Action.DELETE, org, org=org)
    org.delete()


# Members


@dataclass
class MemberInput:
    name: str
    id_number: str
    party_status: str
    joined_on: datetime.date
    home_org: Organization
    gender: str = ""
    birth_date: datetime.date | None = None
    phone: str = ""
    ethnicity: str = "01"
    education: str = ""
    standing: str = "normal"
    full_member_on: datetime.date | None = None
    occupation: Occupation | None = None
    employer: Unit | None = None
    region: Region | None = None
    is_mobile: bool = False
    activity_orgs: list[Organization] = field(default_factory=list)
    work_role: str = ""


MEMBER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "party_status",
    "standing",
    "joined_on",
    "full_member_on",
    "home_org",
    "occupation",
    "employer",
    "region",
    "is_mobile",
    "work_role",
)


def _clean_member_input(actor, data: MemberInput, member: Member | None) -> tuple[str, str]:
    """Field-level checks of the domain rules; returns the normalised ID and phone numbers."""
    current = set(member.activity_orgs.values_list("pk", flat=True)) if member is not None else set()
    id_number, phone, errors = check_member_input(actor, data, current)
    if id_number:
        duplicates = Member.objects.filter(id_number_digest=blind_index("id_number", id_number))
        if member is not None:
            duplicates = duplicates.exclude(pk=member.pk)
        if duplicates.exists():
            errors.setdefault("id_number", []).append(_("A member with this ID number is already registered."))
    if errors:
        raise ValidationError(errors)
    return id_number, phone


def check_member_input(
    actor, data: MemberInput, current_activity_orgs: set[int] = frozenset(), *, today: datetime.date | None = None
) -> tuple[str, str, dict[str, list[str]]]:
    """The domain rules that need no query: (normalised ID number, normalised phone, errors by field).

    Fills in the birth date and gender from the ID number when they are missing. `today` saves a
    caller checking many members asking the clock for each."""
    errors: dict[str, list[str]] = {}
    today = today or datetime.date.today()

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    data.name = (data.name or "").strip()
    if not data.name:
        add("name", _("Enter the member's name."))
    elif len(data.name) > Member._meta.get_field("name").max_length:
        add("name", _("A name has at most 50 characters."))
    id_number = phone = ""
    try:
        id_number = validate_id_number(data.id_number, today)
    except ValidationError as error:
        add("id_number", error.messages[0])
    if data.phone:
        try:
            phone = validate_phone(data.phone)
        except ValidationError as error:
            add("phone", error.messages[0])
    if id_number:
        id_birth, id_gender = birth_date_from_id(id_number), gender_from_id(id_number)
        if data.birth_date is None:
            data.birth_date = id_birth
        elif data.birth_date != id_birth:
            add(
                "birth_date",
                _("The birth date does not agree with the ID number (%(date)s).") % {"date": id_birth.isoformat()},
            )
        if not data.gender:
            data.gender = id_gender
        elif data.gender != id_gender:
            add("gender", _("The gender does not agree with the ID number."))
    if data.home_org is None or not actor.scope.covers(data.home_org.path, Capability.EDIT):
        add("home_org", _("Select an organisation within your scope."))
    elif not data.home_org.is_active:
        add("home_org", _("This organisation has been dissolved."))
    for org in data.activity_orgs:
        if org.pk in current_activity_orgs:
            continue  # kept as it was, even where the actor cannot see it
        if not actor.scope.covers(org.path, Capability.VIEW):
            add("activity_orgs", _("Select an organisation within your scope."))
        elif not org.is_active:
            add("activity_orgs", _("This organisation has been dissolved."))
    if data.joined_on and data.birth_date and data.joined_on < _add_years(data.birth_date, 18):
        add("joined_on", _("A member joins the party at 18 or older."))
    if data.joined_on and data.joined_on > today:
        add("joined_on", _("The date lies in the future."))
    if data.full_member_on:
        if data.party_status == "probationary":
            add("full_member_on", _("A probationary member has no date of becoming a full member yet."))
        elif data.joined_on and data.full_member_on < data.joined_on:
            add("full_member_on", _("A member becomes a full member after joining."))
    return id_number, phone, errors


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _apply(member: Member, data: MemberInput, id_number: str, phone: str) -> None:
    values = asdict(data)
    for name in MEMBER_FIELDS:
        if name != "name":
            setattr(member, name, getattr(data, name) if name in values else None)
    member.set_name(data.name)
    member.set_id_number(id_number)
    member.set_phone(phone)
    try:
        member.full_clean(exclude=["id_number_sealed", "id_number_digest", "name_pinyin", "name_initials"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def _member_state(member: Member) -> dict[str, Any]:
    state = _snapshot(member, MEMBER_FIELDS)
    state["id_number"] = member.id_number_digest
    state["phone"] = member.phone_digest
    state["activity_orgs"] = sorted(member.activity_orgs.values_list("pk", flat=True)) if member.pk else []
    return state


@transaction.atomic
def create_member(actor, data: MemberInput) -> Member:
    _require_any(actor, Capability.EDIT)
    id_number, phone = _clean_member_input(actor, data, None)
    member = Member()
    _apply(member, data, id_number, phone)
    member.save()
    member.activity_orgs.set(data.activity_orgs)
    totals.follow([member.home_org_id])
    audit.record(
        actor,
        audit.Action.CREATE,
        member,
        org=member.home_org,
        changes=audit.diff({}, _member_state(member), PERSONAL_FIELDS),
    )
    return member


@transaction.atomic
def update_member(actor, member: Member, data: MemberInput) -> Member:
    _require(actor, Capability.EDIT, member.home_org.path)
    before = _member_state(member)
    home_before = member.home_org_id
    id_number, phone = _clean_member_input(actor, data, member)
    _apply(member, data, id_number, phone)
    member.save()
    member.activity_orgs.set(data.activity_orgs)
    totals.follow([home_before, member.home_org_id])
    audit.record(
        actor,
        audit.Action.UPDATE,
        member,
        org=member.home_org,
        changes=audit.diff(before, _member_state(member), PERSONAL_FIELDS),
    )
    return member


@transaction.atomic
def delete_member(actor, member: Member) -> None:
    _require(actor, Capability.EDIT, member.home_org.path)
    audit.record(actor, audit.Action.DELETE, member, org=member.home_org)
    member.delete()
    totals.follow([member.home_org_id])


def member_input_from(member: Member, with_activity_orgs: bool = True) -> MemberInput:
    """The current values of a member, as the starting point of an edit."""
    return MemberInput(
        **{name: getattr(member, name) for name in MEMBER_FIELDS},
        id_number=member.id_number,
        phone=member.phone,
        activity_orgs=list(member.activity_orgs.all()) if with_activity_orgs else [],
    )


@transaction.atomic
def reveal(actor, member: Member, field_name: str, request=None) -> str:
    """Return one personal number in clear, for one response, and audit that it was seen."""
    if field_name not in PERSONAL_FIELDS:
        raise ValidationError(_("Unknown field."))
    own_record = actor.scope.self_member_id == member.pk
    if not own_record:
        _require(actor, Capability.REVEAL, member.home_org.path)
    audit.record(
        actor,
        audit.Action.REVEAL,
        member,
        org=member.home_org,
        changes={"field": field_name},
        request=request,
    )
    return getattr(member, field_name)
