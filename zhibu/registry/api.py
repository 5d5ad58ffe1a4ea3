"""The registry API: regions, host units, organisations and members.

Thin routers: reads start from `queries` (what the actor may see; anything else answers 404),
writes go through `services` (which check permission, validate, audit). Referenced ids in a
request body are looked up within the actor's scope too, so an unknown or hidden id is a field
error. Errors become JSON in zhibu.api.
"""

import dataclasses
from enum import Enum
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import PatchDict, Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from zhibu.core.replica import reading_from_replica
from zhibu.registry import queries, services
from zhibu.registry.models import Member, Occupation, Organization
from zhibu.registry.schemas import (
    MemberFilters,
    MemberIn,
    MemberOut,
    OrganizationFilters,
    OrganizationIn,
    OrganizationMove,
    OrganizationOut,
    OrganizationUpdate,
    RegionFilters,
    RegionIn,
    RegionOut,
    RevealIn,
    RevealOut,
    UnitFilters,
    UnitIn,
    UnitOut,
)

regions = Router(tags=["regions"])
units = Router(tags=["units"])
organizations = Router(tags=["organizations"])
members = Router(tags=["members"])

router = Router()
router.add_router("/regions", regions)
router.add_router("/units", units)
router.add_router("/organizations", organizations)
router.add_router("/members", members)


# Shared helpers


def _filter(queryset: QuerySet, **lookups) -> QuerySet:
    """Apply the lookups whose value was given (False and 0 count as given)."""
    return queryset.filter(**{name: value for name, value in lookups.items() if value not in (None, "")})


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _prepare(values: dict[str, Any], references: dict[str, tuple[QuerySet, str]]) -> dict[str, Any]:
    """Turn the referenced ids (or codes) in `values` into records, looked up in the given querysets.

    Every reference that cannot be found becomes a field error; nothing is written then.
    """
    values = {name: _plain(value) for name, value in values.items()}
    errors: dict[str, list[str]] = {}
    for name, (queryset, key) in references.items():
        if name not in values:
            continue  # left out of a PATCH: keeps its value
        wanted = values[name]
        if wanted in (None, ""):
            values[name] = None
            continue
        keys = wanted if isinstance(wanted, list) else [wanted]
        found = {getattr(obj, key): obj for obj in queryset.filter(**{f"{key}__in": keys})}
        if set(keys) - found.keys():
            errors[name] = [_("Select a valid choice. That choice is not one of the available choices.")]
        elif isinstance(wanted, list):
            values[name] = [found[k] for k in dict.fromkeys(keys)]
        else:
            values[name] = found[wanted]
    if errors:
        raise ValidationError(errors)
    return values


def _visible_org(actor, pk: int) -> Organization | None:
    return queries.organizations(actor).filter(pk=pk).first()


# Regions: national reference data, maintained by platform administrators.


def _region_references(actor) -> dict[str, tuple[QuerySet, str]]:
    return {"parent": (queries.regions(actor), "pk")}


@regions.get("", response=list[RegionOut])
@paginate
def list_regions(request, filters: Query[RegionFilters]):
    return _filter(
        queries.regions(request.auth),
        level=filters.level,
        parent_id=filters.parent,
        name__contains=filters.q.strip(),
    )


@regions.post("", response={201: RegionOut})
def create_region(request, payload: RegionIn):
    values = _prepare(payload.model_dump(), _region_references(request.auth))
    return Status(201, services.create_region(request.auth, **values))


@regions.get("/{region_id}", response=RegionOut)
def get_region(request, region_id: int):
    return get_object_or_404(queries.regions(request.auth), pk=region_id)


@regions.patch("/{region_id}", response=RegionOut)
def update_region(request, region_id: int, payload: PatchDict[RegionIn]):
    region = get_object_or_404(queries.regions(request.auth), pk=region_id)
    return services.update_region(request.auth, region, **_prepare(payload, _region_references(request.auth)))


@regions.delete("/{region_id}", response={204: None})
def delete_region(request, region_id: int):
    services.delete_region(request.auth, get_object_or_404(queries.regions(request.auth), pk=region_id))
    return Status(204, None)


# Host units: shared reference data for everyone who may read the registry.


def _unit_references(actor) -> dict[str, tuple[QuerySet, str]]:
    return {"region": (queries.regions(actor), "pk")}


