"""``healthcheck.timeout``: py-healthcheck's decorator, working in any thread."""

from __future__ import annotations

import builtins
import contextvars
import errno
import logging
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from healthcheck.timeout import TimeoutError, timeout

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # no helper thread outlives the test


def test_a_call_in_time_returns_its_value() -> None:
    @timeout(5)
    def add(a: int, b: int = 0) -> int:
        return a + b

    assert add(1, b=2) == 3
    assert add.__name__ == "add"


def test_an_overrunning_call_raises_the_module_s_timeout_error(gate: threading.Event) -> None:
    @timeout(0.05, "Timeout error!")
    def hangs() -> None:
        gate.wait()

    with pytest.raises(TimeoutError, match="Timeout error!") as raised:
        hangs()
    assert isinstance(raised.value, builtins.TimeoutError)


def test_the_default_message_is_py_healthcheck_s() -> None:
    expected = os.strerror(getattr(errno, "ETIME", errno.ETIMEDOUT))
    gate = threading.Event()
    try:
        with pytest.raises(TimeoutError) as raised:
            timeout(0.05)(gate.wait)()
        assert str(raised.value) == expected
    finally:
        gate.set()


def test_it_works_outside_the_main_thread(gate: threading.Event) -> None:
    outcome: list[Any] = []

    @timeout(0.05)
    def hangs() -> None:
        gate.wait()

    def worker() -> None:
        try:
            hangs()
        except TimeoutError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(10)
    assert len(outcome) == 1
    assert isinstance(outcome[0], TimeoutError)


def test_the_function_s_own_exception_reaches_the_caller() -> None:
    @timeout(5)
    def broken() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        broken()


def test_the_call_sees_the_caller_s_context_variables() -> None:
    @timeout(5)
    def current() -> str:
        return request_id.get()

    token = request_id.set("req-42")
    try:
        assert current() == "req-42"
    finally:
        request_id.reset(token)


def test_zero_seconds_means_no_limit() -> None:
    def plain() -> str:
        return "ran"

    assert timeout(0)(plain) is plain


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf"), "2", True, None])
def test_bad_seconds_are_refused_at_decoration(seconds: Any) -> None:
    with pytest.raises((TypeError, ValueError), match="seconds"):
        timeout(seconds)


def test_a_backend_that_answers_is_never_failed_for_one_that_hangs(
    gate: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    """One helper for several backends: however often the hung one overruns, calls to the
    healthy one return its answer, and the pile-up of overrunning calls is logged."""
    from healthcheck.timeout import WARN_OVERRUNNING
    from tests.test_core import eventually

    @timeout(0.02, "backend hung")
    def ping(backend: str) -> str:
        if backend == "replica":
            gate.wait()
        return f"{backend}: PONG"

    def helpers() -> int:
        return sum(t.name == "healthcheck-timeout-ping" for t in threading.enumerate())

    with caplog.at_level(logging.WARNING, logger="healthcheck"):
        for _ in range(WARN_OVERRUNNING + 2):
            with pytest.raises(TimeoutError, match=r"^backend hung$"):
                ping("replica")
            assert ping("primary") == "primary: PONG"
    warnings = [r.getMessage() for r in caplog.records if "still running" in r.getMessage()]
    assert warnings == [
        f"{WARN_OVERRUNNING} calls of "
        "test_a_backend_that_answers_is_never_failed_for_one_that_hangs.<locals>.ping are still "
        "running past their 0.02 s timeout, each holding a thread; give the blocking calls "
        "inside a timeout of their own"
    ]
    assert helpers() == WARN_OVERRUNNING + 2
    gate.set()  # the replica answers again: its calls work, and the stragglers end
    assert ping("replica") == "replica: PONG"
    assert eventually(lambda: helpers() == 0)
