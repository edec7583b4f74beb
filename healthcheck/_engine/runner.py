"""Executing one checker: on a worker thread or an event loop, always ending in a result."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import decimal
import fractions
import inspect
import json
import logging
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from functools import partial
from typing import Any, TypeVar

from ..check import Check
from ..jsonable import JSON, to_jsonable
from ..result import CheckResult, Observed, Outcome, Status, interpret
from ..settings import Settings
from .cache import Flight
from .pool import DaemonThreadPool

logger = logging.getLogger("healthcheck")

ExceptionHandler = Callable[[Any, BaseException], "tuple[bool, Any]"]
#: The checks whose checker is running in this context: a checker that runs its own
#: HealthCheck is answered at once for itself instead of waiting for itself.
RUNNING: contextvars.ContextVar[frozenset[Check]] = contextvars.ContextVar(
    "healthcheck_running", default=frozenset()
)
#: Where an execution's result goes: ``land(check, flight, result)``.
Land = Callable[[Check, Flight, CheckResult], None]
T = TypeVar("T")


def basic_exception_handler(checker: Any, exc: BaseException) -> tuple[bool, str]:
    """py-healthcheck's default: a failed result whose output is the exception's message.
    The traceback goes to the log, never into the response."""
    return False, str(exc) or type(exc).__name__


def traceback_exception_handler(checker: Any, exc: BaseException) -> tuple[bool, str]:
    """Opt-in: a failed result whose output is the whole traceback (secrets still masked).
    For debugging on private networks; ``HealthCheck(exception_handler=...)``."""
    return False, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


class Runner:
    """Starts checker executions and turns whatever they do into a :class:`CheckResult`."""

    def __init__(self, settings: Settings, *, exception_handler: ExceptionHandler) -> None:
        self.exception_handler = exception_handler
        #: How results are made (TTLs, scrubbing, output bound): replaced, never changed.
        self.settings = settings
        self._pool = DaemonThreadPool(settings.max_workers)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._loop_lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- starting executions -------------------------------------------------------------

    def launch_many(
        self,
        flights: Sequence[tuple[Check, Flight]],
        land: Land,
        drop: Land,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        """Start each ``(check, flight)``: its result goes to ``land(check, flight, result)``
        whatever happens, or to ``drop`` (answer the waiters, cache nothing) if its event loop
        cancels it first.

        Async checkers run on ``loop`` (the caller's running loop) or, for synchronous callers,
        on a private loop in a daemon thread; synchronous ones run on the thread pool, queued
        together so that quick ones share a thread.
        """
        # The caller's context variables go along: Flask keeps its application and request
        # context in them, so current_app and Flask-SQLAlchemy's session work in a checker as
        # they did when py-healthcheck ran checkers in the request's own thread.
        context = contextvars.copy_context()
        tasks = []  # each its own copy: a context is entered by one thread at a time
        for check, flight in flights:
            if check.is_async:
                self._launch_async(check, flight, land, drop, loop)
            else:
                run = partial(self._run_sync, context.copy(), check, flight, land)
                tasks.append((run, flight.timeout))
        if tasks:
            self._pool.submit_many(tasks)

    def submit(self, tasks: Sequence[tuple[Callable[[], None], float | None]]) -> None:
        """Run each ``(task, seconds it should take)`` on the thread pool."""
        self._pool.submit_many(tasks)

    def _run_sync(
        self, context: contextvars.Context, check: Check, flight: Flight, land: Land
    ) -> None:
        flight.start()
        land(check, flight, context.run(self._execute_sync, check))

    def _launch_async(
        self,
        check: Check,
        flight: Flight,
        land: Land,
        drop: Land,
        loop: asyncio.AbstractEventLoop | None,
    ) -> None:
        def dropped(done: asyncio.Future[None] | concurrent.futures.Future[None]) -> None:
            # A loop that ends (a server shutting down, a client gone) cancels its tasks,
            # maybe before they start; the flight must not wait for them for ever.
            if done.cancelled():
                drop(check, flight, self.result(check, CANCELLED, 0.0, cache=False, log=False))

        coro = self._execute_async(check, flight, land)
        if loop is None:
            self._on_private_loop(coro).add_done_callback(dropped)
        else:
            task = loop.create_task(coro)
            self._tasks.add(task)  # the loop keeps only weak references to tasks
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(dropped)

    def after_fork(self) -> None:
        """In a forked child: the loop's thread and the workers stayed in the parent."""
        self._loop = self._loop_thread = None  # the loop runs nowhere here: leave it be
        self._loop_lock = threading.Lock()
        self._tasks = set()
        self._pool.after_fork()

    def close(self, timeout: float | None = None) -> None:
        """Stop the private event loop and the idle check threads."""
        with self._loop_lock:
            loop, thread = self._loop, self._loop_thread
            self._loop = self._loop_thread = None
        if loop is not None and thread is not None:
            # Cancel its executions before stopping it: cancelled, their flights are dropped,
            # while a stopped task would leave its flight unfinished, joined by every later
            # caller and never run again.
            asyncio.run_coroutine_threadsafe(_wind_down(timeout), loop)
            thread.join(timeout)
            if not thread.is_alive():
                loop.close()
        self._pool.close(timeout)

    def _on_private_loop(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coro`` on the private loop, started if need be. Under the lock, so that what
        is scheduled before close() takes the loop is cancelled with the rest."""
        with self._loop_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="healthcheck-async", daemon=True
                )
                thread.start()
                self._loop, self._loop_thread = loop, thread
            return asyncio.run_coroutine_threadsafe(coro, self._loop)

    # -- executing -----------------------------------------------------------------------

    def _execute_sync(self, check: Check) -> CheckResult:
        start = time.perf_counter()
        token = RUNNING.set(RUNNING.get() | {check})
        try:
            value = check.func()
            if inspect.isawaitable(value):  # a sync callable that hands back a coroutine
                outcome = self._on_private_loop(self._outcome_async(check, value)).result()
            else:
                outcome = interpret(value)
        except BaseException as exc:  # SystemExit in a checker is still a result
            outcome = self._handle(check, exc)
        finally:
            RUNNING.reset(token)
        return self._safe_result(check, outcome, time.perf_counter() - start)

    async def _execute_async(self, check: Check, flight: Flight, land: Land) -> None:
        flight.start()
        start = time.perf_counter()
        timeout = flight.timeout
        RUNNING.set(RUNNING.get() | {check})  # this task's own context
        try:
            outcome = await asyncio.wait_for(self._outcome_async(check), timeout)
        except asyncio.TimeoutError:  # only wait_for's own: the checker's are caught below
            land(check, flight, self.timeout_result(check, timeout or 0))
            return
        land(check, flight, self._safe_result(check, outcome, time.perf_counter() - start))

    def _safe_result(self, check: Check, outcome: Outcome, elapsed: float) -> CheckResult:
        """The result of ``outcome``, whatever building it raises (a MemoryError scrubbing a
        huge output, an observed value whose ``__str__`` raises): a result must land, or the
        check is never run again."""
        try:
            return self.result(check, outcome, elapsed)
        except BaseException as exc:  # even KeyboardInterrupt: this is a pool thread
            logger.exception("the result of %r could not be built", check.name)
            now = time.time()
            return CheckResult(
                checker=check.name,
                status=Status.FAIL,
                output=f"its result could not be built: {_describe(exc)}",
                timestamp=now,
                expires=now + self._ttl(False),
                response_time=round(elapsed, 6),
            )

    def reentered(self, check: Check) -> CheckResult:
        """The answer for ``check`` asked for from inside its own execution: waiting for
        itself would never end."""
        outcome = Outcome(
            Status.FAIL, "its checker asked for its own result (run() inside a checker)"
        )
        return self.result(check, outcome, 0.0, cache=False)

    async def _outcome_async(
        self, check: Check, awaitable: Awaitable[Any] | None = None
    ) -> Outcome:
        try:
            return interpret(await (check.func() if awaitable is None else awaitable))
        except asyncio.CancelledError:
            raise  # the loop is cancelling this execution: not the checker's outcome
        except BaseException as exc:
            # Any other is the checker's: KeyboardInterrupt or SystemExit raised in a task
            # would end the loop running it, GeneratorExit would leave the flight unfinished.
            return self._handle(check, exc)

    def _handle(self, check: Check, exc: BaseException) -> Outcome:
        logger.error('Health check "%s" raised', check.name, exc_info=exc, extra=self._log_extra)
        try:
            return interpret(self.exception_handler(check.func, exc))
        except BaseException as handler_exc:  # even KeyboardInterrupt let through: a result
            logger.exception("exception_handler failed for %r", check.name, extra=self._log_extra)
            return Outcome(
                Status.FAIL,
                f"{_describe(exc)} (exception_handler failed: {_describe(handler_exc)})",
            )

    # -- building results ----------------------------------------------------------------

    def _ttl(self, passed: bool) -> float:
        settings = self.settings
        return settings.success_ttl if passed else settings.failed_ttl

    def _clean(self, output: JSON) -> JSON:
        settings = self.settings
        return settings.scrubber.scrub_bounded(output, settings.max_output)

    @property
    def _log_extra(self) -> dict[str, Any]:
        # Log records go through the scrubber too (see scrub.ScrubbingFilter).
        return {"scrubber": self.settings.scrubber}

    def result(
        self,
        check: Check,
        outcome: Outcome,
        elapsed: float,
        *,
        timed_out: bool = False,
        log: bool = True,
        cache: bool = True,
    ) -> CheckResult:
        output = self._clean(outcome.output)
        if log and outcome.status is Status.FAIL:
            logger.error(
                'Health check "%s" failed with output "%s"',
                check.name,
                output,
                extra=self._log_extra,
            )
        now, unit = time.time(), outcome.observed_unit
        return CheckResult(
            checker=check.name,
            status=outcome.status,
            output=output,
            timestamp=now,
            expires=now + (self._ttl(outcome.status is not Status.FAIL) if cache else 0),
            response_time=round(elapsed, 6),
            observed_value=self._observed(outcome.observed_value),
            observed_unit=None if unit is None else self._text(unit),
            timed_out=timed_out,
        )

    def _observed(self, value: Observed) -> Observed:
        """Numbers as they are; anything else is text shown next to the output, so cleaned
        like it: a DSN given as the observed value must not leak, a runaway one not bloat."""
        if value is None or isinstance(value, (bool, float)):
            return value
        if isinstance(value, (decimal.Decimal, fractions.Fraction)):
            return float(value)  # a database's NUMERIC: a number still (huge ones: inf)
        if isinstance(value, int):
            shown = to_jsonable(value)  # the int, or text for one too long to print
            return shown if isinstance(shown, int) else self._text(shown)
        return self._text(value)

    def _text(self, value: object) -> str:
        cleaned = self._clean(value if isinstance(value, str) else to_jsonable(value))
        return cleaned if isinstance(cleaned, str) else json.dumps(cleaned)

    def timeout_result(self, check: Check, seconds: float) -> CheckResult:
        outcome = Outcome(Status.FAIL, f"timed out after {seconds:g} s")
        return self.result(check, outcome, seconds, timed_out=True)


CANCELLED = Outcome(Status.FAIL, "cancelled: the event loop running this check stopped")


async def _wind_down(timeout: float | None) -> None:
    """Cancel the other tasks of the running loop, let them end (up to ``timeout``), stop it."""
    tasks = asyncio.all_tasks() - {asyncio.current_task()}
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)
    asyncio.get_running_loop().stop()


def _describe(exc: BaseException) -> str:
    """``Type: message``, even for an exception whose ``__str__`` raises (the default handler
    fails on it, and this must not: a check without a result never runs again)."""
    try:
        message = str(exc)
    except Exception:
        message = "<unprintable message>"
    return f"{type(exc).__name__}: {message}"
