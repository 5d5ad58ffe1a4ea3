"""The calendar feeds: RFC 5545 text a calendar app reads, behind a signed token, without
personal numbers."""

import datetime
import re

from django.urls import reverse

from zhibu.meetings import codes, ical, services
from zhibu.meetings.tests.conftest import meeting_input


def unfold(text: str) -> list[str]:
    assert "\n" not in text.replace("\r\n", ""), "every line ends in CRLF"
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def events(lines: list[str]) -> list[dict]:
    found, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, _colon, value = line.partition(":")
            current[name] = value
    return found


def test_lines_are_folded_at_75_octets_without_splitting_characters():
    line = "SUMMARY:" + "党员大会" * 40
    folded = ical.fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert folded.replace("\r\n ", "") == line


def test_text_is_escaped():
    assert ical.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_the_organisation_feed_is_valid_icalendar(client, world):
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=5)
    starts = soon.replace(hour=14, minute=30, second=0, microsecond=0)
    data = meeting_input(
        title="支部大会, 第一季度; 选举",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        agenda="一、学习\n二、选举",
    )
    meeting = services.create_meeting(world.root_user, world.branch_a1, data)
    token = codes.organization_feed_token(world.users["secretary"], world.branch_a1)
    response = client.get(reverse("meetings:feed", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR" and "VERSION:2.0" in lines
    (event,) = events(lines)
    assert event["UID"] == f"meeting-{meeting.pk}@testserver"
    day = starts.strftime("%Y%m%d")
    assert event["DTSTART"] == f"{day}T143000Z" and event["DTEND"] == f"{day}T163000Z"
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
    assert event["SUMMARY"] == "支部大会\\, 第一季度\\; 选举"
    assert "一、学习\\n二、选举" in event["DESCRIPTION"]
    assert all(len(raw.encode()) <= 75 for raw in text.split("\r\n"))


def test_the_member_feed_lists_my_meetings_and_no_personal_numbers(client, world):
    world.wang.activity_orgs.add(world.branch_a1)
    services.create_meeting(world.root_user, world.branch_a1, meeting_input(title="A1 大会"))
    services.create_meeting(world.root_user, world.branch_b1, meeting_input(title="B1 大会"))
    token = codes.member_feed_token(world.users["courier"])
    text = client.get(reverse("meetings:feed", args=[token])).content.decode()
    summaries = [event["SUMMARY"] for event in events(unfold(text))]
    assert summaries == ["A1 大会"]
    for number in (world.wang.id_number, world.wang.phone, world.zhang.phone):
        assert number not in text


def test_a_forged_token_or_a_user_who_lost_access_gets_nothing(client, world):
    services.create_meeting(world.root_user, world.branch_a1, meeting_input())
    assert client.get(reverse("meetings:feed", args=["forged"])).status_code == 404
    token = codes.organization_feed_token(world.users["secretary"], world.branch_a1)
    world.users["secretary"].grants.all().delete()
    assert client.get(reverse("meetings:feed", args=[token])).status_code == 404
    other = codes.organization_feed_token(world.users["secretary2"], world.branch_a1)  # never had access
    assert client.get(reverse("meetings:feed", args=[other])).status_code == 404


def test_the_feeds_page_gives_the_member_their_address(world, login):
    client = login("courier")
    html = client.get(reverse("meetings:feeds")).content.decode()
    token = codes.member_feed_token(world.users["courier"])
    assert reverse("meetings:feed", args=[token]) in html
