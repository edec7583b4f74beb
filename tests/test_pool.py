"""DaemonThreadPool: runs tasks on at most max_workers daemon threads."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

import pytest

from healthcheck._engine.pool import DaemonThreadPool

from .conftest import Counter
from .test_core import HANG, eventually

_names = itertools.count(1)


def unique_name() -> str:
    """A thread-name prefix no other pool in the process uses."""
    return f"test-pool-{next(_names)}-"


def pool_threads(prefix: str) -> list[threading.Thread]:
    """The pool's workers (not the thread that decides when to add them)."""
    return [
        t
        for t in threading.enumerate()
        if t.name.startswith(prefix) and not t.name.endswith("-grower")
    ]


class Tracker:
    """Records, thread-safely, which threads ran tasks, and signals when ``expected`` ran."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.threads: set[threading.Thread] = set()
        self.done = Counter()
        self.all_done = threading.Event()
        self._lock = threading.Lock()

    def task(self, before: Callable[[], object] = lambda: None) -> Callable[[], None]:
        def run() -> None:
            with self._lock:
                self.threads.add(threading.current_thread())
            before()
            if self.done.hit() == self.expected:
                self.all_done.set()

        return run


@pytest.mark.parametrize("max_workers", [0, -1])
def test_fewer_than_one_worker_is_refused(max_workers: int) -> None:
    with pytest.raises(ValueError, match="max_workers"):
        DaemonThreadPool(max_workers)


def test_submitted_tasks_all_run() -> None:
    tracker = Tracker(expected=25)
    pool = DaemonThreadPool(4, name=unique_name())

    for _ in range(25):
        pool.submit(tracker.task())

    assert tracker.all_done.wait(5)
    assert tracker.done.calls == 25


def test_tasks_run_on_daemon_threads_not_the_caller() -> None:
    tracker = Tracker(expected=3)
    pool = DaemonThreadPool(2, name=unique_name())

    for _ in range(3):
        pool.submit(tracker.task())

    assert tracker.all_done.wait(5)
    assert tracker.threads
    assert all(thread.daemon for thread in tracker.threads)
    assert threading.current_thread() not in tracker.threads


def test_worker_threads_carry_the_pool_name() -> None:
    prefix = unique_name()
    tracker = Tracker(expected=1)
    pool = DaemonThreadPool(1, name=prefix)

    pool.submit(tracker.task())

    assert tracker.all_done.wait(5)
    assert all(thread.name.startswith(prefix) for thread in tracker.threads)


def test_blocked_tasks_never_start_more_than_max_workers_threads(
    release: threading.Event,
) -> None:
    prefix = unique_name()
    tracker = Tracker(expected=12)
    started = Counter()
    three_started = threading.Event()

    def block() -> None:
        if started.hit() == 3:
            three_started.set()
        release.wait(5)

    pool = DaemonThreadPool(3, name=prefix)
    for _ in range(12):
        pool.submit(tracker.task(before=block))

    assert three_started.wait(5)
    assert len(pool_threads(prefix)) == 3
    assert started.calls == 3  # the other nine wait in the queue, not on new threads

    release.set()
    assert tracker.all_done.wait(5)
    assert tracker.done.calls == 12
    assert len(tracker.threads) <= 3
    assert len(pool_threads(prefix)) <= 3


def test_a_single_worker_pool_runs_every_task_on_one_thread() -> None:
    tracker = Tracker(expected=5)
    pool = DaemonThreadPool(1, name=unique_name())

    for _ in range(5):
        pool.submit(tracker.task())

    assert tracker.all_done.wait(5)
    assert tracker.done.calls == 5
    assert len(tracker.threads) == 1


def test_a_pool_of_idle_workers_takes_new_work() -> None:
    first = Tracker(expected=2)
    pool = DaemonThreadPool(2, name=unique_name())
    for _ in range(2):
        pool.submit(first.task())
    assert first.all_done.wait(5)

    second = Tracker(expected=6)
    for _ in range(6):
        pool.submit(second.task())

    assert second.all_done.wait(5)
    assert second.done.calls == 6


def test_a_pool_closed_after_its_workers_idled_out_still_runs_tasks() -> None:
    # close() must not leave a stop signal for a worker that has already gone: the next
    # worker would take it and leave, and the task it was started for would never run.
    prefix = unique_name()
    pool = DaemonThreadPool(1, name=prefix, idle_timeout=0.01)
    first = Tracker(expected=1)
    pool.submit(first.task())
    assert first.all_done.wait(5)
    assert eventually(lambda: not pool_threads(prefix))

    pool.close(5)
    second = Tracker(expected=1)
    pool.submit(second.task())

    assert second.all_done.wait(5)


def test_a_task_submitted_after_close_runs_while_an_old_worker_is_busy(
    release: threading.Event,
) -> None:
    # The busy worker's stop signal is meant for it, not for the worker started after close().
    started = threading.Event()

    def busy() -> None:
        started.set()
        release.wait(30)

    pool = DaemonThreadPool(2, name=unique_name())
    pool.submit(busy)
    assert started.wait(5)
    pool.close(timeout=0.1)  # returns, the busy worker is left to finish
    tracker = Tracker(expected=1)

    pool.submit(tracker.task())

    assert tracker.all_done.wait(5)


def test_close_waits_at_most_its_timeout_in_all_for_busy_workers(
    release: threading.Event,
) -> None:
    # One timeout for the whole close(), not one per hung worker: a shutdown hook with eight
    # checkers hung on a dead backend must not wait eight times as long.
    started = Counter()
    all_started = threading.Event()

    def busy() -> None:
        if started.hit() == 8:
            all_started.set()
        release.wait(30)

    pool = DaemonThreadPool(8, name=unique_name())
    for _ in range(8):
        pool.submit(busy)
    assert all_started.wait(5)

    began = time.monotonic()
    pool.close(timeout=1.0)

    assert time.monotonic() - began < HANG
