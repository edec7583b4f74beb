"""Shared fixtures: a fake clock, and loopback servers for end-to-end tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from healthcheck import HealthCheck


@dataclass
class FakeTimer:
    """A monotonic clock that only moves when told to (``HealthCheck(timer=...)``)."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def timer() -> FakeTimer:
    return FakeTimer()


class Counter:
    """A thread-safe call counter for checkers."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def hit(self) -> int:
        with self._lock:
            self.calls += 1
            return self.calls


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event a test's hung checkers wait on; set at teardown so no thread outlives a test."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def make_health() -> Iterator[Callable[..., HealthCheck]]:
    """Build HealthChecks that are closed after the test; a lost result fails after 5 s
    instead of hanging the suite."""
    made: list[HealthCheck] = []

    def make(**options: Any) -> HealthCheck:
        options.setdefault("error_timeout", 5.0)
        health = HealthCheck(**options)
        made.append(health)
        return health

    yield make
    for health in made:
        health.close()


def run_in_thread(health: HealthCheck, limit: float = 20) -> Any:
    """``health.run()`` on a thread of its own: a deadlock fails the test instead of hanging
    the suite."""
    answer: list[Any] = []
    thread = threading.Thread(target=lambda: answer.append(health.run()), daemon=True)
    thread.start()
    thread.join(limit)
    assert answer, "run() never returned"
    return answer[0]
