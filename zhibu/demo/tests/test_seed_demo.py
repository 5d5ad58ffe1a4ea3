"""`manage.py seed_demo`: seed 003's figures, valid identities, determinism, guards and personas."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F
from django.test import override_settings
from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.checkins.models import CheckIn
from zhibu.core.identity import birth_date_from_id, gender_from_id, validate_id_number, validate_phone
from zhibu.core.scope import Capability, Role
from zhibu.demo import DEMO_PASSWORD
from zhibu.demo.builder import add_years
from zhibu.materials.models import Delivery
from zhibu.meetings.models import Meeting
from zhibu.mobility.models import FindingAttempt, Mobility
from zhibu.registry import queries
from zhibu.registry.choices import BRANCH_KINDS, OrganizationKind, PartyStatus
from zhibu.registry.models import Member, Organization, Unit
from zhibu.snapshots import services as snapshot_services
from zhibu.snapshots.models import LedgerSnapshotRow
from zhibu.stations.models import Station, StationLevel


def seed(*args: str) -> str:
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def parent(org: Organization) -> Organization:
    return Organization.objects.get_parent(org)


def grant_of(username: str):
    return User.objects.get(username=username).grants.select_related("organization").get()


@pytest.fixture
def small_demo(db):
    seed("--members", "300")


def test_default_run_has_the_figures_of_seed_003(db):
    output = seed()

    industry = Organization.objects.get(code="sz-express")
    assert industry.kind == OrganizationKind.INDUSTRY_COMMITTEE
    assert Organization.objects.get_parent(industry).code == "sz"
    assert Organization.objects.get_children(industry).filter(kind=OrganizationKind.COMMITTEE).count() == 8
    grassroots = Organization.objects.filter(path__startswith=industry.path, kind__in=BRANCH_KINDS)
    assert grassroots.count() == 117
    assert grassroots.filter(kind=OrganizationKind.JOINT_BRANCH).exists()
    assert grassroots.filter(kind=OrganizationKind.MOBILE_BRANCH).exists()
    assert Member.objects.count() == 3449
    assert Member.objects.filter(is_mobile=True).count() == 1087
    assert (
        Member.objects.filter(home_org__path__startswith=industry.path, home_org__kind__in=BRANCH_KINDS).count() == 3449
    )
    assert "3,449 members (1,087 mobile), 92 stations, " in output
    states = set(CheckIn.objects.values_list("state", flat=True))
    assert states == {"submitted", "pending", "routed", "accepted"}
    assert CheckIn.objects.filter(state="accepted", inflow__isnull=False).exists()
    assert f"{CheckIn.objects.count()} check-ins, " in output
    assert f"{Meeting.objects.count():,} meetings, {Delivery.objects.count():,} parcels." in output
    mobility_states = set(Mobility.objects.values_list("state", flat=True))
    assert mobility_states == {"registered", "reported", "lost", "returned", "transferred"}
    assert FindingAttempt.objects.exists() and Mobility.objects.filter(paired_with__isnull=False).exists()
    network = dict(Station.objects.values_list("kind").annotate(n=Count("pk")))
    assert network == {"service_center": 31, "rest_station": 40, "merchant": 20, "red_base": 1}
    assert Station.objects.filter(level=StationLevel.HEADQUARTERS).count() == 1
    assert Station.objects.filter(is_checkin_point=True).count() >= 11
    assert not Station.objects.filter(wgs_latitude__isnull=True).exists()
    assert DEMO_PASSWORD in output
    last_month = snapshot_services.previous_month()
    assert LedgerSnapshotRow.objects.filter(snapshot__month=last_month).count() == 3449
    assert f"Monthly ledgers of {last_month:%Y-%m} frozen: 117 organisations." in output


def test_default_run_members_are_plausible(db):
    seed()
    members = list(Member.objects.select_related("home_org", "occupation"))
    today = timezone.localdate()

    for member in members:
        id_number = validate_id_number(member.id_number)
        assert birth_date_from_id(id_number) == member.birth_date
        assert gender_from_id(id_number) == member.gender
        assert member.joined_on >= add_years(member.birth_date, 18)
        if member.party_status == PartyStatus.PROBATIONARY:
            assert member.full_member_on is None
            assert today - datetime.timedelta(days=366) <= member.joined_on <= today
        else:
            assert member.full_member_on > member.joined_on
    phones = [member.phone for member in members]
    assert len(set(phones)) == len(phones)
    assert all(validate_phone(phone).startswith("17400") for phone in phones)
    assert len({member.id_number_digest for member in members}) == len(members)
    assert 0.7 < sum(m.gender == "male" for m in members) / len(members) < 0.9
    front_line = {"courier", "rider", "truck_driver", "ride_hailing_driver", "sorter", "station_keeper"}
    assert sum(m.occupation.code in front_line for m in members) / len(members) > 0.75
    assert sum(m.party_status == PartyStatus.FULL for m in members) / len(members) > 0.9
    assert all(len(member.name) in (2, 3, 4) for member in members)


def test_default_run_wires_the_tree(db):
    seed()
    mobile = Member.objects.filter(is_mobile=True)
    assert not mobile.filter(activity_orgs=None).exists()
    assert not mobile.filter(activity_orgs__pk=F("home_org_id")).exists()
    for org in Organization.objects.filter(kind__in=BRANCH_KINDS):
        assert org.secretary is not None and org.secretary.home_org_id == org.pk
    companies = Unit.objects.filter(industry="快递物流", kind__in=["enterprise", "platform"])
    assert companies.count() == 8
    assert all(unit.credit_code and unit.employee_count for unit in companies)
    industry = Organization.objects.get(code="sz-express")
    assert Organization.objects.get_descendants(industry).filter(numchild__gt=0).count() == 8


def test_runs_with_the_same_seed_make_the_same_people(db):
    def run() -> list[tuple[str, str, str]]:
        with transaction.atomic():
            seed("--members", "300")
            rows = list(Member.objects.order_by("pk").values_list("name", "id_number_digest", "phone_digest"))
            transaction.set_rollback(True)  # the next run starts from an empty database again
        return rows

    first, second = run(), run()
    assert Member.objects.count() == 0
    assert len(first) == 300
    assert first == second


def test_members_option_scales_members_mobile_share_and_branches(db):
    seed("--members", "600")
    assert Member.objects.count() == 600
    assert Member.objects.filter(is_mobile=True).count() == round(600 * 1087 / 3449)
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS)
    assert branches.count() == round(600 * 117 / 3449)
    assert not branches.filter(members=None).exists()


def test_if_empty_keeps_existing_data(small_demo):
    before = list(Member.objects.order_by("pk").values_list("pk", "id_number_digest"))
    output = seed("--if-empty")
    assert "already holds organisations" in output
    assert list(Member.objects.order_by("pk").values_list("pk", "id_number_digest")) == before


def test_refuses_to_run_twice(small_demo):
    with pytest.raises(CommandError, match="already holds organisations"):
        seed("--members", "300")
    assert Member.objects.count() == 300


@override_settings(DEBUG=False)
def test_refuses_without_debug_unless_forced(db):
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", "--members", "100", stdout=StringIO(), stderr=StringIO())
    assert not Organization.objects.exists()
    assert not User.objects.exists()

    call_command("seed_demo", "--members", "100", "--force", stdout=StringIO(), stderr=StringIO())
    assert Member.objects.count() == 100


def test_each_persona_has_an_account_with_its_role_and_scope(small_demo):
    for username in ("admin", "city", "industry", "secretary", "secretary2", "cadre", "courier", "station"):
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.display_name
    admin = User.objects.get(username="admin")
    assert admin.scope.is_platform
    assert grant_of("city").role == Role.ORG_VIEWER
    assert grant_of("city").organization.code == "sz"
    assert (grant_of("industry").role, grant_of("industry").organization.code) == (Role.ORG_ADMIN, "sz-express")
    assert (grant_of("station").role, grant_of("station").organization.code) == (Role.STATION_STAFF, "sz-express")
    cadre = grant_of("cadre")
    assert (cadre.role, cadre.organization.kind) == (Role.CADRE, OrganizationKind.MOBILE_BRANCH)


def test_secretaries_see_their_own_branch_only(small_demo):
    first, second = grant_of("secretary"), grant_of("secretary2")
    assert first.role == second.role == Role.SECRETARY
    assert parent(first.organization) != parent(second.organization)
    for grant in (first, second):
        user = grant.user
        visible = queries.members(user)
        assert visible.filter(home_org=grant.organization).exists()
        # Besides its own members, a branch sees the mobile members who take part in its life.
        outsiders = visible.exclude(home_org=grant.organization)
        assert not outsiders.exclude(activity_orgs=grant.organization).exists()
        assert not outsiders.filter(is_mobile=False).exists()
        assert user.scope.covers(grant.organization.path, Capability.EDIT)
        assert not user.scope.covers(parent(grant.organization).path)


def test_featured_member_is_found_by_pinyin_initials_by_the_secretary_only(small_demo):
    secretary = User.objects.get(username="secretary")
    found = queries.search_members(secretary, text="zxm")
    assert "张晓明" in set(found.values_list("name", flat=True))
    assert (
        not queries.search_members(User.objects.get(username="secretary2"), text="zxm").filter(name="张晓明").exists()
    )


def test_courier_account_is_a_mobile_courier(small_demo):
    courier = User.objects.get(username="courier")
    assert courier.member.is_mobile
    assert courier.member.occupation.code == "courier"
    assert grant_of("courier").role == Role.MEMBER
    assert courier.scope.self_member_id == courier.member_id
    assert list(queries.members(courier)) == [courier.member]
    cadre = User.objects.get(username="cadre")
    assert queries.members(cadre).filter(pk=courier.member_id).exists()
