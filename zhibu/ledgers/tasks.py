"""Background jobs of the ledgers, run by the Huey consumer (`manage.py run_huey`).

Each job switches the worker thread to the language of whoever started it (services._job); the
override here gives the thread back as it was when the job ends.
"""

from django.conf import settings
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from zhibu.ledgers import services


@db_task()
def check_import(job_id: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        services.run_check(job_id)


@db_task()
def commit_import(job_id: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        services.run_commit(job_id)


@db_task()
def run_export(job_id: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        services.run_export(job_id)


@db_periodic_task(crontab(minute="17"))
def purge_ledger_files() -> None:
    services.purge_expired_files()
