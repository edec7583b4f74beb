"""The HTTP endpoints, free of any web framework: routing, formats, who sees what, caching.

Adapters (Flask, Tornado, WSGI, ASGI) translate their request into a :class:`Request`, call
:meth:`Endpoints.handle` (or ``handle_async``) and translate the :class:`Reply` back.

Default routes, below the adapter's prefix: ``/healthcheck[/<check>]``, ``/environment``,
``/livez[/<check>]``, ``/readyz[/<check>]``, ``/startupz[/<check>]`` and ``/metrics``; ``paths=``
renames or leaves out any of them and ``routes=`` adds :class:`Route` s of other objects.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, Union, overload

from . import defaults
from .check import is_async_checker
from .core import HealthCheck
from .environment import EnvironmentDump
from .exceptions import MissingDependencyError
from .jsonable import JSON, to_jsonable
from .negotiation import choose
from .proxies import DEFAULT_TRUSTED, Headers, client_address, is_local, trusted_networks
from .render.compat import STATUS_WORDS, BodyTemplate
from .result import Report

logger = logging.getLogger("healthcheck")

#: Who sees the details of a response: everyone, authorised callers only, or nobody.
Details = Literal["always", "when_authorized", "never"]
#: ``authorize(native_request) -> bool``; the request is the framework's own object.
Authorize = Callable[[Any], bool]

#: What a route can serve; each is also the name of a default route (``/healthcheck``, ...).
KINDS = ("healthcheck", "environment", "livez", "readyz", "startupz", "metrics")
#: Kinds that also answer for one check by name: ``<path>/<check>``.
CHECK_KINDS = frozenset({"healthcheck", "livez", "readyz", "startupz"})
#: What a route of a HealthCheck can serve.
_HEALTH_KINDS = tuple(kind for kind in KINDS if kind != "environment")
#: Plain segments: no "." or ".." (clients normalise them away), no characters that mean
#: something else in a URL or a route pattern.
#: Format characters a word may need (Persian, emoji); the other ones (bidi overrides) go.
_JOINERS = frozenset("\u200c\u200d")
_PATH = re.compile(r"/|(/(?!\.\.?(?:/|$))[^/?#%<>\s]+)+")

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
HEALTH_FORMATS = {
    "json": JSON_TYPE,
    "health+json": "application/health+json",
    "text": "text/plain",
    "html": "text/html",
    # Other libraries' bodies, for clients written against them: by ?format= or a Route's.
    "healthcheckx": JSON_TYPE,
    "actuator": "application/vnd.spring-boot.actuator.v3+json",
    # Each check's last results and last change, for tools: by ?format=history only.
    "history": JSON_TYPE,
}
ENVIRONMENT_FORMATS = {"json": JSON_TYPE, "html": "text/html"}
METRICS_FORMATS = {"prometheus": "text/plain", "openmetrics": "application/openmetrics-text"}
#: The formats each kind of route answers in (probes: plain text only).
_FORMATS: dict[str, Mapping[str, str]] = {
    "healthcheck": HEALTH_FORMATS,
    "environment": ENVIRONMENT_FORMATS,
    "metrics": METRICS_FORMATS,
    "livez": {},
    "readyz": {},
    "startupz": {},
}


@dataclass(frozen=True)
class Route:
    """One path and what it serves: ``Route("/health/liveness", live_health)``.

    ``target`` is a :class:`HealthCheck` or an :class:`EnvironmentDump`; ``kind`` says which of
    its endpoints the path serves (one of :data:`KINDS`: by default ``"environment"`` for an
    EnvironmentDump, ``"healthcheck"`` otherwise). ``format`` answers in that format instead of
    negotiating one from ``Accept`` (``?format=`` still chooses). Routes of the check kinds also
    answer ``<path>/<check name>``; a ``"healthcheck"`` route also ``<path>/group/<group>``.
    ``group`` serves one group of checks (see :meth:`HealthCheck.add_group`) at ``path``.
    """

    path: str
    target: HealthCheck | EnvironmentDump
    kind: str = ""
    format: str | None = None
    group: str | None = None

    def __post_init__(self) -> None:
        path = _route_path(self.path)
        if isinstance(self.target, EnvironmentDump):
            kind = self.kind or "environment"
            if kind != "environment":
                raise ValueError(f"route {path}: an EnvironmentDump serves kind 'environment'")
        elif isinstance(self.target, HealthCheck):
            kind = self.kind or "healthcheck"
            if kind not in _HEALTH_KINDS:
                known = ", ".join(_HEALTH_KINDS)
                raise ValueError(f"route {path}: kind must be one of {known}; got {kind!r}")
        else:
            raise TypeError(
                f"route {path}: serves a HealthCheck or an EnvironmentDump, "
                f"not {type(self.target).__name__}"
            )
        formats = _FORMATS[kind]
        if self.format is not None and self.format not in formats:
            known = ", ".join(formats) or f"none (a {kind} route answers plain text)"
            raise ValueError(f"route {path}: format must be one of {known}; got {self.format!r}")
        if self.group is not None:
            if kind != "healthcheck":
                raise ValueError(f"route {path}: a group is served by a healthcheck route")
            if self.group not in self.health.groups:
                raise ValueError(f"route {path}: no group named {self.group!r} (add it first)")
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "kind", kind)

    @property
    def by_name(self) -> bool:
        """Whether ``<path>/<check>`` answers for one check."""
        return self.kind in CHECK_KINDS and self.group is None

    @property
    def grouped(self) -> bool:
        """Whether ``<path>/group/<group>`` answers for a group of checks."""
        return self.kind == "healthcheck" and self.group is None

    @property
    def health(self) -> HealthCheck:
        if not isinstance(self.target, HealthCheck):
            raise TypeError(f"route {self.path} serves no HealthCheck")
        return self.target

    @property
    def environment(self) -> EnvironmentDump:
        if not isinstance(self.target, EnvironmentDump):
            raise TypeError(f"route {self.path} serves no EnvironmentDump")
        return self.target


def _route_path(path: object) -> str:
    """``path`` as routes keep it: a leading slash, no trailing one."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"a route's path must be a string starting with '/', got {path!r}")
    cleaned = "/" + path.strip("/")
    controls = any(
        unicodedata.category(char) in ("Cc", "Cf") and char not in _JOINERS for char in cleaned
    )
    if controls or not _PATH.fullmatch(cleaned):
        raise ValueError(
            f"a route's path must be plain segments (no '.', '..' or '//'; no '?', '#', '%', "
            f"'<', '>', spaces or control characters): "
            f"{path!r}"
        )
    return cleaned


