"""Tornado: ``("/healthcheck", TornadoHandler, dict(checker=health))`` as in py-healthcheck, or
every endpoint at once with ``routes(health, environment)``."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any
from urllib.parse import unquote

from .._optional import require

require("tornado", extra="tornado")

from tornado.httputil import HTTPServerRequest  # noqa: E402 - after the friendly import check
from tornado.routing import Matcher, Rule  # noqa: E402
from tornado.web import RequestHandler  # noqa: E402

from ..core import HealthCheck  # noqa: E402
from ..endpoints import Endpoints, Reply, Request  # noqa: E402
from ..environment import EnvironmentDump  # noqa: E402
from ._http import parse_query, strip_prefix  # noqa: E402


class TornadoHandler(RequestHandler):
    """Serves a :class:`HealthCheck` or an :class:`EnvironmentDump` without blocking the IOLoop.

    Sync checkers run on the check thread pool and async ones on the IOLoop, so other handlers
    keep answering while a slow check runs. A URL group, as in ``r"/healthcheck/(\\w+)"``,
    selects one check by name.
    """

    checker: HealthCheck | EnvironmentDump

    def initialize(self, checker: HealthCheck | EnvironmentDump) -> None:
        self.checker = checker

    def get(self, check: str | None = None, *args: Any) -> Awaitable[None] | None:
        # Tornado awaits what get() returns: answer a cached result at once, and only
        # return a coroutine when checks must run.
        if check is None and isinstance(self.checker, HealthCheck):
            cached = self.checker.cached_response()
            if cached is not None:
                self._send(*cached)
                return None
        return self._run(check)

    head = get

    async def _run(self, check: str | None) -> None:
        if isinstance(self.checker, HealthCheck):
            self._send(*await self.checker.run_async(check))
        else:
            self._send(*await self.checker.run_async())

    def _send(self, body: Any, status: int, headers: Mapping[str, str]) -> None:
        self.set_status(status)
        for name, value in headers.items():
            self.set_header(name, value)
        if self.request.method != "HEAD":
            self.write(body)
        elif isinstance(body, (str, bytes)):  # HEAD: the length GET would have sent
            self.set_header("Content-Length", len(body.encode() if isinstance(body, str) else body))


class EndpointsHandler(RequestHandler):
    """Serves every endpoint of an :class:`Endpoints`; see :func:`routes`."""

    endpoints: Endpoints
    prefix: str

    def initialize(self, endpoints: Endpoints, prefix: str = "") -> None:
        self.endpoints = endpoints
        self.prefix = prefix

    def get(self, *args: Any) -> Awaitable[None] | None:
        request = _request(self.request, self.prefix)
        ready = self.endpoints.handle_ready(request)
        if ready is not None:  # most requests: answered now, no coroutine to run
            self._send(ready)
            return None
        return self._produce(request)

    async def _produce(self, request: Request) -> None:
        reply = await self.endpoints.handle_async(request)
        if reply is None:
            below = strip_prefix(unquote(self.request.path), self.prefix)
            reply = self.endpoints.not_found(below, self.request.method or "GET", request)
        self._send(reply)

    # Every method: the endpoints answer 405 for all but GET and HEAD, alike for any name.
    head = post = put = patch = delete = options = get

    def on_finish(self) -> None:
        _forget(self.request)

    def _send(self, reply: Reply) -> None:
        self.set_status(reply.status)
        head = self.request.method == "HEAD"
        for name, value in reply.headers.items():
            # Tornado counts the body itself, but for HEAD, GET's length is the one to send
            if head or name.lower() != "content-length":
                self.set_header(name, value)
        if self.request.method != "HEAD":
            self.write(reply.body)


class _Served(Matcher):
    """Matches exactly the paths the endpoints serve, asking them; every other request goes on
    to the application's next rule (a route at ``/`` takes no path of the app's own)."""

    def __init__(self, endpoints: Endpoints, prefix: str) -> None:
        self.endpoints = endpoints
        self.prefix = prefix

    def match(self, request: HTTPServerRequest) -> dict[str, Any] | None:
        path = strip_prefix(unquote(request.path), self.prefix)
        if path is None:
            return None
        matched = self.endpoints.match(path)
        if matched is None:
            return None  # unknown names below a route stay the app's
        if matched[1] is not None and self.endpoints.withholds(_request(request, self.prefix)):
            _forget(request)  # served elsewhere: nothing of ours stays on it
            return None  # so do known ones, for a caller who may not learn which names exist
        return {}


def routes(
    health: HealthCheck | None = None,
    environment: EnvironmentDump | None = None,
    *,
    prefix: str = "",
    **options: Any,
) -> list[Rule]:
    """Routes for ``tornado.web.Application`` serving every endpoint below ``prefix``:
    ``Application([*routes(health, environment), ...])``. ``options`` are
    :class:`~healthcheck.endpoints.Endpoints`' (``authorize`` receives the
    ``HTTPServerRequest``)."""
    endpoints = Endpoints(health, environment, **options)
    target = {"endpoints": endpoints, "prefix": prefix}
    return [Rule(_Served(endpoints, prefix), EndpointsHandler, target)]


def _request(request: HTTPServerRequest, prefix: str) -> Request:
    """``request`` as the endpoints read it; made once per request (the matcher may need it
    before the handler), kept on it under a name of ours."""
    made: tuple[str, Request] | None = getattr(request, "_healthcheck_request", None)
    if made is None or made[0] != prefix:  # two routes() of other prefixes in one app
        made = (prefix, _translated(request, prefix))
        request._healthcheck_request = made  # type: ignore[attr-defined]
    return made[1]


def _forget(request: HTTPServerRequest) -> None:
    """Drop what _request() kept on ``request``: it refers back to the request (as the hook's
    ``native``), a cycle that only the garbage collector would otherwise free, request after
    request (measured: a tenth more CPU per request)."""
    request.__dict__.pop("_healthcheck_request", None)


def _translated(request: HTTPServerRequest, prefix: str) -> Request:
    path = unquote(request.path)
    return Request(
        method=request.method or "GET",
        path=strip_prefix(path, prefix) or path,
        query=parse_query(request.query.encode("latin-1", "replace")),
        headers=request.headers,  # looked up by any case
        remote_addr=_peer(request),
        native=request,
    )


def _peer(request: HTTPServerRequest) -> str | None:
    """The socket peer, not ``remote_ip``: with ``xheaders=True`` Tornado replaces that with
    whatever ``X-Real-IP`` or ``X-Forwarded-For`` says, from anyone; the endpoints judge
    forwarding themselves."""
    address = getattr(getattr(request.connection, "context", None), "address", None)
    if isinstance(address, tuple) and address and isinstance(address[0], str):
        return address[0]
    return None  # not a TCP peer (a Unix socket): no address to judge, only authorize
