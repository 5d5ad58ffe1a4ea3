"""The nightly purge of whereabouts, run by the Huey consumer (`manage.py run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhibu.checkins import services


@db_periodic_task(crontab(hour="3", minute="30"))
def purge_whereabouts() -> None:
    """Every night at 03:30, drop visits and unmatched 报到 older than STATION_VISIT_RETENTION_DAYS."""
    services.purge_whereabouts()