_NO_HEADERS: dict[str, str] = {}


@dataclass(frozen=True)
class Request:
    """What the endpoints need of an HTTP request."""

    method: str
    #: Below the adapter's prefix, percent-decoded, e.g. ``/readyz/db``.
    path: str
    query: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: Looked up by lower-case name (``Accept`` as ``"accept"``): a dict with lower-case keys,
    #: or the framework's own case-insensitive headers, which cost nothing to pass.
    headers: Headers = field(default_factory=lambda: _NO_HEADERS)
    #: The socket peer: the proxy's address behind a proxy, never an address it forwarded.
    remote_addr: str | None = None
    #: The framework's own request object, handed to the ``authorize`` hook.
    native: Any = None
    #: The ``authorize`` hook's answer, once asked: one call per request, however many times
    #: the endpoints (and an adapter's router) ask who is calling.
    _authorized: list[bool] = field(default_factory=list, init=False, repr=False, compare=False)

    def __copy__(self) -> Request:
        # A copy is another request: the hook is asked again for it.
        return dataclasses.replace(self)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def args(self, name: str) -> list[str]:
        """Every value of ``name``, commas splitting too (``?exclude=a,b&exclude=c``)."""
        return [v for value in self.query.get(name, ()) for v in value.split(",") if v]


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    #: Where the body has a timestamp: the template that writes it afresh (see again()).
    template: BodyTemplate | None = field(default=None, repr=False, compare=False)
    #: Whether a copy may answer the next requests while the results stay the same (not when
    #: the body is made per request: a custom handler, a callable section).
    keep: bool = field(default=True, repr=False, compare=False)

    def again(self) -> Reply:
        """The same reply, sent again now: headers of its own, a new timestamp if it has one
        (and the length of that body, if it has a length)."""
        headers = dict(self.headers)
        if self.template is None:
            return Reply(self.status, headers, self.body)
        body = self.template.render().encode()
        if "Content-Length" in headers:
            headers["Content-Length"] = str(len(body))
        return Reply(self.status, headers, body, self.template)


class _Routed(NamedTuple):
    """Where a request goes, as its path, query and ``Accept`` header say."""

    route: Route
    check: str | None
    fmt: str
    exclude: tuple[str, ...] = ()
    #: Asked for; given only with the details.
    verbose: bool = False
    #: ``?tag=``: only the checks carrying one of these.
    tags: tuple[str, ...] | None = None


