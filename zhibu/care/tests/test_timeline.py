"""The contact timeline: the platform's default rules, organisations' own rules for their subtree,
members abroad, and the due dates the database computes for the cadre's and the branch's lists."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhibu.care import queries, services
from zhibu.care.models import ContactRule
from zhibu.care.tests.helpers import cadre_account, days_ago, mobile_member, pair_wang, talk
from zhibu.care.timeline import Timeline
from zhibu.mobility import services as mobility_services


def due_dates(world, member=None) -> dict[str, datetime.date]:
    """The member's due contacts by kind, as the cadre's list shows them."""
    [row] = [row for row in queries.my_members(world.users["cadre"]) if row.member == (member or world.wang)]
    return {item.rule.kind: item.due_on for item in row.items}


def test_the_defaults_give_a_talk_every_90_days_and_a_visit_every_year(world):
    pairing = pair_wang(world, started_days_ago=30)
    assert due_dates(world) == {"talk": pairing.started_on + datetime.timedelta(days=90), "visit": days_ago(30 - 365)}
    [row] = queries.my_members(world.users["cadre"])
    assert row.never_contacted and row.next_item.rule.kind == "talk" and row.next_item.days_left == 60

    services.log_contact(world.users["cadre"], world.wang, talk(days_ago(5)))
    assert due_dates(world)["talk"] == days_ago(5 - 90)  # counted from the last talk
    assert due_dates(world)["visit"] == days_ago(30 - 365)  # a talk is not a visit
    [row] = queries.my_members(world.users["cadre"])
    assert not row.never_contacted and row.last_contact_on == days_ago(5)


def test_the_last_contact_counts_whoever_made_it(world):
    """A reassignment does not restart the clock: the member was talked to, whoever did it."""
    first = cadre_account(world, "first")
    services.pair(world.root_user, world.mobile_a, world.wang, first, days_ago(200))
    services.log_contact(first, world.wang, talk(days_ago(150)))
    services.pair(world.root_user, world.mobile_a, world.wang, world.users["cadre"], days_ago(10))
    assert due_dates(world)["talk"] == days_ago(150 - 90)  # overdue for 60 days
    [row] = queries.my_members(world.users["cadre"])
    assert row.next_item.is_overdue and row.next_item.days_overdue == 60


def test_members_abroad_are_contacted_at_least_every_six_months(world):
    pair_wang(world, started_days_ago=30)
    assert "any" not in due_dates(world)
    mobility_services.register_outflow(
        world.root_user, world.wang, mobility_services.Whereabouts(since=days_ago(40), abroad=True)
    )
    assert due_dates(world)["any"] == days_ago(30 - 180)
    services.log_contact(world.users["cadre"], world.wang, talk(days_ago(2), kind="other", channel="online"))
    assert due_dates(world)["any"] == days_ago(2 - 180)  # any kind of contact counts


def test_an_organisations_rule_replaces_the_default_in_its_subtree(world):
    admin = world.root_user
    pair_wang(world, started_days_ago=30)
    zhou = mobile_member(world, "周杰", 501, world.branch_b1)
    services.pair(admin, world.branch_b1, zhou, world.users["secretary2"], days_ago(30))
    services.set_rule(admin, world.company_a, services.RuleInput("talk", "mobile", 60))
    assert due_dates(world)["talk"] == days_ago(30 - 60)  # the company's rule reaches mobile-a
    services.set_rule(admin, world.mobile_a, services.RuleInput("talk", "mobile", 20))
    assert due_dates(world)["talk"] == days_ago(30 - 20)  # the nearer rule wins
    services.set_rule(admin, world.mobile_a, services.RuleInput("visit", "mobile", 365, is_active=False))
    assert "visit" not in due_dates(world)  # switched off in mobile-a
    [other] = queries.branch_pairings(admin, world.branch_b1)
    assert {item.rule.kind: item.due_on for item in other.items} == {
        "talk": days_ago(30 - 90),
        "visit": days_ago(30 - 365),
    }  # branch-b1 keeps the defaults

    own = ContactRule.objects.get(organization=world.mobile_a, kind="talk")
    services.remove_rule(admin, own)
    assert due_dates(world)["talk"] == days_ago(30 - 60)  # back to the company's


def test_a_new_kind_of_rule_only_applies_where_it_is_set(world):
    pair_wang(world, started_days_ago=3)
    services.set_rule(world.root_user, world.mobile_a, services.RuleInput("other", "mobile", 7))
    assert due_dates(world)["other"] == days_ago(3 - 7)
    assert services.set_rule(world.root_user, world.mobile_a, services.RuleInput("other", "mobile", 14)).pk == (
        ContactRule.objects.get(organization=world.mobile_a).pk
    )  # the same kind and audience again changes the rule


def test_rules_need_edit_over_the_organisation(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.set_rule(world.users["cadre"], world.mobile_a, services.RuleInput("talk", "mobile", 30))
    default = ContactRule.objects.get(organization=None, kind="talk")
    with pytest.raises(PermissionDenied):
        services.remove_rule(world.root_user, default)


def test_the_effective_rules_say_where_each_comes_from(world):
    services.set_rule(world.root_user, world.company_a, services.RuleInput("talk", "mobile", 60))
    effective = {rule.slot: rule for rule in Timeline.load().effective(world.mobile_a.path)}
    assert effective[("talk", "mobile")].rule.organization == world.company_a
    assert effective[("talk", "mobile")].default.interval_days == 90
    assert effective[("visit", "mobile")].is_default and effective[("any", "abroad")].rule.interval_days == 180


def test_the_due_lists_of_a_cadre_and_of_a_branch(world):
    admin, cadre = world.root_user, world.users["cadre"]
    overdue, soon, later = (mobile_member(world, name, 510 + index) for index, name in enumerate("甲乙丙"))
    services.pair(admin, world.mobile_a, overdue, cadre, days_ago(100))  # talk due 10 days ago
    services.pair(admin, world.mobile_a, soon, cadre, days_ago(85))  # talk due in 5 days
    services.pair(admin, world.mobile_a, later, cadre, days_ago(10))  # talk due in 80 days
    rows = queries.my_members(cadre)
    assert [row.member for row in rows] == [overdue, soon, later]  # the next due first
    assert [bool(row.soon) for row in rows] == [True, True, False]
    assert rows[0].next_item.is_overdue and not rows[1].next_item.is_overdue

    timeline, due = queries.branch_due(admin, world.company_a)
    assert [pairing.member for pairing in due] == [overdue, soon]
    assert [item.due_on for item in timeline.items(due[0])] == [days_ago(10), days_ago(100 - 365)]
    assert list(queries.branch_due(world.users["secretary"], world.company_a)[1]) == []  # mobile-a not in scope
    assert list(queries.branch_due(admin, world.branch_a1)[1]) == []


def test_the_due_lists_take_the_same_queries_however_many_members(world):
    admin, cadre = world.root_user, world.users["cadre"]
    services.set_policy(admin, world.mobile_a, 30)
    services.set_rule(admin, world.mobile_a, services.RuleInput("talk", "mobile", 30))

    def add(count: int, start: int) -> None:
        for index in range(count):
            member = mobile_member(world, f"成员{start + index}", start + index)
            services.pair(admin, world.mobile_a, member, cadre, days_ago(60))
            services.log_contact(cadre, member, talk(days_ago(25 + index * 3)))  # due soon, or overdue

    def counted() -> list[int]:
        found = []
        for read in (
            lambda: queries.my_members(cadre),
            lambda: list(queries.branch_due(admin, world.company_a)[1]),
            lambda: queries.branch_pairings(admin, world.company_a),
        ):
            with CaptureQueriesContext(connection) as context:
                assert read()
            found.append(len(context))
        return found

    add(2, 600)
    baseline = counted()
    assert baseline[0] <= 2  # the rules, then the pairings with their due dates
    add(8, 700)
    assert counted() == baseline
    assert len(queries.my_members(cadre)) == 10
