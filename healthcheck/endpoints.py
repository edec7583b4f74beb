"""The HTTP endpoints, free of any web framework: routing, formats, who sees what, caching.

Adapters (Flask, Tornado, WSGI, ASGI) translate their request into a :class:`Request`, call
:meth:`Endpoints.handle` (or ``handle_async``) and translate the :class:`Reply` back.

Routes, below the adapter's prefix: ``/healthcheck[/<check>]``, ``/environment``,
``/livez[/<check>]``, ``/readyz[/<check>]``, ``/startupz[/<check>]`` and ``/metrics``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, Union

from .core import HealthCheck
from .environment import EnvironmentDump
from .exceptions import MissingDependencyError
from .jsonable import JSON, to_jsonable
from .negotiation import choose
from .render.compat import STATUS_WORDS
from .result import Report

logger = logging.getLogger("healthcheck")
_T = TypeVar("_T")

#: Who sees the details of a response: everyone, authorised callers only, or nobody.
Details = Literal["always", "when_authorized", "never"]
#: ``authorize(native_request) -> bool``; the request is the framework's own object.
Authorize = Callable[[Any], bool]

ROUTES = ("healthcheck", "environment", "livez", "readyz", "startupz", "metrics")
#: Routes that take a check name as a second path segment.
CHECK_ROUTES = frozenset({"healthcheck", "livez", "readyz", "startupz"})

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
HEALTH_FORMATS = {
    "json": JSON_TYPE,
    "health+json": "application/health+json",
    "text": "text/plain",
    "html": "text/html",
}
ENVIRONMENT_FORMATS = {"json": JSON_TYPE, "html": "text/html"}
METRICS_FORMATS = {"prometheus": "text/plain", "openmetrics": "application/openmetrics-text"}


@dataclass(frozen=True)
class Request:
    """What the endpoints need of an HTTP request."""

    method: str
    #: Below the adapter's prefix, percent-decoded, e.g. ``/readyz/db``.
    path: str
    query: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: Header names in lower case.
    headers: Mapping[str, str] = field(default_factory=dict)
    remote_addr: str | None = None
    #: The framework's own request object, handed to the ``authorize`` hook.
    native: Any = None

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


@dataclass(frozen=True)
class _Job:
    """A routed request: what to produce, for whom, in which format."""

    route: str
    check: str | None
    fmt: str
    details: bool
    exclude: tuple[str, ...] = ()
    verbose: bool = False

    def probe_options(self) -> dict[str, Any]:
        return {
            "verbose": self.verbose,
            "exclude": self.exclude,
            "check": self.check,
            "details": self.details,
        }


class Endpoints:
    """Serves a :class:`HealthCheck` and an :class:`EnvironmentDump` over HTTP.

    ``details`` says who sees per-check results (others get only the overall status, the
    Kubernetes "reason withheld" style); ``environment_details`` who may read
    ``/environment`` at all. "Authorised" means ``authorize(request)`` returned true or, with no
    hook, that the request came from this machine (a loopback address).
    """

    def __init__(
        self,
        health: HealthCheck | None = None,
        environment: EnvironmentDump | None = None,
        *,
        authorize: Authorize | None = None,
        details: Details = "always",
        environment_details: Details = "when_authorized",
        cache_control: Literal["no-store", "max-age"] = "no-store",
        metrics: bool = True,
        service_id: str | None = None,
        description: str | None = None,
        refresh: int = 10,
    ) -> None:
        for name, value in (("details", details), ("environment_details", environment_details)):
            if value not in ("always", "when_authorized", "never"):
                raise ValueError(f"{name} must be always, when_authorized or never: {value!r}")
        if cache_control not in ("no-store", "max-age"):
            raise ValueError(f"cache_control must be no-store or max-age: {cache_control!r}")
        self.health = health
        self.environment = environment
        self.authorize = authorize
        self.details = details
        self.environment_details = environment_details
        self.cache_control = cache_control
        self.metrics = metrics
        self.service_id = service_id
        self.description = description
        self.refresh = refresh

    @property
    def routes(self) -> list[str]:
        """The first path segments served, for adapters that must register each."""
        served = []
        if self.health is not None:
            served += ["healthcheck", "livez", "readyz", "startupz"]
            if self.metrics:
                served.append("metrics")
        if self.environment is not None:
            served.append("environment")
        return served

    # -- the two entry points ------------------------------------------------------------

    def handle(self, request: Request) -> Reply | None:
        """The reply to ``request``, or ``None`` when its path is not one of ours."""
        job = self._route(request)
        if not isinstance(job, _Job):
            return job
        return self._finish(request, job, self._produce(job))

    async def handle_async(self, request: Request) -> Reply | None:
        """:meth:`handle` for async servers: checks are awaited, the loop never blocks."""
        job = self._route(request)
        if not isinstance(job, _Job):
            return job
        return self._finish(request, job, await self._produce_async(job))

    # -- routing -------------------------------------------------------------------------

    def _route(self, request: Request) -> _Job | Reply | None:
        parts = request.path.strip("/").split("/")
        route, check = parts[0], (parts[1] if len(parts) == 2 else None)
        if len(parts) > 2 or route not in self.routes or (check and route not in CHECK_ROUTES):
            return None
        if request.method not in ("GET", "HEAD"):
            return _reply(405, {"error": "method not allowed"}, {"Allow": "GET, HEAD"})
        if route == "environment":
            return self._environment_job(request)
        details = self._allowed(self.details, request)
        if route == "metrics":
            if not details:
                return _reply(403, {"error": "metrics are for authorised callers only"})
            fmt = choose(request.headers.get("accept"), METRICS_FORMATS, "prometheus")
            return _Job(route, None, fmt, details)
        fmt = _format(request) or choose(request.headers.get("accept"), HEALTH_FORMATS, "json")
        if route == "healthcheck" and fmt not in HEALTH_FORMATS:
            return _reply(
                400, {"error": f"unknown format {fmt!r}", "formats": list(HEALTH_FORMATS)}
            )
        return _Job(
            route,
            check,
            fmt,
            details,
            exclude=tuple(request.args("exclude")),
            verbose=details and "verbose" in request.query,
        )

    def _environment_job(self, request: Request) -> _Job | Reply:
        if self.environment_details == "never":
            return _reply(404, {"error": "the environment endpoint is disabled"})
        if not self._allowed(self.environment_details, request):
            return _reply(403, {"error": "the environment is for authorised callers only"})
        fmt = _format(request) or choose(request.headers.get("accept"), ENVIRONMENT_FORMATS, "json")
        if fmt not in ENVIRONMENT_FORMATS:
            return _reply(400, {"error": f"unknown format {fmt!r}"})
        return _Job("environment", None, fmt, True)

    def _allowed(self, policy: Details, request: Request) -> bool:
        if policy != "when_authorized":
            return policy == "always"
        if self.authorize is None:
            return _is_loopback(request.remote_addr)
        try:
            return bool(self.authorize(request.native))
        except Exception:
            logger.exception("the authorize hook raised; treating the caller as unauthorised")
            return False

    # -- producing the data (the only part that differs between sync and async) ----------

    def _produce(self, job: _Job) -> _Data:
        if job.route == "environment":
            return self._served(self.environment).collect()
        health = self._served(self.health)
        if job.route == "metrics":
            return health.last_report()
        if job.route != "healthcheck":
            return health.probe(job.route[:-1], **job.probe_options())
        try:
            return health.report(job.check, exclude=job.exclude)
        except LookupError:
            return None

    async def _produce_async(self, job: _Job) -> _Data:
        if job.route == "environment":
            # psutil and importlib.metadata block: keep them off the loop
            return await asyncio.to_thread(self._served(self.environment).collect)
        health = self._served(self.health)
        if job.route == "metrics":
            return health.last_report()
        if job.route != "healthcheck":
            return await health.probe_async(job.route[:-1], **job.probe_options())
        try:
            return await health.report_async(job.check, exclude=job.exclude)
        except LookupError:
            return None

    @staticmethod
    def _served(target: _T | None) -> _T:
        if target is None:  # _route only routes to what is served
            raise RuntimeError("routed to an endpoint that is not served")
        return target

    # -- rendering -----------------------------------------------------------------------

    def _finish(self, request: Request, job: _Job, data: _Data) -> Reply:
        if isinstance(data, dict):
            reply = self._environment_reply(job, data)
        elif isinstance(data, tuple):  # a probe's (body, status, headers)
            body, status, headers = data
            reply = Reply(status, dict(headers), _bytes(body))
        elif data is None:
            reply = _reply(404, {"status": "failure", "error": f"no check named {job.check!r}"})
        elif job.route == "metrics":
            reply = self._metrics_reply(job, data)
        else:
            reply = self._health_reply(job, data)
        reply.headers.setdefault("Cache-Control", self._cache_control(data))
        reply.headers["Vary"] = "Accept"
        reply.headers["Content-Length"] = str(len(reply.body))
        if request.method == "HEAD":
            return Reply(reply.status, reply.headers, b"")
        return reply

    def _health_reply(self, job: _Job, report: Report) -> Reply:
        from .render import health_json, html, text

        health = self._served(self.health)
        status, code = report.status, health.status_code(report.status)
        if job.fmt == "json":
            if not job.details:
                return _reply(code, {"status": STATUS_WORDS[status]})
            body, code, headers = health.render(report)
            return Reply(code, dict(headers), _bytes(body))
        if job.fmt == "health+json":
            body = health_json.render_health_json(
                report,
                build=health.build_info,
                service_id=self.service_id,
                description=self.description,
                details=job.details,
            )
            return Reply(code, {"Content-Type": health_json.MEDIA_TYPE}, body.encode())
        if job.fmt == "html":
            page = html.render_html(report, refresh=self.refresh, details=job.details)
            return Reply(code, {"Content-Type": HTML_TYPE}, page.encode())
        lines = text.render_lines(report.results) if job.details else []
        body = text.render_probe("healthcheck", status, lines, verbose=job.details)
        return Reply(code, {"Content-Type": TEXT_TYPE}, body.encode())

    def _environment_reply(self, job: _Job, data: dict[str, JSON]) -> Reply:
        if job.fmt == "html":
            from .render.html import render_environment_html

            return Reply(200, {"Content-Type": HTML_TYPE}, render_environment_html(data).encode())
        return Reply(200, {"Content-Type": JSON_TYPE}, json.dumps(data).encode())

    def _metrics_reply(self, job: _Job, report: Report) -> Reply:
        try:
            from .render.prometheus import render_prometheus
        except MissingDependencyError as exc:  # a clear answer, not a 500 from deep inside
            return _reply(501, {"error": str(exc)})
        body, content_type = render_prometheus(report, openmetrics=job.fmt == "openmetrics")
        return Reply(200, {"Content-Type": content_type}, body)

    def _cache_control(self, data: _Data) -> str:
        if self.cache_control == "no-store" or not isinstance(data, Report) or not data.results:
            return "no-store"
        remaining = min(r.expires for r in data.results) - time.time()
        return f"max-age={max(0, int(remaining))}"


_Data = Union[Report, dict[str, JSON], tuple[Any, int, dict[str, str]], None]


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


def _is_loopback(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 from a dual-stack socket
    return (mapped or ip).is_loopback
