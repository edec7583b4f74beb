"""A check's time limit counts from when it starts running: checks waiting for a free thread
are never reported late, and checks hung past their limit do not keep the others waiting."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

from healthcheck import HealthCheck
from healthcheck._engine.pool import DaemonThreadPool
from tests.conftest import run_in_thread


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def sleeper(seconds: float) -> Any:
    def check() -> tuple[bool, str]:
        time.sleep(seconds)
        return True, "ok"

    return check


def test_checks_queued_behind_others_are_not_reported_late() -> None:
    # Two threads, six checks of 0.2 s under a 0.5 s limit: the last two start 0.4 s after
    # they were asked for, which is not their fault.
    health = HealthCheck(max_workers=2, error_timeout=0.5)
    for number in range(6):
        health.add_check(sleeper(0.2), name=f"c{number}")
    try:
        body, status, _ = run_in_thread(health)
    finally:
        health.close()
    results = json.loads(body)["results"]
    assert status == 200
    assert [r["output"] for r in results] == ["ok"] * 6


def test_checks_hung_past_their_limit_leave_room_for_the_others(gate: threading.Event) -> None:
    health = HealthCheck(max_workers=1, error_timeout=0.2)
    health.add_check(lambda: (gate.wait(30), "late"), name="hung")
    health.add_check(lambda: (True, "ok"), name="quick")
    try:
        body, _, _ = run_in_thread(health)
    finally:
        gate.set()
        health.close()
    results = {r["checker"]: r for r in json.loads(body)["results"]}
    assert results["hung"]["output"] == "timed out after 0.2 s"
    assert (results["quick"]["passed"], results["quick"]["output"]) == (True, "ok")


def test_the_pool_starts_a_worker_beside_one_held_past_its_limit(gate: threading.Event) -> None:
    pool = DaemonThreadPool(max_workers=1)
    ran = threading.Event()
    try:
        pool.submit(gate.wait, limit=0.05)
        pool.submit(ran.set, limit=0.05)
        # One worker, still held: once past its limit it no longer counts, and the second
        # task gets a thread of its own.
        assert ran.wait(10)
        assert not gate.is_set()
    finally:
        gate.set()
        pool.close(5)


def threads_used(task: Callable[[], object], count: int) -> int:
    """How many of a pool's threads ran ``count`` submissions of ``task``, queued at once."""
    pool = DaemonThreadPool(max_workers=64, name="threads-used")
    threads: set[str] = set()
    done = threading.Event()

    def run(number: int) -> None:
        threads.add(threading.current_thread().name)
        task()
        if number == count - 1:
            done.set()

    try:
        pool.submit_many([(partial(run, n), None) for n in range(count)])
        assert done.wait(20)
    finally:
        pool.close(5)
    return len(threads)


def test_quick_tasks_share_one_thread() -> None:
    # A thousand quick checks need no thousand hand-offs: the pool adds threads only beside
    # slow ones.
    assert threads_used(lambda: None, 500) <= 2


def test_the_pool_does_not_grow_beside_a_worker_within_its_limit(gate: threading.Event) -> None:
    pool = DaemonThreadPool(max_workers=1)
    ran = threading.Event()
    try:
        pool.submit(gate.wait, limit=60)
        pool.submit(ran.set)
        pool.make_room()
        assert not ran.wait(0.2)
        gate.set()
        assert ran.wait(10)
    finally:
        gate.set()
        pool.close(5)


def test_quick_checks_that_wait_get_threads_of_their_own() -> None:
    # Checks of half a millisecond that sleep (a fast backend's round trip) must not run one
    # after another: a thousand of them would take half a second. Those that compute share.
    assert threads_used(lambda: time.sleep(0.0005), 400) > 4


def test_a_busy_process_does_not_fill_the_pool_with_computing_checks() -> None:
    # Another thread of the application computing holds the interpreter lock half the time:
    # checks that compute then look slow, but threads added would only queue for the lock
    # (and stretch checks past their time limits). The pool stays small.
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(1000))

    def computes() -> tuple[bool, str]:
        total = 0
        for number in range(3000):
            total += number
        return True, "ok"

    health = HealthCheck(success_ttl=0, failed_ttl=0, error_timeout=0.5)
    for number in range(1000):
        health.add_check(computes, name=f"c{number}")
    spinner = threading.Thread(target=spin, daemon=True)
    before = set(threading.enumerate())  # earlier tests' idle threads may end meanwhile
    spinner.start()
    try:
        answers = [health.run() for _ in range(3)]
        grown = len(set(threading.enumerate()) - before - {spinner})
    finally:
        stop.set()
        spinner.join(5)
        health.close()
    assert [status for _, status, _ in answers] == [200, 200, 200]
    assert grown <= 4


def test_checks_waiting_on_a_backend_get_threads_even_in_a_busy_process() -> None:
    # A busy application thread must not make twenty 0.3 s waits run one after another
    # (6 s behind a 1 s probe timeout): a check that has waited this long gets company.
    stop = threading.Event()
    lock = threading.Lock()
    running, most = [0], [0]

    def spin() -> None:
        while not stop.is_set():
            sum(range(1000))

    def waits() -> tuple[bool, str]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.3)
        with lock:
            running[0] -= 1
        return True, "ok"

    health = HealthCheck(error_timeout=5)
    for number in range(20):
        health.add_check(waits, name=f"c{number}")
    spinner = threading.Thread(target=spin, daemon=True)
    spinner.start()
    try:
        _, status, _ = run_in_thread(health)
    finally:
        stop.set()
        spinner.join(5)
        health.close()
    assert status == 200
    assert most[0] >= 10  # side by side, not one after another
