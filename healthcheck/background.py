"""Background mode: every check runs each ``interval`` seconds on a daemon thread, and requests
are answered from the latest results at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from functools import partial

from .cache import Flight
from .check import Check
from .engine import Engine
from .result import CheckResult, Outcome, Status

PENDING = Outcome(Status.FAIL, "pending: the first background run of this check has not finished")


class Background:
    """The periodic runner. Its thread only ever waits on its stop event, never on a check,
    so :meth:`stop` returns promptly even while a checker hangs."""

    def __init__(
        self, engine: Engine, checks: Callable[[], Sequence[Check]], interval: float
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be a positive number of seconds, got {interval!r}")
        self.interval = interval
        self._engine = engine
        self._checks = checks
        self._latest: dict[Check, CheckResult] = {}
        self._watching: dict[Check, Flight] = {}
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name="healthcheck-background", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def results(self, checks: Sequence[Check]) -> list[CheckResult]:
        """The latest result of each check; a failed "pending" one before its first run ends."""
        latest = self._latest
        return [latest.get(c) or self._pending(c) for c in checks]

    def _pending(self, check: Check) -> CheckResult:
        # Stored, so that repeated requests share one object and the cached body stays valid.
        result = self._engine.runner.result(check, PENDING, 0.0, log=False)
        return self._latest.setdefault(check, result)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            fetched = self._engine.fetch(self._checks(), fresh=True)
            for check, got in fetched:
                if isinstance(got, CheckResult):
                    self._latest[check] = got
                elif self._watching.get(check) is not got:  # one callback per execution
                    self._watching[check] = got
                    got.future.add_done_callback(partial(self._landed, check))
            flights = [(c, f) for c, f in fetched if isinstance(f, Flight) and f.deadline]
            for check, flight in sorted(flights, key=lambda item: item[1].deadline or 0):
                if self._stopping.wait(self._engine.remaining(flight)):
                    return
                if not flight.future.done():  # a landing after this replaces the timeout
                    self._latest[check] = self._engine.timed_out(check, flight)
            self._stopping.wait(max(0.0, started + self.interval - time.monotonic()))

    def _landed(self, check: Check, future: Future[CheckResult]) -> None:
        self._latest[check] = future.result()
