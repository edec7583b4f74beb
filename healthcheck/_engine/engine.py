"""Getting results for a set of checks: from the cache, or from one shared execution each,
waiting no longer than each check's timeout."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Union

from .. import defaults
from ..check import Check
from ..history import Histories
from ..listeners import StatusBoard
from ..result import CheckResult, Outcome, Status, effective_status
from ..settings import Settings
from .cache import Flight, ResultCache, Timer
from .damping import Damper
from .runner import RUNNING, ExceptionHandler, Runner
from .shared import Lock, SharedResults

logger = logging.getLogger("healthcheck")

Fetched = list[tuple[Check, Union[CheckResult, Flight]]]
#: How many checks a warning about many names at most.
_NAMED = 5


class Engine:
    """Single flight, concurrency and timeouts for a :class:`~healthcheck.HealthCheck`.

    Each waiter waits until the deadline of the execution it joined, not a deadline of its own:
    a caller that joins a checker hung since long ago is answered "timed out" at once, and the
    hung checker is not started again until it returns. A deadline counts from when the
    execution starts running, so checks waiting for a free thread are never reported late.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        exception_handler: ExceptionHandler,
        timer: Timer,
    ) -> None:
        self.settings = settings
        self.cache = ResultCache(timer=timer)
        self.runner = Runner(settings, exception_handler=exception_handler)
        #: Flap damping and the grace period, applied to every fresh result.
        self.damper = Damper(timer, settings.grace_period)
        #: The listeners, told of every change of a check's state or of the overall state.
        self.board = StatusBoard()
        #: The latest result of every check that has run (metrics scrapes read it).
        self.last: dict[Check, CheckResult] = {}
        #: Each check's last results and since when it has been in its state.
        self.histories = Histories()
        #: Results shared with the other processes of the host, if ``settings.share`` is set.
        self.shared = SharedResults(settings.share) if settings.share is not None else None
        #: When clear_cache() last ran (here or elsewhere, sharing): results published before
        #: then are not taken up; and the shared mark of the last clear seen.
        self._cleared = 0.0
        self._seen_clear = self.shared.cleared() if self.shared is not None else 0.0
        self._unavailable_said = -math.inf
        self._waits = Waits()
        #: Checks already said to run without a time limit (see _warn_unlimited).
        self._unlimited: weakref.WeakSet[Check] = weakref.WeakSet()
        #: Checks removed from the registry: a run of one still under way lands for its
        #: waiters only, never again in the state, the history or the damping counts.
        self._forgotten: weakref.WeakSet[Check] = weakref.WeakSet()

    # -- as a report source (see source.ReportSource) ------------------------------------

    @property
    def timer(self) -> Timer:
        return self.cache.timer

    @property
    def generation(self) -> int:
        self._follow_clear()
        return self.cache.generation

    def fresh_until(self, checks: Sequence[Check]) -> float:
        return self.cache.fresh_until(checks)

    def configure(self, settings: Settings) -> None:
        """Use ``settings`` from now on (the owner's were changed)."""
        if settings.share != self.settings.share:
            self.shared = SharedResults(settings.share) if settings.share is not None else None
        self.settings = self.runner.settings = settings

    def welcome(self, checks: Sequence[Check]) -> None:
        """``checks`` are registered (again): a check taken out and put back, as the very same
        object, counts once more (py-healthcheck's ``checkers`` list can do that)."""
        with self.cache.lock:
            for check in checks:
                self._forgotten.discard(check)

    def forget(self, checks: Sequence[Check]) -> None:
        """``checks`` are no longer registered: drop their results and their state."""
        with self.cache.lock:  # no landing in between: it would count them again
            self._forgotten.update(checks)
            self.board.forget(checks)
            self.histories.forget(checks)
            self.damper.forget(checks)
            for check in checks:
                self.last.pop(check, None)
        self.cache.forget(checks)

    def after_fork(self) -> None:
        self._waits = Waits()
        self.cache.after_fork()
        self.runner.after_fork()
        self.board.after_fork()
        self.damper.after_fork()
        if self.shared is not None:
            self.shared.after_fork()

    def close(self, timeout: float | None = None) -> None:
        """End the helper threads: the listeners', the private event loop, idle workers."""
        self.board.close(timeout)
        self.runner.close(timeout)

    def _timeout(self, check: Check) -> float | None:
        return check.timeout if check.timeout is not None else self.settings.error_timeout or None

    def _settle(self, check: Check, result: CheckResult, repeat: bool) -> CheckResult:
        """Every fresh result passes here once, under the cache's lock: damping, then the
        listeners. ``repeat`` marks the late real result of an execution already reported
        as timed out (damping counts one failure per execution)."""
        if check in self._forgotten:
            return result
        result = self.damper.apply(check, result, repeat)
        self.last[check] = result
        self.histories.record(check, result)
        self.board.update(check, check.name, result, effective_status(check, result.status))
        return result

    def results(self, checks: Sequence[Check]) -> list[CheckResult]:
        """Fresh results for ``checks``, running what is missing; blocks the calling thread."""
        self._follow_clear()
        cached = self.cache.get_all(checks)
        if cached is not None:
            return cached
        fetched = self.fetch(checks)
        with self._waits.waiting(fetched) as cyclic:
            return [
                self.runner.reentered(check) if check in cyclic else self._wait(check, got)
                for check, got in fetched
            ]

    async def results_async(self, checks: Sequence[Check]) -> list[CheckResult]:
        """Like :meth:`results`, awaiting on the running loop without blocking it."""
        self._follow_clear()
        cached = self.cache.get_all(checks)
        if cached is not None:
            return cached
        fetched = self.fetch(checks, loop=asyncio.get_running_loop())
        with self._waits.waiting(fetched) as cyclic:
            return list(
                await asyncio.gather(
                    *(
                        _ready(self.runner.reentered(c))
                        if c in cyclic
                        else self._wait_async(c, got)
                        for c, got in fetched
                    )
                )
            )

    def fetch(
        self,
        checks: Sequence[Check],
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        fresh: bool = False,
        newer_than: float | None = None,
    ) -> Fetched:
        """For each check its cached result (unless ``fresh``) or the flight producing one;
        a check asked for from inside its own execution is answered at once. Sharing results
        with other processes, a result they made after ``newer_than`` (a Unix time) counts as
        fresh."""
        running = RUNNING.get()
        asked = [check for check in checks if check not in running]
        got, new = self.cache.fetch_many([(c, self._timeout(c)) for c in asked], fresh=fresh)
        if new:
            self._warn_unlimited(new)
            if self.shared is None:
                self.runner.launch_many(new, self._land, self.cache.drop, loop)
            else:  # checks about the process itself still run in each
                own = [(c, f) for c, f in new if not c.shared]
                if own:
                    self.runner.launch_many(own, self._land, self.cache.drop, loop)
                if len(own) < len(new):
                    shared = [(c, f) for c, f in new if c.shared]
                    self._launch_shared(self.shared, shared, newer_than)
        answers = dict(zip(asked, got))
        return [
            (check, answers[check] if check in answers else self.runner.reentered(check))
            for check in checks
        ]

    def _warn_unlimited(self, flights: Sequence[tuple[Check, Flight]]) -> None:
        """Say once per check that it runs without a time limit: hung, it would hold a server
        thread for every request that asks for it. One line per run, however many checks."""
        unlimited = [
            check.name
            for check, flight in flights
            if flight.timeout is None and check not in self._unlimited
        ]
        if not unlimited:
            return
        self._unlimited.update(check for check, flight in flights if flight.timeout is None)
        if len(unlimited) == 1:
            logger.warning(
                'Health check "%s" has no time limit (error_timeout=0, timeout= not given): '
                "if it hangs, every request for it waits with it; give it one",
                unlimited[0],
            )
            return
        shown = ", ".join(f'"{name}"' for name in unlimited[:_NAMED])
        more = f" and {len(unlimited) - _NAMED} more" if len(unlimited) > _NAMED else ""
        logger.warning(
            "%d health checks (%s%s) have no time limit (error_timeout=0, timeout= not given): "
            "if one hangs, every request for it waits with it; give them one",
            len(unlimited),
            shown,
            more,
        )

    def _land(self, check: Check, flight: Flight, result: CheckResult) -> None:
        self.cache.land(check, flight, result, partial(self._settle, check))

    # -- sharing results with the other processes of the host (see shared.py) -----------

    def _launch_shared(
        self,
        shared: SharedResults,
        flights: Sequence[tuple[Check, Flight]],
        newer_than: float | None,
    ) -> None:
        self.runner.submit(
            [(partial(self._coordinate, shared, c, f, newer_than), f.timeout) for c, f in flights]
        )

    def _coordinate(
        self, shared: SharedResults, check: Check, flight: Flight, newer_than: float | None
    ) -> None:
        """On a pool thread: adopt what another process made, or run the check here under its
        lock, or wait for the process that holds it. Waiting counts against the check's time
        limit; past it, the flight ends as timed out and the next caller tries again. With the
        directory gone or unusable, the check runs here, unshared."""
        flight.start()
        began = time.time()  # a result made since answers this flight, whatever its TTL
        key = self.share_key(check)
        pause = defaults.SHARE_POLL
        try:
            while True:
                adopted = self.published(shared, key, check, newer_than, began)
                if adopted is None:
                    lock = shared.try_lock(key)
                    if lock is Lock.UNAVAILABLE:
                        self._unavailable(shared)
                        self.runner.launch_many([(check, flight)], self._land, self.cache.drop)
                        return
                    if lock is Lock.TAKEN:
                        adopted = self.published(shared, key, check, newer_than, began)
                        if adopted is None:
                            self.runner.launch_many(
                                [(check, flight)],
                                partial(self._land_shared, shared, key),
                                partial(self._drop_shared, shared, key),
                            )
                            return
                        shared.unlock(key)
                if adopted is not None:
                    result, life = adopted
                    self.cache.land(check, flight, result, partial(self._settled, check), life)
                    return
                left = self.remaining(flight)
                if left is not None and left <= 0:
                    limit = flight.timeout or 0.0
                    self.cache.drop(check, flight, self.runner.timeout_result(check, limit))
                    return
                time.sleep(pause if left is None else min(pause, left))
                pause = min(pause * 1.5, defaults.SHARE_POLL_MAX)  # a long run: look less often
        except Exception:  # never leave the flight unfinished: its waiters would hang
            logger.exception('healthcheck: sharing the result of "%s" failed', check.name)
            failed = Outcome(Status.FAIL, "sharing its result with other processes failed")
            self.cache.drop(check, flight, self.runner.result(check, failed, 0.0, log=False))

    def published(
        self,
        shared: SharedResults,
        key: str,
        check: Check,
        newer_than: float | None = None,
        made_since: float | None = None,
    ) -> tuple[CheckResult, float] | None:
        """What another process (or this one) published for ``check``, if still fresh here."""
        ttls = (self.settings.success_ttl, self.settings.failed_ttl)
        newer_than = max(newer_than or 0.0, self._cleared)
        return shared.read(key, check, ttls, newer_than, made_since)

    @staticmethod
    def share_key(check: Check) -> str:
        """The name a check shares its result under: its own and, for the second, third...
        check built with one name (two lambdas), ``name#2``, ``name#3``: numbered when made,
        so the same in every worker of an application, whatever is removed later."""
        return check.name if check.instance == 1 else f"{check.name}#{check.instance}"

    def _unavailable(self, shared: SharedResults) -> None:
        now = time.monotonic()
        if now - self._unavailable_said > 60:  # once a minute, not once a check
            self._unavailable_said = now
            logger.warning(
                "healthcheck: the shared directory %s is gone or unusable: checks run in each "
                "process until it is back",
                shared.directory,
            )

    def clear(self) -> None:
        """Forget every result; sharing, in every process, and take up nothing published
        before now."""
        self._cleared = time.time()
        if self.shared is not None:
            self._seen_clear = self.shared.clear()
        self.cache.clear()

    def _follow_clear(self) -> None:
        """Sharing: another process cleared its cache, so forget ours (a cheap look)."""
        shared = self.shared
        if shared is not None and shared.cleared() != self._seen_clear:
            self._seen_clear = shared.cleared()
            # Results published since that clear stand: another process's new run, say.
            self._cleared = max(self._cleared, self._seen_clear)
            self.cache.clear()

    def adopt(self, check: Check, result: CheckResult) -> CheckResult:
        """``result``, which another process published, settled as if it had landed here."""
        with self.cache.lock:
            return self._settled(check, result, False)

    def _settled(self, check: Check, result: CheckResult, repeat: bool) -> CheckResult:
        """:meth:`_settle`, once per published result: taken up twice (by a request, then by
        a round), it counts once in damping and in the history."""
        last = self.last.get(check)
        if last is not None and last.timestamp == result.timestamp:
            return last
        return self._settle(check, result, repeat)

    def _land_shared(
        self, shared: SharedResults, key: str, check: Check, flight: Flight, result: CheckResult
    ) -> None:
        try:
            shared.write(key, result)  # before the lock goes: whoever waits reads it
        finally:
            shared.unlock(key)
        self._land(check, flight, result)

    def _drop_shared(
        self, shared: SharedResults, key: str, check: Check, flight: Flight, result: CheckResult
    ) -> None:
        shared.unlock(key)
        self.cache.drop(check, flight, result)

    def _wait(self, check: Check, got: CheckResult | Flight) -> CheckResult:
        if isinstance(got, CheckResult):
            return got
        while True:
            if got.landed is not None:  # most of a run of quick checks: no future to wait on
                return got.landed
            running = got.started is not None  # what the wait below is for
            try:
                return got.future.result(self.remaining(got))
            except concurrent.futures.TimeoutError:
                if running:  # else it waited for a thread, and its time starts now
                    return self.timed_out(check, got)

    async def _wait_async(self, check: Check, got: CheckResult | Flight) -> CheckResult:
        if isinstance(got, CheckResult):
            return got
        if got.landed is not None:
            return got.landed
        landed = asyncio.wrap_future(got.future)
        while True:
            running = got.started is not None  # what the wait below is for
            try:
                # shield: a waiter giving up must not cancel the execution others share
                return await asyncio.wait_for(asyncio.shield(landed), self.remaining(got))
            except asyncio.TimeoutError:
                if running:  # else it waited for a thread, and its time starts now
                    return self.timed_out(check, got)

    def remaining(self, flight: Flight) -> float | None:
        """How long to wait for ``flight`` now: until its deadline once it runs (0 once past);
        a moment while it waits for a thread, then look again; ``None`` without a limit."""
        if flight.timeout is None:
            return None
        if flight.started is None:
            return defaults.QUEUED_POLL
        return max(0.0, flight.started + flight.timeout - self.cache.timer())

    def timed_out(self, check: Check, flight: Flight) -> CheckResult:
        """The result for a waiter that reached ``flight``'s deadline (shared by its waiters,
        and remade only as a repeat, so damping counts one failure per execution)."""
        limit = flight.timeout or 0.0

        def make() -> CheckResult:  # called under the cache's lock
            repeat = flight.timeout_result is not None
            return self._settle(check, self.runner.timeout_result(check, limit), repeat)

        return self.cache.record_timeout(check, flight, make)


