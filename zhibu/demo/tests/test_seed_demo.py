"""`manage.py seed_demo`: seed 003's figures, valid identities, determinism, guards and personas."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from zhibu.accounts.models import User
from zhibu.core.scope import Capability, Role
from zhibu.demo import DEMO_PASSWORD
from zhibu.registry import queries
from zhibu.registry.choices import BRANCH_KINDS, OrganizationKind
from zhibu.registry.models import Member, Organization


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
