"""iCalendar (RFC 5545) feeds of meetings, written by hand: CRLF line ends, lines folded at 75
octets without splitting a UTF-8 character, TEXT values escaped, times in UTC. A feed carries the
meeting, its place and its link, never anyone's ID or phone number."""

import datetime
from collections.abc import Iterable

from django.utils import timezone

from zhibu.meetings.models import Meeting, Mode

CRLF = "\r\n"
MAX_OCTETS = 75


def escape(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11)."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets; each continuation starts with a space."""
    pieces, current, size = [], "", 0
    for char in line:
        octets = len(char.encode())
        limit = MAX_OCTETS if not pieces else MAX_OCTETS - 1  # the leading space counts
        if size + octets > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += octets
    pieces.append(current)
    return (CRLF + " ").join(pieces)


def utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _location(meeting: Meeting) -> str:
    if meeting.mode == Mode.ONLINE:
        return meeting.online_link
    if meeting.station_id:
        return " · ".join(part for part in (meeting.station.name, meeting.address) if part)
    return meeting.address


def event_lines(meeting: Meeting, domain: str, stamp: datetime.datetime) -> list[str]:
    description = "\n".join(part for part in (meeting.get_kind_display(), meeting.agenda) if part)
    lines = [
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{domain}",
        f"DTSTAMP:{utc(stamp)}",
        f"DTSTART:{utc(meeting.starts_at)}",
        f"DTEND:{utc(meeting.ends_at)}",
        f"LAST-MODIFIED:{utc(meeting.updated_at)}",
        f"SUMMARY:{escape(meeting.title)}",
        f"DESCRIPTION:{escape(description)}",
        f"LOCATION:{escape(_location(meeting))}",
        f"STATUS:{'CANCELLED' if meeting.is_cancelled else 'CONFIRMED'}",
    ]
    if meeting.mode == Mode.ONLINE and meeting.online_link:
        lines.append(f"URL:{meeting.online_link}")
    lines.append("END:VEVENT")
    return lines


def calendar(meetings: Iterable[Meeting], name: str, domain: str) -> str:
    stamp = timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//zhibu//meetings//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for meeting in meetings:
        lines.extend(event_lines(meeting, domain, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
