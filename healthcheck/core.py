"""HealthCheck: the py-healthcheck facade over the registry of checkers, their runs, and the
responders (the py-healthcheck answer in answer.py, the probes in probes.py)."""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar, overload

from . import defaults
from ._engine.background import Background
from ._engine.cache import Timer
from ._engine.engine import Engine
from ._engine.forking import reset_after_fork
from ._engine.runner import ExceptionHandler, basic_exception_handler
from .answer import CompatAnswer, Source, Stamp, stamp, unknown
from .answer import Response as Response
from .build import BuildInfo
from .check import Check, checker_name
from .checker_list import CheckerList
from .draining import DrainSignal, under_gunicorn
from .exceptions import DuplicateNameError
from .groups import Group, make_group
from .jsonable import valid_text
from .listeners import Listener, ResultListener
from .probes import REASON_WITHHELD as REASON_WITHHELD
from .probes import TEXT_HEADERS as TEXT_HEADERS
from .probes import (
    Probe,
    ProbePlan,
    ProbeState,
    plan_probe,
    probe_checks,
)
from .render.compat import BodyTemplate, json_failed_handler, json_success_handler
from .result import CheckResult, Report, Status
from .scrub import Scrubber
from .sections import Sections, warn_if_misspelt
from .settings import (
    Handler,
    Settings,
    _interval,
    _names,
    _not_a_field,
    _seconds,
    _SettingAttributes,
)

logger = logging.getLogger("healthcheck")

F = TypeVar("F", bound=Callable[..., Any])
#: How many sets of checks version() keeps the freshness of (faces, names, exclusions).
_MARKS_KEPT = 256