class _Job:
    """A routed request: what to produce, for whom, in which format; made once per request
    signature and caller kind (see _Slot), so what every request reads of it is worked out
    here."""

    __slots__ = ("check", "compat", "details", "exclude", "fmt", "health", "kept", "key",
                 "route", "selection", "tags", "verbose")  # fmt: skip

    def __init__(
        self,
        route: Route,
        check: str | None,
        fmt: str,
        details: bool,
        exclude: tuple[str, ...] = (),
        verbose: bool = False,
        tags: tuple[str, ...] | None = None,
        *,
        cache_control: str = "no-store",
    ) -> None:
        self.route, self.check, self.fmt, self.details = route, check, fmt, details
        self.exclude, self.verbose, self.tags = exclude, verbose, tags
        #: What tells one face from another.
        self.key = (route.path, check, fmt, details, exclude, verbose, tags)
        #: py-healthcheck's JSON of every check, with no max-age to compute from the report:
        #: exactly what ``run()`` answers, from the answer it keeps.
        self.compat = (
            route.kind == "healthcheck"
            and fmt == "json"
            and details
            and check is None
            and not exclude
            and tags is None
            and route.group is None
            and cache_control == "no-store"
        )
        #: The HealthCheck it reads, if any.
        self.health = route.target if isinstance(route.target, HealthCheck) else None
        #: Its last reply, as sent, with the version it was rendered for (see Endpoints).
        self.kept: tuple[Hashable, Reply] | None = None
        #: What :meth:`HealthCheck.selection` is asked for its checks.
        kind = route.kind
        self.selection = (kind if kind in ("healthcheck", "metrics") else kind[:-1], check,
                          exclude, tags, route.group)  # fmt: skip

    def probe_options(self) -> dict[str, Any]:
        return {
            "verbose": self.verbose,
            "exclude": self.exclude,
            "check": self.check,
            "details": self.details,
        }


class _Slot:
    """What one request signature (method, path, ``Accept``, query) is routed to, and the
    job each kind of caller (with the details or without) gets there."""

    __slots__ = ("jobs", "routed")

    def __init__(self, routed: _Routed) -> None:
        self.routed = routed
        self.jobs: dict[bool, _Job | None] = {}


