"""结对: who may pair whom, the ratio of members per cadre, reassignment with history, and the
list of mobile members still unpaired."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from zhibu.care import queries, services
from zhibu.care.models import Pairing
from zhibu.care.tests.helpers import TODAY, cadre_account, days_ago, mobile_member
from zhibu.core.models import AuditEvent
from zhibu.registry.choices import Standing
from zhibu.registry.models import Member


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_secretary_pairs_a_mobile_member_of_the_branch_and_it_is_audited(world):
    secretary, cadre = world.users["secretary"], cadre_account(world, "liaison", world.branch_a1)
    Member.objects.filter(pk=world.zhang.pk).update(is_mobile=True)
    world.zhang.refresh_from_db()
    pairing = services.pair(secretary, world.branch_a1, world.zhang, cadre)
    assert (pairing.cadre, pairing.member, pairing.organization, pairing.started_on) == (
        cadre,
        world.zhang,
        world.branch_a1,
        TODAY,
    )
    event = AuditEvent.objects.get(object_type="care.pairing", action="create")
    assert event.actor == secretary and event.org_id == world.branch_a1.pk and event.changes["cadre"][1] == "liaison"


def test_pairing_needs_edit_over_the_organisation(world):
    with pytest.raises(PermissionDenied):
        services.pair(world.users["cadre"], world.mobile_a, world.wang, world.users["cadre"])  # may only read
    with pytest.raises(PermissionDenied):
        services.pair(world.users["secretary2"], world.mobile_a, world.wang, world.users["cadre"])
    assert not Pairing.objects.exists()


def test_the_organisation_must_cover_the_member(world):
    secretary = world.users["secretary"]
    with pytest.raises(ValidationError, match="neither registered in nor taking part in"):
        services.pair(secretary, world.branch_a1, world.wang, secretary)
    world.wang.activity_orgs.add(world.branch_a1)  # 参加多重组织生活: he takes part in branch-a1
    assert services.pair(secretary, world.branch_a1, world.wang, secretary).organization == world.branch_a1


def test_only_mobile_members_in_normal_standing_are_paired_with_a_cadre_of_the_organisation(world):
    admin, cadre = world.root_user, world.users["cadre"]
    with pytest.raises(ValidationError, match="Only mobile members"):
        services.pair(admin, world.branch_a1, world.zhang, world.users["secretary"])  # not mobile
    suspended = mobile_member(world, "停籍者", 401)
    Member.objects.filter(pk=suspended.pk).update(standing=Standing.SUSPENDED)
    suspended.refresh_from_db()
    with pytest.raises(ValidationError, match="Only mobile members"):
        services.pair(admin, world.mobile_a, suspended, cadre)
    with pytest.raises(ValidationError, match="whose account covers"):
        services.pair(admin, world.mobile_a, world.wang, world.users["secretary2"])  # branch-b1's secretary
    with pytest.raises(ValidationError, match="future"):
        services.pair(admin, world.mobile_a, world.wang, cadre, days_ago(-1))


def test_paired_with_themselves_means_the_members_own_account(world):
    own = world.users["courier"]  # 王强's account, made a cadre of the branch
    from zhibu.accounts.services import grant_role

    grant_role(own, "cadre", world.mobile_a)
    own = type(own).objects.get(pk=own.pk)
    with pytest.raises(ValidationError, match="paired with themselves"):
        services.pair(world.root_user, world.mobile_a, world.wang, own)


def test_the_ratio_is_three_by_default_and_the_nearest_policy_applies(world):
    admin, cadre = world.root_user, world.users["cadre"]
    members = [mobile_member(world, f"流动{index}", 410 + index) for index in range(5)]
    assert services.members_per_cadre(world.mobile_a) == 3
    for member in members[:3]:
        services.pair(admin, world.mobile_a, member, cadre)
    with pytest.raises(ValidationError) as refused:
        services.pair(admin, world.mobile_a, members[3], cadre)
    message = refused.value.message_dict["cadre"][0]
    assert "already looks after 3 members" in message and "at most 3 mobile members per cadre" in message

    services.set_policy(admin, world.company_a, 4)  # the company's policy reaches its branches
    assert services.members_per_cadre(world.mobile_a) == 4
    services.pair(admin, world.mobile_a, members[3], cadre)
    services.set_policy(admin, world.mobile_a, 2)  # the branch's own policy is nearer
    assert services.members_per_cadre(world.mobile_a) == 2 and services.members_per_cadre(world.branch_a1) == 4
    with pytest.raises(ValidationError, match="at most 2 mobile members per cadre"):
        services.pair(admin, world.mobile_a, members[4], cadre)
    assert list(queries.over_ratio(world.mobile_a, 2)) == [cadre]  # 4 members, the limit now 2


def test_setting_the_policy_needs_edit_and_a_sensible_number(world):
    with pytest.raises(PermissionDenied):
        services.set_policy(world.users["cadre"], world.mobile_a, 5)
    with pytest.raises(ValidationError):
        services.set_policy(world.root_user, world.mobile_a, 0)
    policy = services.set_policy(world.users["secretary"], world.branch_a1, 5)
    assert AuditEvent.objects.get(object_type="care.carepolicy").changes == {"members_per_cadre": [None, 5]}
    assert services.set_policy(world.users["secretary"], world.branch_a1, 6).pk == policy.pk


def test_reassignment_ends_the_open_pairing_and_keeps_the_history(world):
    admin, first = world.root_user, world.users["cadre"]
    second = cadre_account(world, "second")
    old = services.pair(admin, world.mobile_a, world.wang, first, days_ago(100))
    with pytest.raises(ValidationError, match="already paired with this cadre"):
        services.pair(admin, world.mobile_a, world.wang, first)
    new = services.pair(admin, world.mobile_a, world.wang, second)
    old.refresh_from_db()
    assert (old.ended_on, old.end_reason) == (TODAY, Pairing.EndReason.REASSIGNED)
    assert new.is_open and Pairing.objects.filter(member=world.wang, ended_on=None).get() == new
    assert list(queries.member_pairings(admin, world.wang)) == [new, old]
    assert list(queries.cadre_pairings(admin, first)) == [old]


def test_a_reassignment_is_refused_whole_when_the_new_cadre_is_full(world):
    admin, first, full = world.root_user, world.users["cadre"], cadre_account(world, "full")
    services.set_policy(admin, world.mobile_a, 1)
    services.pair(admin, world.mobile_a, mobile_member(world, "占位", 420), full)
    services.pair(admin, world.mobile_a, world.wang, first)
    with pytest.raises(ValidationError, match="at most 1 mobile members per cadre"):
        services.pair(admin, world.mobile_a, world.wang, full)
    assert Pairing.objects.get(member=world.wang).cadre == first  # still open, with the first cadre


def test_ending_a_pairing(world):
    pairing = services.pair(world.root_user, world.mobile_a, world.wang, world.users["cadre"], days_ago(10))
    with pytest.raises(ValidationError):
        services.end_pairing(world.root_user, pairing, Pairing.EndReason.MEMBER_BACK, days_ago(11))
    with pytest.raises(PermissionDenied):
        services.end_pairing(world.users["cadre"], pairing, Pairing.EndReason.CADRE_LEFT)
    services.end_pairing(world.root_user, pairing, Pairing.EndReason.MEMBER_BACK)
    assert (pairing.ended_on, pairing.end_reason) == (TODAY, "member_back")
    with pytest.raises(ValidationError, match="ended already"):
        services.end_pairing(world.root_user, pairing, Pairing.EndReason.OTHER)


def test_unpaired_mobile_members_in_scope(world):
    admin = world.root_user
    other = mobile_member(world, "刘洋", 430)
    suspended = mobile_member(world, "停籍者", 431)
    Member.objects.filter(pk=suspended.pk).update(standing=Standing.SUSPENDED)
    elsewhere = mobile_member(world, "周杰", 432, world.branch_b1)
    elsewhere.activity_orgs.add(world.mobile_a)  # takes part in mobile-a
    services.pair(admin, world.mobile_a, other, world.users["cadre"])
    assert set(queries.unpaired_members(admin, world.mobile_a)) == {world.wang, elsewhere}
    assert set(queries.unpaired_members(admin, world.company_a)) == {world.wang, elsewhere}
    assert list(queries.unpaired_members(world.users["secretary"], world.mobile_a)) == []  # not in scope
    assert set(queries.unpaired_members(world.users["secretary2"], world.branch_b1)) == {elsewhere}


def test_cadre_candidates_are_the_accounts_that_read_the_organisation(world):
    services.pair(world.root_user, world.mobile_a, world.wang, world.users["cadre"])
    candidates = {user.username: user.open_pairings for user in queries.cadre_candidates(world.mobile_a)}
    assert candidates == {"cadre": 1, "city": 0, "industry": 0}  # not the courier, a member only
