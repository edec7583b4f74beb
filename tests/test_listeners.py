"""Status listeners: told of each change of a check's or the overall state, off the caller's
thread; LoggingListener."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from healthcheck import HealthCheck, LoggingListener, Status, StatusChange
from healthcheck.result import CheckResult
from tests.conftest import FakeTimer


class Recorder:
    """A listener that keeps every change and the thread it was delivered on."""

    def __init__(self) -> None:
        self.changes: list[StatusChange] = []
        self.threads: list[threading.Thread] = []

    def __call__(self, change: StatusChange) -> None:
        self.changes.append(change)
        self.threads.append(threading.current_thread())

    def summary(self) -> list[tuple[str | None, Status | None, Status]]:
        return [(c.check, c.old, c.new) for c in self.changes]


def health_with(timer: FakeTimer, **options: Any) -> HealthCheck:
    """No result is cached, so every run() executes every check."""
    return HealthCheck(timer=timer, success_ttl=0, failed_ttl=0, **options)


def switchable(health: HealthCheck, name: str, up: bool = True, **options: Any) -> dict[str, bool]:
    state = {"up": up}
    health.add_check(
        lambda: (True, f"{name} ok") if state["up"] else (False, f"{name} down"),
        name=name,
        **options,
    )
    return state


def run_and_flush(health: HealthCheck) -> None:
    health.run()
    assert health.flush_listeners(timeout=5)


def test_the_first_result_of_a_check_has_no_old_state(timer: FakeTimer) -> None:
    health = health_with(timer)
    recorder = Recorder()
    health.add_listener(recorder)
    switchable(health, "db")
    run_and_flush(health)
    assert recorder.summary() == [("db", None, Status.PASS), (None, None, Status.PASS)]
    change = recorder.changes[0]
    assert isinstance(change.result, CheckResult)
    assert (change.result.checker, change.result.output) == ("db", "db ok")
    assert recorder.changes[1].result is None  # the overall change carries no result


def test_a_pass_to_fail_transition_and_back(timer: FakeTimer) -> None:
    health = health_with(timer)
    recorder = Recorder()
    health.add_listener(recorder)
    db = switchable(health, "db")
    run_and_flush(health)
    del recorder.changes[:]

    db["up"] = False
    run_and_flush(health)
    assert recorder.summary() == [
        ("db", Status.PASS, Status.FAIL),
        (None, Status.PASS, Status.FAIL),
    ]
    failed = recorder.changes[0].result
    assert failed is not None
    assert (failed.status, failed.output, failed.passed) == (Status.FAIL, "db down", False)
    del recorder.changes[:]

    db["up"] = True
    run_and_flush(health)
    assert recorder.summary() == [
        ("db", Status.FAIL, Status.PASS),
        (None, Status.FAIL, Status.PASS),
    ]


def test_overall_changes_follow_the_aggregate(timer: FakeTimer) -> None:
    health = health_with(timer)
    recorder = Recorder()
    health.add_listener(recorder)
    db = switchable(health, "db")
    recommendations = switchable(health, "recommendations", critical=False)
    run_and_flush(health)
    del recorder.changes[:]

    recommendations["up"] = False  # non-critical: the whole only warns
    run_and_flush(health)
    assert recorder.summary() == [
        ("recommendations", Status.PASS, Status.FAIL),
        (None, Status.PASS, Status.WARN),
    ]
    del recorder.changes[:]

    db["up"] = False
    run_and_flush(health)
    assert recorder.summary() == [
        ("db", Status.PASS, Status.FAIL),
        (None, Status.WARN, Status.FAIL),
    ]
    overall = [c for c in recorder.changes if c.check is None]
    assert all(c.result is None for c in overall)


def test_a_second_check_changing_without_changing_the_whole(timer: FakeTimer) -> None:
    health = health_with(timer)
    recorder = Recorder()
    health.add_listener(recorder)
    switchable(health, "db", up=False)
    cache = switchable(health, "cache")
    run_and_flush(health)
    del recorder.changes[:]
    cache["up"] = False
    run_and_flush(health)
    assert recorder.summary() == [("cache", Status.PASS, Status.FAIL)]


def test_no_event_when_the_state_does_not_change(timer: FakeTimer) -> None:
    health = health_with(timer)
    recorder = Recorder()
    health.add_listener(recorder)
    calls = {"n": 0}

    def varying() -> tuple[bool, str]:
        calls["n"] += 1
        return False, f"down, attempt {calls['n']}"  # new output, same state

    health.add_check(varying, name="db")
    run_and_flush(health)
    assert len(recorder.changes) == 2
    run_and_flush(health)
    run_and_flush(health)
    assert calls["n"] == 3  # executed each time
    assert len(recorder.changes) == 2


def test_damped_failures_are_heard_as_warnings(timer: FakeTimer) -> None:
    health = health_with(timer)
    recorder = Recorder()
    health.add_listener(recorder)
    switchable(health, "db", up=False, fail_after=2)
    run_and_flush(health)
    run_and_flush(health)
    assert recorder.summary() == [
        ("db", None, Status.WARN),
        (None, None, Status.WARN),
        ("db", Status.WARN, Status.FAIL),
        (None, Status.WARN, Status.FAIL),
    ]


def test_a_raising_listener_is_logged_and_breaks_nothing(
    timer: FakeTimer, caplog: pytest.LogCaptureFixture
) -> None:
    health = health_with(timer)

    def broken(change: StatusChange) -> None:
        raise RuntimeError("listener exploded")

    recorder = Recorder()
    health.add_listener(broken)
    health.add_listener(recorder)
    switchable(health, "db")
    with caplog.at_level(logging.ERROR, logger="healthcheck"):
        body, code, _ = health.run()
        assert health.flush_listeners(timeout=5)
    assert code == 200
    assert '"status": "success"' in body
    assert recorder.summary() == [("db", None, Status.PASS), (None, None, Status.PASS)]
    raised = [
        r
        for r in caplog.records
        if r.name == "healthcheck" and "RuntimeError: listener exploded" in (r.exc_text or "")
    ]
    assert len(raised) == 2  # once per change, with its traceback (as masked text)
    assert all(r.levelno == logging.ERROR for r in raised)


def test_listeners_run_on_another_thread(timer: FakeTimer) -> None:
    health = health_with(timer)
    recorder = Recorder()
    health.add_listener(recorder)
    switchable(health, "db")
    run_and_flush(health)
    assert recorder.threads
    assert all(t is not threading.current_thread() for t in recorder.threads)


def test_a_slow_listener_does_not_hold_up_run(timer: FakeTimer) -> None:
    health = health_with(timer)
    entered, unblock = threading.Event(), threading.Event()

    def slow(change: StatusChange) -> None:
        entered.set()
        unblock.wait(10)

    health.add_listener(slow)
    switchable(health, "db")
    try:
        assert health.run()[1] == 200  # returns while the listener is still blocked
        assert entered.wait(5)
        assert not health.flush_listeners(timeout=0.05)
    finally:
        unblock.set()
    assert health.flush_listeners(timeout=5)


def test_flush_without_listeners_returns_at_once(timer: FakeTimer) -> None:
    health = health_with(timer)
    switchable(health, "db")
    health.run()
    assert health.flush_listeners(timeout=5) is True


def test_add_listener_rejects_a_non_callable(timer: FakeTimer) -> None:
    health = health_with(timer)
    with pytest.raises(TypeError):
        health.add_listener("not callable")  # type: ignore[arg-type]


def test_logging_listener_logs_failures_at_error_and_recoveries_at_info(
    timer: FakeTimer, caplog: pytest.LogCaptureFixture
) -> None:
    health = health_with(timer)
    health.add_listener(LoggingListener())
    db = switchable(health, "db")
    with caplog.at_level(logging.INFO, logger="healthcheck"):
        run_and_flush(health)
        caplog.clear()

        db["up"] = False
        run_and_flush(health)
        failures = [r for r in caplog.records if "changed from pass to fail" in r.getMessage()]
        assert {r.levelno for r in failures} == {logging.ERROR}
        messages = [r.getMessage() for r in failures]
        assert any('check "db"' in m and "db down" in m for m in messages)
        assert any("overall status" in m for m in messages)
        caplog.clear()

        db["up"] = True
        run_and_flush(health)
        recoveries = [r for r in caplog.records if "changed from fail to pass" in r.getMessage()]
        assert len(recoveries) == 2
        assert {r.levelno for r in recoveries} == {logging.INFO}


def test_logging_listener_levels_and_messages() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    log = logging.getLogger("tests.listeners.logging")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    handler = Keep()
    log.addHandler(handler)
    try:
        listener = LoggingListener(log)
        listener(StatusChange("db", None, Status.PASS))
        listener(StatusChange("db", Status.PASS, Status.WARN))
        listener(StatusChange(None, Status.WARN, Status.FAIL))
    finally:
        log.removeHandler(handler)
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.INFO, 'check "db" changed from unknown to pass'),
        (logging.WARNING, 'check "db" changed from pass to warn'),
        (logging.ERROR, "overall status changed from warn to fail"),
    ]


def test_a_check_taken_out_of_the_list_no_longer_counts_overall(timer: FakeTimer) -> None:
    health = health_with(timer)
    recorder = Recorder()
    health.add_listener(recorder)
    switchable(health, "db")
    queue = switchable(health, "queue")
    queue["up"] = False
    run_and_flush(health)
    del recorder.changes[:]

    del health.checkers[1]  # the failing one goes: the whole passes again
    health.flush_listeners(5)
    assert recorder.summary() == [(None, Status.FAIL, Status.PASS)]
