"""An ASGI application serving the health endpoints (Starlette, FastAPI, Litestar, any ASGI
server). It awaits async checks on the server's loop and never blocks it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..core import HealthCheck
from ..endpoints import Endpoints, Reply, Request
from ..environment import EnvironmentDump
from ..proxies import forwarded_from
from ._http import ScopeHeaders, parse_query, strip_prefix

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class HealthASGI:
    """``HealthASGI(health, environment, app=None, prefix="", **options)``.

    Requests for the health routes (below ``prefix``) are answered here with the real HTTP
    status; the rest go to ``app``, or get a 404 without one. ``options`` are
    :class:`Endpoints`' (``authorize`` receives the ASGI ``scope``).
    """

    def __init__(
        self,
        health: HealthCheck | None = None,
        environment: EnvironmentDump | None = None,
        *,
        app: ASGIApp | None = None,
        prefix: str = "",
        **options: Any,
    ) -> None:
        self.endpoints = Endpoints(health, environment, **options)
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = self._request(scope) if scope["type"] == "http" else None
        if request is not None:
            reply = await self.endpoints.handle_async(request)
            if reply is not None:
                await _send(send, reply)
                return
        if self.app is not None:
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            method = scope.get("method", "GET").upper()
            await _send(send, self.endpoints.not_found(self._below(scope), method, request))
        elif scope["type"] == "lifespan":
            await _lifespan(receive, send)

    def _below(self, scope: Scope) -> str | None:
        """The request's path below the mount point and the prefix; ``None`` outside them."""
        path = scope.get("path") or "/"
        root = scope.get("root_path") or ""
        if root and path.startswith(root):  # mounted (Starlette's Mount keeps the full path)
            path = path[len(root) :] or "/"
        return strip_prefix(path, self.prefix)

    def _request(self, scope: Scope) -> Request | None:
        below = self._below(scope)
        if below is None:
            return None
        client = scope.get("client")
        headers = ScopeHeaders(scope.get("headers", ()))
        peer = client[0] if client else None
        # A server that believes forwarding headers (uvicorn --forwarded-allow-ips) puts the
        # forwarded address in scope["client"]: the socket peer is then unknown, never local.
        if peer is not None and forwarded_from(peer, headers):
            peer = None
        return Request(
            method=scope.get("method", "GET").upper(),
            path=below,
            query=parse_query(scope.get("query_string", b"")),
            headers=headers,
            remote_addr=peer,
            native=scope,
        )


async def _send(send: Send, reply: Reply) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge start-up and shut-down when there is no application behind us."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
