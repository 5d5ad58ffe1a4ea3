"""The demo's meetings: a year for every branch through the audited services, with gaps, and
meetings for the secretary and the courier to see."""

from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.core.models import AuditEvent
from zhibu.demo.builder import DemoBuilder
from zhibu.meetings import queries
from zhibu.meetings.models import Attendance, LeaveRequest, Meeting, MeetingKind, Minutes
from zhibu.registry.choices import BRANCH_KINDS
from zhibu.registry.models import Organization


def test_the_demo_holds_a_year_of_meetings_with_gaps_and_work_for_the_personas(db):
    DemoBuilder(members=300).build()  # the builder holds the meetings of the demo
    count = Meeting.objects.count()
    assert count > 0
    assert Attendance.objects.exists() and LeaveRequest.objects.exists() and Minutes.objects.exists()
    created = AuditEvent.objects.filter(object_type="meetings.meeting", action="create").count()
    assert created == count  # every meeting through the service

    secretary = User.objects.get(username="secretary")
    branch = Organization.objects.get(pk=secretary.grants.get().organization_id)
    rows = queries.calendar(branch, timezone.localdate().year)
    states = {cell.state for row in rows for cell in row.cells}
    assert "missed" not in states and "held" in states  # the secretary's branch holds everything
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS)
    missed = sum(
        1
        for org in branches
        for row in queries.calendar(org, timezone.localdate().year)
        for cell in row.cells
        if cell.state == "missed" and row.rule.kind == MeetingKind.COMMITTEE
    )
    assert missed > 0  # others skip months

    courier = User.objects.get(username="courier")
    upcoming = queries.my_meetings(courier).filter(ends_at__gte=timezone.now())
    assert upcoming.filter(mode="online").exists()
    assert queries.my_meetings(courier).filter(ends_at__lt=timezone.now()).count() >= 6  # a year behind
    assert upcoming.exists() and queries.meetings(secretary).filter(ends_at__gte=timezone.now()).exists()
