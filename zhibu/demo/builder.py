"""Builds the demo world from a fixed seed: regions, host units, the organisation tree, members
and one account per persona.

Regions, units and the upper organisations go through the registry services like any other
write. Branches and members are bulk inserted: demo data is generated, not entered, so it has
no per-row audit events, and a million members load in minutes.
"""

import datetime
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.accounts.services import grant_role
from zhibu.care.bottomlines import kept as bottom_lines_kept
from zhibu.core.identity import CREDIT_CODE_CHARS, credit_check_char
from zhibu.core.scope import Role
from zhibu.demo import DEMO_PASSWORD, data, network
from zhibu.demo.care import CareDemo
from zhibu.demo.chains import ChainsDemo
from zhibu.demo.checkins import CheckinDemo
from zhibu.demo.contests import ContestsDemo
from zhibu.demo.learning import LearningDemo
from zhibu.demo.materials import MaterialsDemo
from zhibu.demo.meetings import MeetingsDemo
from zhibu.demo.mobility import MobilityDemo
from zhibu.demo.names import COMPOUND_SURNAMES, NameKeys, Person, PersonFactory, demo_phone
from zhibu.demo.network import NetworkBuilder
from zhibu.demo.points import PointsDemo
from zhibu.mobility.models import Mobility
from zhibu.registry import services
from zhibu.registry import totals as member_totals
from zhibu.registry.choices import (
    BRANCH_KINDS,
    Gender,
    OrganizationKind,
    PartyStatus,
    RegionLevel,
    UnitKind,
    WorkRole,
)
from zhibu.registry.models import Member, Occupation, Organization, Region, Unit

SEED = "zhibu-demo-003"
BATCH_SIZE = 5000
MIN_MEMBERS = 100
MIN_BRANCHES_PER_COMPANY = 2
MOBILE_BRANCH_SHARE = 0.15
JOINT_BRANCH_SHARE = 0.3
# A member with distinctive pinyin initials (zxm) in the secretary's branch, for search and the browser test.
FEATURED_NAME = "张晓明"
INDUSTRY = "快递物流"
ROADS = ("科技路", "工业大道", "民生路", "创业路", "建设路", "物流路", "兴业路", "环城路")
ORDINALS = "一二三四五六七八九十"
DEMO_USERNAMES = ("admin", "city", "industry", "secretary", "secretary2", "cadre", "courier", "station")

Progress = Callable[[int, int], None]


@dataclass
class Persona:
    username: str
    display_name: str
    role: str
    organization: Organization | None = None
    member: Member | None = None


@dataclass
class Summary:
    regions: int
    units: int
    organizations: int
    grassroots: int
    members: int
    mobile: int
    stations: int
    mobility: int
    checkins: int
    contacts: int
    meetings: int
    deliveries: int
    personas: list[Persona]


@dataclass(eq=False)
class BranchPlan:
    company: "CompanyPlan"
    kind: str
    code: str
    name: str
    district: data.District
    size: int = 0
    mobile: int = 0
    org: Organization | None = None
    first_member: Member | None = None

    @property
    def settled(self) -> int:
        return self.size - self.mobile


@dataclass(eq=False)
class CompanyPlan:
    spec: data.Company
    districts: list[data.District]
    members: int
    mobile: int
    branches: list[BranchPlan] = field(default_factory=list)
    unit: Unit | None = None
    org: Organization | None = None
    manager: Member | None = None
    joint_by_district: dict[str, BranchPlan] = field(default_factory=dict)
    joint_districts: list[data.District] = field(default_factory=list)
    fallbacks: list[BranchPlan] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[BranchPlan]:
        return [branch for branch in self.branches if branch.kind in kinds]

    def index_branches(self) -> None:
        """Look-ups for placing mobile members, which must not scan thousands of branches per member."""
        joint = self.of_kind(OrganizationKind.JOINT_BRANCH)
        self.joint_by_district = {branch.district.code: branch for branch in joint}
        self.joint_districts = [branch.district for branch in joint]
        self.fallbacks = joint[:2] + self.branches[:2]

    def activity_branch(self, home: BranchPlan, district: data.District) -> BranchPlan | None:
        """Where a mobile member takes part: the company's joint branch of their district if any."""
        joint = self.joint_by_district.get(district.code)
        if joint is not None and joint is not home:
            return joint
        return next((branch for branch in self.fallbacks if branch is not home), None)


