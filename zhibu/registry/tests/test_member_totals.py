"""The members kept per organisation follow every write that changes them: after each one, what the
services kept is what a rebuild from the records gives, and the pages show the kept figures."""

import datetime
import io

import pytest
from django.core.management import call_command

from zhibu.ledgers import services as ledgers
from zhibu.ledgers.tests import sheets
from zhibu.ledgers.tests.sheets import MEMBER_HEADER, member_rows
from zhibu.mobility import services as mobility
from zhibu.registry import queries, services, totals
from zhibu.registry.choices import OrganizationKind
from zhibu.registry.models import MemberTotals

pytestmark = pytest.mark.django_db


def kept() -> dict[int, tuple]:
    rows = MemberTotals.objects.values_list("organization_id", *totals.OWN, *totals.FIGURES)
    return {pk: tuple(figures) for pk, *figures in rows}


def assert_kept_as_records_say() -> dict[int, tuple]:
    before = kept()
    totals.rebuild()
    assert kept() == before
    return before


def members_below(world, org) -> int:
    return MemberTotals.objects.get(pk=world.refresh(org).pk).members


def test_each_write_to_a_member_keeps_the_totals_of_its_organisations_and_their_ancestors(world):
    admin = world.root_user
    city, a1, b1 = world.city, world.branch_a1, world.branch_b1
    assert members_below(world, city) == 4 and members_below(world, a1) == 2
    assert_kept_as_records_say()

    new = world.add_member("孙丽", "440305199001010026", a1)
    assert members_below(world, a1) == 3 and members_below(world, city) == 5
    assert_kept_as_records_say()

    moved = services.member_input_from(new)
    moved.home_org, moved.party_status, moved.full_member_on = b1, "probationary", None
    services.update_member(admin, new, moved)
    assert members_below(world, a1) == 2 and members_below(world, b1) == 2 and members_below(world, city) == 5
    assert MemberTotals.objects.get(pk=b1.pk).probationary == 1
    assert_kept_as_records_say()

    mobility.register_outflow(admin, world.zhang, mobility.Whereabouts(since=datetime.date(2026, 1, 5)))
    assert MemberTotals.objects.get(pk=a1.pk).mobile == 1
    assert_kept_as_records_say()

    services.delete_member(admin, new)
    assert members_below(world, b1) == 1 and members_below(world, city) == 4
    assert_kept_as_records_say()


def test_organisations_made_and_moved_carry_their_totals(world):
    admin = world.root_user
    branch = services.create_organization(
        admin, parent=world.company_a, code="new-branch", name="新支部", kind=OrganizationKind.BRANCH
    )
    assert kept()[branch.pk] == (0,) * 8
    world.add_member("孙丽", "440305199001010026", branch)
    services.move_organization(admin, world.refresh(world.company_a), world.refresh(world.company_b))
    company_b = world.refresh(world.company_b)
    assert members_below(world, company_b) == 1 + 4  # its own branch, and company A with its new branch
    assert members_below(world, world.city) == 5
    assert_kept_as_records_say()


def test_an_import_keeps_the_totals_of_the_subtree_it_wrote(world):
    secretary = world.users["secretary"]
    zhang = [world.zhang.name, world.zhang.id_number, "预备党员", "2015-07-01", ""]
    data = sheets.xlsx([MEMBER_HEADER, *member_rows(30), zhang])
    result = ledgers.import_file(
        secretary, org=world.branch_a1, dataset="members", data=data, file_name="台账.xlsx", dry_run=False
    )
    assert result.counts["created"] == 30 and result.counts["updated"] == 1
    figures = MemberTotals.objects.get(pk=world.branch_a1.pk)
    assert (figures.members, figures.probationary) == (32, 1)
    assert members_below(world, world.city) == 34
    assert_kept_as_records_say()


def test_the_list_and_the_key_figures_read_the_kept_totals(world, login):
    city = world.users["city"]
    assert queries.member_total(city, world.refresh(world.city)) == 4
    assert queries.key_counts(city)["members"] == 4
    # A cadre of the mobile branch also sees members taking part there from elsewhere, and a courier
    # their own record: both counted beside the kept figures.
    zhao = services.member_input_from(world.zhao)
    zhao.activity_orgs = [world.mobile_a]
    services.update_member(world.root_user, world.zhao, zhao)
    assert queries.key_counts(world.users["cadre"])["members"] == 2
    assert queries.key_counts(world.users["courier"])["members"] == 1
    # Wrong kept figures would show: the pages take them, not a count.
    MemberTotals.objects.filter(pk=world.city.pk).update(members=1234)
    assert queries.member_total(city, world.refresh(world.city)) == 1234
    client = login("city")
    page = client.get("/registry/members/", {"org": world.city.pk})
    assert page.context["page"].paginator.count == 1234
    assert client.get("/api/v1/members", {"org": world.city.pk}).json()["count"] == 1234
    # Any other filter counts the records.
    assert (
        client.get("/registry/members/", {"org": world.city.pk, "is_mobile": "1"}).context["page"].paginator.count == 1
    )


def test_the_rebuild_command_corrects_figures_that_drifted(world):
    MemberTotals.objects.filter(pk__in=[world.city.pk, world.branch_a1.pk]).update(members=99)
    out = io.StringIO()
    call_command("rebuild_member_totals", stdout=out)
    assert out.getvalue().startswith("2 organisation(s) corrected")
    assert members_below(world, world.city) == 4
