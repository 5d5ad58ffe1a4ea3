"""Nightly upkeep of the monthly partitions, run by the Huey consumer (`manage.py run_huey`)."""

import logging

from django.db import connection
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhibu.core import partitions

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="2", minute="40"))
def make_next_months() -> None:
    """Every night at 02:40, make the partitions of this month and the next three (PostgreSQL only)."""
    for table, months in partitions.ensure_months(connection, timezone.localdate()).items():
        if months:
            log.error("%s: rows of %s wait in the default partition; see docs/scaling.md", table, ", ".join(months))