class Endpoints:
    """Serves a :class:`HealthCheck` and an :class:`EnvironmentDump` over HTTP.

    ``details`` says who sees per-check results (others get only the overall status, the
    Kubernetes "reason withheld" style: no check names, no checks by name, no ``?exclude=``);
    ``environment_details`` who may read ``/environment`` at all. "Authorised" means
    ``authorize(request)`` returned true or, with no hook, that the client is this machine:
    a loopback peer with no forwarding headers, or a ``trusted_proxies`` peer whose headers
    name a loopback client (see :mod:`healthcheck.proxies`).
    """

    def __init__(
        self,
        health: HealthCheck | None = None,
        environment: EnvironmentDump | None = None,
        *,
        paths: Mapping[str, str | None] | None = None,
        routes: Iterable[Route] = (),
        authorize: Authorize | None = None,
        details: Details = "when_authorized",
        environment_details: Details = "when_authorized",
        trusted_proxies: Iterable[str] | str = DEFAULT_TRUSTED,
        cache_control: Literal["no-store", "max-age"] = "no-store",
        metrics: bool = True,
        service_id: str | None = None,
        description: str | None = None,
        refresh: float = 10,
    ) -> None:
        for name, value in (("details", details), ("environment_details", environment_details)):
            if value not in ("always", "when_authorized", "never"):
                raise ValueError(f"{name} must be always, when_authorized or never: {value!r}")
        if cache_control not in ("no-store", "max-age"):
            raise ValueError(f"cache_control must be no-store or max-age: {cache_control!r}")
        if isinstance(refresh, bool) or not isinstance(refresh, (int, float)):
            raise TypeError(f"refresh must be a number of seconds (0: never), got {refresh!r}")
        if not (refresh == 0 or 1 <= refresh <= defaults.MAX_SECONDS):
            raise ValueError(f"refresh must be 0 (never) or 1 s to a year, got {refresh!r}")
        if authorize is not None and not callable(authorize):
            raise TypeError(
                f"authorize must be a callable taking the request, got {type(authorize).__name__}"
            )
        if authorize is not None and is_async_checker(authorize):
            raise TypeError(
                "authorize must be a plain function returning True or False, not an async one: "
                "it is asked on synchronous paths too, where nothing could await it (look the "
                "token up beforehand, or in a thread)"
            )
        self.health = health
        self.environment = environment
        self.authorize = authorize
        #: Peers whose forwarding headers are believed (see :mod:`healthcheck.proxies`).
        self.trusted_proxies = trusted_networks(trusted_proxies)
        self.details = details
        self.environment_details = environment_details
        self.cache_control = cache_control
        self.metrics = metrics
        self.service_id = service_id
        self.description = description
        self.refresh = round(refresh)  # whole seconds: what the page's meta tag takes
        self._table = _route_table(health, environment, metrics, paths, routes)
        #: The last rendering of each face: (moment, results, checks, reply) by (path,
        #: format, details, check); valid while the results are the very same objects.
        self._faces: dict[tuple[str, str, bool, str | None], tuple[Any, ...]] = {}
        #: Where each request signature (method, path, Accept, query) goes.
        self._routed: dict[tuple[Any, ...], _Slot] = {}
        #: The last reply to each job (see _Job.key), with the version it was rendered for.
        self._replies: dict[tuple[Any, ...], tuple[Hashable, Reply]] = {}
        #: The route serving each group below a route, by (route path, group), made when first
        #: asked for.
        self._group_routes: dict[tuple[str, str], Route] = {}

    @property
    def routes(self) -> list[Route]:
        """Every route served, for adapters that must register each path."""
        return list(self._table.values())

    # -- the two entry points ------------------------------------------------------------

    def handle(self, request: Request) -> Reply | None:
        """The reply to ``request``, or ``None`` when its path is not one of ours."""
        job = self._route(request)
        if not isinstance(job, _Job):
            return _sealed(request, _uncached(job))
        version = self._version(job)
        kept = self._kept_reply(request, job, version)
        if kept is not None:
            return kept
        return self._finish(request, job, self._produce(job), version)

    async def handle_async(self, request: Request) -> Reply | None:
        """:meth:`handle` for async servers: checks are awaited, the loop never blocks."""
        job = self._route(request)
        if not isinstance(job, _Job):
            return _sealed(request, _uncached(job))
        version = self._version(job)
        kept = self._kept_reply(request, job, version)
        if kept is not None:
            return kept
        return self._finish(request, job, await self._produce_async(job), version)

    def handle_ready(self, request: Request) -> Reply | None:
        """The reply to ``request`` if it is ready without running or awaiting anything (an
        error, or the reply kept for the current results); ``None`` otherwise, and for a path
        not ours: then :meth:`handle_async`. Async servers answer most requests at once."""
        job = self._route(request)
        if job is None:
            return None
        if not isinstance(job, _Job):
            return _sealed(request, _uncached(job))
        if job.compat:  # run()'s own kept answer, when it needs nothing run
            cached = job.route.health.cached_response()
            return None if cached is None else self._finish(request, job, cached)
        return self._kept_reply(request, job, self._version(job))

    def _kept_reply(self, request: Request, job: _Job, version: Hashable | None) -> Reply | None:
        """A copy of the reply kept for ``job``, if it was rendered for ``version``: the job's
        own, or one rendered for another job of the same face (another ``Accept``)."""
        if version is None:
            return None
        kept = job.kept
        if kept is None or kept[0] != version:
            kept = self._replies.get(job.key)
            if kept is None or kept[0] != version:
                return None
            job.kept = kept
        reply = kept[1].again()  # its length is in already
        return reply if request.method != "HEAD" else Reply(reply.status, reply.headers, b"")

    def _version(self, job: _Job) -> Hashable | None:
        """What a reply to ``job`` depends on besides the job, when that is known without
        running anything: the results' version, the second (for the page's ages and for
        max-age), the build information. ``None``: produce and render it afresh."""
        route = job.route
        if route.kind == "environment":
            return route.environment.version()
        if job.compat:
            return None  # the answer run() keeps
        health = job.health
        if health is None:
            return None
        checks = health.selection(*job.selection)
        version = None if checks is None else health.version(checks)
        if version is None:
            return None
        per_second = job.fmt == "html" or self.cache_control != "no-store"
        return version, int(time.time()) if per_second else 0, health.build_info

    def not_found(
        self, path: str | None, method: str = "GET", request: Request | None = None
    ) -> Reply:
        """The 404 an adapter with no application behind it answers for ``path`` (below its
        prefix; ``None`` when outside it). Below a route that serves checks by name, the
        answer that route gives for an unknown check, the same as ``run(name)`` or
        ``probe(kind, check=name)``; else, and to a ``request`` whose caller may not ask
        about checks by name (see :meth:`withholds`), a short JSON error."""
        if request is not None and self.withholds(request):
            path = None  # the answer for any path: whether the name exists stays unsaid
        return _sealed(Request(method, path or "/"), _uncached(self._not_found(path)))

    def _not_found(self, path: str | None) -> Reply:
        if path is not None:
            parent, _, name = ("/" + path.strip("/")).rpartition("/")
            route = self._table.get(parent or "/")
            if route is not None and route.by_name and name:
                health = route.health
                if route.kind == "healthcheck":
                    body, status, headers = health.run(name)
                else:
                    body, status, headers = health.probe(route.kind[:-1], check=name)
                return Reply(status, dict(headers), _bytes(body))
        return _reply(404, {"error": "not found"})

    # -- routing -------------------------------------------------------------------------

    def match(self, path: str) -> tuple[Route, str | None] | None:
        """The route serving ``path`` (below the prefix) and the check it names, if any."""
        path = "/" + path.strip("/")
        route = self._table.get(path)
        if route is not None:
            return route, None
        below = self._by_name(path)
        # Only names of registered checks: other paths below a route stay the app's own.
        if below is not None and below[0].health.has_check(below[1]):
            return below
        grouped = self._grouped(path)
        return None if grouped is None else (grouped, None)

    def _grouped(self, path: str) -> Route | None:
        """The route serving ``path`` if it names a group below a healthcheck route (only
        groups that exist: other paths stay the app's own)."""
        parent, _, name = path.rpartition("/")
        above, _, word = parent.rpartition("/")
        route = self._table.get(above or "/") if word == "group" and name else None
        if route is None or not route.grouped or name not in route.health.groups:
            return None
        found = self._group_routes.get((route.path, name))
        if found is None:
            found = Route(f"{route.path.rstrip('/')}/group/{name}", route.target, group=name)
            self._group_routes[(route.path, name)] = found
        return found

    def _by_name(self, path: str) -> tuple[Route, str] | None:
        """The route ``path`` names a check of, and the name, registered or not."""
        parent, _, check = ("/" + path.strip("/")).rpartition("/")
        route = self._table.get(parent or "/")
        return (route, check) if route is not None and route.by_name and check else None

    def _route(self, request: Request) -> _Job | Reply | None:
        """The job ``request`` asks for, or the error reply; ``None`` when not ours."""
        query = request.query
        key = (
            request.method,
            request.path,
            request.headers.get("accept"),
            tuple((name, tuple(values)) for name, values in query.items()) if query else (),
        )
        slot = self._routed.get(key)
        # A check's path stays its own while the check is registered.
        if slot is None or (
            slot.routed.check and not slot.routed.route.health.has_check(slot.routed.check)
        ):
            if self.withholds(request):  # the application's, whatever the name and the method
                return None
            found = self._routing(request)
            if not isinstance(found, _Routed):
                return found
            slot = _Slot(found)
            if len(self._routed) >= _REPLIES_KEPT:
                self._routed.clear()  # a client cycling through Accept headers
            self._routed[key] = slot
        return self._access(request, slot)

    def _routing(self, request: Request) -> _Routed | Reply | None:
        """What the path, the query and ``Accept`` ask for, whoever asks (kept per request
        signature: clients send the same few requests again and again)."""
        matched = self.match(request.path)
        if matched is None:
            return None
        route, check = matched
        if request.method not in ("GET", "HEAD"):
            return _reply(405, {"error": "method not allowed"}, {"Allow": "GET, HEAD"})
        accept = request.headers.get("accept")
        if route.kind == "metrics":
            fmt = _format(request) or route.format or choose(accept, METRICS_FORMATS, "prometheus")
            return _Routed(route, None, fmt)
        offers = ENVIRONMENT_FORMATS if route.kind == "environment" else HEALTH_FORMATS
        fmt = _format(request) or route.format or choose(accept, offers, "json")
        if not request.query:  # most requests: no exclusions, not verbose
            return _Routed(route, check, fmt)
        tags = tuple(request.args("tag")) or None
        if tags is not None and route.kind != "healthcheck":
            return _reply(400, {"error": f"?tag= selects checks of /healthcheck, not {route.kind}"})
        return _Routed(
            route, check, fmt, tuple(request.args("exclude")), "verbose" in request.query, tags
        )

    def _access(self, request: Request, slot: _Slot) -> _Job | Reply | None:
        """``slot``'s route as this caller may have it: with or without the details, refused,
        or (a check by name it may not ask about) not served here at all."""
        routed = slot.routed
        route, fmt = routed.route, routed.fmt
        if route.kind == "environment":
            if self.environment_details == "never":
                return _reply(404, {"error": "the environment endpoint is disabled"})
            if not self._allowed(self.environment_details, request):
                return _reply(403, {"error": "the environment is for authorised callers only"})
            if fmt not in ENVIRONMENT_FORMATS:
                return _reply(400, {"error": f"unknown format {fmt!r}"})
            kept = slot.jobs.get(True)
            if kept is None:
                kept = slot.jobs[True] = _Job(route, None, fmt, True)
            return kept
        details = self._detailed(request)
        if details in slot.jobs:
            return slot.jobs[details]
        judged = self._judged(routed, details)
        # Without a selection the answer is the same for every registry: kept. (Errors are
        # replies, made afresh: adapters complete them.)
        if not isinstance(judged, Reply) and not (routed.exclude or routed.tags or route.group):
            slot.jobs[details] = judged
        return judged

    def _judged(self, routed: _Routed, details: bool) -> _Job | Reply | None:
        """The job for ``routed`` and a caller who sees the details or not, or why not."""
        route, fmt = routed.route, routed.fmt
        if not details and routed.check:
            return None  # as for a name no check has: the application's path (see withholds)
        if not details and (routed.exclude or routed.tags):
            return _selection_withheld()  # else failures could be bisected
        if route.kind == "metrics":
            if not details:
                return _reply(403, {"error": "metrics are for authorised callers only"})
            if fmt not in METRICS_FORMATS:
                return _reply(
                    400, {"error": f"unknown format {fmt!r}", "formats": [*METRICS_FORMATS]}
                )
            return _Job(route, None, fmt, details, cache_control=self.cache_control)
        if route.kind == "healthcheck" and fmt not in HEALTH_FORMATS:
            return _reply(
                400, {"error": f"unknown format {fmt!r}", "formats": list(HEALTH_FORMATS)}
            )
        if routed.tags is not None:
            known = {tag for check in route.health.checks for tag in check.tags}
            unknown = [tag for tag in routed.tags if tag not in known]
            if unknown:  # a misspelt tag would select nothing, and nothing passes
                return _reply(
                    400, {"error": f"no check is tagged {unknown[0]!r}", "tags": sorted(known)}
                )
        selects = routed.check or routed.exclude or routed.tags is not None or route.group
        if route.kind == "healthcheck" and selects:
            chosen = route.health.selection(
                "healthcheck", routed.check, routed.exclude, routed.tags, route.group
            )
            if chosen == ():  # a known name, tag or group, and yet nothing to run
                return _reply(400, {"error": "nothing to check: the selection leaves no check"})
        return _Job(
            route,
            routed.check,
            fmt,
            details,
            routed.exclude,
            details and routed.verbose,
            routed.tags,
            cache_control=self.cache_control,
        )

    def withholds(self, request: Request) -> bool:
        """Whether ``request`` names a check, registered or not, that its caller may not ask
        about. Such a path is not served: it is the application's (a 404 without one) for
        every name, so that names cannot be probed, and a route at ``/`` leaves the
        application's own pages to it."""
        path = "/" + request.path.strip("/")
        if path in self._table or self._by_name(path) is None:
            return False
        return not self._detailed(request)

    def _detailed(self, request: Request) -> bool:
        """Whether this caller sees per-check details."""
        return self._allowed(self.details, request)

    def _allowed(self, policy: Details, request: Request) -> bool:
        if policy != "when_authorized":
            return policy == "always"
        if self.authorize is None:
            peer, headers = request.remote_addr, request.headers
            return is_local(client_address(peer, headers, self.trusted_proxies))
        answered = request._authorized
        if not answered:
            answered.append(_asked(self.authorize, request.native))
        return answered[0]

    # -- producing the data (the only part that differs between sync and async) ----------

    def _produce(self, job: _Job) -> _Data:
        route = job.route
        if route.kind == "environment":
            return route.environment.run() if job.fmt == "json" else route.environment.collect()
        health = route.health
        if route.kind == "metrics":
            return health.last_report()
        if route.kind != "healthcheck":
            return health.probe(route.kind[:-1], **job.probe_options())
        if job.compat:
            return health.run()  # the answer run() keeps: no body built per request
        try:
            return health.report(job.check, exclude=job.exclude, tags=job.tags, group=route.group)
        except LookupError:
            return None

    async def _produce_async(self, job: _Job) -> _Data:
        route = job.route
        if route.kind == "environment":
            if job.fmt == "json":
                return await route.environment.run_async()
            # psutil and importlib.metadata block: keep them off the loop
            return await asyncio.to_thread(route.environment.collect)
        health = route.health
        if route.kind == "metrics":
            return health.last_report()
        if route.kind != "healthcheck":
            return await health.probe_async(route.kind[:-1], **job.probe_options())
        if job.compat:
            return await health.run_async()
        try:
            return await health.report_async(
                job.check, exclude=job.exclude, tags=job.tags, group=route.group
            )
        except LookupError:
            return None

    # -- rendering -----------------------------------------------------------------------

    def _finish(
        self, request: Request, job: _Job, data: _Data, version: Hashable | None = None
    ) -> Reply:
        if isinstance(data, dict):
            reply = self._environment_reply(job, data)
        elif isinstance(data, tuple):  # a probe's (body, status, headers)
            body, status, headers = data
            reply = Reply(status, dict(headers), _bytes(body))
        elif data is None:  # the check went between routing and running
            reply = self._not_found(f"{job.route.path.rstrip('/')}/{job.check}")
        elif job.route.kind == "metrics":
            reply = self._metrics_reply(job, data)
        else:
            reply = self._health_reply(job, data)
        if reply.headers.setdefault("Cache-Control", self._cache_control(data)) != "no-store":
            # A cache may keep it: what it holds differs by format. (Kept by no cache, a
            # response needs no Vary: one header fewer for every probe.)
            reply.headers["Vary"] = "Accept"
        reply.headers["X-Content-Type-Options"] = "nosniff"
        sealed = _sealed(request, reply)
        if version is not None and reply.keep:  # once per version: later requests copy it
            if len(self._replies) >= _REPLIES_KEPT:
                self._replies.clear()  # a client cycling through ?exclude= sets
            # A copy, with its length (for HEAD, GET's): the reply sent goes to the adapter.
            self._replies[job.key] = job.kept = (version, reply.again())
        return sealed

    def _health_reply(self, job: _Job, report: Report) -> Reply:
        """The face ``job`` asks for, rendered once per set of results (the page, whose ages
        count in seconds, once per second too) and kept: later requests copy it."""
        if job.fmt == "json" and job.details:  # a timestamp per answer: the facade splices it
            health = job.route.health
            made = health.render_template(report)
            if made is None:  # a custom handler or a callable section: made per request
                body, code, headers = health.render(report)
                return Reply(code, dict(headers), _bytes(body), keep=False)
            template, code, headers = made
            return Reply(code, headers, template.render().encode(), template)
        # What else a face is made of: the second (the page's ages), the settings.
        moment = (int(time.time()) if job.fmt == "html" else 0, job.route.health.settings)
        return self._kept(job, report, moment, self._render_face)

    def _kept(
        self, job: _Job, report: Report, moment: object, render: Callable[[_Job, Report], Reply]
    ) -> Reply:
        """``render(job, report)``, or a copy of its last reply for the same face while the
        report holds the very same results (and ``moment`` is the same)."""
        key = (job.route.path, job.fmt, job.details, job.check)
        kept = self._faces.get(key)
        if (
            kept is not None
            and kept[0] == moment
            and len(kept[1]) == len(report.results)
            and all(a is b for a, b in zip(kept[1], report.results))
            and all(a is b for a, b in zip(kept[2], report.checks))
        ):
            reply: Reply = kept[3]
        else:
            reply = render(job, report)
            self._faces[key] = (moment, report.results, report.checks, reply)
        return Reply(reply.status, dict(reply.headers), reply.body)

    def _render_face(self, job: _Job, report: Report) -> Reply:
        from .render import health_json, html, peers, text

        health = job.route.health
        status, code = report.status, health.status_code(report.status)
        if job.fmt == "json":
            return _reply(code, {"status": STATUS_WORDS[status]})
        if job.fmt == "health+json":
            body = health_json.render_health_json(
                report,
                build=health.build_info,
                service_id=self.service_id,
                description=self.description,
                details=job.details,
            )
            return Reply(code, {"Content-Type": health_json.MEDIA_TYPE}, body.encode())
        if job.fmt in peers.RENDERERS:
            body = peers.RENDERERS[job.fmt](report, job.details)
            return Reply(code, {"Content-Type": JSON_TYPE}, body.encode())
        if job.fmt == "history":
            return Reply(code, {"Content-Type": JSON_TYPE}, _history(report, job.details))
        if job.fmt == "html":
            page = html.render_html(
                report, refresh=self.refresh, details=job.details, hidden_hint=self._hint()
            )
            return Reply(code, _html_headers(html.CONTENT_SECURITY_POLICY), page.encode())
        lines = text.render_lines(report.results) if job.details else []
        body = text.render_probe("healthcheck", status, lines, verbose=job.details)
        return Reply(code, {"Content-Type": TEXT_TYPE}, body.encode())

    def _hint(self) -> str:
        """What the status page tells a viewer who may not see the checks."""
        if self.details == "never":
            how = "this service shows them to nobody over HTTP; run `healthcheck run` on its host"
        elif self.authorize is not None:
            how = "sign in as the application asks to see which checks fail"
        else:
            how = "open this page on the service's own host to see which checks fail"
        return f"Check details are hidden from this client: {how}."

    def _environment_reply(self, job: _Job, data: dict[str, JSON]) -> Reply:
        if job.fmt == "html":
            from .render.html import CONTENT_SECURITY_POLICY, render_environment_html

            page = render_environment_html(data).encode()
            return Reply(200, _html_headers(CONTENT_SECURITY_POLICY), page)
        return Reply(200, {"Content-Type": JSON_TYPE}, json.dumps(data).encode())

    def _metrics_reply(self, job: _Job, report: Report) -> Reply:
        return self._kept(job, report, None, self._render_metrics)

    @staticmethod
    def _render_metrics(job: _Job, report: Report) -> Reply:
        try:
            from .render.prometheus import render_prometheus
        except MissingDependencyError as exc:  # a clear answer, not a 500 from deep inside
            return _reply(501, {"error": str(exc)})
        # Overall state only once a check has a result: no "pass" from a new process.
        complete = bool(report.results)
        body, content_type = render_prometheus(
            report, openmetrics=job.fmt == "openmetrics", complete=complete
        )
        return Reply(200, {"Content-Type": content_type}, body)

    def _cache_control(self, data: _Data) -> str:
        if self.cache_control == "no-store" or not isinstance(data, Report) or not data.results:
            return "no-store"
        remaining = max(0, int(min(r.expires for r in data.results) - time.time()))
        if self.details == "when_authorized":
            # The body depends on who asks: a shared cache (a reverse proxy's) must not hand
            # an authorised caller's details to the next anonymous one.
            return f"private, max-age={remaining}"
        return f"max-age={remaining}"


