"""Per-check result cache with per-outcome TTLs, and single flight on a miss."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TypeVar

from ..result import CheckResult

Timer = Callable[[], float]
K = TypeVar("K", bound=Hashable)


@dataclass(eq=False)
class Flight:
    """One execution of a checker that callers wait for together.

    Its time limit counts from when it starts running, not from when it was asked for: a
    check waiting for a free thread is not late.
    """

    #: Seconds the execution may run; ``None`` waits for as long as it takes.
    timeout: float | None
    timer: Timer = field(default=time.monotonic, repr=False)
    #: Its cache's lock (see ResultCache.lock): held while it lands.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: When it started running (timer clock); ``None`` while it waits for a thread.
    started: float | None = None
    #: Its result, once landed.
    landed: CheckResult | None = None
    #: The "timed out" result given to this flight's waiters (the latest, if remade).
    timeout_result: CheckResult | None = None
    #: Set by clear(): the execution began before it, so its result must not be kept.
    stale: bool = False
    _future: Future[CheckResult] | None = field(default=None, repr=False)

    def start(self) -> None:
        """The execution begins: its time limit starts now."""
        if self.started is None:
            self.started = self.timer()

    @property
    def future(self) -> Future[CheckResult]:
        """A future of its result, for a waiter that must wait: made when first asked for,
        since a run of many quick checks has most of them landed before anyone waits."""
        with self.lock:
            if self._future is None:
                future: Future[CheckResult] = Future()
                # A running future cannot be cancelled: no waiter can take it from the others.
                future.set_running_or_notify_cancel()
                if self.landed is not None:
                    future.set_result(self.landed)
                self._future = future
            return self._future

    def finish(self, result: CheckResult) -> None:
        """Land ``result`` and wake the waiters, unless it landed already (a flight dropped
        may land late). Call with :attr:`lock` held."""
        if self.landed is None:
            self.landed = result
            if self._future is not None:
                self._future.set_result(result)

    @property
    def deadline(self) -> float | None:
        """When waiters stop waiting; ``None`` without a time limit or before it starts."""
        if self.timeout is None or self.started is None:
            return None
        return self.started + self.timeout


class ResultCache:
    """Fresh results by key, and the execution in flight for each key that has none.

    A result stays fresh for the life its maker gave it (``expires - timestamp``); zero keeps
    it out of the cache. All methods are safe to call from many threads.
    """

    def __init__(self, *, timer: Timer = time.monotonic) -> None:
        self.timer = timer
        # Plain storage, one entry per check: each result with when it expires on the cache's
        # clock. Entries of removed checks go with forget(); no size bound to fall off.
        self._results: dict[Hashable, CheckResult] = {}
        self._expiry: dict[Hashable, float] = {}
        self._flights: dict[Hashable, Flight] = {}
        self._lock = threading.Lock()
        #: Bumped whenever a stored result changes; equal generations mean equal contents.
        self.generation = 0

    @property
    def lock(self) -> threading.Lock:
        """Held while results land (and are settled)."""
        return self._lock

    def _fresh(self, key: Hashable, now: float) -> CheckResult | None:
        """Call with the lock held."""
        result = self._results.get(key)
        return result if result is not None and self._expiry[key] > now else None

    def get(self, key: Hashable) -> CheckResult | None:
        """The fresh result for ``key``, if any."""
        with self._lock:
            return self._fresh(key, self.timer())

    def get_all(self, keys: Sequence[Hashable]) -> list[CheckResult] | None:
        """Fresh results for every key, or ``None`` if any is missing (the cached fast path)."""
        results = []
        with self._lock:
            now = self.timer()
            for key in keys:
                result = self._fresh(key, now)
                if result is None:
                    return None
                results.append(result)
        return results

    def fetch(
        self,
        key: Hashable,
        timeout: float | None,
        launch: Callable[[Flight], None],
        *,
        fresh: bool = False,
    ) -> CheckResult | Flight:
        """:meth:`fetch_many` for one key, calling ``launch(flight)`` for a new flight."""
        (got,), new = self.fetch_many([(key, timeout)], fresh=fresh)
        for _, flight in new:
            launch(flight)
        return got

    def fetch_many(
        self, wanted: Sequence[tuple[K, float | None]], *, fresh: bool = False
    ) -> tuple[list[CheckResult | Flight], list[tuple[K, Flight]]]:
        """For each ``(key, timeout)``: its fresh result (unless ``fresh``), or the flight that
        will produce one; and the flights registered here, which the caller must start, each
        to end in :meth:`land` or :meth:`drop`.

        A flight still running past its deadline is joined, not restarted, so a hung checker
        never has more than one thread. One lock for the lot: a cold run of many checks does
        not contend with their landings once per check.
        """
        got: list[CheckResult | Flight] = []
        new: list[tuple[K, Flight]] = []
        with self._lock:
            now = self.timer()
            for key, timeout in wanted:
                result = None if fresh else self._fresh(key, now)
                if result is not None:
                    got.append(result)
                    continue
                flight = self._flights.get(key)
                if flight is None:
                    flight = Flight(timeout=timeout or None, timer=self.timer, lock=self._lock)
                    self._flights[key] = flight
                    new.append((key, flight))
                got.append(flight)
        return got, new

    def land(
        self,
        key: Hashable,
        flight: Flight,
        result: CheckResult,
        settle: Callable[[CheckResult, bool], CheckResult] = lambda result, repeat: result,
        life: float | None = None,
    ) -> None:
        """Record the result of ``flight`` and wake its waiters.

        ``settle(result, repeat)`` may rewrite the result first; ``repeat`` is true when the
        flight's waiters were already given a timeout for this execution. It runs under the
        lock, so a timeout and a landing never both count as the first word on one execution.
        ``life``: the seconds it stays fresh, when not its whole TTL (a result another process
        made a while ago).
        """
        with self._lock:
            result = settle(result, flight.timeout_result is not None)
            if self._flights.get(key) is flight:
                del self._flights[key]
                if not flight.stale:  # begun before a clear(): its waiters only get it
                    self._store(key, result, life)
            # Under the lock, so record_timeout sees a landed flight as done. The callbacks
            # only wake waiters; none takes this lock.
            flight.finish(result)

    def drop(self, key: Hashable, flight: Flight, result: CheckResult) -> None:
        """End ``flight`` without caching: its waiters get ``result``, the next caller runs the
        check again."""
        with self._lock:
            if self._flights.get(key) is flight:
                del self._flights[key]
            flight.finish(result)

    def record_timeout(
        self, key: Hashable, flight: Flight, make: Callable[[], CheckResult]
    ) -> CheckResult:
        """The result for waiters of ``flight`` who reached its deadline: its real result if it
        has landed meanwhile, else a timed-out one from ``make()``, cached and shared.

        It is made again once the last one is no longer cached (after its TTL): the execution
        still hangs, and what that means can change with time (a damped failure that has
        lasted long enough fails). ``flight.timeout_result`` tells ``make`` if it is the
        first."""
        with self._lock:
            if flight.landed is not None:
                return flight.landed
            timed_out = flight.timeout_result
            if timed_out is None or self._fresh(key, self.timer()) is not timed_out:
                timed_out = make()
                flight.timeout_result = timed_out
                if self._flights.get(key) is flight and not flight.stale:
                    self._store(key, timed_out)
            return timed_out

    def clear(self) -> None:
        """Forget every cached result. Executions under way still answer their waiters (and
        callers who join them: a check is never run twice at once, so a hung one does not
        gain a thread per clear), but their results are not kept: they may have read the
        state that was cleared, and the next caller after them runs the check again."""
        with self._lock:
            for flight in self._flights.values():
                flight.stale = True
            self._results.clear()
            self._expiry.clear()
            self.generation += 1

    def forget(self, keys: Sequence[Hashable]) -> None:
        """Drop the results of ``keys`` (checks no longer registered)."""
        with self._lock:
            for key in keys:
                self._results.pop(key, None)
                self._expiry.pop(key, None)
            self.generation += 1

    def after_fork(self) -> None:
        """In a forked child: flights under way stay in the parent and would never land here;
        the results stand."""
        self._lock = threading.Lock()
        self._flights = {}

    def fresh_until(self, keys: Sequence[Hashable]) -> float:
        """When the first of ``keys``' stored results expires, on the cache's clock."""
        with self._lock:
            return min((self._expiry.get(key, float("-inf")) for key in keys), default=0.0)

    def _store(self, key: Hashable, result: CheckResult, life: float | None = None) -> None:
        # Replace, not update: a result with no TTL is not stored, and must not leave an
        # older one (a timeout recorded meanwhile) in its place. Call with the lock held.
        if life is None:
            life = result.expires - result.timestamp
        if life > 0:
            self._results[key] = result
            self._expiry[key] = self.timer() + life
        else:
            self._results.pop(key, None)
            self._expiry.pop(key, None)
        self.generation += 1
