"""`manage.py seed_demo` with its defaults: seed 003's figures, plausible members, a wired tree.

The default demo takes about a minute to write, so the module writes it once and its tests read it."""

import datetime

import pytest
from django.db.models import Count, F
from django.utils import timezone

from zhibu.checkins.models import CheckIn
from zhibu.conftest import records_for_the_module
from zhibu.core.identity import birth_date_from_id, gender_from_id, validate_id_number, validate_phone
from zhibu.demo import DEMO_PASSWORD
from zhibu.demo.builder import add_years
from zhibu.demo.tests.test_seed_demo import seed
from zhibu.materials.models import Delivery
from zhibu.meetings.models import Meeting
from zhibu.mobility.models import FindingAttempt, Mobility
from zhibu.registry import totals
from zhibu.registry.choices import BRANCH_KINDS, OrganizationKind, PartyStatus
from zhibu.registry.models import Member, MemberTotals, Organization, Unit
from zhibu.snapshots import services as snapshot_services
from zhibu.snapshots.models import LedgerSnapshotRow
from zhibu.stations.models import Station, StationLevel


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with records_for_the_module(django_db_blocker):
        yield seed()


@pytest.fixture
def default_demo(db, seeded):
    """What the default run printed."""
    return seeded


def test_default_run_has_the_figures_of_seed_003(default_demo):
    output = default_demo

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


def test_default_run_members_are_plausible(default_demo):
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


def test_default_run_wires_the_tree(default_demo):
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


def test_default_run_keeps_the_member_totals_the_records_give(default_demo):
    assert MemberTotals.objects.count() == Organization.objects.count()
    assert totals.rebuild() == 0
    assert totals.everyone()["members"] == Member.objects.count() > 0