def _route_table(
    health: HealthCheck | None,
    environment: EnvironmentDump | None,
    metrics: bool,
    paths: Mapping[str, str | None] | None,
    extra: Iterable[Route],
) -> dict[str, Route]:
    """Path -> route: the default routes of ``health`` and ``environment``, renamed or left
    out as ``paths`` says, then ``extra``; two routes on one path are an error."""
    paths = dict(paths or {})
    unknown = sorted(set(paths) - set(KINDS))
    if unknown:
        raise ValueError(f"paths: unknown route {unknown[0]!r}; the routes are {', '.join(KINDS)}")
    defaults: list[tuple[str, HealthCheck | EnvironmentDump | None]] = [
        ("healthcheck", health),
        ("livez", health),
        ("readyz", health),
        ("startupz", health),
        ("metrics", health if metrics else None),
        ("environment", environment),
    ]
    routes = []
    for kind, target in defaults:
        path = paths.get(kind, f"/{kind}")
        if target is not None and path is not None:
            routes.append(Route(path, target, kind))
    for route in extra:
        if not isinstance(route, Route):
            raise TypeError(f"routes: expected Route objects, got {type(route).__name__}")
        routes.append(route)
    table: dict[str, Route] = {}
    for route in routes:
        if route.path in table:
            raise ValueError(
                f"two routes on {route.path}: {table[route.path].kind} and {route.kind}"
            )
        table[route.path] = route
    return table


