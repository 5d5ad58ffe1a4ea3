"""Frequency rules as data, nearest ancestor first, and the calendar of held, due and missed."""

import datetime

from django.utils import timezone

from zhibu.meetings import queries, services
from zhibu.meetings.models import MeetingKind, MeetingRule, Period
from zhibu.meetings.tests.conftest import meeting_input


def rules(org):
    return {rule.kind: (rule.period, rule.source) for rule in queries.rules_for(org)}


def test_the_defaults_apply_until_an_ancestor_overrides_them_for_its_subtree(world):
    assert rules(world.branch_a1)[MeetingKind.COMMITTEE] == (Period.MONTH, None)
    services.set_rule(world.root_user, world.company_a, MeetingKind.COMMITTEE, Period.QUARTER, True)
    assert rules(world.branch_a1)[MeetingKind.COMMITTEE] == (Period.QUARTER, world.company_a)
    assert rules(world.branch_b1)[MeetingKind.COMMITTEE] == (Period.MONTH, None)  # another subtree


def test_the_nearest_rule_wins_and_an_inactive_one_switches_the_kind_off(world):
    services.set_rule(world.root_user, world.industry, MeetingKind.GROUP, Period.QUARTER, True)
    services.set_rule(world.root_user, world.company_a, MeetingKind.GROUP, Period.YEAR, True)
    assert rules(world.branch_a1)[MeetingKind.GROUP] == (Period.YEAR, world.company_a)
    services.set_rule(world.root_user, world.branch_a1, MeetingKind.GROUP, Period.MONTH, False)
    assert MeetingKind.GROUP not in rules(world.branch_a1)
    services.set_rule(world.root_user, world.branch_a1, MeetingKind.GROUP, None, True)  # removed: inherit again
    assert rules(world.branch_a1)[MeetingKind.GROUP] == (Period.YEAR, world.company_a)
    assert not MeetingRule.objects.filter(organization=world.branch_a1).exists()


def test_only_editors_set_rules(world):
    import pytest
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.set_rule(world.users["secretary"], world.company_a, MeetingKind.GROUP, Period.YEAR, True)


def at(year, month, day, hour=19):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def plan(world, kind, starts, attended=True, cancelled=False):
    meeting = services.create_meeting(
        world.root_user,
        world.branch_a1,
        meeting_input(kind=kind, starts_at=starts, ends_at=starts + datetime.timedelta(hours=1)),
    )
    if attended:
        from zhibu.meetings.models import Attendance

        Attendance.objects.create(meeting=meeting, member=world.zhang, method="roll_call", at=starts)
    if cancelled:
        services.cancel_meeting(world.root_user, meeting)
    return meeting


def test_the_calendar_tells_held_due_missed_and_later(world):
    today = datetime.date(2025, 5, 20)
    plan(world, MeetingKind.COMMITTEE, at(2025, 1, 10))
    plan(world, MeetingKind.COMMITTEE, at(2025, 2, 10), attended=False)  # nobody recorded: not held
    plan(world, MeetingKind.COMMITTEE, at(2025, 3, 10), cancelled=True)
    services.save_minutes(
        world.root_user, plan(world, MeetingKind.COMMITTEE, at(2025, 4, 10), attended=False), "会议记录"
    )
    plan(world, MeetingKind.GENERAL_ASSEMBLY, at(2025, 2, 1))
    rows = {row.rule.kind: row for row in queries.calendar(world.branch_a1, 2025, today)}
    committee = [cell.state for cell in rows[MeetingKind.COMMITTEE].cells]
    assert committee[:6] == ["held", "missed", "missed", "held", "due", "later"]
    assert [cell.state for cell in rows[MeetingKind.GENERAL_ASSEMBLY].cells] == ["held", "due", "later", "later"]
    assert [cell.state for cell in rows[MeetingKind.LIFE_MEETING].cells] == ["due"]


def test_a_meeting_late_in_the_evening_counts_in_its_local_month(world):
    plan(world, MeetingKind.COMMITTEE, at(2025, 1, 31, hour=23))  # 15:00 UTC, still January in Beijing
    rows = {row.rule.kind: row for row in queries.calendar(world.branch_a1, 2025, datetime.date(2025, 3, 1))}
    assert [cell.state for cell in rows[MeetingKind.COMMITTEE].cells][:2] == ["held", "missed"]


def test_without_any_platform_row_the_usual_frequency_applies_and_a_platform_row_can_switch_it_off(world):
    MeetingRule.objects.filter(organization=None).delete()
    assert rules(world.branch_a1)[MeetingKind.GENERAL_ASSEMBLY] == (Period.QUARTER, None)
    MeetingRule.objects.create(organization=None, kind=MeetingKind.APPRAISAL, period=Period.YEAR, is_active=False)
    assert MeetingKind.APPRAISAL not in rules(world.branch_a1)
