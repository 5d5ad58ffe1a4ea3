"""The read-replica router (zhibu/core/replica.py) against a real PostgreSQL streaming replica.

The module makes its own two clusters on loopback, as the `postgres` OS user: a primary, and a
standby copied from it with `pg_basebackup -R`. The checks run in a subprocess whose settings point
DATABASE_URL at the primary and ZHIBU_REPLICA_URL at the standby, as a deployment would; it prints
what it saw as JSON, and each test below asserts one part of it. Skipped where the PostgreSQL 15
binaries are missing or the tests lack the rights to run them.

The router without a replica (the ordinary suite: none configured, or the test mirror) is checked
in-process at the end.
"""

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from zhibu.core import replica

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _can_run_postgres() -> bool:
    if not (PG_BIN / "pg_basebackup").exists() or shutil.which("runuser") is None:
        return False
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return os.geteuid() == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(*command: str, timeout: float = 60) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=timeout, cwd="/"
    )


def _connect(port: int, dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname=dbname, autocommit=True)


def _wait_for(check, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


@pytest.fixture(scope="module")
def clusters():
    """(primary port, standby port), both running until the module ends; then stopped and removed."""
    if not _can_run_postgres():
        pytest.skip("needs the PostgreSQL 15 binaries and root (to run them as the postgres user)")
    folder = Path(tempfile.mkdtemp(prefix="zhibu-replica-"))
    postgres = pwd.getpwnam("postgres")
    os.chown(folder, postgres.pw_uid, postgres.pw_gid)
    primary, standby = folder / "primary", folder / "standby"
    primary_port = standby_port = _free_port()
    while standby_port == primary_port:
        standby_port = _free_port()
    started = []
    try:
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(primary), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {primary_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder}'\n"
                "wal_level = replica\nmax_wal_senders = 4\nfsync = off\nfull_page_writes = off\n"
            )
        with open(primary / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(primary), "-l", str(folder / "primary.log"), "-w", "start")
        started.append(primary)
        with _connect(primary_port) as connection:
            connection.execute("create database zhibu")
        _as_postgres(
            str(PG_BIN / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres"),
            *("-D", str(standby), "-R", "-X", "stream", "-c", "fast"),
        )
        with open(standby / "postgresql.conf", "a") as conf:
            conf.write(f"port = {standby_port}\n")  # the last setting wins over the primary's copied one
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(standby), "-l", str(folder / "standby.log"), "-w", "start")
        started.append(standby)

        def in_recovery() -> bool:
            with _connect(standby_port) as connection:
                return connection.execute("select pg_is_in_recovery()").fetchone()[0]

        _wait_for(in_recovery, "the standby to start in recovery")
        yield primary_port, standby_port
    finally:
        for cluster in reversed(started):
            subprocess.run(
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(cluster),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
                cwd="/",
            )
        shutil.rmtree(folder, ignore_errors=True)


