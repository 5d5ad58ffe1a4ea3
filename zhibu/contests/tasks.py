"""Attempts whose time ran out without a submission, closed by the Huey consumer (`manage.py run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhibu.contests import services
from zhibu.core.scope import SystemActor

ACTOR = SystemActor(audit_name="contests: close attempts whose time is up")


@db_periodic_task(crontab(minute="*/5"))
def close_expired_attempts() -> int:
    """Every five minutes: score the attempts whose deadline has passed with the answers saved before it."""
    return services.close_all_expired(ACTOR)