def apportion(total: int, weights: Sequence[float], minimums: Sequence[int] | None = None) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), each share at least its minimum."""
    minimums = list(minimums) if minimums is not None else [0] * len(weights)
    rest = total - sum(minimums)
    if rest < 0:
        raise ValueError("total is smaller than the sum of the minimums")
    exact = [rest * weight / sum(weights) for weight in weights]
    shares = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [low + share for low, share in zip(minimums, shares, strict=True)]


def scaled(count: int, members: int) -> int:
    """A figure of seed 003 scaled from its 3,449 members to `members`, rounded half up."""
    return (count * members * 2 + data.SEED_MEMBERS) // (data.SEED_MEMBERS * 2)


def ordinal(number: int) -> str:
    return f"第{ORDINALS[number - 1]}" if number <= len(ORDINALS) else f"第{number}"


def surname_of(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def organisation_code(body: str) -> str:
    """GB 11714 organisation code: 8 characters and a check character."""
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, region_code: str) -> str:
    """A fictional unified social credit code of an enterprise (91) registered in `region_code`."""
    body = "MA5" + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(5))
    first17 = "91" + region_code + organisation_code(body)
    return first17 + credit_check_char(first17)


@contextmanager
def large_sqlite_cache(kibibytes: int = 256 * 1024):
    """A larger SQLite page cache while members load: their indexes are written in random order."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{int(kibibytes)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def database_has_data() -> bool:
    return Organization.objects.exists() or Member.objects.exists()


def existing_demo_usernames() -> list[str]:
    return list(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True))


