"""A WSGI application serving the health endpoints; mount it in Django, Pyramid, Falcon or
behind any WSGI server, alone or in front of your own application."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..core import HealthCheck
from ..endpoints import Endpoints, Request
from ..environment import EnvironmentDump
from ._http import EnvironHeaders, parse_query, status_line, strip_prefix, wsgi_peer

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class HealthWSGI:
    """``HealthWSGI(health, environment, app=None, prefix="", **options)``.

    Requests for the health routes (below ``prefix``) are answered here; the rest go to
    ``app``, or get a 404 without one. ``options`` are :class:`Endpoints`' (``authorize``
    receives the WSGI ``environ``).
    """

    def __init__(
        self,
        health: HealthCheck | None = None,
        environment: EnvironmentDump | None = None,
        *,
        app: WSGIApp | None = None,
        prefix: str = "",
        **options: Any,
    ) -> None:
        self.endpoints = Endpoints(health, environment, **options)
        self.app = app
        self.prefix = prefix

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = strip_prefix(_path_info(environ), self.prefix)
        reply = request = None
        if path is not None:
            request = Request(
                method=environ.get("REQUEST_METHOD", "GET").upper(),
                path=path,
                query=parse_query(_latin1(environ.get("QUERY_STRING") or "")),
                headers=EnvironHeaders(environ),
                remote_addr=wsgi_peer(environ),
                native=environ,
            )
            reply = self.endpoints.handle(request)
        if reply is None:
            if self.app is not None:
                return self.app(environ, start_response)
            method = environ.get("REQUEST_METHOD", "GET").upper()
            reply = self.endpoints.not_found(path, method, request)
        start_response(status_line(reply.status), list(reply.headers.items()))
        return [reply.body]


def _latin1(text: str) -> bytes:
    """A PEP 3333 string as the bytes it stands for (text put there decoded: as UTF-8)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _path_info(environ: dict[str, Any]) -> str:
    """PATH_INFO as text. PEP 3333 has it hold the URL's bytes as latin-1 (they are UTF-8);
    a server that put decoded text there already is taken at its word."""
    raw = environ.get("PATH_INFO") or "/"
    try:
        return str(raw.encode("latin-1").decode("utf-8", "replace"))
    except UnicodeEncodeError:
        return str(raw)