@units.get("", response=list[UnitOut])
@paginate
def list_units(request, filters: Query[UnitFilters]):
    return _filter(
        queries.units(request.auth).order_by("name", "pk"),
        kind=filters.kind,
        region_id=filters.region,
        name__contains=filters.q.strip(),
    )


@units.post("", response={201: UnitOut})
def create_unit(request, payload: UnitIn):
    values = _prepare(payload.model_dump(), _unit_references(request.auth))
    return Status(201, services.create_unit(request.auth, **values))


@units.get("/{unit_id}", response=UnitOut)
def get_unit(request, unit_id: int):
    return get_object_or_404(queries.units(request.auth), pk=unit_id)


@units.patch("/{unit_id}", response=UnitOut)
def update_unit(request, unit_id: int, payload: PatchDict[UnitIn]):
    unit = get_object_or_404(queries.units(request.auth), pk=unit_id)
    return services.update_unit(request.auth, unit, **_prepare(payload, _unit_references(request.auth)))


@units.delete("/{unit_id}", response={204: None})
def delete_unit(request, unit_id: int):
    services.delete_unit(request.auth, get_object_or_404(queries.units(request.auth), pk=unit_id))
    return Status(204, None)


# Organisations


def _organizations(actor) -> QuerySet[Organization]:
    """Visible organisations with everything their output needs, in a fixed number of queries."""
    parent_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organization.steplen)
    parent = Organization.objects.filter(path=parent_path).values("pk")[:1]
    return (
        queries.organizations(actor)
        .select_related("region", "secretary")
        .prefetch_related("units")
        .annotate(parent_pk=Subquery(parent))
        .order_by("path")
    )


def _organization_references(actor) -> dict[str, tuple[QuerySet, str]]:
    return {
        "parent": (queries.organizations(actor), "pk"),
        "region": (queries.regions(actor), "pk"),
        "units": (queries.units(actor), "pk"),
        "secretary": (queries.members(actor), "pk"),
    }


@organizations.get("", response=list[OrganizationOut])
@paginate
def list_organizations(request, filters: Query[OrganizationFilters]):
    actor = request.auth
    orgs = _filter(_organizations(actor), kind=filters.kind, dissolved_on__isnull=filters.active)
    if filters.q.strip():
        orgs = orgs.filter(Q(name__contains=filters.q.strip()) | Q(code__icontains=filters.q.strip()))
    for pk, children_only in ((filters.parent, True), (filters.under, False)):
        if pk is None:
            continue
        org = _visible_org(actor, pk)
        if org is None:
            return orgs.none()
        orgs = orgs.filter(path__startswith=org.path)
        if children_only:
            orgs = orgs.filter(depth=org.depth + 1)
    return orgs


@organizations.post("", response={201: OrganizationOut})
def create_organization(request, payload: OrganizationIn):
    actor = request.auth
    values = _prepare(payload.model_dump(), _organization_references(actor))
    org = services.create_organization(actor, **values)
    return Status(201, _organizations(actor).get(pk=org.pk))


@organizations.get("/{org_id}", response=OrganizationOut)
def get_organization(request, org_id: int):
    return get_object_or_404(_organizations(request.auth), pk=org_id)


@organizations.patch("/{org_id}", response=OrganizationOut)
def update_organization(request, org_id: int, payload: PatchDict[OrganizationUpdate]):
    actor = request.auth
    org = get_object_or_404(queries.organizations(actor), pk=org_id)
    services.update_organization(actor, org, **_prepare(payload, _organization_references(actor)))
    return _organizations(actor).get(pk=org.pk)


@organizations.post("/{org_id}/move", response=OrganizationOut)
def move_organization(request, org_id: int, payload: OrganizationMove):
    """Move the organisation and its whole subtree under another parent."""
    actor = request.auth
    org = get_object_or_404(queries.organizations(actor), pk=org_id)
    values = _prepare(payload.model_dump(), _organization_references(actor))
    services.move_organization(actor, org, values["parent"])
    return _organizations(actor).get(pk=org.pk)


@organizations.delete("/{org_id}", response={204: None})
def delete_organization(request, org_id: int):
    """Refused (400, with the reason) while the organisation has sub-organisations or members."""
    services.delete_organization(request.auth, get_object_or_404(queries.organizations(request.auth), pk=org_id))
    return Status(204, None)


