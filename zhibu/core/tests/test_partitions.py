"""The event tables partitioned by month on PostgreSQL (zhibu/core/partitions.py, docs/scaling.md §2)."""

import datetime
import zoneinfo
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from zhibu.checkins import services as checkins
from zhibu.checkins.models import StationVisit
from zhibu.core import audit, partitions
from zhibu.core.models import AuditEvent
from zhibu.core.tasks import make_next_months

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps plain tables")
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)


def partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT tableoid::regclass::text FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def primary_key_columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return {row[0] for row in cursor.fetchall()}


def months_from(month: datetime.date, count: int) -> list[datetime.date]:
    found = [month]
    while len(found) < count:
        found.append(partitions.next_month(found[-1]))
    return found


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize(("table", "column"), partitions.PARTITIONED.items())
def test_the_migrations_partition_each_event_table_by_month_ahead_of_time(table, column):
    assert partitions.is_partitioned(connection, table)
    assert primary_key_columns(table) == ["id", column]
    this_month = partitions.month_of(timezone.localdate())
    expected = [partitions.month_table(table, month) for month in months_from(this_month, 4)]
    made = partitions.months(connection, table)
    assert made[-1] == partitions.default_table(table)
    assert made[-5:-1] == expected
    assert f"{table}_pkey" in index_names(table)


@postgresql_only
def test_an_event_lands_in_its_months_partition_and_an_old_one_in_the_default(world):
    now = audit.record(None, audit.Action.EXPORT, actor_name="test")
    long_ago = AuditEvent.objects.create(
        actor_name="test", action=audit.Action.EXPORT, at=datetime.datetime(2019, 5, 1, tzinfo=TZ)
    )
    assert partition_of("core_auditevent", now.pk) == partitions.month_table("core_auditevent", timezone.localdate())
    assert partition_of("core_auditevent", long_ago.pk) == "core_auditevent_default"
    assert AuditEvent.objects.filter(at__year=2019).get() == long_ago
    # The append-only guard holds on every partition.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute('UPDATE "core_auditevent_default" SET actor_name = %s', ["forged"])


@postgresql_only
@pytest.mark.django_db
def test_later_months_are_made_once_unless_the_default_already_holds_their_rows():
    in_a_year = timezone.localdate() + datetime.timedelta(days=365)
    AuditEvent.objects.create(
        actor_name="early", action=audit.Action.EXPORT, at=timezone.now() + datetime.timedelta(days=365)
    )

    blocked = partitions.ensure_months(connection, in_a_year)
    assert blocked == {"core_auditevent": [f"{in_a_year:%Y-%m}"], "checkins_stationvisit": [], "checkins_checkin": []}
    later = months_from(partitions.next_month(partitions.month_of(in_a_year)), 3)
    for table in partitions.PARTITIONED:
        made = partitions.months(connection, table)
        assert {partitions.month_table(table, month) for month in later} <= set(made)
    assert partitions.month_table("core_auditevent", in_a_year) not in partitions.months(connection, "core_auditevent")
    assert partitions.month_table("checkins_checkin", in_a_year) in partitions.months(connection, "checkins_checkin")
    assert partitions.ensure_months(connection, in_a_year)["checkins_checkin"] == []  # idempotent


@postgresql_only
def test_a_table_keeps_its_rows_ids_and_indexes_through_a_rebuild(world):
    from zhibu.stations import services as stations

    point = stations.create_station(
        world.root_user, name="报到处", kind="service_center", level=2, organization=world.branch_a1,
        latitude="22.54", longitude="113.93", coordinate_system="wgs84",
    )  # fmt: skip
    table = "checkins_stationvisit"
    before = index_names(table)
    visits = [StationVisit.objects.create(station=point, member=world.wang, at=timezone.now()) for _ in range(3)]
    StationVisit.objects.create(station=point, member=world.wang, at=datetime.datetime(2025, 3, 9, tzinfo=TZ))

    partitions.unpartition(connection, table)
    assert not partitions.is_partitioned(connection, table)
    assert primary_key_columns(table) == ["id"]
    partitions.partition_by_month(connection, table, timezone.localdate())

    assert partitions.is_partitioned(connection, table)
    assert index_names(table) == before
    assert partitions.months(connection, table)[0] == "checkins_stationvisit_202503"  # from the oldest row's month
    assert StationVisit.objects.count() == 4
    assert set(
        StationVisit.objects.filter(at__gte=timezone.now() - datetime.timedelta(hours=1)).values_list("pk", flat=True)
    ) == {visit.pk for visit in visits}
    newest = StationVisit.objects.create(station=point, member=world.wang, at=timezone.now())
    assert newest.pk > max(visit.pk for visit in visits)  # the id sequence goes on


@postgresql_only
def test_the_purge_drops_whole_months_of_visits_and_counts_them(world, settings):
    from zhibu.stations import services as stations

    point = stations.create_station(
        world.root_user, name="报到处", kind="service_center", level=2, organization=world.branch_a1,
        latitude="22.54", longitude="113.93", coordinate_system="wgs84",
    )  # fmt: skip
    this_month = partitions.month_of(timezone.localdate())
    three_months_ago = this_month - datetime.timedelta(days=85)
    with connection.cursor() as cursor:  # a month the migration did not make, as if made back then
        month = partitions.month_of(three_months_ago)
        cursor.execute(
            f'CREATE TABLE "checkins_stationvisit_{month:%Y%m}" PARTITION OF "checkins_stationvisit" '
            f"FOR VALUES FROM ('{datetime.datetime.combine(month, datetime.time(), TZ).isoformat()}') "
            f"TO ('{datetime.datetime.combine(partitions.next_month(month), datetime.time(), TZ).isoformat()}')"
        )
    old_at = datetime.datetime.combine(month + datetime.timedelta(days=3), datetime.time(12), TZ)
    for _ in range(2):
        StationVisit.objects.create(station=point, member=world.wang, at=old_at)
    kept = StationVisit.objects.create(station=point, member=world.wang, at=timezone.now())
    settings.STATION_VISIT_RETENTION_DAYS = 30

    assert checkins.purge_whereabouts()["visits"] == 2
    assert f"checkins_stationvisit_{month:%Y%m}" not in partitions.months(connection, "checkins_stationvisit")
    assert list(StationVisit.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.django_db
def test_the_command_lists_the_months_or_says_sqlite_has_none():
    out = StringIO()
    call_command("partitions", stdout=out)
    if connection.vendor == "postgresql":
        this_month = partitions.month_table("core_auditevent", timezone.localdate())
        assert f"core_auditevent: {this_month}, " in out.getvalue()
        assert "checkins_checkin_default" in out.getvalue()
    else:
        assert "SQLite keeps plain tables" in out.getvalue()


@pytest.mark.django_db
def test_the_months_are_made_every_night_in_the_job_consumer():
    night = datetime.datetime(2026, 11, 23, 2, 40)
    schedule = make_next_months.task_class()
    assert schedule.validate_datetime(night) and not schedule.validate_datetime(night.replace(hour=3))
    make_next_months.call_local()
    if connection.vendor == "postgresql":
        assert partitions.month_table("checkins_checkin", timezone.localdate()) in partitions.months(
            connection, "checkins_checkin"
        )