# The checks, in a process of their own with DATABASE_URL and ZHIBU_REPLICA_URL set. It prints
# one JSON object of what it saw.
CHECKS = r"""
import datetime, json, sys, time

import django

django.setup()

from django.db import DatabaseError, connections, router, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhibu.accounts.models import User
from zhibu.accounts.services import grant_role
from zhibu.core import replica
from zhibu.core.identity import id_check_char
from zhibu.core.replica import reading_from_replica
from zhibu.core.scope import Role
from zhibu.registry import services
from zhibu.registry.choices import OrganizationKind
from zhibu.registry.models import Member, Organization

seen = {}
primary, standby = connections["default"], connections["replica"]


def one(connection, sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def caught_up():
    # The standby has replayed everything the primary had written when asked.
    lsn = one(primary, "select pg_current_wal_lsn()::text")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if one(standby, "select pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
            return True
        time.sleep(0.05)
    return False


def queries_on(run, table):
    # How many queries of `table` each connection ran during run().
    capture = {alias: CaptureQueriesContext(connections[alias]) for alias in ("default", "replica")}
    with capture["default"], capture["replica"]:
        result = run()
    counts = {alias: sum(table in q["sql"] for q in capture[alias].captured_queries) for alias in capture}
    return result, counts


def organization(code, parent=None):
    kind = OrganizationKind.BRANCH if parent else OrganizationKind.COMMITTEE
    return services.create_organization(admin, parent=parent, code=code, name=f"组织 {code}", kind=kind)


admin = User.objects.create_user("admin", password="correct-horse-battery")
grant_role(admin, Role.PLATFORM_ADMIN)
city = organization("city")
branch = organization("b1", city)
first17 = "44030519900101011"
member = services.MemberInput(
    name="张晓明",
    id_number=first17 + id_check_char(first17),
    party_status="full",
    joined_on=datetime.date(2015, 7, 1),
    home_org=branch,
)
services.create_member(admin, member)
client = Client()
client.force_login(admin)
seen["caught_up"] = caught_up()

# Where the router sends things.
seen["plain_read"] = router.db_for_read(Member)
with reading_from_replica():
    seen["list_read"] = router.db_for_read(Member)
    seen["list_read_in_recovery"] = one(connections[router.db_for_read(Member)], "select pg_is_in_recovery()")
    seen["write"] = router.db_for_write(Member)
    with transaction.atomic():
        seen["read_in_atomic"] = router.db_for_read(Member)
        _, seen["atomic_queries"] = queries_on(Member.objects.count, '"registry_member"')
seen["plain_read_in_recovery"] = one(connections[router.db_for_read(Member)], "select pg_is_in_recovery()")

# The member list page and the API list read members on the replica; the session and user, on the primary.
page, seen["page_member_queries"] = queries_on(lambda: client.get(reverse("registry:member_list")), '"registry_member"')
seen["page"] = [page.status_code, "张晓明" in page.content.decode()]
_, seen["page_session_queries"] = queries_on(lambda: client.get(reverse("registry:member_list")), '"django_session"')
api, seen["api_member_queries"] = queries_on(lambda: client.get("/api/v1/members"), '"registry_member"')
seen["api"] = [api.status_code, [row["name"] for row in api.json()["items"]]]
# A detail page (a form saved is shown next) stays on the primary.
pk = Member.objects.get().pk
detail, seen["detail_member_queries"] = queries_on(
    lambda: client.get(reverse("registry:member_detail", args=[pk])), '"registry_member"'
)

# A write within reading_from_replica() goes to the primary and reaches the replica by replay.
with reading_from_replica():
    organization("new", city)
seen["new_on_primary"] = Organization.objects.using("default").filter(code="new").exists()
seen["new_caught_up"] = caught_up()
seen["new_on_replica"] = Organization.objects.using("replica").filter(code="new").exists()

# The standby refuses writes.
try:
    Organization.objects.using("replica").filter(code="new").update(name="改")
    seen["replica_write"] = "accepted"
except DatabaseError as error:
    seen["replica_write"] = f"{type(error).__name__}: {error}"

# Replay paused and the primary written: beyond the allowed lag, lists read the primary.
one(standby, "select pg_wal_replay_pause()::text")
organization("late", city)
deadline = time.monotonic() + 20
while time.monotonic() < deadline and not one(standby, "select pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"):
    time.sleep(0.05)
time.sleep(float(sys.argv[1]) + 0.5)
replica.forget_lag()
seen["lag"] = replica.replica_lag()
with reading_from_replica():
    seen["lagging_read"] = router.db_for_read(Organization)
    seen["late_seen_by_list"] = Organization.objects.filter(code="late").exists()
seen["late_on_replica"] = Organization.objects.using("replica").filter(code="late").exists()
_, seen["lagging_page_member_queries"] = queries_on(
    lambda: client.get(reverse("registry:member_list")), '"registry_member"'
)

# Replay resumed: back to the replica once it has caught up.
one(standby, "select pg_wal_replay_resume()::text")
seen["resumed_caught_up"] = caught_up()
replica.forget_lag()
with reading_from_replica():
    seen["resumed_read"] = router.db_for_read(Organization)
    seen["late_on_resumed_list"] = Organization.objects.filter(code="late").exists()

print("SEEN " + json.dumps(seen, ensure_ascii=False))
"""

MAX_LAG = 1