#: How many replies are kept at most (distinct routes, formats, checks and exclusions).
_REPLIES_KEPT = 256

_Data = Union[Report, dict[str, JSON], tuple[Any, int, dict[str, str]], None]


@overload
def _sealed(request: Request, reply: Reply) -> Reply: ...


@overload
def _sealed(request: Request, reply: None) -> None: ...


def _sealed(request: Request, reply: Reply | None) -> Reply | None:
    """``reply`` as sent: its length, and for HEAD no body (GET's length stays)."""
    if reply is None:
        return None
    reply.headers["Content-Length"] = str(len(reply.body))
    if request.method == "HEAD":
        return Reply(reply.status, reply.headers, b"")
    return reply


@overload
def _uncached(reply: Reply) -> Reply: ...


@overload
def _uncached(reply: None) -> None: ...


def _uncached(reply: Reply | None) -> Reply | None:
    """An error answer: never stored by a cache (so no Vary either)."""
    if reply is not None:
        reply.headers.setdefault("Cache-Control", "no-store")
        reply.headers.setdefault("X-Content-Type-Options", "nosniff")
    return reply


def _history(report: Report, details: bool) -> bytes:
    """The ``history`` face: the overall state and since when; with ``details``, each check's
    last results."""
    data: dict[str, Any] = {"status": report.status.value, "since": report.overall_since}
    if details:
        checks = []
        for index, (check, history) in enumerate(zip(report.checks, report.histories)):
            entry: dict[str, Any] = {"checker": check.name, "critical": check.critical}
            entry.update(history.jsonable if history is not None else {"history": []})
            entry["since"] = report.since(index)
            entry["status"] = report.results[index].status.value
            checks.append(entry)
        data["checks"] = checks
    return json.dumps(data).encode()


