"""Outflow and inflow, pairing, every state, finding lost members, and the six-month rule."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from zhibu.core.models import AuditEvent
from zhibu.mobility import queries, services
from zhibu.mobility.models import FindingAttempt, FindingTask, Mobility, MobilityState
from zhibu.mobility.services import Whereabouts

TODAY = timezone.localdate()
LAST_YEAR = TODAY - datetime.timedelta(days=365)


def away(**values) -> Whereabouts:
    return Whereabouts(**({"since": LAST_YEAR, "reason": "work"} | values))


def test_outflow_then_inflow_are_paired_and_the_member_takes_part_there(world):
    zhang = world.zhang
    outflow = services.register_outflow(
        world.users["secretary"], zhang, away(to_region=world.district, reach_phone="13800138000")
    )
    assert outflow.state == MobilityState.REGISTERED and outflow.organization == world.branch_a1
    assert outflow.reach_phone == "13800138000" and "13800138000" not in outflow.reach_phone_sealed
    zhang.refresh_from_db()
    assert zhang.is_mobile

    found = services.find_member(zhang.id_number, "张晓明")
    inflow = services.register_inflow(world.users["secretary2"], found, world.branch_b1, away(since=TODAY))
    outflow.refresh_from_db()
    assert outflow.paired_with == inflow and inflow.paired_with == outflow
    assert outflow.state == inflow.state == MobilityState.REPORTED and outflow.to_org == world.branch_b1
    assert world.branch_b1 in zhang.activity_orgs.all()
    assert AuditEvent.objects.filter(object_type="mobility.mobility", action="create").count() == 2

    services.end(world.users["secretary"], outflow, MobilityState.RETURNED, TODAY)
    inflow.refresh_from_db()
    zhang.refresh_from_db()
    assert inflow.state == outflow.state == MobilityState.RETURNED and not zhang.is_mobile
    # Back home, the member no longer takes part in the receiving branch's life.
    assert world.branch_b1 not in zhang.activity_orgs.all()
    member_events = AuditEvent.objects.filter(
        object_type="registry.member", object_id=str(zhang.pk), action="update", changes__has_key="activity_orgs"
    )
    assert member_events.count() == 2  # joined, then left


def test_inflow_first_is_paired_when_the_home_branch_registers_later(world):
    inflow = services.register_inflow(world.users["secretary2"], world.zhang, world.branch_b1, away())
    outflow = services.register_outflow(world.users["secretary"], world.zhang, away())
    inflow.refresh_from_db()
    assert inflow.paired_with == outflow and outflow.state == MobilityState.REPORTED


def test_who_may_register(world):
    with pytest.raises(PermissionDenied):
        services.register_outflow(world.users["secretary2"], world.zhang, away())  # not the home branch
    with pytest.raises(PermissionDenied):
        services.register_inflow(world.users["secretary"], world.zhang, world.branch_b1, away())
    with pytest.raises(ValidationError):
        services.register_inflow(world.users["secretary"], world.zhang, world.branch_a1, away())  # home already
    services.register_outflow(world.users["secretary"], world.zhang, away())
    with pytest.raises(ValidationError):
        services.register_outflow(world.users["secretary"], world.zhang, away())  # one open outflow at a time
    assert not Mobility.objects.filter(organization=world.branch_b1).exists()


def test_a_member_is_found_by_exact_id_and_name_only(world):
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            services.find_member(world.zhang.id_number, "张小明")
        assert "No member with this ID number and name" in error.value.message_dict["id_number"][0]
        with pytest.raises(ValidationError):
            services.find_member("440305199001011235", "张晓明")  # a wrong check digit


def test_phone_numbers_stay_out_of_free_text(world):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.register_outflow(world.users["secretary"], world.zhang, away(reach_note="call 138 0013 8000"))
    assert "phone field" in error.value.message_dict["reach_note"][0]
    with pytest.raises(ValidationError):
        services.register_outflow(world.users["secretary"], world.zhang, away(since=TODAY + datetime.timedelta(days=1)))


def test_a_lost_member_is_looked_for_until_found(world):
    industry, cadre = world.users["industry"], world.users["cadre"]
    record = services.register_outflow(industry, world.wang, away())
    with pytest.raises(ValidationError):
        services.open_finding_task(industry, record, cadre)  # not lost yet
    services.mark_lost(industry, record, TODAY - datetime.timedelta(days=40))
    assert record.state == MobilityState.LOST
    with pytest.raises(ValidationError):
        services.open_finding_task(industry, record, world.users["secretary2"])  # not a cadre of this branch
    task = services.open_finding_task(industry, record, cadre)

    services.record_attempt(cadre, task, method=FindingAttempt.Method.CALL, result=FindingAttempt.Result.NO_ANSWER)
    with pytest.raises(PermissionDenied):
        services.record_attempt(world.users["secretary2"], task, method="call", result="no_answer")
    [case] = queries.lost_cases(industry)
    assert case.record == record and case.days == 40
    assert queries.lost_cases(world.users["secretary2"]) == []

    services.record_attempt(
        cadre, task, method=FindingAttempt.Method.EMPLOYER, result=FindingAttempt.Result.FOUND, note="在龙华分拣中心"
    )
    task.refresh_from_db()
    record.refresh_from_db()
    assert task.state == FindingTask.State.FOUND and record.state == MobilityState.REGISTERED and record.lost_on is None
    assert task.attempts.count() == 2
    with pytest.raises(ValidationError):
        services.record_attempt(cadre, task, method="call", result="found")  # the task is over


def test_a_record_ends_as_transferred(world):
    record = services.register_outflow(world.users["secretary"], world.zhang, away())
    with pytest.raises(ValidationError):
        services.end(world.users["secretary"], record, MobilityState.LOST, TODAY)
    services.end(world.users["secretary"], record, MobilityState.TRANSFERRED, TODAY)
    with pytest.raises(ValidationError):
        services.mark_lost(world.users["secretary"], record, TODAY)


def test_the_six_month_rule_flags_members_away_without_a_record(world):
    secretary = world.users["secretary"]
    # Reported in elsewhere seven months ago, with no outflow from home: flagged to the home branch.
    services.register_inflow(
        world.users["secretary2"], world.zhang, world.branch_b1, away(since=TODAY - datetime.timedelta(days=210))
    )
    # Reported in elsewhere last month: not yet.
    services.register_inflow(
        world.users["secretary2"], world.li, world.branch_b1, away(since=TODAY - datetime.timedelta(days=30))
    )
    assert list(queries.unrecorded_absences(secretary)) == [world.zhang]
    services.register_outflow(secretary, world.zhang, away())
    assert list(queries.unrecorded_absences(secretary)) == []
    # Marked mobile in the registry with no record at all: flagged too.
    assert world.wang in queries.unrecorded_absences(world.users["industry"])


def test_the_member_page_history_and_scope(world):
    services.register_outflow(world.users["secretary"], world.zhang, away())
    services.register_inflow(world.users["secretary2"], world.zhang, world.branch_b1, away(since=TODAY))
    assert queries.history(world.users["secretary"], world.zhang).count() == 2
    assert queries.history(world.users["secretary2"], world.zhang).count() == 1  # the inflow they registered
    assert queries.history(world.users["nobody"], world.zhang).count() == 0
