"""Comparing two months: joined, left, moved and changed per member, counted per organisation and
rolled up the tree, with the people behind every count; all within the actor's scope."""

import datetime
from dataclasses import asdict

import pytest
from django.http import Http404
from django.utils import translation

from zhibu.registry import services as registry_services
from zhibu.snapshots import queries
from zhibu.snapshots.tests.conftest import FEBRUARY, JANUARY

FIGURES = ("at_a", "at_b", "joined", "left", "moved_in", "moved_out", "changed")


def figures(counts: queries.Counts) -> dict:
    return {name: value for name, value in asdict(counts).items() if name in FIGURES}


def by_name(comparison: queries.Comparison) -> dict:
    return {counts.organization.name: figures(counts) for counts in comparison.children}


def names(people) -> list[str]:
    return sorted(person.name for person in people)


def test_snapshot_months_latest_first_within_the_subtree(months):
    assert queries.snapshot_months(months.root_user, months.industry) == [FEBRUARY, JANUARY]
    assert queries.snapshot_months(months.users["secretary"], months.branch_a1) == [FEBRUARY, JANUARY]
    empty = registry_services.create_organization(
        months.root_user, parent=months.company_b, code="empty", name="空支部", kind="branch"
    )
    assert queries.snapshot_months(months.root_user, empty) == []


def test_each_kind_of_change_is_classified_and_rolled_up(months):
    comparison = queries.compare(months.users["industry"], months.industry, JANUARY, FEBRUARY)
    assert figures(comparison.total) == {
        "at_a": 5,
        "at_b": 5,
        "joined": 1,  # 孙丽
        "left": 1,  # 赵敏
        "moved_in": 2,  # 张晓明 (to mobile-a), 周杰 (to branch-b1)
        "moved_out": 2,
        "changed": 2,  # 李娜 (probationary), 王强 (no longer mobile)
    }
    assert by_name(comparison) == {
        "A 快递公司党委": {
            "at_a": 4,
            "at_b": 3,
            "joined": 0,
            "left": 0,
            "moved_in": 1,
            "moved_out": 2,
            "changed": 2,
        },
        "B 快递公司党委": {
            "at_a": 1,
            "at_b": 2,
            "joined": 1,
            "left": 1,
            "moved_in": 1,
            "moved_out": 0,
            "changed": 0,
        },
    }


def test_a_branch_level_comparison_sees_moves_out_of_the_subtree_as_leaving(months):
    comparison = queries.compare(months.users["industry"], months.company_a, JANUARY, FEBRUARY)
    assert figures(comparison.total) == {
        "at_a": 4,
        "at_b": 3,
        "joined": 0,
        "left": 1,  # 周杰 went to company B, outside this subtree
        "moved_in": 1,
        "moved_out": 1,
        "changed": 2,
    }
    children = by_name(comparison)
    assert children["A 公司第一党支部"] == {
        "at_a": 3,
        "at_b": 1,
        "joined": 0,
        "left": 1,
        "moved_in": 0,
        "moved_out": 1,
        "changed": 1,
    }
    assert children["A 公司流动党员党支部"] == {
        "at_a": 1,
        "at_b": 2,
        "joined": 0,
        "left": 0,
        "moved_in": 1,
        "moved_out": 0,
        "changed": 1,
    }


def test_drill_down_lists_the_people_behind_each_count(months):
    actor, industry = months.users["industry"], months.industry
    people = list(queries.changed_people(actor, industry, JANUARY, FEBRUARY, "moved_out", part=months.company_a))
    assert names(people) == ["周杰", "张晓明"]
    zhou = next(person for person in people if person.name == "周杰")
    assert (zhou.before, zhou.after) == (months.branch_a1, months.branch_b1)
    assert names(queries.changed_people(actor, industry, JANUARY, FEBRUARY, "joined")) == ["孙丽"]
    (left,) = queries.changed_people(actor, industry, JANUARY, FEBRUARY, "left")
    assert (left.name, left.member_id, left.before, left.after) == ("赵敏", months.zhao_id, months.branch_b1, None)
    with translation.override("en"):
        changed = {
            person.name: person.changes
            for person in queries.changed_people(actor, industry, JANUARY, FEBRUARY, "changed")
        }
    assert changed == {
        "李娜": [("party status", "Full member", "Probationary member")],
        "王强": [("mobile member", "Yes", "No")],
    }


@pytest.mark.parametrize("org_name", ["industry", "company_a", "company_b", "branch_a1"])
def test_every_count_matches_its_list_of_people(months, org_name):
    actor, org = months.root_user, getattr(months, org_name)
    comparison = queries.compare(actor, org, JANUARY, FEBRUARY)
    for counts in [comparison.total, *comparison.children]:
        part = None if counts is comparison.total else counts.organization
        for kind, count in figures(counts).items():
            people = list(queries.changed_people(actor, org, JANUARY, FEBRUARY, kind, part=part))
            assert len(people) == count, (org_name, counts.organization.name, kind)


def test_the_same_month_twice_shows_no_change(months):
    comparison = queries.compare(months.root_user, months.city, FEBRUARY, FEBRUARY)
    assert figures(comparison.total) == dict.fromkeys(FIGURES, 0) | {"at_a": 5, "at_b": 5}


def test_a_month_without_snapshots_counts_everyone_as_joined(months):
    comparison = queries.compare(months.root_user, months.city, datetime.date(2024, 12, 1), JANUARY)
    assert (comparison.total.at_a, comparison.total.joined, comparison.total.at_b) == (0, 5, 5)


def test_reads_stay_within_the_scope(months):
    secretary = months.users["secretary"]
    for read in (
        lambda: queries.snapshot_months(secretary, months.branch_b1),
        lambda: queries.compare(secretary, months.company_a, JANUARY, FEBRUARY),
        lambda: queries.changed_people(secretary, months.branch_b1, JANUARY, FEBRUARY, "joined"),  # at the call
        lambda: queries.compare(months.users["station"], months.industry, JANUARY, FEBRUARY),
    ):
        with pytest.raises(Http404):
            read()
    with pytest.raises(Http404):  # a part outside the compared subtree
        queries.changed_people(months.root_user, months.company_a, JANUARY, FEBRUARY, "joined", part=months.branch_b1)
    # Within the scope the secretary sees only the branch: both who moved away count as leaving.
    own = queries.compare(secretary, months.branch_a1, JANUARY, FEBRUARY)
    assert (own.total.left, own.total.changed, own.children) == (2, 1, [])
    assert names(queries.changed_people(secretary, months.branch_a1, JANUARY, FEBRUARY, "left")) == ["周杰", "张晓明"]
