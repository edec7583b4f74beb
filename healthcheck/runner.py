"""Executing one checker: on a worker thread or an event loop, always ending in a result."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .cache import Flight
from .jsonable import JSON, to_jsonable
from .pool import DaemonThreadPool
from .result import CheckResult, interpret

logger = logging.getLogger("healthcheck")

Checker = Callable[[], Any]
ExceptionHandler = Callable[[Any, BaseException], "tuple[bool, Any]"]
Land = Callable[[CheckResult], None]


def basic_exception_handler(checker: Any, exc: BaseException) -> tuple[bool, str]:
    """py-healthcheck's default: a failed result whose output is the exception's message."""
    return False, str(exc) or type(exc).__name__


def checker_name(func: Callable[..., Any]) -> str:
    """A readable name for any callable: a function, a partial, a bound method or an object."""
    while isinstance(func, functools.partial):
        func = func.func
    name = getattr(func, "__name__", None)
    return name if isinstance(name, str) else type(func).__name__


def is_async_checker(func: Callable[..., Any]) -> bool:
    call = getattr(type(func), "__call__", None)  # noqa: B004 - an object's async __call__
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(call)


@dataclass(frozen=True, eq=False)
class Check:
    """A registered checker. Identity is the cache key, so equal names never collide."""

    func: Checker
    name: str
    #: Seconds; ``None`` falls back to the HealthCheck's ``error_timeout``.
    timeout: float | None = None

    @functools.cached_property
    def is_async(self) -> bool:
        return is_async_checker(self.func)


class Runner:
    """Starts checker executions and turns whatever they do into a :class:`CheckResult`."""

    def __init__(
        self,
        *,
        exception_handler: ExceptionHandler,
        ttl: Callable[[bool], float],
        max_workers: int,
    ) -> None:
        self.exception_handler = exception_handler
        self._ttl = ttl
        self._pool = DaemonThreadPool(max_workers)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- starting executions -------------------------------------------------------------

    def launch(
        self,
        check: Check,
        flight: Flight,
        land: Land,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        """Start ``check``; its result is passed to ``land`` whatever happens.

        Async checkers run on ``loop`` (the caller's running loop) or, for synchronous callers,
        on a private loop in a daemon thread; synchronous ones run on the thread pool.
        """
        if not check.is_async:
            self._pool.submit(lambda: land(self._execute_sync(check)))
            return
        coro = self._execute_async(check, flight, land)
        if loop is None:
            asyncio.run_coroutine_threadsafe(coro, self._private_loop())
        else:
            task = loop.create_task(coro)
            self._tasks.add(task)  # the loop keeps only weak references to tasks
            task.add_done_callback(self._tasks.discard)

    def _private_loop(self) -> asyncio.AbstractEventLoop:
        with self._loop_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="healthcheck-async", daemon=True
                ).start()
                self._loop = loop
            return self._loop

    # -- executing -----------------------------------------------------------------------

    def _execute_sync(self, check: Check) -> CheckResult:
        start = time.perf_counter()
        try:
            value = check.func()
            if inspect.isawaitable(value):  # a sync callable that hands back a coroutine
                value = asyncio.run_coroutine_threadsafe(
                    _await(value), self._private_loop()
                ).result()
            passed, output = interpret(value)
        except BaseException as exc:
            passed, output = self._handle(check, exc)
        return self.result(check, passed, output, time.perf_counter() - start)

    async def _execute_async(self, check: Check, flight: Flight, land: Land) -> None:
        start = time.perf_counter()
        timeout = None if flight.deadline is None else flight.deadline - flight.started
        try:
            passed, output = interpret(await asyncio.wait_for(check.func(), timeout))
        except asyncio.TimeoutError:
            land(self.timeout_result(check, timeout or 0))
            return
        except (Exception, SystemExit) as exc:
            passed, output = self._handle(check, exc)
        land(self.result(check, passed, output, time.perf_counter() - start))

    def _handle(self, check: Check, exc: BaseException) -> tuple[bool, JSON]:
        logger.error('Health check "%s" raised', check.name, exc_info=exc)
        try:
            passed, output = self.exception_handler(check.func, exc)
        except Exception as handler_exc:
            logger.exception("exception_handler failed for %r", check.name)
            return False, f"{type(exc).__name__}: {exc} (exception_handler failed: {handler_exc})"
        return bool(passed), to_jsonable(output)

    # -- building results ----------------------------------------------------------------

    def result(
        self,
        check: Check,
        passed: bool,
        output: JSON,
        elapsed: float,
        *,
        timed_out: bool = False,
        log: bool = True,
    ) -> CheckResult:
        if log and not passed:
            logger.error('Health check "%s" failed with output "%s"', check.name, output)
        now = time.time()
        return CheckResult(
            checker=check.name,
            passed=passed,
            output=output,
            timestamp=now,
            expires=now + self._ttl(passed),
            response_time=round(elapsed, 6),
            timed_out=timed_out,
        )

    def timeout_result(self, check: Check, seconds: float) -> CheckResult:
        return self.result(check, False, f"timed out after {seconds:g} s", seconds, timed_out=True)


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable
