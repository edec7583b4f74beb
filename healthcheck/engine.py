"""Getting results for a set of checks: from the cache, or from one shared execution each,
waiting no longer than each check's timeout."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Sequence
from functools import partial
from typing import Union

from . import defaults
from .cache import Flight, ResultCache, Timer
from .check import Check
from .jsonable import JSON
from .result import CheckResult
from .runner import RUNNING, ExceptionHandler, Runner
from .scrub import DEFAULT as DEFAULT_SCRUBBER
from .scrub import Scrubber

#: ``settle(check, result, repeat)``: every fresh result passes here once before it is cached;
#: ``repeat`` marks the late real result of an execution already reported as timed out.
Settle = Callable[[Check, CheckResult, bool], CheckResult]
Fetched = list[tuple[Check, Union[CheckResult, Flight]]]


class Engine:
    """Single flight, concurrency and timeouts for a :class:`~healthcheck.HealthCheck`.

    Each waiter waits until the deadline of the execution it joined, not a deadline of its own:
    a caller that joins a checker hung since long ago is answered "timed out" at once, and the
    hung checker is not started again until it returns. A deadline counts from when the
    execution starts running, so checks waiting for a free thread are never reported late.
    """

    def __init__(
        self,
        *,
        ttl: Callable[[bool], float],
        timeout: Callable[[Check], float | None],
        exception_handler: ExceptionHandler,
        max_workers: int,
        timer: Timer,
        settle: Settle = lambda check, result, repeat: result,
        clean: Callable[[JSON], JSON] = lambda output: output,
        scrubber: Scrubber = DEFAULT_SCRUBBER,
    ) -> None:
        self._timeout = timeout
        self._settle = settle
        self.cache = ResultCache(timer=timer)
        self.runner = Runner(
            exception_handler=exception_handler,
            ttl=ttl,
            max_workers=max_workers,
            clean=clean,
            scrubber=scrubber,
        )

    def after_fork(self) -> None:
        self.cache.after_fork()
        self.runner.after_fork()

    def results(self, checks: Sequence[Check]) -> list[CheckResult]:
        """Fresh results for ``checks``, running what is missing; blocks the calling thread."""
        cached = self.cache.get_all(checks)
        if cached is not None:
            return cached
        return [self._wait(check, got) for check, got in self.fetch(checks)]

    async def results_async(self, checks: Sequence[Check]) -> list[CheckResult]:
        """Like :meth:`results`, awaiting on the running loop without blocking it."""
        cached = self.cache.get_all(checks)
        if cached is not None:
            return cached
        fetched = self.fetch(checks, loop=asyncio.get_running_loop())
        return list(await asyncio.gather(*(self._wait_async(c, got) for c, got in fetched)))

    def fetch(
        self,
        checks: Sequence[Check],
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        fresh: bool = False,
    ) -> Fetched:
        """For each check its cached result (unless ``fresh``) or the flight producing one;
        a check asked for from inside its own execution is answered at once."""
        running = RUNNING.get()
        return [
            (
                check,
                self.runner.reentered(check)
                if check in running
                else self.cache.fetch(
                    check,
                    self._timeout(check),
                    partial(self._launch, check, loop=loop),
                    fresh=fresh,
                ),
            )
            for check in checks
        ]

    def _launch(self, check: Check, flight: Flight, loop: asyncio.AbstractEventLoop | None) -> None:
        land = partial(self._land, check, flight)
        self.runner.launch(check, flight, land, partial(self.cache.drop, check, flight), loop)

    def _land(self, check: Check, flight: Flight, result: CheckResult) -> None:
        self.cache.land(check, flight, result, partial(self._settle, check))

    def _wait(self, check: Check, got: CheckResult | Flight) -> CheckResult:
        if isinstance(got, CheckResult):
            return got
        while True:
            running = got.started is not None  # what the wait below is for
            try:
                return got.future.result(self.remaining(got))
            except concurrent.futures.TimeoutError:
                if self.late(got, running):
                    return self.timed_out(check, got)

    async def _wait_async(self, check: Check, got: CheckResult | Flight) -> CheckResult:
        if isinstance(got, CheckResult):
            return got
        landed = asyncio.wrap_future(got.future)
        while True:
            running = got.started is not None  # what the wait below is for
            try:
                # shield: a waiter giving up must not cancel the execution others share
                return await asyncio.wait_for(asyncio.shield(landed), self.remaining(got))
            except asyncio.TimeoutError:
                if self.late(got, running):
                    return self.timed_out(check, got)

    def remaining(self, flight: Flight) -> float | None:
        """How long to wait for ``flight`` now: until its deadline once it runs (0 once past);
        a moment while it waits for a thread, then look again; ``None`` without a limit."""
        if flight.timeout is None:
            return None
        if flight.started is None:
            return defaults.QUEUED_POLL
        return max(0.0, flight.started + flight.timeout - self.cache.timer())

    def late(self, flight: Flight, running: bool) -> bool:
        """After a wait of :meth:`remaining` ran out: whether ``flight`` is past its deadline,
        that is whether it was ``running`` when the wait began (else the wait was for it to
        start, and there is more to wait). While it waits for a thread, the pool is asked to
        start one if those it has are all held by executions past their own deadlines."""
        if running:
            return True
        self.runner.make_room()
        return False

    def timed_out(self, check: Check, flight: Flight) -> CheckResult:
        """The result for a waiter that reached ``flight``'s deadline (shared by its waiters,
        and remade only as a repeat, so damping counts one failure per execution)."""
        limit = flight.timeout or 0.0

        def make() -> CheckResult:  # called under the cache's lock
            repeat = flight.timeout_result is not None
            return self._settle(check, self.runner.timeout_result(check, limit), repeat)

        return self.cache.record_timeout(check, flight, make)
