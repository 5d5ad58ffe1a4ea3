"""Background jobs of the ledgers, run by the Huey consumer (`manage.py run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from zhibu.ledgers import services


@db_task()
def check_import(job_id: str) -> None:
    services.run_check(job_id)


@db_task()
def commit_import(job_id: str) -> None:
    services.run_commit(job_id)


@db_task()
def run_export(job_id: str) -> None:
    services.run_export(job_id)


@db_periodic_task(crontab(minute="17"))
def purge_ledger_files() -> None:
    services.purge_expired_files()
