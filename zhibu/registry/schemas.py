"""Shapes of the registry API: what goes out (ids with display labels) and what comes in.

Schemas check shapes only; the domain rules live in services. References to other records are
plain ids (occupations: their code) and are looked up within the actor's scope by the router.
Personal numbers go out only masked; they come in clear on create and update.
"""

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from zhibu.registry.choices import (
    CoordinateSystem,
    Education,
    Gender,
    OrganizationKind,
    PartyStatus,
    RegionLevel,
    Standing,
    UnitKind,
    WorkRole,
)

# References


class RegionRef(Schema):
    id: int
    code: str
    name: str


class OrganizationRef(Schema):
    id: int
    code: str
    name: str


class UnitRef(Schema):
    id: int
    name: str


class MemberRef(Schema):
    id: int
    name: str


class OccupationRef(Schema):
    code: str
    name: str

    @staticmethod
    def resolve_name(occupation) -> str:
        return str(occupation)  # the English name when the request is in English


# Output


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: int
    level_label: str
    parent: int | None

    @staticmethod
    def resolve_level_label(region) -> str:
        return str(region.get_level_display())

    @staticmethod
    def resolve_parent(region) -> int | None:
        return region.parent_id


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    industry: str
    employee_count: int
    region: RegionRef | None
    address: str
    credit_code: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    coordinate_system: str

    @staticmethod
    def resolve_kind_label(unit) -> str:
        return str(unit.get_kind_display())


class OrganizationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    national_type_code: str
    parent: int | None = Field(description="Id of the parent organisation; change it with the move operation.")
    depth: int
    children_count: int
    region: RegionRef | None
    units: list[UnitRef]
    secretary: MemberRef | None
    founded_on: datetime.date | None
    dissolved_on: datetime.date | None
    is_active: bool

    @staticmethod
    def resolve_kind_label(org) -> str:
        return str(org.get_kind_display())

    @staticmethod
    def resolve_parent(org) -> int | None:
        return org.parent_pk  # annotated by the router, so that a page costs no query per row

    @staticmethod
    def resolve_children_count(org) -> int:
        return org.numchild


class MemberOut(Schema):
    id: int
    name: str
    name_pinyin: str
    gender: str
    gender_label: str
    ethnicity: str
    ethnicity_label: str
    birth_date: datetime.date
    id_number_masked: str
    phone_masked: str
    education: str
    education_label: str
    party_status: str
    party_status_label: str
    standing: str
    standing_label: str
    joined_on: datetime.date
    full_member_on: datetime.date | None
    home_org: OrganizationRef
    activity_orgs: list[OrganizationRef]
    occupation: OccupationRef | None
    employer: UnitRef | None
    region: RegionRef | None
    is_mobile: bool
    work_role: str
    work_role_label: str
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_gender_label(member) -> str:
        return str(member.get_gender_display())

    @staticmethod
    def resolve_ethnicity_label(member) -> str:
        return str(member.get_ethnicity_display())

    @staticmethod
    def resolve_education_label(member) -> str:
        return str(member.get_education_display())

    @staticmethod
    def resolve_work_role_label(member) -> str:
        return str(member.get_work_role_display())

    @staticmethod
    def resolve_party_status_label(member) -> str:
        return str(member.get_party_status_display())

    @staticmethod
    def resolve_standing_label(member) -> str:
        return str(member.get_standing_display())


class RevealOut(Schema):
    field: str
    value: str


# Input


class RegionIn(Schema):
    code: str = Field(max_length=12)
    name: str = Field(max_length=100)
    level: RegionLevel
    parent: int | None = None


class UnitIn(Schema):
    name: str = Field(max_length=200)
    kind: UnitKind = UnitKind.ENTERPRISE
    industry: str = Field("", max_length=100)
    employee_count: int = Field(0, ge=0)
    region: int | None = None
    address: str = Field("", max_length=300)
    credit_code: str | None = Field(None, max_length=18)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    coordinate_system: CoordinateSystem = CoordinateSystem.GCJ02


class OrganizationUpdate(Schema):
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    kind: OrganizationKind
    region: int | None = None
    units: list[int] = []
    secretary: int | None = Field(None, description="Id of a member of this organisation or below it.")
    founded_on: datetime.date | None = None
    dissolved_on: datetime.date | None = None


class OrganizationIn(OrganizationUpdate):
    parent: int | None = Field(None, description="Id of the parent organisation; none for a new root.")


class OrganizationMove(Schema):
    parent: int


class MemberIn(Schema):
    name: str = Field(max_length=50)
    id_number: str = Field(max_length=40, description="In clear; it is stored encrypted and shown only masked.")
    phone: str = Field("", max_length=40, description="In clear; it is stored encrypted and shown only masked.")
    gender: Gender | None = Field(None, description="Taken from the ID number when left out.")
    birth_date: datetime.date | None = Field(None, description="Taken from the ID number when left out.")
    ethnicity: str = Field("01", max_length=2, description="GB 3304 code.")
    education: Education | None = None
    party_status: PartyStatus
    standing: Standing = Standing.NORMAL
    joined_on: datetime.date
    full_member_on: datetime.date | None = None
    home_org: int
    activity_orgs: list[int] = []
    occupation: str | None = Field(None, description="Occupation code, such as courier.")
    employer: int | None = None
    region: int | None = None
    is_mobile: bool = False
    work_role: WorkRole | None = Field(None, description="leadership, staff or frontline; learning plans use it.")


class RevealIn(Schema):
    field: Literal["id_number", "phone"]


# Filters of the lists (query parameters)


class RegionFilters(Schema):
    level: RegionLevel | None = None
    parent: int | None = None
    q: str = Field("", description="Part of the name.")


class UnitFilters(Schema):
    kind: UnitKind | None = None
    region: int | None = None
    q: str = Field("", description="Part of the name.")


class OrganizationFilters(Schema):
    kind: OrganizationKind | None = None
    parent: int | None = Field(None, description="Only the direct children of this organisation.")
    under: int | None = Field(None, description="The whole subtree of this organisation, itself included.")
    active: bool | None = None
    q: str = Field("", description="Part of the name or code.")


class MemberFilters(Schema):
    org: int | None = Field(None, description="Members whose home organisation lies in this subtree.")
    party_status: PartyStatus | None = None
    occupation: str | None = Field(None, description="Occupation code.")
    is_mobile: bool | None = None
    work_role: WorkRole | None = None
    region: int | None = None
    q: str = Field("", description="Name, full pinyin or pinyin initials (zxm finds 张晓明).")
