"""The scheduled freeze: on the 1st at 00:05, of the month just ended; the same from the command line."""

import datetime
import io
import time

import pytest
from django.core.management import CommandError, call_command

from zhibu.core.models import AuditEvent
from zhibu.snapshots import services, tasks
from zhibu.snapshots.models import LedgerSnapshot


def runs_at(moment: datetime.datetime) -> bool:
    return tasks.freeze_last_month.task_class().validate_datetime(moment)


def test_the_schedule_is_the_first_of_the_month_at_five_past_midnight():
    assert runs_at(datetime.datetime(2025, 3, 1, 0, 5))
    assert runs_at(datetime.datetime(2025, 12, 1, 0, 5))
    assert not runs_at(datetime.datetime(2025, 3, 1, 0, 4))
    assert not runs_at(datetime.datetime(2025, 3, 1, 0, 6))
    assert not runs_at(datetime.datetime(2025, 3, 1, 1, 5))
    assert not runs_at(datetime.datetime(2025, 3, 2, 0, 5))
    assert not runs_at(datetime.datetime(2025, 3, 31, 0, 5))


def test_previous_month_wraps_the_year():
    assert services.previous_month(datetime.date(2025, 1, 1)) == datetime.date(2024, 12, 1)
    assert services.previous_month(datetime.date(2025, 3, 31)) == datetime.date(2025, 2, 1)


def test_the_task_freezes_the_month_just_ended(world):
    tasks.freeze_last_month.call_local()
    last_month = services.previous_month()
    assert set(LedgerSnapshot.objects.values_list("month", flat=True)) == {last_month}
    assert sorted(LedgerSnapshot.objects.values_list("organization__code", "member_count")) == [
        ("branch-a1", 2),
        ("branch-b1", 1),
        ("mobile-a", 1),
    ]
    event = AuditEvent.objects.get(changes__month=f"{last_month:%Y-%m}")
    assert event.actor_name == "scheduled job" and event.actor is None


def test_a_real_worker_runs_the_task(job_worker, world):
    tasks.freeze_last_month()  # enqueued, as the consumer's scheduler does on the 1st
    deadline = time.monotonic() + 20
    while not LedgerSnapshot.objects.exists():
        assert time.monotonic() < deadline, "the worker did not freeze the ledgers"
        time.sleep(0.05)
    while not AuditEvent.objects.filter(actor_name="scheduled job").exists():  # written in the same transaction
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert LedgerSnapshot.objects.filter(month=services.previous_month()).count() == 3


def test_the_command_freezes_a_given_month_and_prints_counts(world):
    out = io.StringIO()
    call_command("freeze_ledgers", "--month", "2025-03", stdout=out)
    assert out.getvalue().strip() == "froze 2025-03: 3 organisation(s), 4 member(s)"
    assert LedgerSnapshot.objects.filter(month=datetime.date(2025, 3, 1)).count() == 3
    event = AuditEvent.objects.get(changes__month="2025-03")
    assert event.actor_name == "manage.py freeze_ledgers"

    out = io.StringIO()
    call_command("freeze_ledgers", stdout=out)  # the month just ended by default
    assert out.getvalue().startswith(f"froze {services.previous_month():%Y-%m}: 3 organisation(s)")


@pytest.mark.parametrize("month", ["2025-13", "March", "2999-01"])
def test_the_command_refuses_bad_or_future_months(world, month):
    with pytest.raises(CommandError):
        call_command("freeze_ledgers", "--month", month, stdout=io.StringIO())
    assert not LedgerSnapshot.objects.exists()
