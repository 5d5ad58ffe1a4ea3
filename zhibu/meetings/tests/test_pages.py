"""The meeting pages as a secretary and a member use them, and the refusals. Pages are read in
English (the language cookie); the Chinese pages are covered by the browser test."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from zhibu.core.tests.pages import text
from zhibu.meetings import codes, services
from zhibu.meetings.models import Attendance, LeaveRequest, Meeting, MeetingKind
from zhibu.meetings.tests.conftest import meeting_input


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def form_data(**values) -> dict:
    starts = timezone.now() + datetime.timedelta(days=2)
    data = {
        "kind": MeetingKind.COMMITTEE,
        "title": "支委会",
        "starts_at": local(starts),
        "ends_at": local(starts + datetime.timedelta(hours=1)),
        "mode": "in_place",
        "address": "A 公司 3 楼会议室",
    }
    return data | values


def test_a_secretary_plans_a_meeting_and_sees_it_listed(world, as_persona):
    client = as_persona("secretary")
    response = client.post(reverse("meetings:create", args=[world.branch_a1.pk]), form_data())
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    listed = text(client.get(reverse("meetings:org_list", args=[world.branch_a1.pk]), {"kind": "committee"}))
    assert "支委会" in listed
    assert "支委会" not in text(
        client.get(reverse("meetings:org_list", args=[world.branch_a1.pk]), {"kind": "lecture"})
    )


def test_a_meeting_that_ends_before_it_starts_is_refused_with_a_message(world, as_persona):
    starts = timezone.now() + datetime.timedelta(days=2)
    data = form_data(starts_at=local(starts), ends_at=local(starts - datetime.timedelta(hours=1)))
    response = as_persona("secretary").post(reverse("meetings:create", args=[world.branch_a1.pk]), data)
    assert response.status_code == 200 and "The meeting must end after it starts." in text(response)
    assert not Meeting.objects.exists()


def test_cancelling_through_the_page(world, assembly, as_persona):
    as_persona("secretary").post(reverse("meetings:cancel", args=[assembly.pk]))
    assembly.refresh_from_db()
    assert assembly.is_cancelled


def test_the_meeting_page_shows_invitees_attendance_leave_and_quorum(world, assembly, online, as_persona):
    world.wang.activity_orgs.add(world.branch_a1)
    services.attend_by_code(world.users["courier"], codes.make_code(assembly))
    services.mark_present(world.users["secretary"], assembly, world.zhang, True)
    services.mark_present(world.users["secretary"], assembly, world.li, True)
    html = text(as_persona("secretary").get(reverse("meetings:detail", args=[assembly.pk])))
    assert "Quorum reached (2 of 2 members with a vote present)." in html
    assert "3 of 3 present" in html and "taking part here" in html
    for number in (world.zhang.phone, world.wang.phone, world.zhang.id_number, world.wang.id_number):
        assert number not in html
    services.mark_present(world.users["secretary"], assembly, world.li, False)
    html = text(as_persona("secretary").get(reverse("meetings:detail", args=[assembly.pk])))
    assert "Quorum not reached (1 of 2" in html


def test_roll_call_by_htmx_swaps_one_row(world, assembly, as_persona):
    client = as_persona("secretary")
    url = reverse("meetings:mark", args=[assembly.pk, world.zhang.pk])
    response = client.post(url, {"mark": "1"}, headers={"HX-Request": "true"})
    row = text(response)
    assert response.status_code == 200 and row.startswith("<li") and f'id="roll-{world.zhang.pk}"' in row
    assert "Present" in row and "Roll call" in row
    assert Attendance.objects.get().member == world.zhang


def test_roll_call_with_the_form_marks_the_ticked(world, assembly, as_persona):
    client = as_persona("secretary")
    response = client.post(reverse("meetings:roll_call", args=[assembly.pk]), {"present": [world.li.pk]})
    assert response.status_code == 302
    assert list(Attendance.objects.values_list("member", flat=True)) == [world.li.pk]


def test_roll_call_for_someone_not_invited_is_not_found(world, assembly, as_persona):
    url = reverse("meetings:mark", args=[assembly.pk, world.zhao.pk])
    assert as_persona("secretary").post(url, {"mark": "1"}).status_code == 404
    assert not Attendance.objects.exists()


def test_the_scan_page_records_the_signed_in_member_and_says_when_already_recorded(world, assembly, as_persona):
    world.wang.activity_orgs.add(world.branch_a1)
    client = as_persona("courier")
    url = reverse("meetings:scan", args=[codes.make_code(assembly)])
    assert "I am here" in text(client.get(url))
    assert "Your attendance is recorded." in text(client.post(url))
    assert "Your attendance was already recorded." in text(client.post(url))
    assert Attendance.objects.get().member == world.wang


def test_the_scan_page_refuses_a_code_outside_the_window_with_a_message(world, assembly, as_persona):
    world.wang.activity_orgs.add(world.branch_a1)
    Meeting.objects.filter(pk=assembly.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=4), ends_at=timezone.now() - datetime.timedelta(hours=2)
    )
    response = as_persona("courier").post(reverse("meetings:scan", args=[codes.make_code(assembly)]))
    assert response.status_code == 400 and "This meeting has ended" in text(response)
    assert not Attendance.objects.exists()


def test_a_member_not_invited_cannot_record_with_the_code(world, assembly, as_persona):
    response = as_persona("courier").post(reverse("meetings:scan", args=[codes.make_code(assembly)]))
    assert response.status_code == 400 and "not invited" in text(response)


def test_my_meetings_with_the_online_tap_and_leave(world, online, as_persona):
    client = as_persona("courier")
    mine = text(client.get(reverse("meetings:mine")))
    assert "线上党课" in mine and "I attended" in mine
    response = client.post(reverse("meetings:attended", args=[online.pk]), follow=True)
    assert "Your attendance is recorded." in text(response) and "Attended" in text(response)
    response = client.post(reverse("meetings:attended", args=[online.pk]), follow=True)
    assert "Your attendance was already recorded." in text(response)
    assert Attendance.objects.count() == 1


def test_a_member_asks_for_leave_through_the_page(world, online, as_persona):
    client = as_persona("courier")
    url = reverse("meetings:leave", args=[online.pk])
    assert "This field is required." in text(client.post(url, {"reason": ""}))
    assert client.post(url, {"reason": "派件高峰"}).status_code == 302
    assert LeaveRequest.objects.get().reason == "派件高峰"
    assert "On leave" in text(client.get(reverse("meetings:mine")))


def test_the_calendar_page_labels_every_cell_in_words(world, as_persona):
    html = text(as_persona("secretary").get(reverse("meetings:calendar", args=[world.branch_a1.pk])))
    assert 'class="cal-cell cal-due"' in html and "Due" in html
    assert "Branch committee meeting" in html and "Every month" in html


def test_the_rules_page_overrides_a_default(world, as_persona):
    client = as_persona("secretary")
    response = client.post(
        reverse("meetings:rules", args=[world.branch_a1.pk]), {"committee": "quarter", "group": "off"}
    )
    assert response.status_code == 302
    html = text(client.get(reverse("meetings:calendar", args=[world.branch_a1.pk])))
    assert 'data-kind="group"' not in html and "Every quarter · rule of A 公司第一党支部" in html


@pytest.mark.parametrize("count", [3, 30])
def test_list_pages_do_not_grow_with_the_rows(world, as_persona, django_assert_max_num_queries, count):
    secretary = world.users["secretary"]
    world.wang.activity_orgs.add(world.branch_a1)
    for index in range(count):
        meeting = services.create_meeting(world.root_user, world.branch_a1, meeting_input(title=f"会议 {index}"))
        services.take_roll_call(secretary, meeting, {world.zhang.pk, world.wang.pk})
    meeting = Meeting.objects.first()
    client = as_persona("secretary")
    courier = as_persona  # the same client, signed in again below
    pages = [
        (reverse("meetings:index"), 12),
        (reverse("meetings:org_list", args=[world.branch_a1.pk]), 12),
        (reverse("meetings:detail", args=[meeting.pk]), 16),
        (reverse("meetings:roll_call", args=[meeting.pk]), 14),
        (reverse("meetings:calendar", args=[world.branch_a1.pk]), 12),
    ]
    for url, limit in pages:
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200
    client = courier("courier")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("meetings:mine")).status_code == 200


def test_the_audit_trail_shows_the_meeting_changes(world, assembly, as_persona):
    secretary = world.users["secretary"]
    services.withdraw_code(secretary, assembly)
    services.take_roll_call(secretary, assembly, {world.zhang.pk})
    services.save_minutes(secretary, assembly, "记录")
    services.cancel_meeting(secretary, assembly)
    response = as_persona("secretary").get(reverse("audit"))
    assert response.status_code == 200 and "第一季度支部党员大会" in text(response)
