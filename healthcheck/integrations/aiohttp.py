"""aiohttp (neither WSGI nor ASGI): routes for an application, or a sub-application.

.. code-block:: python

    app.add_routes(health_routes(health, environment))           # /healthcheck, /readyz, ...
    app.add_subapp("/ops", health_app(health, environment))      # /ops/healthcheck, ...
"""

from __future__ import annotations

import re
from typing import Any

from .._optional import require

web: Any = require("aiohttp.web", extra="aiohttp")

from ..core import HealthCheck  # noqa: E402 - after the friendly import check
from ..endpoints import Endpoints, Reply, Request  # noqa: E402
from ..environment import EnvironmentDump  # noqa: E402
from ._http import MultiHeaders, parse_query, tail_of  # noqa: E402

__all__ = ["health_app", "health_routes"]


def health_routes(
    health: HealthCheck | None = None,
    environment: EnvironmentDump | None = None,
    *,
    prefix: str = "",
    **options: Any,
) -> Any:
    """A ``web.RouteTableDef`` with a route for each path the endpoints serve, below
    ``prefix``: the application's other routes stay its own. ``options`` are
    :class:`~healthcheck.endpoints.Endpoints`' (``authorize`` receives the aiohttp request)."""
    endpoints = Endpoints(health, environment, **options)
    table = web.RouteTableDef()
    prefix = prefix.rstrip("/")
    for route in endpoints.routes:
        base = route.path.rstrip("/")
        templates = [route.path]
        if route.by_name:
            templates.append(f"{base}/{{check}}")
        if route.grouped:
            templates.append(f"{base}/group/{{group}}")
        for template in templates:
            handler = _handler(endpoints, template)
            path = _pattern(f"{prefix}{template}".rstrip("/") or "/")
            table.route("*", path)(handler)
            if path != "/":  # /healthcheck/ answers as /healthcheck, as on the other adapters
                table.route("*", path + "/")(handler)
    return table


def health_app(
    health: HealthCheck | None = None, environment: EnvironmentDump | None = None, **options: Any
) -> Any:
    """A ``web.Application`` serving the endpoints, to mount with ``app.add_subapp(prefix,
    health_app(...))``."""
    app = web.Application()
    app.add_routes(health_routes(health, environment, **options))
    return app


def _pattern(path: str) -> str:
    """``path`` as aiohttp's router finds it: it looks dynamic routes up by their first segment
    percent-encoded but matches them decoded, so one with a non-ASCII first segment is never
    found; as a variable of one fixed value, that segment is."""
    if path.isascii() or "{" not in path:
        return path
    first, _, rest = path.lstrip("/").partition("/")
    return "/{_segment:" + re.escape(first) + "}/" + rest


def _handler(endpoints: Endpoints, template: str) -> Any:
    async def handle(request: Any) -> Any:
        below = tail_of(request.path, template)  # below a sub-application's mount point
        peer = request.transport.get_extra_info("peername") if request.transport else None
        asked = Request(
            method=request.method,
            path=below,
            query=parse_query(request.query_string.encode("utf-8")),
            headers=MultiHeaders(request.headers),  # each name's lines joined
            # The socket peer: a forwarding middleware may have replaced request.remote.
            remote_addr=peer[0] if isinstance(peer, tuple) and peer else None,
            native=request,
        )
        reply = await endpoints.handle_async(asked)
        if reply is None:  # a name no check has: the answer for an unknown check
            reply = endpoints.not_found(asked.path, asked.method, asked)
        return _response(request, reply)

    return handle


def _response(request: Any, reply: Reply) -> Any:
    headers = {k: v for k, v in reply.headers.items() if k.lower() != "content-length"}
    response = web.Response(body=reply.body, status=reply.status, headers=headers)
    if request.method == "HEAD":  # GET's length, not the empty body's
        response.headers["Content-Length"] = reply.headers.get("Content-Length", "0")
    return response