def _asked(hook: Authorize, native: Any) -> bool:
    """The ``authorize`` hook's answer; anything but an answer (an exception, an awaitable
    from a callable object that hid its async __call__) is "no"."""
    try:
        said = hook(native)
    except Exception:
        logger.exception("the authorize hook raised; treating the caller as unauthorised")
        return False
    if inspect.isawaitable(said):
        if inspect.iscoroutine(said):
            said.close()  # never awaited: no "was never awaited" warning either
        logger.error("the authorize hook returned an awaitable; the caller is unauthorised")
        return False
    return bool(said)


def _selection_withheld() -> Reply:
    return _reply(403, {"error": "?exclude= and ?tag= are for authorised callers only"})


def _html_headers(policy: str) -> dict[str, str]:
    return {"Content-Type": HTML_TYPE, "Content-Security-Policy": policy}


def _reply(status: int, data: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Reply:
    body = json.dumps(to_jsonable(data)).encode()
    return Reply(status, {"Content-Type": JSON_TYPE, **(headers or {})}, body)


def _format(request: Request) -> str | None:
    # An unencoded "+" in a query string arrives as a space: ?format=health+json
    value = request.arg("format")
    return value.strip().lower().replace(" ", "+") if value else None


def _bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    return (body if isinstance(body, str) else json.dumps(to_jsonable(body))).encode()