class HealthCheck(_SettingAttributes):
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
        warn_status: int = 200,
        grace_period: float = 0,
        build_info: BuildInfo | None = None,
        interval: float | None = None,
        scrubber: Scrubber | None = None,
        max_output: int | None = defaults.MAX_OUTPUT,
        max_section: int | None = defaults.MAX_SECTION,
        max_workers: int = defaults.MAX_WORKERS,
        share: str | os.PathLike[str] | None = None,
        timer: Timer = time.monotonic,
        **custom_sections: Any,
    ) -> None:
        # Any: Settings checks the values (None accepted where a default applies) at runtime.
        given: dict[str, Any] = {
            "success_status": success_status,
            "success_headers": success_headers,
            "success_handler": success_handler,
            "success_ttl": success_ttl,
            "failed_status": failed_status,
            "failed_headers": failed_headers,
            "failed_handler": failed_handler,
            "failed_ttl": failed_ttl,
            "error_timeout": error_timeout,
            "warn_status": warn_status,
            "grace_period": grace_period,
            "build_info": build_info,
            "interval": interval,
            "scrubber": scrubber,
            "max_output": max_output,
            "max_section": max_section,
            "max_workers": max_workers,
            "share": share,
        }
        if share is None:  # as PROMETHEUS_MULTIPROC_DIR: an operator can turn it on
            given["share"] = os.environ.get("HEALTHCHECK_SHARE") or None
        self._settings = settings = Settings(**given)
        self._checks: tuple[Check, ...] = ()
        # Registrations replace the tuple; the lock keeps concurrent ones from losing each other.
        self._registry_lock = threading.RLock()
        # Checks lately taken out of ``checkers`` (by their callable's id; each Check holds its
        # callable, so the id stays its own), to put back with their options.
        self._taken_out: dict[int, Check] = {}
        #: Checks made so far, by name (see _next_instance).
        self._instances: dict[str, int] = {}
        self._sections = Sections()
        self._groups: dict[str, Group] = {}
        if not callable(timer):
            raise _not_a_field("timer", f"timer must be a callable, got {type(timer).__name__}")
        self._engine = Engine(
            settings,
            exception_handler=_handler(exception_handler),
            timer=timer,
        )
        self._background: Background | None = None
        self._background_lock = threading.Lock()
        # What background mode knew in the parent process, to serve in a forked child until
        # the child's own first round lands (rather than "pending").
        self._inherited: dict[Check, CheckResult] = {}
        # Whether run() starts background mode (at ``interval``) when it is not running:
        # until stop(), which keeps ``interval`` as the default of a later start().
        self._autostart = True
        self._compat = CompatAnswer()
        self._probe_state = ProbeState()
        self._drain: DrainSignal | None = None
        #: By the identity of a set of checks: the set, and the source, generation and until
        #: when their results are fresh then (see version()).
        self._fresh_marks: dict[int, tuple[tuple[Check, ...], Source, int, float]] = {}
        #: The names of the checks of a registry (see has_check()).
        self._names: tuple[tuple[Check, ...], frozenset[str]] = ((), frozenset())
        #: selection()'s answers, by (kind, check, exclusions, tags, group), for the registry
        #: they were for.
        self._selections: dict[
            tuple[str, str | None, tuple[str, ...], tuple[str, ...] | None, str | None],
            tuple[tuple[Check, ...], bool, tuple[Check, ...] | None],
        ] = {}
        #: Bumped by every change of settings or sections: part of version().
        self._configured = 0
        reset_after_fork(self)
        for func in checkers or ():
            self.add_check(func)
        warn_if_misspelt(HealthCheck, custom_sections)
        for name, value in custom_sections.items():
            self.add_section(name, value)

    # -- configuration -------------------------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HealthCheck:
        """A HealthCheck configured by the environment: a check for each backend URL set
        (``DATABASE_URL``, ``REDIS_URL``...), ``HEALTHCHECK_*`` settings, and the TOML file
        ``$HEALTHCHECK_CONFIG`` names, if any (see :mod:`healthcheck.config`)."""
        from .config import load

        return load(environ=environ).health

    @property
    def settings(self) -> Settings:
        """The current settings, an immutable value (assign the attributes to change them)."""
        return self._settings

    @property
    def timer(self) -> Timer:
        """The clock of TTLs, timeouts and damping (fixed when the HealthCheck is made)."""
        return self._engine.timer

    def _change(self, **change: Any) -> None:
        super()._change(**change)
        settings = self._settings
        self._engine.configure(settings)  # a new value passed down, not a callback
        self._configured += 1  # answers kept by version() were made with the old settings
        if change.keys() & {"scrubber", "max_output", "success_ttl", "failed_ttl"}:
            # Results made (or given a life) under the old values must not be served.
            self._engine.cache.clear()
        if change.keys() & {"scrubber", "max_section"}:
            # Answers kept with sections scrubbed or cut under the old values.
            self._compat.forget()
        background = self._background
        if "interval" in change and background is not None:
            if settings.interval is None:
                self.stop()  # no interval: checks run on demand again
            else:
                background.reschedule(settings.interval)

    @property
    def exception_handler(self) -> ExceptionHandler:
        return self._engine.runner.exception_handler

    @exception_handler.setter
    def exception_handler(self, handler: ExceptionHandler) -> None:
        self._engine.runner.exception_handler = _handler(handler)

    @property
    def checkers(self) -> CheckerList:
        """The registered checker callables, in order, as a live list: appending to it
        registers a checker, as in py-healthcheck."""
        return CheckerList(self)

    @checkers.setter
    def checkers(self, funcs: Iterable[Callable[[], Any]]) -> None:
        self.checkers[:] = funcs

    @property
    def checks(self) -> tuple[Check, ...]:
        """The registered checks, in order: each one's name, tags, ``timeout`` (``None``: the
        ``error_timeout``), whether it is critical, and its callable."""
        return self._checks

    @property
    def groups(self) -> Mapping[str, Group]:
        """The named groups (see :meth:`add_group`), by name."""
        return dict(self._groups)

    def add_group(
        self, name: str, *, tags: Iterable[str] = (), checks: Iterable[str] = ()
    ) -> Group:
        """Name a group of checks: those carrying one of ``tags`` and those named in ``checks``
        (registered already). It answers at ``<healthcheck route>/group/<name>`` and in
        ``run(group=name)``."""
        with self._registry_lock:
            group = make_group(name, tags, checks, self._checks)
            if group.name in self._groups:
                raise DuplicateNameError("group", group.name)
            self._groups = {**self._groups, group.name: group}
        return group

    def has_check(self, name: str) -> bool:
        """Whether a check named ``name`` is registered."""
        registry, names = self._names
        if registry is not self._checks:  # asked on every request for a check by name
            registry = self._checks
            names = frozenset(check.name for check in registry)
            self._names = (registry, names)
        return name in names

    def add_check(
        self,
        func: F,
        *,
        name: str | None = None,
        timeout: float | None = None,
        critical: bool = True,
        tags: Iterable[str] = (),
        fail_after: int = 1,
        warn_for: float = 0,
        shared: bool = True,
    ) -> F:
        """Register ``func``, a callable returning ``(bool, str)``, a ``(Status, str)`` pair
        or an :class:`Outcome`; returns ``func``.

        ``name`` defaults to the callable's name (several checkers may share a derived name, as
        in py-healthcheck; an explicit one must be unique). ``timeout`` overrides
        ``error_timeout``; a checker with a ``timeout`` attribute (the built-in checks) brings
        its own. A failing non-``critical`` check makes the whole ``warn``.
        ``tags`` put it in groups (``"live"``, ``"ready"``, ``"startup"`` or your own).
        ``fail_after`` and ``warn_for`` damp flapping: ``warn`` until that many consecutive
        failures, and until it has been failing for that many seconds. With ``share=``,
        ``shared=False`` runs it in every process: its result is about the process itself.
        """
        check = self._build(func, name, timeout, critical, tags, fail_after, warn_for, shared)
        with self._registry_lock:
            if name is not None and self.has_check(name):
                raise DuplicateNameError("check", name)
            if name is None and check.target is not None and self.has_check(check.name):
                # Allowed, as in py-healthcheck; but /healthcheck/<name>, exclude= and the
                # metrics would then mean both.
                warnings.warn(
                    f"two checks are named {check.name!r} (the second checks {check.target}): "
                    "give each a name= to tell them apart",
                    stacklevel=2,
                )
            self._checks = (*self._checks, check)
        return func

    def _build(
        self,
        func: Callable[..., Any],
        name: str | None,
        timeout: float | None,
        critical: bool,
        tags: Iterable[str],
        fail_after: int,
        warn_for: float,
        shared: bool = True,
    ) -> Check:
        """A validated check for ``func`` (add_check's arguments), not registered."""
        if not callable(func):
            raise TypeError(f"add_check() needs a callable, got {type(func).__name__}")
        if timeout is None:
            own = getattr(func, "timeout", None)
            timeout = own if isinstance(own, (int, float)) and not isinstance(own, bool) else None
        if isinstance(fail_after, bool) or not isinstance(fail_after, int) or fail_after < 1:
            raise ValueError(f"fail_after must be a whole number >= 1, got {fail_after!r}")
        for flag, value in (("critical", critical), ("shared", shared)):
            if not isinstance(value, (bool, int)):  # "false" would be true
                raise TypeError(f"{flag} must be True or False, got {value!r}")
        tags = [tags] if isinstance(tags, str) else list(tags)
        if not all(isinstance(tag, str) for tag in tags):
            raise TypeError(f"tags must be strings, got {tags!r}")
        if name is not None and (not isinstance(name, str) or valid_text(name) != name):
            # Undecodable bytes (lone surrogates) would break every text answer naming it.
            raise ValueError(f"a check's name must be text UTF-8 can encode, got {name!r}")
        scrubber = self._settings.scrubber
        name = scrubber.scrub_text(name or valid_text(checker_name(func)))
        target = getattr(func, "target", None)  # any checker's: shown, so scrubbed like output
        return Check(
            func,
            name,
            timeout=_seconds("timeout", timeout),
            critical=bool(critical),
            tags=_names(tags),
            fail_after=fail_after,
            warn_for=_seconds("warn_for", warn_for) or 0,
            shared=bool(shared),
            instance=self._next_instance(name),
            target=scrubber.scrub_text(valid_text(target)) if isinstance(target, str) else None,
        )

    def _next_instance(self, name: str) -> int:
        """How many checks of this name have been made here, this one included: the same in
        every worker of an application, which runs the same registrations."""
        self._instances[name] = self._instances.get(name, 0) + 1
        return self._instances[name]

    @overload
    def checker(self, func: F, /) -> F: ...

    @overload
    def checker(
        self,
        *,
        name: str | None = None,
        timeout: float | None = None,
        critical: bool = True,
        tags: Iterable[str] = (),
        fail_after: int = 1,
        warn_for: float = 0,
        shared: bool = True,
    ) -> Callable[[F], F]: ...

    def checker(  # type: ignore[misc]  # the overloads are the public signature
        self, func: Callable[..., Any] | None = None, /, **options: Any
    ) -> Any:
        """Decorator form of :meth:`add_check`: ``@health.checker`` or
        ``@health.checker(name="db", timeout=2, tags=["ready"])``."""
        if func is None:
            return lambda f: self.add_check(f, **options)
        return self.add_check(func, **options)

    def add_section(self, name: str, func: Any) -> None:
        """Add a top-level body field: a value, or a callable evaluated on every request."""
        self._sections.add(name, func)
        self._compat.forget()
        self._configured += 1

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(change)`` on a background thread whenever a check's state or the
        overall state changes; see :class:`StatusChange` and :class:`LoggingListener`."""
        self._engine.board.add(listener)

    def add_result_listener(self, listener: ResultListener) -> None:
        """Call ``listener(result)`` on the listeners' thread for every fresh result of a
        check, changed or not (for metrics and traces: see
        :mod:`healthcheck.integrations.opentelemetry`)."""
        self._engine.board.add_result_listener(listener)

    def flush_listeners(self, timeout: float | None = None) -> bool:
        """Wait until every state change so far has been delivered to the listeners."""
        return self._engine.board.flush(timeout)

    def clear_cache(self) -> None:
        """Forget cached results, so the next run executes every check (with ``share=``, takes
        up no result another process published before now)."""
        self._engine.clear()

    # -- draining ------------------------------------------------------------------------

    @property
    def draining(self) -> bool:
        return self._probe_state.draining

    def set_draining(self, draining: bool = True) -> None:
        """While draining, readiness fails, so load balancers move traffic away before exit."""
        self._probe_state.draining = draining

    def drain_on_signal(self, signum: int = signal.SIGTERM, delay: float = 0.0) -> None:
        """On ``signum`` start draining, then after ``delay`` seconds let the signal end the
        process as it would have. Call from the main thread. For a process that serves on its
        own (uvicorn, Tornado); under gunicorn, whose workers get SIGTERM for reloads too, use
        :func:`healthcheck.integrations.gunicorn.drain_on_shutdown` (this logs why and does
        nothing)."""
        if under_gunicorn():
            logger.warning(
                "drain_on_signal() under gunicorn does nothing: a worker's SIGTERM also comes "
                "with reloads (HUP) and scale-downs (TTOU); put `when_ready = "
                "drain_on_shutdown(%g)` from healthcheck.integrations.gunicorn in "
                "gunicorn.conf.py, which drains on the master's SIGTERM",
                delay,
            )
            return
        self._drain = DrainSignal(self.set_draining, signum, delay)

    # -- running -------------------------------------------------------------------------

    def run(
        self,
        check: str | None = None,
        *,
        tags: Collection[str] | None = None,
        exclude: Collection[str] = (),
        group: str | None = None,
    ) -> Response:
        """Run the checks and build the response: all of them, those named ``check``, those
        carrying one of ``tags``, those of ``group``, less those named in ``exclude``; a 404
        answer for an unknown check or group."""
        if check is None and tags is None and not exclude and group is None:
            cached = self.cached_response()
            if cached is not None:
                return cached
        taken = stamp(self._source_started())  # before the results are read
        try:
            report = self.report(check, tags=tags, exclude=exclude, group=group)
        except LookupError as exc:
            return unknown(exc.args[0])
        return self._respond(report, taken)

    async def run_async(
        self,
        check: str | None = None,
        *,
        tags: Collection[str] | None = None,
        exclude: Collection[str] = (),
        group: str | None = None,
    ) -> Response:
        """Like :meth:`run`, for async servers: awaits async checkers on the running loop and
        never blocks it (synchronous checkers run on the thread pool)."""
        if check is None and tags is None and not exclude and group is None:
            cached = self.cached_response()
            if cached is not None:
                return cached
        taken = stamp(self._source_started())  # before the results are read
        try:
            report = await self.report_async(check, tags=tags, exclude=exclude, group=group)
        except LookupError as exc:
            return unknown(exc.args[0])
        return self._respond(report, taken)

    def report(
        self,
        check: str | None = None,
        *,
        tags: Collection[str] | None = None,
        exclude: Collection[str] = (),
        group: str | None = None,
    ) -> Report:
        """The results themselves, for renderers and tools; ``LookupError`` for an unknown
        ``check`` or ``group`` name. One check asked for by name answers with its own state."""
        return _named(self._report(self._checks_for(check, tags, exclude, group)), check)

    async def report_async(
        self,
        check: str | None = None,
        *,
        tags: Collection[str] | None = None,
        exclude: Collection[str] = (),
        group: str | None = None,
    ) -> Report:
        """:meth:`report` for async servers."""
        checks = self._checks_for(check, tags, exclude, group)
        return _named(await self._report_async(checks), check)

    def last_report(self) -> Report:
        """The latest result of every check that has run, without running anything (for
        metrics scrapes, which must not wait for checks). It starts background mode where it
        is due, as any request does: a worker that only Prometheus scrapes refreshes too."""
        self._background_running()
        last = self._engine.last
        checks = tuple(c for c in self._checks if c in last)
        return self._made(checks, [last[c] for c in checks])

    def version(self, checks: tuple[Check, ...] | None = None) -> Hashable | None:
        """A token equal between two calls exactly when an answer about ``checks`` (default:
        all; see :meth:`selection`) would read the very same results, draining and startup
        state and settings without running anything; ``None`` when it would have to execute
        a check. Answers are kept by it."""
        source, probes = self._source_now(), self._probe_state
        if source is None:
            return None  # background mode, not started yet: run() starts it
        registry, generation = self._checks, source.generation
        checks = registry if checks is None else checks
        # By identity: selection() hands out the same tuple for the same checks, and hashing
        # a thousand checks on every request would cost more than the rest of it.
        mark = self._fresh_marks.get(id(checks))
        if mark is None or mark[0] is not checks or mark[1] is not source or mark[2] != generation:
            # Once per landing: until when the results of exactly these checks stay fresh.
            until = source.fresh_until(checks) if checks else math.inf
            if len(self._fresh_marks) >= _MARKS_KEPT:
                self._fresh_marks.clear()
            mark = self._fresh_marks[id(checks)] = (checks, source, generation, until)
        if source.timer() >= mark[3]:
            return None
        return source, generation, registry, probes.draining, probes.started_up, self._configured

    def selection(
        self,
        kind: str = "healthcheck",
        check: str | None = None,
        exclude: Collection[str] = (),
        tags: Collection[str] | None = None,
        group: str | None = None,
    ) -> tuple[Check, ...] | None:
        """The checks an answer of ``kind`` reads: ``"healthcheck"``, a probe (``"live"``,
        ``"ready"``, ``"startup"``) or ``"metrics"`` (none: it runs nothing), for ``check``,
        ``tags`` or ``group`` less ``exclude``; ``None`` for an unknown check or group."""
        if kind == "metrics":
            return ()
        registry, latched = self._checks, self._probe_state.started_up
        key = (
            kind,
            check,
            exclude if isinstance(exclude, tuple) else tuple(exclude),
            None if tags is None else tuple(tags),
            group,
        )
        kept = self._selections.get(key)
        if kept is not None and kept[0] is registry and kept[1] == latched:
            return kept[2]  # asked for on every request: worked out once per registry
        checks: tuple[Check, ...] | None = registry
        if kind != "healthcheck":
            probe = Probe(kind)
            if probe is Probe.STARTUP and latched:
                checks = ()  # latched: runs nothing more
            else:
                checks = self._select(probe_checks(probe, registry), check, None, exclude)
        else:
            try:
                checks = self._select(registry, check, tags, exclude, self._group(group))
            except LookupError:
                checks = None
        if len(self._selections) >= _MARKS_KEPT:
            self._selections.clear()
        self._selections[key] = (registry, latched, checks)
        return checks

    def status_code(self, status: Status) -> int:
        """The HTTP status for an overall state."""
        return self._settings.status_code(status)

    def render(self, report: Report) -> Response:
        """The py-healthcheck compatible response for ``report``, as :meth:`run` answers."""
        return self._respond(report)

    def render_template(self, report: Report) -> tuple[BodyTemplate, int, dict[str, str]] | None:
        """:meth:`render`'s answer as a body template (whose ``render()`` writes the current
        timestamp), status and headers; ``None`` when a custom handler or a section evaluated
        per request makes the body."""
        return self._compat.template(report, self._settings, self._sections, self._checks)

    def probe(
        self,
        probe: Probe | str,
        *,
        verbose: bool = False,
        exclude: Collection[str] = (),
        check: str | None = None,
        details: bool = True,
    ) -> Response:
        """A Kubernetes-style probe (``"live"``, ``"ready"`` or ``"startup"``) as plain text.

        Passing: ``ok``. Failing: one line per check with the reasons withheld
        (``[-]db failed: reason withheld``) and ``readyz check failed``. With ``verbose``, the
        lines always, with their reasons. Without ``details``, only the verdict."""
        plan = self._probe_plan(probe, verbose, exclude, check, details)
        if isinstance(plan, tuple):
            return plan
        report = _named(self._report(plan.checks), check)
        return plan.respond(report, self._settings.failed_status)

    async def probe_async(
        self,
        probe: Probe | str,
        *,
        verbose: bool = False,
        exclude: Collection[str] = (),
        check: str | None = None,
        details: bool = True,
    ) -> Response:
        """:meth:`probe` for async servers."""
        plan = self._probe_plan(probe, verbose, exclude, check, details)
        if isinstance(plan, tuple):
            return plan
        report = _named(await self._report_async(plan.checks), check)
        return plan.respond(report, self._settings.failed_status)

    def start(self, interval: float | None = None) -> None:
        """Start background mode: run every check each ``interval`` seconds (default: the
        constructor's ``interval``) on a daemon thread; requests then never wait for a check."""
        with self._background_lock:
            if self._background is not None and self._background.running:
                return
            seconds = _interval(interval) if interval is not None else self._settings.interval
            if seconds is None:
                raise ValueError("start() needs an interval: HealthCheck(interval=...) or start(s)")
            self._begin(seconds)

    def stop(self, timeout: float | None = None) -> None:
        """Stop background mode and wait (up to ``timeout``) for its thread to end."""
        with self._background_lock:
            background, self._background = self._background, None
            self._autostart = False  # so the next run() does not restart it
        if background is not None:
            background.stop(timeout)

    def close(self, timeout: float | None = 5.0) -> None:
        """Stop background mode and end this object's helper threads (listeners, the private
        event loop, idle check threads). Threads of checkers still hung are left to finish.
        The object stays usable: threads are started again when needed."""
        self.stop(timeout)
        self._engine.close(timeout)

    def __enter__(self) -> HealthCheck:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------

    def _after_fork(self) -> None:
        """Called in a forked child (a prefork server's worker): the parent's helper threads
        did not come along, so forget them. Background mode starts again with the next run(),
        serving the parent's latest results until its own land; checks under way in the parent
        are run afresh when next needed."""
        background, self._background = self._background, None
        if background is not None:
            self.interval = background.interval
            self._inherited = background.latest()
        self._background_lock = threading.Lock()
        self._registry_lock = threading.RLock()
        self._compat.forget()
        self._engine.after_fork()

    def _report(self, checks: tuple[Check, ...]) -> Report:
        return self._made(checks, self._source_started().results(checks))

    async def _report_async(self, checks: tuple[Check, ...]) -> Report:
        return self._made(checks, await self._source_started().results_async(checks))

    def _made(self, checks: tuple[Check, ...], results: Sequence[CheckResult]) -> Report:
        engine = self._engine
        histories = tuple(engine.histories.get(c) for c in checks)
        whole = engine.board.overall() if checks is self._checks else None
        return Report(checks, tuple(results), histories=histories, whole=whole)

    def _background_running(self) -> Background | None:
        background = self._background
        if background is None and self._autostart_interval() is not None:
            with self._background_lock:  # decided again: a stop() may have come meanwhile
                interval = self._autostart_interval()
                if self._background is None and interval is not None:
                    self._begin(interval)
                background = self._background
        return background

    def _autostart_interval(self) -> float | None:
        """The interval at which run() starts background mode; none after stop()."""
        return self._settings.interval if self._autostart else None

    def _begin(self, interval: float) -> None:
        """Start background mode; call with ``_background_lock`` held."""
        self._autostart = True
        self._background = Background(self._engine, lambda: self._checks, interval, self._inherited)
        self._inherited = {}
        self._background.start()

    def _checks_for(
        self,
        name: str | None,
        tags: Collection[str] | None,
        exclude: Collection[str],
        group: str | None = None,
    ) -> tuple[Check, ...]:
        checks = self._select(self._checks, name, tags, exclude, self._group(group))
        if checks is None:
            raise LookupError(f"no check named {name!r}")
        if group is not None and not checks:  # its checks were removed: nothing to say "pass"
            raise LookupError(f"nothing to check: group {group!r} selects no check")
        return checks

    def _group(self, name: str | None) -> Group | None:
        if name is None:
            return None
        group = self._groups.get(name)
        if group is None:
            raise LookupError(f"no group named {name!r}")
        return group

    @staticmethod
    def _select(
        checks: tuple[Check, ...],
        name: str | None,
        tags: Collection[str] | None,
        exclude: Collection[str],
        group: Group | None = None,
    ) -> tuple[Check, ...] | None:
        """The checks to run; ``None`` when ``name`` matches none of them."""
        if name is None and tags is None and not exclude and group is None:
            return checks
        tags = None if tags is None else _names(tags)
        exclude = _names(exclude)
        selected = tuple(
            c
            for c in checks
            if (name is None or c.name == name)
            and (tags is None or not c.tags.isdisjoint(tags))
            and (group is None or c in group)
            and c.name not in exclude
        )
        if name is not None and not any(c.name == name for c in checks):
            return None
        return selected

    def _probe_plan(
        self,
        probe: Probe | str,
        verbose: bool,
        exclude: Collection[str],
        name: str | None,
        details: bool,
    ) -> ProbePlan | Response:
        """What a probe runs and how it answers; a 404 response for an unknown check."""
        kind = Probe(probe)
        checks = self._select(probe_checks(kind, self._checks), name, None, exclude)
        return plan_probe(self._probe_state, kind, checks, name, exclude, verbose, details)

    def _replace_checks(self, checks: tuple[Check, ...]) -> None:
        """Set the registry (with the registry lock held); checks left out are forgotten."""
        kept, before = set(checks), set(self._checks)
        gone = [check for check in self._checks if check not in kept]
        back = [check for check in checks if check not in before]
        if back:  # maybe taken out before: counted again from now
            self._engine.welcome(back)
        self._checks = checks
        if gone:
            self._engine.forget(gone)

    # -- answering: CompatAnswer builds and keeps the py-healthcheck answer -----------------

    def _respond(self, report: Report, taken: Stamp | None = None) -> Response:
        """The compat response; ``taken``, stamped before ``report`` was read, lets a whole
        run's answer be kept for the cached path."""
        background = self._background  # where results are read from now
        source = background if background is not None else self._engine
        return self._compat.respond(
            report, self._settings, self._sections, self._checks, taken, source
        )

    def cached_response(self) -> Response | None:
        """What :meth:`run` would answer right now if that needs no check to run and no body
        to build; ``None`` otherwise. Lets async adapters answer without a coroutine."""
        return self._compat.cached(self._checks, self._settings, self._source_now())

    def _answering(self) -> None:
        """Every answer passes here: a server may have replaced the drain handler since."""
        drain = self._drain
        if drain is not None:
            drain.watch()

    def _source_now(self) -> Source | None:
        """Where results are read from now, starting nothing; ``None`` when background mode
        is due to start (the next run starts it)."""
        self._answering()
        background = self._background
        if background is not None:
            return background
        if self._autostart and self._settings.interval is not None:
            return None
        return self._engine

    def _source_started(self) -> Source:
        """Where the next results come from, starting background mode if it is due."""
        self._answering()
        background = self._background_running()
        return background if background is not None else self._engine


def _handler(handler: ExceptionHandler) -> ExceptionHandler:
    if not callable(handler):
        raise _not_a_field(
            "exception_handler",
            f"exception_handler must be a callable, got {type(handler).__name__}",
        )
    return handler


def _named(report: Report, name: str | None) -> Report:
    """``report`` as the answer for the check ``name``, if one was asked for by name."""
    return report if name is None else dataclasses.replace(report, named=True)
