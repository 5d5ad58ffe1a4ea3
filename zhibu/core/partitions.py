"""Monthly partitions of the event tables that grow without bound, on PostgreSQL (docs/scaling.md §2).

A migration turns each table of PARTITIONED into one partitioned by month on its time column, with
a default partition for any row no month takes, so that a write never fails for want of a
partition. `ensure_months` makes this month's partition and the next MONTHS_AHEAD; the Huey
consumer runs it every night (core/tasks.py), and the migration once. SQLite keeps plain tables.

PostgreSQL asks that every unique index of a partitioned table hold the partition column: the
primary key becomes (id, time), and these tables can take no other unique constraint. Nothing
refers to their rows by foreign key.
"""

import datetime
import re

from django.utils import timezone

MONTHS_AHEAD = 3
PARTITIONED = {"core_auditevent": "at", "checkins_stationvisit": "at", "checkins_checkin": "submitted_at"}


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def month_table(table: str, month: datetime.date) -> str:
    return f"{table}_{month:%Y%m}"


def default_table(table: str) -> str:
    return f"{table}_default"


def _bound(month: datetime.date) -> str:
    """Midnight of the 1st in the installation's time zone, as a literal: DDL takes no parameters."""
    return f"'{timezone.make_aware(datetime.datetime.combine(month, datetime.time())).isoformat()}'"


def is_partitioned(connection, table: str) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table])
        return cursor.fetchone() is not None


def months(connection, table: str) -> list[str]:
    """The names of a partitioned table's partitions, oldest first (`…_default` sorts after the digits)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            'WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname COLLATE "C"',
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def partition_by_month(connection, table: str, today: datetime.date) -> None:
    """Rebuild `table` partitioned by month on its column in PARTITIONED, keeping its rows, ids,
    indexes and keys."""
    if connection.vendor != "postgresql" or is_partitioned(connection, table):
        return
    column = PARTITIONED[table]
    old = _set_aside(connection, table)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING STORAGE) PARTITION BY RANGE ("{column}")')
        cursor.execute(f'CREATE TABLE "{default_table(table)}" PARTITION OF "{table}" DEFAULT')
        cursor.execute(f'SELECT min("{column}") FROM "{old}"')
        oldest = cursor.fetchone()[0]
    first = month_of(timezone.localdate(oldest) if oldest else today)
    _create_months(connection, table, first, today)
    _move_rows_and_keys(connection, old, table, primary_key=f'("id", "{column}")')


def unpartition(connection, table: str) -> None:
    """The reverse: `table` as one plain table again, with the same rows, ids, indexes and keys."""
    if not is_partitioned(connection, table):
        return
    old = _set_aside(connection, table)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING STORAGE)')
    _move_rows_and_keys(connection, old, table, primary_key='("id")')


def ensure_months(connection, today: datetime.date) -> dict[str, list[str]]:
    """Make this month's partition and the next MONTHS_AHEAD of every partitioned table.

    Returns, per table, the months that could not be made because the default partition already
    holds rows of them: moving rows out of the append-only audit trail is left to a person.
    """
    blocked = {}
    for table in PARTITIONED:
        if is_partitioned(connection, table):
            blocked[table] = _create_months(connection, table, month_of(today), today)
    return blocked


def drop_months_before(connection, table: str, cutoff: datetime.datetime) -> int:
    """Drop the partitions whose every row is older than `cutoff`; returns how many rows went."""
    if not is_partitioned(connection, table):
        return 0
    dropped = 0
    month = month_of(timezone.localdate(cutoff))
    with connection.cursor() as cursor:
        _check_deferred_keys_now(cursor)
        for name in months(connection, table):
            if name == default_table(table) or name >= month_table(table, month):
                continue
            cursor.execute(f'SELECT count(*) FROM "{name}"')
            dropped += cursor.fetchone()[0]
            cursor.execute(f'DROP TABLE "{name}"')
    return dropped


def _create_months(connection, table: str, first: datetime.date, today: datetime.date) -> list[str]:
    column = PARTITIONED[table]
    last = month_of(today)
    for _ in range(MONTHS_AHEAD):
        last = next_month(last)
    blocked = []
    month = first
    with connection.cursor() as cursor:
        while month <= last:
            name, start, end = month_table(table, month), _bound(month), _bound(next_month(month))
            cursor.execute("SELECT to_regclass(%s) IS NULL", [name])
            if cursor.fetchone()[0]:
                cursor.execute(
                    f'SELECT EXISTS (SELECT 1 FROM "{default_table(table)}" '
                    f'WHERE "{column}" >= {start} AND "{column}" < {end})'
                )
                if cursor.fetchone()[0]:
                    blocked.append(f"{month:%Y-%m}")
                else:
                    cursor.execute(f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM ({start}) TO ({end})')
            month = next_month(month)
    return blocked


def _set_aside(connection, table: str) -> str:
    old = f"{table}_before"
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    return old


def _move_rows_and_keys(connection, old: str, table: str, primary_key: str) -> None:
    """Copy the rows of `old` into the new `table`, drop `old`, and give `table` the id sequence,
    primary key, indexes and foreign keys `old` had, under the same names (so that later
    migrations find them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND schemaname = current_schema()",
            [old],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'f')",
            [old],
        )
        constraints = cursor.fetchall()
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
        cursor.execute(f'SELECT max("id") FROM "{old}"')
        last_id = cursor.fetchone()[0]
        _check_deferred_keys_now(cursor)
        cursor.execute(f'DROP TABLE "{old}" CASCADE')
        # A sequence owned by the column, as `serial` makes: PostgreSQL 15 allows no identity
        # column on a partitioned table. pg_get_serial_sequence, and so Django, find either.
        sequence = f"{table}_id_seq"
        cursor.execute(f'CREATE SEQUENCE "{sequence}" OWNED BY "{table}"."id"')
        cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "id" SET DEFAULT nextval(\'"{sequence}"\')')
        cursor.execute("SELECT setval(%s, %s, %s)", [f'"{sequence}"', last_id or 1, last_id is not None])
        for name, kind, definition in constraints:
            if kind == "p":
                definition = f"PRIMARY KEY {primary_key}"
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        keys = {name for name, kind, _definition in constraints if kind == "p"}
        on_old = re.compile(rf' ON (ONLY )?(\S+\.)?"?{re.escape(old)}"? ')
        for name, definition in indexes:
            if name not in keys:
                cursor.execute(on_old.sub(f' ON "{table}" ', definition, count=1))


def _check_deferred_keys_now(cursor) -> None:
    """PostgreSQL drops no table with foreign-key checks still pending (Django defers them to the
    commit): run those of this transaction now."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
