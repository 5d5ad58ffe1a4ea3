"""The daily contact reminders, run by the Huey consumer (`manage.py run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhibu.care import services


@db_periodic_task(crontab(hour="8", minute="0"))
def send_contact_reminders() -> None:
    """Every morning at 08:00, tell each cadre whom to contact this week (at most once a week per item)."""
    services.send_contact_reminders()