@pytest.fixture(scope="module")
def seen(clusters, tmp_path_factory):
    primary_port, standby_port = clusters
    data = tmp_path_factory.mktemp("replica-data")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhibu.settings",
        # As a deployment in development mode would run, not as the test suite (which mirrors the replica).
        "DEBUG": "1",
        "ALLOWED_HOSTS": "testserver",
        "ZHIBU_DATA_DIR": str(data),
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{primary_port}/zhibu",
        "ZHIBU_REPLICA_URL": f"postgresql://postgres@127.0.0.1:{standby_port}/zhibu",
        "ZHIBU_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
    }
    for name in ("ZHIBU_TESTING", "ZHIBU_REDIS_URL"):
        env.pop(name, None)
    run = {"cwd": settings.BASE_DIR, "env": env, "capture_output": True, "text": True, "timeout": 120}
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], **run)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    checks = subprocess.run([sys.executable, "-c", CHECKS, str(MAX_LAG)], **run)
    assert checks.returncode == 0, checks.stderr[-3000:]
    line = next(line for line in checks.stdout.splitlines() if line.startswith("SEEN "))
    print(line)
    return json.loads(line.removeprefix("SEEN "))


def test_the_standby_replays_the_primary(seen):
    assert seen["caught_up"] and seen["new_caught_up"] and seen["resumed_caught_up"]


def test_reads_go_to_the_primary_unless_asked(seen):
    assert seen["plain_read"] == "default"
    assert seen["plain_read_in_recovery"] is False
    assert seen["detail_member_queries"]["replica"] == 0


def test_list_reads_go_to_the_replica(seen):
    assert seen["list_read"] == "replica"
    assert seen["list_read_in_recovery"] is True  # the connection reached really is the standby


def test_the_member_list_page_and_api_read_the_replica(seen):
    assert seen["page"] == [200, True]
    assert seen["page_member_queries"]["replica"] >= 1
    assert seen["page_member_queries"]["default"] == 0
    assert seen["page_session_queries"]["replica"] == 0  # logging in is read where it was written
    assert seen["api"] == [200, ["张晓明"]]
    assert seen["api_member_queries"]["replica"] >= 1
    assert seen["api_member_queries"]["default"] == 0


def test_writes_go_to_the_primary_and_reach_the_replica(seen):
    assert seen["write"] == "default"
    assert seen["new_on_primary"] and seen["new_on_replica"]


def test_reads_in_a_transaction_stay_on_the_primary(seen):
    assert seen["read_in_atomic"] == "default"
    assert seen["atomic_queries"] == {"default": 1, "replica": 0}


def test_the_replica_refuses_writes(seen):
    assert "read-only transaction" in seen["replica_write"]


def test_a_lagging_replica_is_left_for_the_primary(seen):
    assert seen["lag"] > MAX_LAG
    assert seen["lagging_read"] == "default"
    assert seen["late_seen_by_list"] and not seen["late_on_replica"]
    assert seen["lagging_page_member_queries"]["replica"] == 0
    assert seen["resumed_read"] == "replica" and seen["late_on_resumed_list"]


# Without a real replica


def test_without_a_replica_configured_nothing_changes():
    assert "replica" not in settings.DATABASES or replica._is_primary_itself()
    with replica.reading_from_replica():
        assert replica.read_alias() == "default"


def test_a_test_mirror_is_read_as_the_primary(monkeypatch):
    """With ZHIBU_REPLICA_URL set, the suite runs the replica as a mirror of the test database:
    the router then reads the primary itself (one connection, which sees the test's transaction)."""
    same = {"ENGINE": "django.db.backends.sqlite3", "NAME": "test.sqlite3", "HOST": "", "PORT": ""}
    monkeypatch.setitem(settings.DATABASES, "replica", {**same, "TEST": {"MIRROR": "default"}})
    with replica.reading_from_replica():
        assert replica.read_alias() == "default"
    fake = {alias: SimpleNamespace(settings_dict=dict(same)) for alias in ("default", "replica")}
    monkeypatch.setattr(replica, "connections", fake)
    monkeypatch.setitem(settings.DATABASES, "replica", same)
    with replica.reading_from_replica():
        assert replica.read_alias() == "default"
    router = replica.ReplicaRouter()
    assert router.allow_migrate("replica", "registry") is False
    assert router.allow_migrate("default", "registry") is True
    assert router.db_for_write(None) == "default"
