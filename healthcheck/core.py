"""HealthCheck: the registry of checkers, one run of them, and the aggregate answer."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Optional, TypeVar, Union

from . import defaults
from .cache import Flight, ResultCache, Timer
from .exceptions import DuplicateNameError
from .render.compat import (
    DEFAULT_HANDLERS,
    FAILURE,
    BodyTemplate,
    json_failed_handler,
    json_success_handler,
)
from .result import CheckResult
from .runner import Check, ExceptionHandler, Runner, basic_exception_handler, checker_name
from .sections import Sections

#: ``run()``'s answer: ``(body, status, headers)``, which Flask accepts as a view's return.
Response = tuple[Any, int, dict[str, str]]
Handler = Callable[..., Any]
F = TypeVar("F", bound=Callable[..., Any])


class HealthCheck:
    """Runs checkers and answers with a body, an HTTP status and headers.

    A drop-in replacement for py-healthcheck's class of the same name: same arguments, same
    ``run()`` tuple, same JSON. Checks run concurrently, each under its own timeout, and
    concurrent callers share one execution of a checker whose cached result is missing.
    """

    def __init__(
        self,
        success_status: int = 200,
        success_headers: Optional[Mapping[str, str]] = None,
        success_handler: Optional[Handler] = json_success_handler,
        success_ttl: Optional[float] = defaults.SUCCESS_TTL,
        failed_status: int = 500,
        failed_headers: Optional[Mapping[str, str]] = None,
        failed_handler: Optional[Handler] = json_failed_handler,
        failed_ttl: Optional[float] = defaults.FAILED_TTL,
        error_timeout: Optional[float] = defaults.ERROR_TIMEOUT,
        exception_handler: ExceptionHandler = basic_exception_handler,
        checkers: Optional[Iterable[Callable[[], Any]]] = None,
        *,
        max_workers: int = defaults.MAX_WORKERS,
        timer: Timer = time.monotonic,
        **custom_sections: Any,
    ) -> None:
        self.success_status = success_status
        self.success_headers = dict(success_headers or defaults.JSON_HEADERS)
        self.success_handler = success_handler
        self.success_ttl = float(success_ttl or 0)
        self.failed_status = failed_status
        self.failed_headers = dict(failed_headers or defaults.JSON_HEADERS)
        self.failed_handler = failed_handler
        self.failed_ttl = float(failed_ttl or 0)
        self.error_timeout = _seconds("error_timeout", error_timeout)
        self._checks: tuple[Check, ...] = ()
        self._sections = Sections()
        self._cache = ResultCache(lambda r: self._ttl(r.passed), timer=timer)
        self._runner = Runner(
            exception_handler=exception_handler, ttl=self._ttl, max_workers=max_workers
        )
        self._template: Optional[tuple[tuple[CheckResult, ...], Handler, BodyTemplate]] = None
        for func in checkers or ():
            self.add_check(func)
        for name, value in custom_sections.items():
            self.add_section(name, value)

    # -- configuration -------------------------------------------------------------------

    @property
    def exception_handler(self) -> ExceptionHandler:
        return self._runner.exception_handler

    @exception_handler.setter
    def exception_handler(self, handler: ExceptionHandler) -> None:
        self._runner.exception_handler = handler

    @property
    def checkers(self) -> list[Callable[[], Any]]:
        """The registered checker callables, in order."""
        return [c.func for c in self._checks]

    def add_check(
        self, func: F, *, name: Optional[str] = None, timeout: Optional[float] = None
    ) -> F:
        """Register ``func``, a callable returning ``(bool, str)``; returns ``func``.

        ``name`` defaults to the callable's name (several checkers may share a derived name, as
        in py-healthcheck; an explicit one must be unique). ``timeout`` overrides
        ``error_timeout`` for this check.
        """
        if not callable(func):
            raise TypeError(f"add_check() needs a callable, got {type(func).__name__}")
        if name is not None and any(c.name == name for c in self._checks):
            raise DuplicateNameError("check", name)
        check = Check(func, name or checker_name(func), _seconds("timeout", timeout))
        self._checks = (*self._checks, check)
        return func

    def add_section(self, name: str, func: Any) -> None:
        """Add a top-level body field: a value, or a callable evaluated on every request."""
        self._sections.add(name, func)
        self._template = None

    def clear_cache(self) -> None:
        """Forget cached results, so the next run executes every check."""
        self._cache.clear()

    # -- running -------------------------------------------------------------------------

    def run(self, check: Optional[str] = None) -> Response:
        """Run the checks (or only those named ``check``) and build the response."""
        checks = self._select(check)
        if checks is None:
            return self._unknown(check)
        results = self._cache.get_all(checks)
        if results is None:
            results = [self._wait(c, got) for c, got in self._fetch(checks, None)]
        return self._respond(results)

    async def run_async(self, check: Optional[str] = None) -> Response:
        """Like :meth:`run`, for async servers: awaits async checkers on the running loop and
        never blocks it (synchronous checkers run on the thread pool)."""
        checks = self._select(check)
        if checks is None:
            return self._unknown(check)
        results = self._cache.get_all(checks)
        if results is None:
            fetched = self._fetch(checks, asyncio.get_running_loop())
            results = await asyncio.gather(*(self._wait_async(c, got) for c, got in fetched))
        return self._respond(results)

    def _select(self, name: Optional[str]) -> Optional[tuple[Check, ...]]:
        if name is None:
            return self._checks
        return tuple(c for c in self._checks if c.name == name) or None

    def _fetch(
        self, checks: Sequence[Check], loop: Optional[asyncio.AbstractEventLoop]
    ) -> list[tuple[Check, Union[CheckResult, Flight]]]:
        fetched = []
        for check in checks:
            launch = partial(self._launch, check, loop=loop)
            fetched.append((check, self._cache.fetch(check, self._timeout(check), launch)))
        return fetched

    def _launch(
        self, check: Check, flight: Flight, loop: Optional[asyncio.AbstractEventLoop]
    ) -> None:
        self._runner.launch(check, flight, partial(self._cache.land, check, flight), loop)

    def _wait(self, check: Check, got: Union[CheckResult, Flight]) -> CheckResult:
        if isinstance(got, CheckResult):
            return got
        try:
            return got.future.result(self._remaining(got))
        except concurrent.futures.TimeoutError:
            return self._timed_out(check, got)

    async def _wait_async(self, check: Check, got: Union[CheckResult, Flight]) -> CheckResult:
        if isinstance(got, CheckResult):
            return got
        # shield: a waiter giving up must not cancel the execution others share
        waiter = asyncio.shield(asyncio.wrap_future(got.future))
        try:
            return await asyncio.wait_for(waiter, self._remaining(got))
        except asyncio.TimeoutError:
            return self._timed_out(check, got)

    def _remaining(self, flight: Flight) -> Optional[float]:
        if flight.deadline is None:
            return None
        return max(0.0, flight.deadline - self._cache.timer())

    def _timed_out(self, check: Check, flight: Flight) -> CheckResult:
        assert flight.deadline is not None  # noqa: S101 - only flights with a deadline time out
        result = self._runner.timeout_result(check, flight.deadline - flight.started)
        self._cache.record_timeout(check, flight, result)
        return result

    def _timeout(self, check: Check) -> Optional[float]:
        return check.timeout if check.timeout is not None else self.error_timeout or None

    def _ttl(self, passed: bool) -> float:
        return self.success_ttl if passed else self.failed_ttl

    # -- answering -----------------------------------------------------------------------

    def _respond(self, results: Sequence[CheckResult]) -> Response:
        passed = all(r.passed for r in results)
        if passed:
            handler, status, headers = self.success_handler, self.success_status, self.success_headers
        else:
            handler, status, headers = self.failed_handler, self.failed_status, self.failed_headers
        if handler is None:
            body: Any = "OK" if passed else "NOT OK"
        elif handler in DEFAULT_HANDLERS and not self._sections.dynamic:
            body = self._template_for(tuple(results), handler).render()
        else:
            body = handler([r.compat for r in results], **self._sections.evaluate())
        return body, status, dict(headers)

    def _template_for(self, results: tuple[CheckResult, ...], handler: Handler) -> BodyTemplate:
        # The body only changes when a result object does; identity is the cheap test.
        memo = self._template
        if (
            memo is not None
            and memo[1] is handler
            and len(memo[0]) == len(results)
            and all(a is b for a, b in zip(memo[0], results))
        ):
            return memo[2]
        compat = [r.compat for r in results]
        template = BodyTemplate(DEFAULT_HANDLERS[handler], compat, self._sections.evaluate())
        self._template = (results, handler, template)
        return template

    def _unknown(self, name: Optional[str]) -> Response:
        body = BodyTemplate(FAILURE, [], {"error": f"no check named {name!r}"}).render()
        return body, 404, dict(defaults.JSON_HEADERS)


def _seconds(what: str, value: Optional[float]) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{what} must be a number of seconds >= 0, got {value!r}")
    return float(value)
