"""Reads of lists and statistics from a PostgreSQL read replica.

When ZHIBU_REPLICA_URL is set, settings add DATABASES["replica"] and `ReplicaRouter`. Nothing goes
to the replica unless the code asks: a list or statistics view (or query) runs inside
`reading_from_replica()`, a context manager that is also a decorator. Everything else, above all a
form saved and then shown, reads the primary, so that it sees its own writes.

Inside `reading_from_replica()` reads still stay on the primary when
- a transaction is open on the primary (what it reads must agree with what it writes);
- the replica lags by more than ZHIBU_REPLICA_MAX_LAG_SECONDS, or its lag cannot be read (it is
  down, or not PostgreSQL). The lag is read at most every LAG_CHECK_SECONDS per process;
- the replica is the primary itself (a test mirror: tests run with TEST["MIRROR"] = "default").
Writes and migrations always go to the primary; the replica is a read-only standby anyway.

As a decorator, put it below @login_required (or in an API view, where authentication has run
already), so that the session and user of the request are read from the primary.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

logger = logging.getLogger(__name__)

REPLICA = "replica"
LAG_CHECK_SECONDS = 5.0

_wanted: ContextVar[bool] = ContextVar("zhibu_reading_from_replica", default=False)
_lag_lock = threading.Lock()
_lag_checked: tuple[float, bool] | None = None  # (monotonic time of the check, replica fresh enough)

# Lag in seconds; none while the standby has replayed all it received. Without it an idle primary
# (nothing to replay) would look ever more behind.
LAG_SQL = """
select case
    when not pg_is_in_recovery() then 0
    when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
    else extract(epoch from now() - pg_last_xact_replay_timestamp())
end
"""


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads within may go to the replica (see the module's note for when they do not)."""
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def forget_lag() -> None:
    """Check the lag again at the next read (for tests and after a replica comes back)."""
    global _lag_checked
    _lag_checked = None


def _is_primary_itself() -> bool:
    """A test mirror of the primary (whether or not the test run set it up), or the same database."""
    if settings.DATABASES[REPLICA].get("TEST", {}).get("MIRROR") == DEFAULT_DB_ALIAS:
        return True
    replica, primary = connections[REPLICA].settings_dict, connections[DEFAULT_DB_ALIAS].settings_dict
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    return replica is primary or all(replica.get(key) == primary.get(key) for key in keys)


def replica_lag() -> float | None:
    """Seconds the replica is behind, or None when that cannot be told."""
    connection = connections[REPLICA]
    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            (lag,) = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("read replica unavailable, reading the primary: %s", error)
        return None
    return None if lag is None else float(lag)


def _fresh_enough() -> bool:
    global _lag_checked
    now = time.monotonic()
    with _lag_lock:
        if _lag_checked is not None and now - _lag_checked[0] < LAG_CHECK_SECONDS:
            return _lag_checked[1]
        lag = replica_lag()
        fresh = lag is not None and lag <= settings.ZHIBU_REPLICA_MAX_LAG_SECONDS
        if lag is not None and not fresh:
            logger.warning("read replica %.1f s behind, reading the primary", lag)
        _lag_checked = (now, fresh)
        return fresh


def read_alias() -> str:
    """Where a read goes now."""
    if not (_wanted.get() and replica_configured()):
        return DEFAULT_DB_ALIAS
    if transaction.get_connection(DEFAULT_DB_ALIAS).in_atomic_block or _is_primary_itself():
        return DEFAULT_DB_ALIAS
    return REPLICA if _fresh_enough() else DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Installed by settings when ZHIBU_REPLICA_URL is set."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA, None} else None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
