"""Meetings, invitees, attendance in its three ways, leave and the quorum, through the services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from zhibu.core.models import AuditEvent
from zhibu.meetings import codes, queries, services
from zhibu.meetings.models import Attendance, AttendanceMethod, LeaveRequest, Meeting, MeetingKind
from zhibu.meetings.tests.conftest import meeting_input
from zhibu.notifications.models import Notification
from zhibu.registry.models import Member


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English here."""
    with translation.override("en"):
        yield


def later(meeting, **delta):
    """Move the meeting in time (bypassing the services, as the clock would)."""
    shift = datetime.timedelta(**delta)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=meeting.starts_at + shift, ends_at=meeting.ends_at + shift)
    meeting.refresh_from_db()
    return meeting


# Invitees


def test_invitees_are_the_members_and_the_mobile_members_taking_part(world, assembly):
    world.wang.activity_orgs.add(world.branch_a1)
    Member.objects.filter(pk=world.li.pk).update(standing="suspended")
    assert set(queries.invitees(assembly)) == {world.zhang, world.wang}
    assert queries.is_invited(assembly, world.wang) and not queries.is_invited(assembly, world.zhao)


# Creating and changing


def test_a_meeting_that_ends_before_it_starts_is_refused(world):
    data = meeting_input()
    data.ends_at = data.starts_at - datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError) as error:
        services.create_meeting(world.users["secretary"], world.branch_a1, data)
    assert "must end after it starts" in str(error.value.message_dict["ends_at"])
    assert not Meeting.objects.exists()


def test_an_online_meeting_needs_a_link_and_a_meeting_in_a_place_an_address(world):
    with pytest.raises(ValidationError) as error:
        services.create_meeting(world.root_user, world.branch_a1, meeting_input(mode="online", address=""))
    assert "online_link" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.create_meeting(world.root_user, world.branch_a1, meeting_input(address=" "))
    assert "address" in error.value.message_dict


def test_only_editors_of_the_organisation_create_meetings_and_it_is_audited(world):
    with pytest.raises(PermissionDenied):
        services.create_meeting(world.users["secretary2"], world.branch_a1, meeting_input())
    with pytest.raises(PermissionDenied):
        services.create_meeting(world.users["city"], world.branch_a1, meeting_input())
    meeting = services.create_meeting(world.users["secretary"], world.branch_a1, meeting_input())
    event = AuditEvent.objects.get(object_type="meetings.meeting", object_id=str(meeting.pk))
    assert event.action == "create" and event.org_id == world.branch_a1.pk


@pytest.mark.django_db(transaction=True)
def test_invitees_with_an_account_are_told_of_a_new_meeting(transactional_db):
    from zhibu.conftest import World

    world = World()
    world.wang.activity_orgs.add(world.branch_a1)
    services.create_meeting(world.users["secretary"], world.branch_a1, meeting_input())
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["courier"]


def test_cancelling_voids_the_code(world, assembly):
    code = codes.make_code(assembly)
    services.cancel_meeting(world.users["secretary"], assembly)
    with pytest.raises(ValidationError, match="withdrawn"):
        services.attend_by_code(world.users["courier"], code)


# Attendance by code


def test_the_code_records_the_scanning_member_once(world, assembly):
    world.wang.activity_orgs.add(world.branch_a1)
    courier = world.users["courier"]
    first = services.attend_by_code(courier, codes.make_code(assembly))
    again = services.attend_by_code(courier, codes.make_code(assembly))
    assert first.created and not again.created and first.attendance.pk == again.attendance.pk
    attendance = Attendance.objects.get()
    assert (attendance.member, attendance.method, attendance.recorded_by) == (
        world.wang,
        AttendanceMethod.CODE,
        courier,
    )


@pytest.mark.parametrize(
    ("shift", "message"),
    [({"minutes": 41}, "Attendance opens at"), ({"hours": -3}, "has ended")],
)
def test_the_code_is_refused_outside_the_meeting_window(world, assembly, shift, message):
    world.wang.activity_orgs.add(world.branch_a1)
    later(assembly, **shift)
    with pytest.raises(ValidationError, match=message):
        services.attend_by_code(world.users["courier"], codes.make_code(assembly))
    assert not Attendance.objects.exists()


def test_the_code_opens_thirty_minutes_before_the_start(world, assembly):
    world.wang.activity_orgs.add(world.branch_a1)
    later(assembly, minutes=35)  # starts in 25 minutes
    assert services.attend_by_code(world.users["courier"], codes.make_code(assembly)).created


def test_a_forged_or_withdrawn_code_is_refused(world, assembly):
    world.wang.activity_orgs.add(world.branch_a1)
    with pytest.raises(ValidationError, match="not valid"):
        services.attend_by_code(world.users["courier"], codes.make_code(assembly) + "x")
    old = codes.make_code(assembly)
    services.withdraw_code(world.users["secretary"], assembly)
    with pytest.raises(ValidationError, match="withdrawn"):
        services.attend_by_code(world.users["courier"], old)


def test_the_code_records_nobody_who_is_not_invited_or_has_no_member_record(world, assembly):
    with pytest.raises(PermissionDenied):
        services.attend_by_code(world.users["courier"], codes.make_code(assembly))  # not taking part in a1
    with pytest.raises(PermissionDenied):
        services.attend_by_code(world.users["secretary"], codes.make_code(assembly))  # no member record
    assert not Attendance.objects.exists()


# Online


def test_a_member_taps_attended_for_an_online_meeting_once(world, online):
    courier = world.users["courier"]
    assert services.attend_online(courier, online).created
    assert not services.attend_online(courier, online).created
    assert Attendance.objects.get().method == AttendanceMethod.ONLINE


def test_the_online_tap_only_counts_within_the_window_and_for_online_meetings(world, online, assembly):
    later(online, days=1)
    with pytest.raises(ValidationError, match="Attendance opens at"):
        services.attend_online(world.users["courier"], online)
    world.wang.activity_orgs.add(world.branch_a1)
    with pytest.raises(ValidationError, match="Only an online meeting"):
        services.attend_online(world.users["courier"], assembly)


# Roll call


def test_roll_call_only_by_an_editor_of_the_organisation(world, assembly):
    for persona in ("secretary2", "city", "courier"):
        with pytest.raises(PermissionDenied):
            services.mark_present(world.users[persona], assembly, world.zhang, True)
    assert services.mark_present(world.users["secretary"], assembly, world.zhang, True)
    assert Attendance.objects.get().method == AttendanceMethod.ROLL_CALL


def test_roll_call_of_someone_not_invited_is_refused(world, assembly):
    with pytest.raises(ValidationError, match="not invited"):
        services.mark_present(world.users["secretary"], assembly, world.zhao, True)


def test_roll_call_takes_back_its_own_marks_but_never_a_members_own(world, assembly):
    world.wang.activity_orgs.add(world.branch_a1)
    secretary = world.users["secretary"]
    services.attend_by_code(world.users["courier"], codes.make_code(assembly))
    services.mark_present(secretary, assembly, world.zhang, True)
    assert services.mark_present(secretary, assembly, world.wang, False)  # still present: scanned
    assert not services.mark_present(secretary, assembly, world.zhang, False)
    assert list(Attendance.objects.values_list("member", flat=True)) == [world.wang.pk]


def test_the_whole_roll_call_at_once(world, assembly):
    secretary = world.users["secretary"]
    assert services.take_roll_call(secretary, assembly, {world.zhang.pk, world.li.pk}) == 2
    assert services.take_roll_call(secretary, assembly, {world.zhang.pk}) == 0
    assert list(Attendance.objects.values_list("member", flat=True)) == [world.zhang.pk]
    with pytest.raises(ValidationError):
        services.take_roll_call(secretary, assembly, {world.zhao.pk})


def test_roll_call_does_not_open_days_ahead(world, assembly):
    later(assembly, days=3)
    with pytest.raises(ValidationError, match="roll call opens"):
        services.mark_present(world.users["secretary"], assembly, world.zhang, True)


# Leave


def test_a_member_asks_for_leave_for_themselves_with_a_reason(world, online):
    courier = world.users["courier"]
    with pytest.raises(ValidationError):
        services.request_leave(courier, online, "  ")
    services.request_leave(courier, online, "双十一派件高峰")
    services.request_leave(courier, online, "在外地送件")
    leave = LeaveRequest.objects.get()
    assert (leave.member, leave.reason) == (world.wang, "在外地送件")


def test_leave_is_refused_to_those_not_invited_and_after_the_meeting(world, assembly, online):
    with pytest.raises(PermissionDenied):
        services.request_leave(world.users["courier"], assembly, "不在本支部")
    later(online, hours=-5)
    with pytest.raises(ValidationError, match="over"):
        services.request_leave(world.users["courier"], online, "晚了")


# Quorum


def test_quorum_counts_full_members_of_the_organisation_only(world, assembly):
    secretary = world.users["secretary"]
    world.wang.activity_orgs.add(world.branch_a1)  # a guest: no vote here
    services.take_roll_call(secretary, assembly, {world.wang.pk})
    assert (queries.quorum(assembly).present, queries.quorum(assembly).voting) == (0, 2)
    services.mark_present(secretary, assembly, world.zhang, True)
    assert not queries.quorum(assembly).reached  # 1 of 2 is not more than half
    Member.objects.filter(pk=world.li.pk).update(party_status="probationary")  # no vote
    result = queries.quorum(assembly)
    assert (result.present, result.voting, result.reached) == (1, 1, True)


# The member's list


def test_my_meetings_are_those_of_my_organisations_with_my_state(world, assembly, online):
    services.attend_online(world.users["courier"], online)
    mine = list(queries.my_meetings(world.users["courier"]))
    assert [(m.pk, m.attended) for m in mine] == [(online.pk, True)]
    world.wang.activity_orgs.add(world.branch_a1)
    assert {m.pk for m in queries.my_meetings(world.users["courier"])} == {online.pk, assembly.pk}
    assert not queries.my_meetings(world.users["secretary"]).exists()


def test_meetings_are_read_through_the_scope(world, assembly, online):
    assert set(queries.meetings(world.users["secretary"])) == {assembly}
    assert set(queries.meetings(world.users["industry"])) == {assembly, online}
    assert not queries.meetings(world.users["secretary2"]).exists()
    assert timezone.is_aware(assembly.starts_at) and assembly.kind == MeetingKind.GENERAL_ASSEMBLY
