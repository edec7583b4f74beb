"""HealthCheck: the registry of checkers, one run of them, and the aggregate answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from . import defaults
from .background import Background
from .cache import Timer
from .engine import Engine
from .exceptions import DuplicateNameError
from .render.compat import (
    DEFAULT_HANDLERS,
    FAILURE,
    BodyTemplate,
    json_failed_handler,
    json_success_handler,
)
from .result import CheckResult
from .runner import Check, ExceptionHandler, basic_exception_handler, checker_name
from .sections import Sections

#: ``run()``'s answer: ``(body, status, headers)``, which Flask accepts as a view's return.
Response = tuple[Any, int, dict[str, str]]
Handler = Callable[..., Any]
F = TypeVar("F", bound=Callable[..., Any])


class HealthCheck:
    """Runs checkers and answers with a body, an HTTP status and headers.

    A drop-in replacement for py-healthcheck's class of the same name: same arguments, same
    ``run()`` tuple, same JSON. Checks run concurrently, each under its own timeout, and
    concurrent callers share one execution of a checker whose cached result is missing. With
    ``interval`` set, checks run in the background and requests never wait for them.
    """

    def __init__(
        self,
        success_status: int = 200,
        success_headers: Mapping[str, str] | None = None,
        success_handler: Handler | None = json_success_handler,
        success_ttl: float | None = defaults.SUCCESS_TTL,
        failed_status: int = 500,
        failed_headers: Mapping[str, str] | None = None,
        failed_handler: Handler | None = json_failed_handler,
        failed_ttl: float | None = defaults.FAILED_TTL,
        error_timeout: float | None = defaults.ERROR_TIMEOUT,
        exception_handler: ExceptionHandler = basic_exception_handler,
        checkers: Iterable[Callable[[], Any]] | None = None,
        *,
        max_workers: int = defaults.MAX_WORKERS,
        timer: Timer = time.monotonic,
        interval: float | None = None,
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
        self._engine = Engine(
            ttl=self._ttl,
            timeout=self._timeout,
            exception_handler=exception_handler,
            max_workers=max_workers,
            timer=timer,
        )
        self.interval = None if interval is None else float(interval)
        self._background: Background | None = None
        self._background_lock = threading.Lock()
        self._template: tuple[tuple[CheckResult, ...], Handler, BodyTemplate] | None = None
        for func in checkers or ():
            self.add_check(func)
        for name, value in custom_sections.items():
            self.add_section(name, value)

    # -- configuration -------------------------------------------------------------------

    @property
    def exception_handler(self) -> ExceptionHandler:
        return self._engine.runner.exception_handler

    @exception_handler.setter
    def exception_handler(self, handler: ExceptionHandler) -> None:
        self._engine.runner.exception_handler = handler

    @property
    def checkers(self) -> list[Callable[[], Any]]:
        """The registered checker callables, in order."""
        return [c.func for c in self._checks]

    def add_check(self, func: F, *, name: str | None = None, timeout: float | None = None) -> F:
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
        self._engine.cache.clear()

    # -- running -------------------------------------------------------------------------

    def run(self, check: str | None = None) -> Response:
        """Run the checks (or only those named ``check``) and build the response."""
        checks = self._select(check)
        if checks is None:
            return self._unknown(check)
        background = self._background_running()
        if background is not None:
            return self._respond(background.results(checks))
        return self._respond(self._engine.results(checks))

    async def run_async(self, check: str | None = None) -> Response:
        """Like :meth:`run`, for async servers: awaits async checkers on the running loop and
        never blocks it (synchronous checkers run on the thread pool)."""
        checks = self._select(check)
        if checks is None:
            return self._unknown(check)
        background = self._background_running()
        if background is not None:
            return self._respond(background.results(checks))
        return self._respond(await self._engine.results_async(checks))

    def start(self, interval: float | None = None) -> None:
        """Start background mode: run every check each ``interval`` seconds (default: the
        constructor's ``interval``) on a daemon thread; requests then never wait for a check."""
        with self._background_lock:
            if self._background is not None and self._background.running:
                return
            seconds = interval if interval is not None else self.interval
            if seconds is None:
                raise ValueError("start() needs an interval: HealthCheck(interval=...) or start(s)")
            self._background = Background(self._engine, lambda: self._checks, seconds)
            self._background.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop background mode and wait (up to ``timeout``) for its thread to end."""
        with self._background_lock:
            background, self._background = self._background, None
            self.interval = None  # so the next run() does not restart it
        if background is not None:
            background.stop(timeout)

    def _background_running(self) -> Background | None:
        if self._background is None and self.interval is not None:
            self.start()
        return self._background

    def _select(self, name: str | None) -> tuple[Check, ...] | None:
        if name is None:
            return self._checks
        return tuple(c for c in self._checks if c.name == name) or None

    def _timeout(self, check: Check) -> float | None:
        return check.timeout if check.timeout is not None else self.error_timeout or None

    def _ttl(self, passed: bool) -> float:
        return self.success_ttl if passed else self.failed_ttl

    # -- answering -----------------------------------------------------------------------

    def _respond(self, results: Sequence[CheckResult]) -> Response:
        passed = all(r.passed for r in results)
        if passed:
            handler, status, headers = (
                self.success_handler,
                self.success_status,
                self.success_headers,
            )
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

    def _unknown(self, name: str | None) -> Response:
        body = BodyTemplate(FAILURE, [], {"error": f"no check named {name!r}"}).render()
        return body, 404, dict(defaults.JSON_HEADERS)


def _seconds(what: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{what} must be a number of seconds >= 0, got {value!r}")
    return float(value)
