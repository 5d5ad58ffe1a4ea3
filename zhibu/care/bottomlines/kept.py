"""The bottom lines kept per member and year (`care.YearLines`), recomputed from the records.

Each service that writes a record a line depends on calls `refresh` for the members and years it
touched, inside its own transaction, so the kept lines change with the record or not at all. The
rules themselves live in `queries.member_sets`; here they are only applied to fewer members.
`rebuild` applies them to everyone (the `rebuild_bottom_lines` command, and data loaded in bulk).
"""

import datetime
from collections.abc import Iterable
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, QuerySet
from django.utils import timezone

from zhibu.care.bottomlines.queries import FIRST_YEAR, LINES, Period, member_sets
from zhibu.care.models import Contact, YearLines
from zhibu.checkins.models import CheckIn
from zhibu.materials.models import Campaign
from zhibu.meetings.models import Meeting
from zhibu.registry.models import Member

# Ids per statement when the caller names members one by one (SQLite takes at most 32,766 values).
CHUNK = 500
Members = QuerySet | Iterable[int]


def year_of(moment: datetime.datetime | datetime.date) -> int:
    """The calendar year a record counts in: local time, as `Period.moments` reads the year."""
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).year
    return moment.year


def refresh(members: Members, years: Iterable[int | None]) -> None:
    """Recomputes the kept lines of `members` (ids, or a queryset of ids) in each of `years` (a
    `None` among them, such as the year of a campaign never launched, is skipped)."""
    chunks = [members] if isinstance(members, QuerySet) else _chunks(members)
    for year in sorted({year for year in years if year is not None}):
        for chunk in chunks:
            _refresh(chunk, year)


def found(member_id: int, year: int) -> None:
    """A 报到 of the member was verified in `year`: the member is found, and the other lines do not
    change. A member meets no line until a row says so, so a new row meets this one alone. One
    statement, where a refresh recomputes all three lines from the records."""
    table = connection.ops.quote_name(YearLines._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (member_id, year, found, materials, life) VALUES (%s, %s, %s, %s, %s) "  # noqa: S608
            "ON CONFLICT (year, member_id) DO UPDATE SET found = excluded.found",
            [member_id, year, True, False, False],
        )


def parcels_on_their_way(members: QuerySet, year: int) -> int:
    """A campaign of `year` was launched to `members`: with a parcel not yet received, none of them
    meets the materials line of that year, and the other lines do not change. One UPDATE, where a
    refresh of a province's campaign would recompute every line of 300,000 members."""
    return YearLines.objects.filter(year=year, member_id__in=members, materials=True).update(materials=False)


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    ids = iter(sorted(set(ids)))
    return list(iter(lambda: list(islice(ids, CHUNK)), []))


def _refresh(members: Members, year: int) -> None:
    table = connection.ops.quote_name(YearLines._meta.db_table)
    people = Member.objects.filter(pk__in=members).order_by().values("pk")
    people_sql, people_params = people.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # First every member's row for the year, reset: on PostgreSQL this also locks it, so that
        # a transaction refreshing the same member waits and then reads what this one wrote.
        cursor.execute(
            f"INSERT INTO {table} (member_id, year, found, materials, life) "  # noqa: S608
            f"SELECT pk, %s, %s, %s, %s FROM ({people_sql}) people WHERE true "
            f"{_upsert()}",
            [year, False, False, False, *people_params],
        )
        _write(cursor, Period(year), members)


def _upsert() -> str:
    updates = ", ".join(f"{line} = excluded.{line}" for line in LINES)
    return f"ON CONFLICT (year, member_id) DO UPDATE SET {updates}"


def _write(cursor, period: Period, members: Members | None) -> None:
    """Writes the lines of the members who meet at least one in the period, from one pass over
    each line's set of members."""
    table = connection.ops.quote_name(YearLines._meta.db_table)
    parts, params = [], []
    for index, (line, queryset) in enumerate(member_sets(period, members).items()):
        sql, values = queryset.query.sql_with_params()
        marks = ", ".join(f"{1 if other == index else 0} AS {name}" for other, name in enumerate(LINES))
        parts.append(f"SELECT member_id, {marks} FROM ({sql}) {line}")  # noqa: S608
        params.extend(values)
    met = ", ".join(f"MAX({line}) = 1" for line in LINES)
    if connection.vendor == "postgresql":
        # Room to group a province's year in memory (see `queries.counts_by_home_organization`).
        cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.ZHIBU_REPORT_WORK_MEM])
    cursor.execute(
        f"INSERT INTO {table} (member_id, year, found, materials, life) "  # noqa: S608
        f"SELECT member_id, %s, {met} FROM ({' UNION ALL '.join(parts)}) lines WHERE true GROUP BY member_id "
        f"{_upsert()}",
        [period.year, *params],
    )


@transaction.atomic
def rebuild(years: Iterable[int] | None = None) -> int:
    """Recomputes the kept lines of everyone, for `years` or for every year with records; returns
    the number of rows kept."""
    years = sorted(set(years)) if years is not None else record_years()
    with connection.cursor() as cursor:
        for year in years:
            YearLines.objects.filter(year=year).delete()
            _write(cursor, Period(year), None)
    return YearLines.objects.filter(year__in=years).count()


def record_years() -> list[int]:
    """Every year from the first record any line reads to this year."""
    firsts = [
        Contact.objects.aggregate(first=Min("on"))["first"],
        CheckIn.objects.aggregate(first=Min("verified_at"))["first"],
        Campaign.objects.aggregate(first=Min("launched_at"))["first"],
        Meeting.objects.aggregate(first=Min("starts_at"))["first"],
    ]
    known = [year_of(first) for first in firsts if first is not None]
    this_year = timezone.localdate().year
    return list(range(max(FIRST_YEAR, min(known)), this_year + 1)) if known else []