# Members: ID and phone numbers go out masked; POST /members/{id}/reveal shows one in clear, audited.

MEMBER_RELATED = ("home_org", "occupation", "employer", "region")
# What the service takes for an empty value, where a client may send null.
EMPTY_WHEN_NONE = {"phone": "", "gender": "", "education": "", "work_role": "", "activity_orgs": []}


def _member_references(actor, member: Member | None) -> dict[str, tuple[QuerySet, str]]:
    # A member's current activity organisations may be sent back even where the actor cannot see
    # them (a mobile member takes part far from home); the service keeps such links as they were.
    activity_orgs = queries.organizations(actor)
    if member is not None:
        activity_orgs = Organization.objects.filter(Q(pk__in=activity_orgs.values("pk")) | Q(activity_members=member))
    return {
        "home_org": (queries.organizations(actor), "pk"),
        "activity_orgs": (activity_orgs.distinct(), "pk"),
        "occupation": (Occupation.objects.all(), "code"),
        "employer": (queries.units(actor), "pk"),
        "region": (queries.regions(actor), "pk"),
    }


def _member_input(actor, values: dict[str, Any], member: Member | None = None) -> services.MemberInput:
    """The service input from the request values; on update, what was left out keeps its value."""
    values = _prepare(values, _member_references(actor, member))
    for name, empty in EMPTY_WHEN_NONE.items():
        if name in values and values[name] is None:
            values[name] = empty
    if member is None:
        return services.MemberInput(**values)
    return dataclasses.replace(services.member_input_from(member), **values)


def _visible_member(actor, pk: int) -> Member:
    visible = queries.members(actor).select_related(*MEMBER_RELATED).prefetch_related("activity_orgs")
    return get_object_or_404(visible, pk=pk)


class KeptTotalPagination(LimitOffsetPagination):
    """Takes the count from `kept_total` on the queryset when the view has it from the kept figures."""

    def _items_count(self, queryset) -> int:
        total = getattr(queryset, "kept_total", None)
        return super()._items_count(queryset) if total is None else total


@members.get("", response=list[MemberOut])
@reading_from_replica()  # outside @paginate, which runs the query
@paginate(KeptTotalPagination)
def list_members(request, filters: Query[MemberFilters]):
    actor = request.auth
    org = None
    if filters.org is not None:
        org = _visible_org(actor, filters.org)
        if org is None:
            return queries.members(actor).none()
    found = queries.search_members(
        actor,
        text=filters.q,
        org=org,
        party_status=_plain(filters.party_status),
        occupation__code=filters.occupation,
        is_mobile=filters.is_mobile,
        work_role=_plain(filters.work_role),
        region_id=filters.region,
    )
    found = found.select_related(*MEMBER_RELATED).prefetch_related("activity_orgs")
    if not filters.model_dump(exclude={"org"}, exclude_defaults=True):
        found.kept_total = queries.member_total(actor, org)
    return found


@members.post("", response={201: MemberOut})
def create_member(request, payload: MemberIn):
    actor = request.auth
    member = services.create_member(actor, _member_input(actor, payload.model_dump()))
    return Status(201, _visible_member(actor, member.pk))


@members.get("/{member_id}", response=MemberOut)
def get_member(request, member_id: int):
    return _visible_member(request.auth, member_id)


@members.patch("/{member_id}", response=MemberOut)
def update_member(request, member_id: int, payload: PatchDict[MemberIn]):
    """Change the given fields; ID and phone numbers that are left out keep their values."""
    actor = request.auth
    member = _visible_member(actor, member_id)
    services.update_member(actor, member, _member_input(actor, payload, member))
    return _visible_member(actor, member.pk)


@members.delete("/{member_id}", response={204: None})
def delete_member(request, member_id: int):
    services.delete_member(request.auth, _visible_member(request.auth, member_id))
    return Status(204, None)


@members.post("/{member_id}/reveal", response=RevealOut)
def reveal(request, member_id: int, payload: RevealIn, response: HttpResponse):
    """Show one personal number in clear, for this response only; every reveal is audited."""
    member = _visible_member(request.auth, member_id)
    value = services.reveal(request.auth, member, payload.field, request)
    response["Cache-Control"] = "no-store"
    return {"field": payload.field, "value": value}
