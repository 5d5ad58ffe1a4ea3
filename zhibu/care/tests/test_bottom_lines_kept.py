"""The bottom lines kept per member and year follow every service that writes a record they read:
after each write, what the services kept is what a rebuild from the records gives."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from zhibu.care import services as care
from zhibu.care.bottomlines import kept
from zhibu.care.models import Channel, Contact, ContactKind, YearLines
from zhibu.checkins import services as checkins
from zhibu.checkins.services import Claim
from zhibu.core.models import AuditEvent
from zhibu.core.scope import Role
from zhibu.materials import services as materials
from zhibu.materials.models import Delivery
from zhibu.meetings import services as meetings
from zhibu.meetings.tests.conftest import meeting_input
from zhibu.stations import services as stations
from zhibu.stations.models import StationKind, StationLevel

NOW = timezone.now()
YEAR = timezone.localdate().year


def lines_kept() -> dict[tuple[int, int], tuple[bool, bool, bool]]:
    """Rows meeting at least one line (a refresh leaves rows meeting none, which count the same)."""
    rows = YearLines.objects.values_list("member_id", "year", "found", "materials", "life")
    return {(member, year): (found, got, life) for member, year, found, got, life in rows if found or got or life}


def assert_kept_as_records_say() -> dict:
    before = lines_kept()
    kept.rebuild()
    assert lines_kept() == before
    return before


def test_a_logged_contact_finds_the_member_in_its_year(world):
    talk = care.ContactInput(kind=ContactKind.TALK, on=timezone.localdate(), channel=Channel.PHONE, summary="谈心")
    care.log_contact(world.root_user, world.wang, talk)
    assert assert_kept_as_records_say()[(world.wang.pk, talk.on.year)] == (True, False, False)


def checkin_point(world):
    return stations.create_station(
        world.root_user, name="西丽党群服务中心", kind=StationKind.SERVICE_CENTER, level=StationLevel.CENTER,
        is_checkin_point=True, organization=world.branch_b1, region=world.district, latitude=Decimal("22.58"),
        longitude=Decimal("113.95"), coordinate_system="wgs84", always_open=True,
    )  # fmt: skip


def test_a_verified_check_in_finds_the_member(world):
    point = checkin_point(world)
    claim = Claim(name="张晓明", id_number=world.zhang.id_number, phone="13700137000")
    checkin = checkins.submit_from_form(point, claim).checkin
    assert (world.zhang.pk, YEAR) not in assert_kept_as_records_say()
    checkins.verify(world.users["station"], checkin)
    assert assert_kept_as_records_say()[(world.zhang.pk, YEAR)] == (True, False, False)


def test_a_tap_from_an_account_finds_the_member_and_leaves_the_other_lines(world):
    meeting = meetings.create_meeting(world.root_user, world.branch_a1, meeting_input())
    meetings.mark_present(world.root_user, meeting, world.zhang, True)
    account = world.user("zhang-phone", Role.MEMBER, world.branch_a1, member=world.zhang)
    checkins.submit_from_account(account, checkin_point(world))
    kept_lines = assert_kept_as_records_say()
    if kept.year_of(meeting.starts_at) == YEAR:
        assert kept_lines[(world.zhang.pk, YEAR)] == (True, False, True)
    else:  # the first minutes of a year: the meeting began in the last one
        assert kept_lines[(world.zhang.pk, YEAR)] == (True, False, False)


def test_parcels_count_once_every_one_of_the_year_is_received(world):
    campaign = materials.create_campaign(
        world.root_user,
        materials.CampaignInput(organization=world.company_a, title="红色包裹", contents="党章", mobile_only=False),
    )
    at = NOW - datetime.timedelta(hours=1)
    materials.launch(world.root_user, campaign, at=at)
    parcels = list(Delivery.objects.filter(campaign=campaign).select_related("member__home_org", "campaign"))
    year = kept.year_of(at)
    assert len(parcels) >= 2 and not assert_kept_as_records_say()
    first, *others = parcels
    materials.confirm_receipt(world.root_user, first)
    assert assert_kept_as_records_say()[(first.member_id, year)] == (False, True, False)
    materials.confirm_many(world.root_user, [materials.Receipt(parcel) for parcel in others])
    assert {key for key, lines in assert_kept_as_records_say().items() if lines[1]} == {
        (parcel.member_id, year) for parcel in parcels
    }
    second = materials.create_campaign(
        world.root_user,
        materials.CampaignInput(organization=world.company_a, title="学习读本", contents="读本", mobile_only=False),
    )
    materials.launch(world.root_user, second, at=at)
    assert not assert_kept_as_records_say()  # a new parcel on its way undoes the line for everyone


def test_attendance_recorded_and_taken_back_moves_the_life_line(world):
    meeting = meetings.create_meeting(world.root_user, world.branch_a1, meeting_input())
    year = kept.year_of(meeting.starts_at)
    meetings.mark_present(world.root_user, meeting, world.zhang, True)
    assert assert_kept_as_records_say()[(world.zhang.pk, year)] == (False, False, True)
    meetings.mark_present(world.root_user, meeting, world.zhang, False)
    assert not assert_kept_as_records_say()
    invited = set(meetings.invitees(meeting).values_list("pk", flat=True))
    meetings.take_roll_call(world.root_user, meeting, invited)
    assert set(assert_kept_as_records_say()) == {(pk, year) for pk in invited}
    meetings.take_roll_call(world.root_user, meeting, {world.zhang.pk})
    assert set(assert_kept_as_records_say()) == {(world.zhang.pk, year)}


def test_a_cancelled_or_moved_meeting_takes_its_attendance_along(world):
    meeting = meetings.create_meeting(world.root_user, world.branch_a1, meeting_input())
    meetings.mark_present(world.root_user, meeting, world.zhang, True)
    last_year = meeting.starts_at.replace(year=meeting.starts_at.year - 1)
    moved = meeting_input(starts_at=last_year, ends_at=last_year + datetime.timedelta(hours=2))
    meetings.update_meeting(world.root_user, meeting, moved)
    assert set(assert_kept_as_records_say()) == {(world.zhang.pk, kept.year_of(last_year))}
    meetings.cancel_meeting(world.root_user, meeting)
    assert not assert_kept_as_records_say()


def test_the_command_rebuilds_what_was_loaded_past_the_services_and_is_audited(world, capsys):
    Contact.objects.create(
        member=world.wang, cadre=world.users["cadre"], organization=world.mobile_a, kind="talk",
        on=datetime.date(YEAR - 2, 5, 1), channel="phone", summary="谈心",
    )  # fmt: skip
    assert not lines_kept()
    call_command("rebuild_bottom_lines")
    assert lines_kept() == {(world.wang.pk, YEAR - 2): (True, False, False)}
    assert "rows for 3 year(s)" in capsys.readouterr().out
    event = AuditEvent.objects.get(actor_name="rebuild_bottom_lines")
    assert event.changes == {"years": [YEAR - 2, YEAR - 1, YEAR], "rows": 1}


@pytest.mark.parametrize("members", [[], range(1, 1200)])
def test_refreshing_nobody_or_members_by_the_thousand_writes_rows_for_those_that_exist(world, members):
    kept.refresh(members, [YEAR, None])
    ids = set(world.wang.__class__.objects.filter(pk__in=list(members)).values_list("pk", flat=True))
    assert set(YearLines.objects.values_list("member_id", flat=True)) == ids
