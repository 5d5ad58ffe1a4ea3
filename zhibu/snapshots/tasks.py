"""The scheduled freeze of the monthly ledgers, run by the Huey consumer (`manage.py run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhibu.snapshots import services


@db_periodic_task(crontab(day="1", hour="0", minute="5"))
def freeze_last_month() -> None:
    """On the 1st at 00:05, freeze every organisation's ledger as it stood at the end of the month just ended."""
    services.freeze_all()
