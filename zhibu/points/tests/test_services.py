"""Points: off by default, rules by kind, caps per day and month, one award per event, the policy of
the nearest organisation, nothing ever taken away, and who may change the settings."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhibu.conftest import make_id_number
from zhibu.core.models import AuditEvent
from zhibu.meetings import services as meetings
from zhibu.meetings.models import Meeting
from zhibu.meetings.tests.conftest import meeting_input
from zhibu.points import services
from zhibu.points.models import EarningRule, PointKind, PointsEntry, PointsPolicy
from zhibu.points.services import RuleInput

MEETING = PointKind.MEETING_ATTENDED
LESSON = PointKind.LESSON_COMPLETED


def turn_on(world, org, kind=MEETING, points=5, day=None, month=None, ranking=False):
    admin = world.root_user
    services.set_policy(admin, org, is_enabled=True, show_ranking=ranking)
    services.set_rule(admin, org, RuleInput(kind, points, day, month))


def at(day: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 3, day, hour))


def test_off_by_default_award_writes_nothing(world):
    assert services.award(world.zhang, MEETING, "meeting:1") is None
    assert services.award_many([world.zhang, world.li], MEETING, "meeting:1") == []
    assert not PointsEntry.objects.exists() and not PointsPolicy.objects.exists()


def test_a_rule_alone_does_not_turn_points_on(world):
    services.set_rule(world.root_user, world.branch_a1, RuleInput(MEETING, 5))
    assert PointsPolicy.objects.get(organization=world.branch_a1).is_enabled is False
    assert services.award(world.zhang, MEETING, "meeting:1") is None
    assert not PointsEntry.objects.exists()


def test_points_off_everywhere_costs_one_query(world):
    with CaptureQueriesContext(connection) as queries:
        services.award(world.zhang, MEETING, "meeting:1")
    assert len(queries) == 1


def test_rules_by_kind(world):
    turn_on(world, world.branch_a1, MEETING, 5)
    services.set_rule(world.root_user, world.branch_a1, RuleInput(LESSON, 2))
    entry = services.award(world.zhang, MEETING, "meeting:1")
    assert (entry.points, entry.organization, entry.kind, entry.member) == (5, world.branch_a1, MEETING, world.zhang)
    assert services.award(world.zhang, LESSON, "lesson:3").points == 2
    assert services.award(world.zhang, PointKind.VOLUNTEER_HOUR, "hour:1") is None  # no rule for it
    assert services.award(world.zhang, PointKind.VOLUNTEER_HOUR, "hour:1", units=3) is None
    with pytest.raises(ValueError):
        services.award(world.zhang, "logged_in", "day:1")


def test_units_multiply_the_points(world):
    turn_on(world, world.branch_a1, PointKind.VOLUNTEER_HOUR, 3)
    assert services.award(world.zhang, PointKind.VOLUNTEER_HOUR, "shift:7", units=4).points == 12


def test_awarding_is_idempotent_per_source(world):
    turn_on(world, world.branch_a1)
    first = services.award(world.zhang, MEETING, "meeting:1")
    assert services.award(world.zhang, MEETING, "meeting:1") == first
    assert services.award_many([world.zhang, world.li], MEETING, "meeting:1") == [
        PointsEntry.objects.get(member=world.li)
    ]
    assert PointsEntry.objects.count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            member=world.zhang, organization=world.branch_a1, kind=MEETING, points=5, source_key="meeting:1", at=at(1)
        )


def test_a_record_as_source_keeps_its_content_type(world, assembly):
    turn_on(world, world.branch_a1)
    entry = services.award(world.zhang, MEETING, assembly)
    assert entry.source_key == f"meetings.meeting:{assembly.pk}"
    assert (entry.source_type.model_class(), entry.source_id) == (Meeting, assembly.pk)
    assert services.award(world.zhang, MEETING, assembly) == entry


def test_caps_per_day_and_month(world):
    turn_on(world, world.branch_a1, MEETING, 5, day=8, month=12)
    earned = [getattr(services.award(world.zhang, MEETING, f"m:{n}", at=at(1)), "points", None) for n in range(3)]
    assert earned == [5, 3, None]  # what is left of the day's cap, then nothing
    assert services.award(world.zhang, MEETING, "m:next-day", at=at(2)).points == 4  # the month's cap
    assert services.award(world.zhang, MEETING, "m:later", at=at(3)) is None
    april = timezone.make_aware(datetime.datetime(2026, 4, 1, 9))
    assert services.award(world.zhang, MEETING, "m:april", at=april).points == 5
    assert services.award(world.li, MEETING, "m:0", at=at(1)).points == 5  # caps are per member


def test_the_caps_follow_the_local_day(world):
    turn_on(world, world.branch_a1, MEETING, 5, day=5)
    late = timezone.make_aware(datetime.datetime(2026, 3, 1, 23, 30))
    early = timezone.make_aware(datetime.datetime(2026, 3, 2, 0, 30))
    assert services.award(world.zhang, MEETING, "a", at=late).points == 5
    assert services.award(world.zhang, MEETING, "b", at=early).points == 5


def test_bad_rules_are_refused_with_a_message(world):
    admin = world.root_user
    cases = [
        (RuleInput("logged_out_penalty", 5), "kind"),
        (RuleInput(MEETING, 0), "points"),
        (RuleInput(MEETING, -3), "points"),
        (RuleInput(MEETING, 5, cap_per_day=0), "cap_per_day"),
        (RuleInput(MEETING, 5, cap_per_day=10, cap_per_month=5), "cap_per_month"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as error:
            services.set_rule(admin, world.branch_a1, data)
        assert field in error.value.message_dict
    assert not EarningRule.objects.exists() and not PointsPolicy.objects.exists()


def test_no_deduction_is_possible(world):
    """No rule kind deducts, entries cannot hold negative or zero points, and nothing is ever
    taken away: removing a rule or the whole policy keeps what was earned."""
    assert not any("deduct" in value or "penalty" in value for value in PointKind.values)
    turn_on(world, world.branch_a1)
    services.award(world.zhang, MEETING, "meeting:1")
    for points in (0, -5):
        with pytest.raises(IntegrityError), transaction.atomic():
            PointsEntry.objects.create(
                member=world.zhang, organization=world.branch_a1, kind=MEETING, points=points, source_key=f"x{points}",
                at=at(1),
            )  # fmt: skip
    services.remove_rule(world.root_user, world.branch_a1, MEETING)
    services.remove_policy(world.root_user, world.branch_a1)
    assert list(PointsEntry.objects.values_list("points", flat=True)) == [5]
    assert not hasattr(services, "deduct") and not hasattr(services, "revoke")


def test_the_nearest_policy_applies_with_its_own_rules(world):
    admin = world.root_user
    turn_on(world, world.company_a, MEETING, 5)
    entry = services.award(world.zhang, MEETING, "meeting:1")  # branch-a1 inherits from company-a
    assert (entry.points, entry.organization) == (5, world.company_a)
    assert services.award(world.zhao, MEETING, "meeting:1") is None  # company-b has no policy
    # A branch's own policy starts as a copy of the inherited one, then goes its own way.
    services.set_rule(admin, world.branch_a1, RuleInput(MEETING, 2))
    own = PointsPolicy.objects.get(organization=world.branch_a1)
    assert own.is_enabled and own.rules.get().points == 2
    assert services.award(world.li, MEETING, "meeting:2").organization == world.branch_a1
    assert services.award(world.wang, MEETING, "meeting:2").points == 5  # mobile-a still inherits
    # Off below, on above: the branch's own "off" wins for its subtree.
    services.set_policy(admin, world.branch_a1, is_enabled=False)
    assert services.award(world.zhang, MEETING, "meeting:3") is None
    services.remove_policy(admin, world.branch_a1)
    assert services.award(world.zhang, MEETING, "meeting:3").organization == world.company_a


def test_award_many_finds_each_members_policy_in_fixed_queries(world):
    turn_on(world, world.company_a, MEETING, 5)
    turn_on(world, world.branch_b1, MEETING, 1)
    with CaptureQueriesContext(connection) as few:
        services.award_many([world.zhang, world.zhao], MEETING, "meeting:few")
    members = [
        world.add_member(f"党员{n}", make_id_number("440305", "19900303", 500 + n), world.branch_a1) for n in range(6)
    ]
    with CaptureQueriesContext(connection) as many:
        written = services.award_many(
            [world.zhang, world.li, world.wang, world.zhao, *members], MEETING, "meeting:many"
        )
    assert len(many) == len(few)
    assert sorted(entry.points for entry in written) == [1] + [5] * 9
    events = AuditEvent.objects.filter(object_type="points.pointsentry", actor_name="points")
    assert events.count() == 2 + 10


def test_only_editors_change_the_settings(world):
    for username in ("secretary2", "city", "cadre", "courier"):
        with pytest.raises(PermissionDenied):
            services.set_policy(world.users[username], world.branch_a1, is_enabled=True)
        with pytest.raises(PermissionDenied):
            services.set_rule(world.users[username], world.branch_a1, RuleInput(MEETING, 5))
    services.set_policy(world.users["secretary"], world.branch_a1, is_enabled=True)
    services.set_rule(world.users["industry"], world.branch_a1, RuleInput(MEETING, 5))
    assert AuditEvent.objects.filter(object_type="points.pointspolicy").exists()
    assert AuditEvent.objects.filter(object_type="points.earningrule", action="create").exists()


def test_a_meeting_attendance_awards_points(world, assembly, online):
    """The hook in the meetings services: a roll call and a member's own tap both award once."""
    turn_on(world, world.company_a, MEETING, 5)
    meetings.take_roll_call(world.root_user, assembly, {world.zhang.pk, world.li.pk})
    meetings.take_roll_call(world.root_user, assembly, {world.zhang.pk, world.li.pk})
    meetings.attend_online(world.users["courier"], online)
    meetings.attend_online(world.users["courier"], online)
    rows = sorted(PointsEntry.objects.values_list("member__name", "source_key", "points", "at"))
    assert rows == sorted(
        [
            ("张晓明", f"meetings.meeting:{assembly.pk}", 5, assembly.starts_at),
            ("李娜", f"meetings.meeting:{assembly.pk}", 5, assembly.starts_at),
            ("王强", f"meetings.meeting:{online.pk}", 5, online.starts_at),
        ]
    )


def test_a_meeting_rolled_back_leaves_no_points(world):
    turn_on(world, world.branch_a1)
    with pytest.raises(RuntimeError), transaction.atomic():
        meeting = meetings.create_meeting(world.root_user, world.branch_a1, meeting_input())
        meetings.take_roll_call(world.root_user, meeting, {world.zhang.pk})
        assert PointsEntry.objects.count() == 1
        raise RuntimeError
    assert not PointsEntry.objects.exists()
