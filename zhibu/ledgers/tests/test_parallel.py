"""Checking a large ledger on two cores: the same plan as on one, whatever the child process does."""

import os
import time

import pytest
from django.urls import reverse
from django.utils import translation

from zhibu.ledgers import importing, parallel, reading
from zhibu.ledgers.tests import sheets
from zhibu.ledgers.tests.sheets import MEMBER_HEADER, member_rows
from zhibu.registry.models import Organization


@pytest.fixture
def in_halves(settings):
    settings.LEDGER_PARALLEL_ROWS = 4
    assert parallel.halves_wanted(4), "this machine must have two cores and fork()"


def numbered(start, stop, report):
    report(stop - start, stop - start)
    return os.getpid(), list(range(start, stop))


def test_the_second_half_runs_in_another_process_and_progress_covers_both(in_halves):
    heard = []
    first, second = parallel.in_two_halves(11, numbered, lambda done, total: heard.append((done, total)))
    assert first[0] == os.getpid() != second[0]
    assert first[1] + second[1] == list(range(11))
    assert heard[-1] == (11, 11) and all(total == 11 for _done, total in heard)
    assert [done for done, _total in heard] == sorted(done for done, _total in heard)


def test_small_work_stays_in_this_process(in_halves):
    (only,) = parallel.in_two_halves(3, numbered, lambda done, total: None)
    assert only == (os.getpid(), [0, 1, 2])


def test_a_child_that_queries_the_database_is_stopped_and_its_half_done_here(in_halves, db, caplog):
    Organization.objects.create(code="one", name="一", kind="branch", path="0001", depth=1)

    def counting(start, stop, report):
        return os.getpid(), Organization.objects.count(), list(range(start, stop))

    first, second = parallel.in_two_halves(8, counting, lambda done, total: None)
    assert first[0] == second[0] == os.getpid()
    assert first[2] + second[2] == list(range(8)) and first[1] == second[1] == 1
    assert "may not query the database" in caplog.text
    # The child sent nothing down the shared connection: this process's session goes on.
    assert Organization.objects.filter(code="one").exists()


def test_a_child_that_dies_leaves_its_half_to_this_process(in_halves, caplog):
    parent = os.getpid()

    def dying(start, stop, report):
        if os.getpid() != parent:
            os._exit(3)
        return numbered(start, stop, report)

    first, second = parallel.in_two_halves(6, dying, lambda done, total: None)
    assert first == (parent, [0, 1, 2]) and second == (parent, [3, 4, 5])
    assert "ended without a result" in caplog.text


def test_a_failure_here_is_raised_and_the_child_not_waited_for(in_halves):
    parent = os.getpid()

    def failing(start, stop, report):
        if os.getpid() == parent:
            raise ValueError("a bug in the first half")
        time.sleep(300)  # the child's half would take five minutes
        return numbered(start, stop, report)

    started = time.monotonic()
    with pytest.raises(ValueError, match="first half"):
        parallel.in_two_halves(6, failing, lambda done, total: None)
    assert time.monotonic() - started < 60, "the child was waited for instead of stopped"


def comparable(plan: importing.Plan) -> tuple[list, list]:
    """What a plan says, without the sealed numbers (their nonces differ every time)."""
    items = [
        (
            item.row.number,
            item.action,
            {k: v for k, v in item.record.items() if not k.endswith("_sealed")}
            if isinstance(item.record, dict)
            else item.record.pk,
            item.changes,
        )
        for item in plan.items
    ]
    return items, [problem.as_dict() for problem in plan.problems]


def test_a_file_checked_in_halves_is_planned_as_on_one_core(settings, world, caplog):
    rows = [MEMBER_HEADER, *member_rows(40, 900)]
    rows[5][1] = "44030519900101123"  # an ID number a digit short, in the first half
    rows[31][1] = rows[4][1]  # the ID number of row 6 again, in the second half
    rows[36][3] = "2099-07-01"  # joined in the future
    rows[12][1] = rows[33][1]  # a pair within the first and second halves
    rows[2][0] = world.wang.name
    rows[2][1] = world.wang.id_number  # a member already registered: an update
    table = reading.read_table(sheets.xlsx(rows, title="A 公司第一党支部党员台账"), "members")

    settings.LEDGER_PARALLEL_ROWS = len(table.rows) + 1
    with translation.override("en"):
        one_core = importing.plan(world.root_user, table, world.branch_a1)
        settings.LEDGER_PARALLEL_ROWS = len(table.rows)
        assert parallel.halves_wanted(len(table.rows))
        heard = []
        two_cores = importing.plan(world.root_user, table, world.branch_a1, lambda done, total: heard.append(done))

    assert comparable(two_cores) == comparable(one_core)
    assert "child process failed" not in caplog.text  # the child's part was not checked here again
    assert {item.action for item in two_cores.items} == {"create", "update"}
    messages = " ".join(problem.message for problem in two_cores.problems)
    assert "row 6" in messages and "future" in messages and len(two_cores.problems) == 4
    assert heard[-1] == len(table.rows)


def test_a_web_import_is_checked_in_halves_by_the_job_worker_and_committed(settings, job_worker, world, login, caplog):
    from zhibu.ledgers.models import LedgerJob
    from zhibu.ledgers.tests.test_import_jobs import upload, wait_for, workbook

    settings.LEDGER_PARALLEL_ROWS = 10
    rows = [
        [f"新党员{i}", row[1], "正式党员", "2015-07-01", row[4], "A 公司第一党支部"]
        for i, row in enumerate(member_rows(30, 700))
    ]
    client = login("secretary")
    upload(client, world, workbook(rows))
    job = wait_for(LedgerJob.objects.get().pk, {LedgerJob.State.CHECKED})
    assert (job.result["created"], job.result["error_count"]) == (30, 0)
    assert client.post(reverse("ledgers:job_commit", args=[job.pk])).status_code == 302
    job = wait_for(job.pk, {LedgerJob.State.DONE})
    assert job.result["created"] == 30
    assert world.branch_a1.members.filter(name__startswith="新党员").count() == 30
    assert "child process failed" not in caplog.text