class DemoBuilder:
    def __init__(self, members: int = data.SEED_MEMBERS, progress: Progress | None = None):
        if members < MIN_MEMBERS:
            raise ValueError(f"the demo needs at least {MIN_MEMBERS} members")
        self.total = members
        self.progress = progress or (lambda done, total: None)
        self.plan_rng = random.Random(f"{SEED}:plan")
        self.life_rng = random.Random(f"{SEED}:life")
        self.people = PersonFactory(SEED, reserved=frozenset({FEATURED_NAME}))
        self.today = timezone.localdate()
        self.occupations = dict(Occupation.objects.values_list("code", "pk"))
        self.courier: Member | None = None
        self.inserted = 0
        self.name_keys = NameKeys()

    @transaction.atomic
    def build(self) -> Summary:
        self.admin = self._user("admin", "平台管理员")
        grant_role(self.admin, Role.PLATFORM_ADMIN)
        self._regions()
        self.companies = self._plan_companies()
        self._units()
        self._upper_organizations()
        self._branches()
        self._members()
        member_totals.rebuild()  # the branches and members above are loaded in bulk, past the services
        self._secretaries()
        personas = self._personas()
        self.stations = NetworkBuilder(self.admin, self.industry, self.street_regions[network.DISTRICT], SEED).build()
        MobilityDemo(self.admin, SEED).build()
        by_name = {persona.username: persona.organization for persona in personas}
        self.checkins = CheckinDemo(self.admin, [by_name["secretary"], by_name["secretary2"]], SEED).build()
        # A year of care and organisational life, with gaps, so the bottom lines have something to show.
        self.contacts = CareDemo(self.admin, SEED).build()
        self.meetings = MeetingsDemo(self.admin, SEED).build()
        self.deliveries = MaterialsDemo(self.admin, SEED).build()
        ContestsDemo(self.admin, SEED).build()
        ChainsDemo(self.admin, SEED).build()
        LearningDemo(self.admin, SEED).build()
        PointsDemo(self.admin, SEED).build()  # after the events it backfills from
        # Contacts and back-dated 报到 above are loaded in bulk, past the services that keep the lines.
        bottom_lines_kept.rebuild()
        return self._summary(personas)

    # Regions and units

    def _region(self, code: str, name: str, level: int, parent: Region | None) -> Region:
        existing = Region.objects.filter(code=code).first()
        return existing or services.create_region(self.admin, code=code, name=name, level=level, parent=parent)

    def _regions(self) -> None:
        province = self._region(*data.PROVINCE, RegionLevel.PROVINCE, None)
        self.city = self._region(*data.CITY, RegionLevel.CITY, province)
        self.district_regions: dict[str, Region] = {}
        self.street_regions: dict[str, list[Region]] = {}
        for district in data.DISTRICTS:
            region = self._region(district.code, district.name, RegionLevel.DISTRICT, self.city)
            self.district_regions[district.code] = region
            self.street_regions[district.code] = [
                self._region(district.street_code(i), f"{street}街道", RegionLevel.STREET, region)
                for i, street in enumerate(district.streets)
            ]

    def _coordinates(self, district: data.District) -> dict[str, Decimal]:
        rng = self.plan_rng
        return {
            "latitude": Decimal(f"{district.latitude + rng.uniform(-0.02, 0.02):.6f}"),
            "longitude": Decimal(f"{district.longitude + rng.uniform(-0.02, 0.02):.6f}"),
        }

    def _units(self) -> None:
        for plan in self.companies:
            district = data.DISTRICT_BY_CODE[plan.spec.district]
            street = self.plan_rng.randrange(len(district.streets))
            plan.unit = services.create_unit(
                self.admin,
                name=plan.spec.name,
                kind=plan.spec.kind,
                industry=INDUSTRY,
                employee_count=plan.spec.employees,
                region=self.street_regions[district.code][street],
                address=f"{district.name}{district.streets[street]}街道{self.plan_rng.choice(ROADS)}"
                f"{self.plan_rng.randint(1, 399)}号",
                credit_code=credit_code(self.plan_rng, data.CITY[0]),
                **self._coordinates(district),
            )
        self.places: dict[str, list[Unit]] = {}
        for place in data.PLACES:
            district = data.DISTRICT_BY_CODE[place.district]
            unit = services.create_unit(
                self.admin,
                name=place.name,
                kind=place.kind,
                industry=INDUSTRY if place.kind == UnitKind.PARK else "",
                region=self.street_regions[district.code][place.street],
                address=f"{district.name}{place.address}",
                **self._coordinates(district),
            )
            self.places.setdefault(place.district, []).append(unit)

    # The organisation tree

    def _plan_companies(self) -> list[CompanyPlan]:
        specs = data.COMPANIES
        branch_total = max(MIN_BRANCHES_PER_COMPANY * len(specs), scaled(data.SEED_GRASSROOTS, self.total))
        branch_counts = apportion(branch_total, [c.weight for c in specs], [MIN_BRANCHES_PER_COMPANY] * len(specs))
        member_counts = apportion(self.total, [c.weight for c in specs])
        plans = []
        for spec, members, branches in zip(specs, member_counts, branch_counts, strict=True):
            order = [spec.district, *(code for code in data.DISTRICT_PRIORITY if code != spec.district)]
            plan = CompanyPlan(spec, [data.DISTRICT_BY_CODE[code] for code in order], members, mobile=0)
            plan.branches = self._plan_branches(plan, branches)
            plan.index_branches()
            plans.append(plan)
        # Mobile members, in proportion to each company's share, at least one per mobile-member branch.
        mobile_counts = apportion(
            scaled(data.SEED_MOBILE, self.total),
            [plan.members * plan.spec.mobile_share for plan in plans],
            [len(plan.of_kind(OrganizationKind.MOBILE_BRANCH)) for plan in plans],
        )
        for plan, mobile in zip(plans, mobile_counts, strict=True):
            plan.mobile = mobile
            self._plan_branch_sizes(plan)
        return plans

    def _plan_branches(self, plan: CompanyPlan, count: int) -> list[BranchPlan]:
        """Regular branches (the head office, then by district and business segment), one joint
        branch per district, and in the large companies mobile-member branches."""
        spec, districts = plan.spec, plan.districts
        mobile = max(1, round(count * MOBILE_BRANCH_SHARE)) if spec.has_mobile_branches else 0
        joint = min(len(districts), max(1, round(count * JOINT_BRANCH_SHARE)), max(1, count - mobile - 1))
        regular = count - mobile - joint
        prefix = f"sz-{spec.code}"
        branches = []
        for k in range(regular):
            district = districts[(k - 1) % len(districts)] if k else districts[0]
            segment = data.BUSINESS_SEGMENTS[(k - 1) // len(districts) % len(data.BUSINESS_SEGMENTS)]
            serial = (k - 1) // (len(districts) * len(data.BUSINESS_SEGMENTS))
            name = (
                f"{spec.short_name}{district.short_name}{f'第{serial + 1}' if serial else ''}{segment}党支部"
                if k
                else f"{spec.short_name}机关党支部"
            )
            branches.append(BranchPlan(plan, OrganizationKind.BRANCH, f"{prefix}-b{k + 1}", name, district))
        for district in districts[:joint]:
            name = f"{spec.short_name}{district.name}联合党支部"
            branches.append(
                BranchPlan(plan, OrganizationKind.JOINT_BRANCH, f"{prefix}-j{district.code}", name, district)
            )
        for k in range(1, mobile + 1):
            name = f"{spec.short_name}{ordinal(k)}流动党员党支部"
            district = districts[(k - 1) % len(districts)]
            branches.append(BranchPlan(plan, OrganizationKind.MOBILE_BRANCH, f"{prefix}-m{k}", name, district))
        return branches

    def _spread(self, count: int, branches: list[BranchPlan]) -> list[int]:
        """Uneven but non-empty branch sizes."""
        weights = [self.plan_rng.uniform(0.5, 1.5) for _ in branches]
        return apportion(count, weights, [1] * len(branches))

    def _plan_branch_sizes(self, plan: CompanyPlan) -> None:
        mobile_branches = plan.of_kind(OrganizationKind.MOBILE_BRANCH)
        if mobile_branches:
            # Mobile members hold their record in the mobile-member branches, the others in the rest.
            others = [branch for branch in plan.branches if branch.kind != OrganizationKind.MOBILE_BRANCH]
            for branch, size in zip(mobile_branches, self._spread(plan.mobile, mobile_branches), strict=True):
                branch.size = branch.mobile = size
            for branch, size in zip(others, self._spread(plan.members - plan.mobile, others), strict=True):
                branch.size = size
            return
        sizes = self._spread(plan.members, plan.branches)
        mobile = apportion(plan.mobile, sizes)
        for branch, size, mobile_count in zip(plan.branches, sizes, mobile, strict=True):
            branch.size, branch.mobile = size, mobile_count

    def _upper_organizations(self) -> None:
        create = services.create_organization
        self.root = create(
            self.admin, parent=None, code="sz", name="深圳市委组织部", kind=OrganizationKind.COMMITTEE, region=self.city
        )
        self.industry = create(
            self.admin,
            parent=self.root,
            code="sz-express",
            name="深圳市快递行业党委",
            kind=OrganizationKind.INDUSTRY_COMMITTEE,
            region=self.city,
            founded_on=datetime.date(2021, 6, 1),
        )
        for plan in self.companies:
            plan.org = create(
                self.admin,
                parent=self.industry,
                units=[plan.unit],
                code=f"sz-{plan.spec.code}",
                name=f"{plan.spec.name}党委",
                kind=OrganizationKind.COMMITTEE,
                region=self.district_regions[plan.spec.district],
                founded_on=self._date_between(datetime.date(2012, 1, 1), datetime.date(2020, 12, 31), self.plan_rng),
            )

    def _branches(self) -> None:
        """Bulk insert the branches under each (new, still childless) company committee."""
        for plan in self.companies:
            parent = plan.org
            for step, branch in enumerate(plan.branches, start=1):
                branch.org = Organization(
                    code=branch.code,
                    name=branch.name,
                    kind=branch.kind,
                    region=self.district_regions[branch.district.code],
                    founded_on=self._founded_on(branch),
                    depth=parent.depth + 1,
                    path=Organization._get_path(parent.path, parent.depth + 1, step),
                    numchild=0,
                )
            Organization.objects.filter(pk=parent.pk).update(numchild=len(plan.branches))
        branches = [branch for plan in self.companies for branch in plan.branches]
        Organization.objects.bulk_create([branch.org for branch in branches], batch_size=BATCH_SIZE)
        hosts = Organization.units.through
        hosts.objects.bulk_create(
            [
                hosts(organization_id=branch.org.pk, unit_id=unit.pk)
                for branch in branches
                for unit in self._hosts_of(branch)
            ],
            batch_size=BATCH_SIZE,
        )

    def _hosts_of(self, branch: BranchPlan) -> list[Unit]:
        if branch.kind == OrganizationKind.JOINT_BRANCH:
            return [branch.company.unit, *self.places.get(branch.district.code, [])]
        return [branch.company.unit]

    def _founded_on(self, branch: BranchPlan) -> datetime.date:
        if branch.kind == OrganizationKind.BRANCH:
            return self._date_between(branch.company.org.founded_on, datetime.date(2021, 5, 31), self.plan_rng)
        # District joint and mobile-member branches came with the industry committee (from June 2021).
        return self._date_between(datetime.date(2021, 8, 1), datetime.date(2022, 12, 31), self.plan_rng)

    @staticmethod
    def _date_between(first: datetime.date, last: datetime.date, rng: random.Random) -> datetime.date:
        # One draw whatever the span, so that later draws do not depend on today's date.
        return first + datetime.timedelta(days=int(rng.random() * ((last - first).days + 1)))

    # Members

    def _members(self) -> None:
        with large_sqlite_cache():
            batch: list[tuple[Member, int | None]] = []
            for row in self._generate_members():
                batch.append(row)
                if len(batch) == BATCH_SIZE:
                    self._insert(batch)
                    batch = []
            if batch:
                self._insert(batch)

    def _insert(self, batch: list[tuple[Member, int | None]]) -> None:
        """Insert members (their pks come back) and then their activity organisations."""
        Member.objects.bulk_create([member for member, _org in batch])
        through = Member.activity_orgs.through
        through.objects.bulk_create(
            [through(member_id=member.pk, organization_id=org_id) for member, org_id in batch if org_id is not None]
        )
        self.inserted += len(batch)
        self.progress(self.inserted, self.total)

    def _generate_members(self) -> Iterator[tuple[Member, int | None]]:
        index = 0
        secretary_branch, cadre_branch = self._persona_branches()
        manager = self.occupations.get("manager")
        for plan in self.companies:
            for branch in plan.branches:
                # The second member (the first is the branch secretary) of two branches is fixed:
                # 张晓明 in the secretary's branch, and the courier persona in the cadre's.
                featured = min(1, branch.size - 1)
                for slot in range(branch.size):
                    zxm = slot == featured and branch is secretary_branch
                    courier = slot == featured and branch is cadre_branch
                    person = self.people.person(Gender.MALE, FEATURED_NAME) if zxm else self.people.person()
                    member, activity = self._member(
                        index, person, branch, slot >= branch.settled, "courier" if courier else None
                    )
                    branch.first_member = branch.first_member or member
                    self.courier = member if courier else self.courier
                    if plan.manager is None and member.occupation_id == manager:
                        plan.manager = member
                    index += 1
                    yield member, activity

    def _member(
        self, index: int, person: Person, branch: BranchPlan, is_mobile: bool, occupation: str | None
    ) -> tuple[Member, int | None]:
        rng, plan = self.life_rng, branch.company
        district = branch.district
        if branch.kind == OrganizationKind.MOBILE_BRANCH:
            district = rng.choice(plan.joint_districts or [district])
        status, joined_on, full_member_on = self._party_record(person.birth_date)
        name_pinyin, name_initials = self.name_keys(person.name)
        occupation = occupation or self._occupation(plan, is_mobile)
        member = Member(
            name=person.name,
            name_pinyin=name_pinyin,
            name_initials=name_initials,
            gender=person.gender,
            ethnicity=self._ethnicity(person.id_number),
            birth_date=person.birth_date,
            education=self._pick(data.EDUCATION),
            party_status=status,
            joined_on=joined_on,
            full_member_on=full_member_on,
            home_org_id=branch.org.pk,
            occupation_id=self.occupations.get(occupation),
            work_role=data.WORK_ROLES.get(occupation, WorkRole.FRONTLINE),
            employer_id=plan.unit.pk,
            region=rng.choice(self.street_regions[district.code]),
            is_mobile=is_mobile,
        )
        member.set_id_number(person.id_number)
        member.set_phone(demo_phone(index))
        activity = plan.activity_branch(branch, district) if is_mobile else None
        return member, activity.org.pk if activity else None

    def _pick(self, pairs: Sequence[tuple[str, float]]) -> str:
        values, weights = zip(*pairs, strict=True)
        return self.life_rng.choices(values, weights)[0]

    def _occupation(self, plan: CompanyPlan, is_mobile: bool) -> str:
        if self.life_rng.random() < (data.OFFICE_SHARE_MOBILE if is_mobile else data.OFFICE_SHARE):
            return self._pick(data.OFFICE)
        return self._pick(data.FRONT_LINE_PLATFORM if plan.spec.platform else data.FRONT_LINE_EXPRESS)

    def _ethnicity(self, id_number: str) -> str:
        roll = self.life_rng.random()
        for prefix, groups in data.ETHNIC_MIX.items():
            if id_number.startswith(prefix):
                for code, share in groups:
                    if roll < share:
                        return code
                    roll -= share
        return "01"

    def _party_record(self, birth_date: datetime.date) -> tuple[str, datetime.date, datetime.date | None]:
        """Status, join date (after the 18th birthday) and the date of becoming a full member."""
        rng = self.life_rng
        if rng.random() < data.PROBATIONARY_SHARE:
            joined = self.today - datetime.timedelta(days=30 + int(rng.random() * 330))
            return PartyStatus.PROBATIONARY, joined, None
        first = max(add_years(birth_date, 18), datetime.date(1985, 1, 1))
        joined = self._date_between(first, self.today - datetime.timedelta(days=400), rng)
        return PartyStatus.FULL, joined, add_years(joined, 1)

    def _secretaries(self) -> None:
        orgs = []
        for plan in self.companies:
            for branch in plan.branches:
                if branch.first_member is not None:
                    branch.org.secretary = branch.first_member
                    orgs.append(branch.org)
            plan.org.secretary = plan.manager or plan.branches[0].first_member
            orgs.append(plan.org)
        Organization.objects.bulk_update(orgs, ["secretary"], batch_size=BATCH_SIZE)

    # Accounts

    def _persona_branches(self) -> tuple[BranchPlan, BranchPlan]:
        """The secretary's branch (a front-line branch of the first company) and the cadre's mobile branch."""
        first = self.companies[0]
        return self._frontline_branch(first), first.of_kind(OrganizationKind.MOBILE_BRANCH)[0]

    @staticmethod
    def _frontline_branch(plan: CompanyPlan) -> BranchPlan:
        """A business branch rather than the head office's, else a joint branch."""
        regular = plan.of_kind(OrganizationKind.BRANCH)
        return (regular[1:] or regular or plan.of_kind(OrganizationKind.JOINT_BRANCH))[0]

    def _user(self, username: str, display_name: str, member: Member | None = None) -> User:
        return User.objects.create_user(username, password=DEMO_PASSWORD, display_name=display_name, member=member)

    def _personas(self) -> list[Persona]:
        secretary_branch, cadre_branch = self._persona_branches()
        secretary2_branch = self._frontline_branch(self.companies[1])
        personas = [
            Persona("admin", self.admin.display_name, Role.PLATFORM_ADMIN),
            Persona("city", "市委组织部管理员", Role.ORG_VIEWER, self.root),
            Persona("industry", "行业党委管理员", Role.ORG_ADMIN, self.industry),
            Persona("secretary", self._secretary_title(secretary_branch), Role.SECRETARY, secretary_branch.org),
            Persona("secretary2", self._secretary_title(secretary2_branch), Role.SECRETARY, secretary2_branch.org),
            Persona("cadre", "联系干部", Role.CADRE, cadre_branch.org),
            Persona("courier", self.courier.name, Role.MEMBER, cadre_branch.org, self.courier),
            Persona("station", "驿站管理员", Role.STATION_STAFF, self.industry),
        ]
        for persona in personas[1:]:
            user = self._user(persona.username, persona.display_name, persona.member)
            grant_role(user, persona.role, persona.organization)
        return personas

    @staticmethod
    def _secretary_title(branch: BranchPlan) -> str:
        return f"{surname_of(branch.first_member.name)}书记"

    def _summary(self, personas: list[Persona]) -> Summary:
        grassroots = Organization.objects.filter(path__startswith=self.industry.path, kind__in=BRANCH_KINDS)
        counts = Member.objects.aggregate(members=Count("pk"), mobile=Count("pk", filter=Q(is_mobile=True)))
        return Summary(
            regions=Region.objects.count(),
            units=Unit.objects.count(),
            organizations=Organization.objects.count(),
            grassroots=grassroots.count(),
            members=counts["members"],
            mobile=counts["mobile"],
            stations=self.stations,
            mobility=Mobility.objects.count(),
            checkins=self.checkins,
            contacts=self.contacts,
            meetings=self.meetings,
            deliveries=self.deliveries,
            personas=personas,
        )
