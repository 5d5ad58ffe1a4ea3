"""Checking a large ledger on two cores: the second half of the rows in a forked child process.

Planning is pure Python over data already in memory (the rows, the organisations, the members the
file names), so a child made by fork() has all it needs and sends back only its results. The child
may not use the database: it shares the parent's connection, and one word from it would corrupt the
parent's session. Its queries are refused; when it fails for any reason, the parent checks that half
itself, so the result never depends on the child.
"""

import logging
import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable
from contextlib import ExitStack, suppress
from typing import TypeVar

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)
Result = TypeVar("Result")
Progress = Callable[[int, int], None]
# Rows done, told by the child; then its result; or the reason it failed.
PROGRESS, DONE, FAILED = "progress", "done", "failed"
PENDING = object()
# The child tells its progress every few thousand rows, well under a second apart: this much
# silence means it is stuck, and the parent stops waiting for it.
SILENCE_SECONDS = 60


class ChildQuery(Exception):
    pass


def halves_wanted(rows: int) -> bool:
    return (
        rows >= settings.LEDGER_PARALLEL_ROWS
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


def in_two_halves(count: int, work: Callable[[int, int, Progress], Result], progress: Progress) -> list[Result]:
    """[work(0, middle), work(middle, count)], the second in a child process when that pays.

    `work(start, stop, report)` handles rows start..stop-1 and calls `report(done, total)` now and then;
    `progress(done, count)` hears of both halves together."""
    if not halves_wanted(count):
        result = work(0, count, progress)
        progress(count, count)
        return [result]
    middle = count * 11 // 20  # a little more here: the child also packs its results to send them
    receiver, sender = multiprocessing.Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # the child
        receiver.close()
        _child(sender, lambda report: work(middle, count, report))
    sender.close()
    child = _Child(receiver)
    try:
        first = work(0, middle, lambda done, _total: progress(done + child.listen(), count))
        second = child.result()
    finally:
        receiver.close()
        if child.outcome is PENDING:  # failed, stuck, or this process failed first: it is not waited for
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if second is PENDING:
        log.warning("checking the second half in a child process failed: %s", child.failure)
        second = work(middle, count, lambda done, _total: progress(middle + done, count))
    progress(count, count)
    return [first, second]


def _child(sender, work: Callable[[Progress], Result]) -> None:
    """Runs in the forked child and never returns: it ends with os._exit, so that nothing of the parent
    (its database connection above all) is closed or flushed from here."""
    status = 0
    try:
        with ExitStack() as guards:
            for connection in connections.all(initialized_only=True):
                guards.enter_context(connection.execute_wrapper(_refuse))
            result = work(lambda done, _total: sender.send((PROGRESS, done)))
        sender.send((DONE, result))
    except BaseException:  # whatever it is, the parent checks the half itself
        status = 1
        with suppress(Exception):  # the parent sees the pipe close instead
            sender.send((FAILED, traceback.format_exc()))
    finally:
        os._exit(status)


def _refuse(execute, sql, params, many, context):
    raise ChildQuery(f"the child process may not query the database: {sql[:200]}")


class _Child:
    """The parent's side of the pipe: the child's progress while the parent works, then its result."""

    def __init__(self, receiver):
        self.receiver = receiver
        self.done = 0
        self.outcome = PENDING
        self.failure = ""

    def listen(self) -> int:
        """Rows the child has done so far, reading what it said without waiting."""
        while self._waiting() and self._poll(0):
            self._receive()
        return self.done

    def result(self):
        """The child's result, or PENDING when it failed or fell silent."""
        while self._waiting():
            if not self._poll(SILENCE_SECONDS):
                self.failure = self.failure or f"the child process said nothing for {SILENCE_SECONDS} s"
                break
            self._receive()
        return self.outcome

    def _waiting(self) -> bool:
        return self.outcome is PENDING and not self.failure

    def _poll(self, timeout) -> bool:
        try:
            return self.receiver.poll(timeout)
        except (EOFError, OSError):
            self.failure = "the child process ended without a result"
            return False

    def _receive(self) -> None:
        try:
            kind, value = self.receiver.recv()
        except (EOFError, OSError):
            self.failure = "the child process ended without a result"
            return
        if kind == PROGRESS:
            self.done = value
        elif kind == DONE:
            self.outcome = value
        else:
            self.failure = value
