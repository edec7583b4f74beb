"""Background mode: every check runs each ``interval`` seconds on a daemon thread, and requests
are answered from the latest results at once."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from functools import partial
from typing import Any

from ..check import Check
from ..result import CheckResult, Outcome, Status
from .cache import Flight, Timer
from .engine import Engine

logger = logging.getLogger("healthcheck")

PENDING = Outcome(Status.FAIL, "pending: the first background run of this check has not finished")


class Background:
    """The periodic runner. Its thread never waits on a check alone, always on the check or
    :meth:`stop`, so that stopping is prompt even while a checker hangs."""

    def __init__(
        self,
        engine: Engine,
        checks: Callable[[], Sequence[Check]],
        interval: float,
        latest: Mapping[Check, CheckResult] | None = None,
    ) -> None:
        self.interval = interval  # validated by HealthCheck
        self._engine = engine
        self._checks = checks
        #: Served until this runner's own results land (``latest``: another runner's).
        self._latest: dict[Check, CheckResult] = dict(latest or {})
        #: Bumped after every change to the latest results (read it before them): while it
        #: holds, an answer built from them is still the answer.
        self.version = 0
        self._lock = threading.Lock()
        self._watching: dict[Check, Flight] = {}
        # Checks told of (once) for still running a round later with no timeout.
        self._warned: set[Check] = set()
        self._stopping = threading.Event()
        self._wake = threading.Event()  # stop() or reschedule() while waiting for a round
        self._stopped: Future[None] = Future()  # the same, for waiting along with a flight
        self._thread = threading.Thread(
            target=self._loop, name="healthcheck-background", daemon=True
        )
        #: Sharing results with other processes: their publications last taken up, and the
        #: version of each check's result file last read.
        self._shared_mark: int | None = None
        self._seen: dict[Check, tuple[int, int, int]] = {}

    def start(self) -> None:
        self._thread.start()

    def reschedule(self, interval: float) -> None:
        """Run every ``interval`` seconds from now on (the next round too)."""
        self.interval = interval
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        self._wake.set()
        with self._lock:
            if not self._stopped.done():
                self._stopped.set_result(None)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def latest(self) -> dict[Check, CheckResult]:
        """A copy of the latest results. Lock-free: it is called in a forked child, where the
        lock may have been held by a thread that did not come along."""
        return dict(self._latest)

    # -- as a report source (see source.ReportSource) ------------------------------------

    @property
    def timer(self) -> Timer:
        return self._engine.cache.timer

    @property
    def generation(self) -> int:
        self._follow_shared()
        return self.version

    def fresh_until(self, checks: Sequence[Check]) -> float:
        return math.inf  # the latest results stand until a newer one lands

    async def results_async(self, checks: Sequence[Check]) -> list[CheckResult]:
        return self.results(checks)  # never blocks: the latest results, or "pending"

    def results(self, checks: Sequence[Check]) -> list[CheckResult]:
        """The latest result of each check; a failed "pending" one before its first run ends."""
        self._follow_shared()
        latest = self._latest
        return [latest.get(c) or self._pending(c) for c in checks]

    def _follow_shared(self) -> None:
        """Sharing results: take up at once what other processes published since the last
        look, so that every worker answers a new result as soon as one has it, not at its own
        next round."""
        shared = self._engine.shared
        if shared is None:
            return
        mark = shared.generation()
        if mark == self._shared_mark:
            return
        self._shared_mark = mark
        for check in self._checks():
            if not check.shared:
                continue
            key = self._engine.share_key(check)
            version = shared.version(key)  # a stat: only changed files are read
            if version is None or self._seen.get(check) == version:
                continue
            self._seen[check] = version
            adopted = self._engine.published(shared, key, check)
            latest = self._latest.get(check)
            if adopted is not None and (latest is None or adopted[0].timestamp > latest.timestamp):
                self._keep(check, self._engine.adopt(check, adopted[0]))

    def _pending(self, check: Check) -> CheckResult:
        # Stored, so that repeated requests share one object and the cached body stays valid.
        pending = self._engine.runner.result(check, PENDING, 0.0, log=False)
        with self._lock:
            result = self._latest.setdefault(check, pending)
            if result is pending:
                self.version += 1
        return result

    def _keep(self, check: Check, result: CheckResult, unless: Flight | None = None) -> None:
        """Make ``result`` the latest, unless ``unless`` has landed (its result wins)."""
        with self._lock:
            if unless is not None and unless.landed is not None:
                return
            if self._latest.get(check) is not result:
                self._latest[check] = result
                self.version += 1

    def _loop(self) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                self._round()
            except Exception:  # e.g. no thread could be started: try again next round
                logger.exception("healthcheck: a background round failed")
            interval, due = self.interval, self._due(started)
            while not self._stopping.is_set():  # until the round is due (interval may change)
                if self.interval != interval:
                    interval, due = self.interval, self._due(started)
                remaining = due - time.monotonic()
                if remaining <= 0:
                    break
                self._wake.wait(remaining)
                self._wake.clear()

    def _due(self, started: float) -> float:
        """When the next round starts (monotonic clock): ``interval`` after this one's start;
        sharing results, at the next multiple of ``interval`` of the wall clock, the same moment
        in every process, so that one of them runs each check and the others take it up."""
        if self._engine.shared is None:
            return started + self.interval
        now = time.time()
        return time.monotonic() + (math.floor(now / self.interval) + 1) * self.interval - now

    def _round(self) -> None:
        # Shared with other processes: a result one of them made in this round counts (rounds
        # start together, so within half an interval: the last round's is older).
        newer_than = time.time() - self.interval / 2
        fetched = self._engine.fetch(self._checks(), fresh=True, newer_than=newer_than)
        for check, got in fetched:
            if isinstance(got, CheckResult):
                self._keep(check, got)
            elif self._watching.get(check) is not got:  # one callback per execution
                self._watching[check] = got
                got.future.add_done_callback(partial(self._landed, check))
            elif got.timeout is None and check not in self._warned:
                running = 0.0 if got.started is None else self._engine.cache.timer() - got.started
                if running < self.interval:
                    continue  # still within its round (or waiting for a thread): no hang yet
                self._warned.add(check)
                logger.warning(
                    'Health check "%s" has run for %.2g s with no timeout: until it returns, '
                    "its last result is served (a timeout would report a hang)",
                    check.name,
                    running,
                )
        flights = [(c, f) for c, f in fetched if isinstance(f, Flight) and f.timeout]
        for check, flight in flights:
            # Until it lands or reaches its deadline (counted from its start), or stop().
            while True:
                running = flight.started is not None
                either: list[Future[Any]] = [flight.future, self._stopped]
                wait(either, self._engine.remaining(flight), FIRST_COMPLETED)
                if self._stopping.is_set():
                    return
                if flight.landed is not None or running:
                    break
            if flight.landed is None:  # a landing after this replaces the timeout
                self._keep(check, self._engine.timed_out(check, flight), unless=flight)

    def _landed(self, check: Check, future: Future[CheckResult]) -> None:
        self._keep(check, future.result())
