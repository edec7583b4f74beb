"""A tiny HTTP client and a threaded WSGI server on a loopback port, for end-to-end tests."""

from __future__ import annotations

import itertools
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from typing import Any


@dataclass
class Reply:
    status: int
    #: Case-insensitive, as HTTP header names are.
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def get(
    url: str, timeout: float = 10, headers: dict[str, str] | None = None, method: str = "GET"
) -> Reply:
    """GET ``url``; a 4xx or 5xx answer is returned, not raised."""
    if url.startswith(MEMORY):
        return _in_memory(url, headers or {}, method)
    request = urllib.request.Request(url, headers=headers or {}, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.headers, error.read())


@contextmanager
def wsgi_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with werkzeug's threaded server on 127.0.0.1; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


#: The scheme of in-memory targets: no socket, the endpoints answer the request directly.
MEMORY = "memory://"
_targets: dict[str, Any] = {}
_numbers = itertools.count(1)


@contextmanager
def in_memory(endpoints: Any, prefix: str = "") -> Iterator[str]:
    """A base URL whose requests :func:`get` hands to ``endpoints`` (an ``Endpoints``
    mounted at ``prefix``)."""
    host = f"endpoints-{next(_numbers)}"
    _targets[host] = (endpoints, prefix.rstrip("/"))
    try:
        yield MEMORY + host
    finally:
        del _targets[host]


def _in_memory(url: str, headers: dict[str, str], method: str) -> Reply:
    from healthcheck.endpoints import Request
    from healthcheck.integrations._http import strip_prefix

    parts = urllib.parse.urlsplit(url)
    endpoints, prefix = _targets[parts.netloc]
    path = strip_prefix(urllib.parse.unquote(parts.path) or "/", prefix)
    lowered = {name.lower(): value for name, value in headers.items()}
    request = Request(
        method=method,
        path=path or "/",
        query=urllib.parse.parse_qs(parts.query, keep_blank_values=True),
        headers=lowered,
        remote_addr="127.0.0.1",
        native={"method": method, "url": url, "headers": lowered},  # for authorize hooks
    )
    reply = None if path is None else endpoints.handle(request)
    if reply is None:  # as an adapter with no application behind it answers
        reply = endpoints.not_found(path, method, request)
    message = Message()
    for name, value in reply.headers.items():
        message[name] = value
    return Reply(reply.status, message, reply.body)