async def _ready(result: CheckResult) -> CheckResult:
    return result


class Waits:
    """Which running checks wait for which others, to answer a cycle at once: two checkers
    that each run the other's check would otherwise wait for each other until both time out
    (a checker that runs its own check is answered by the runner, see ``RUNNING``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._edges: dict[Check, list[Check]] = {}

    @contextmanager
    def waiting(self, fetched: Fetched) -> Iterator[frozenset[Check]]:
        """While the calling checker waits for the flights in ``fetched``: yields the checks
        among them that wait, directly or not, for a check running in this context."""
        running = RUNNING.get()
        if not running:  # a request, not a checker: nothing can wait for it
            yield frozenset()
            return
        awaited = [check for check, got in fetched if isinstance(got, Flight)]
        with self._lock:  # check and record at once: of two waiting for each other, one sees it
            cyclic = frozenset(c for c in awaited if self._reaches(c, running))
            kept = [c for c in awaited if c not in cyclic]
            for waiter in running:
                self._edges.setdefault(waiter, []).extend(kept)
        try:
            yield cyclic
        finally:
            with self._lock:
                for waiter in running:
                    edges = self._edges.get(waiter, [])
                    for check in kept:
                        edges.remove(check)
                    if not edges:
                        self._edges.pop(waiter, None)

    def _reaches(self, start: Check, targets: frozenset[Check]) -> bool:
        seen: set[Check] = set()
        todo = [start]
        while todo:
            check = todo.pop()
            if check in targets:
                return True
            if check not in seen:
                seen.add(check)
                todo.extend(self._edges.get(check, ()))
        return False
