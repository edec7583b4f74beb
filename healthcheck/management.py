"""A management listener: the health endpoints on a port of their own, answered by threads of
their own, so that probes are answered while every worker thread of the application is busy
(Spring Boot's ``management.server.port``).

.. code-block:: python

    from healthcheck.management import serve_management

    management = serve_management(health, port=8081)   # a daemon thread; .close() to stop

A saturated application is alive: its ``/livez`` on this port answers at once instead of timing
out behind the application's own requests (and the kubelet does not restart it). Readiness may
say it is saturated, with :class:`InFlight`, so that the load balancer backs off instead.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import threading
import time
from collections.abc import Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from .core import HealthCheck
from .environment import EnvironmentDump
from .result import Outcome, Status

logger = logging.getLogger("healthcheck")

__all__ = ["InFlight", "ManagementServer", "serve_management"]


#: Seconds a connection may stay silent (a client that connects and sends nothing).
READ_TIMEOUT = 2.0
#: Connections served at once. Past it, a new connection takes the place of the oldest one
#: still sending its request (a client trickling its headers holds no place for long); with
#: none such, it is closed at once. Idle clients cannot use up the file descriptors the checks
#: need, nor keep a probe out.
MAX_CONNECTIONS = 256


class _Handler(WSGIRequestHandler):
    timeout = READ_TIMEOUT

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        self.server.received(self.request)  # type: ignore[attr-defined]
        return parsed

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("management: %s - %s", self.address_string(), format % args)


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a stuck client never holds the process open
    request_queue_size = 1024  # a burst of probes waits in the backlog, not refused
    reuse_port = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._places = threading.Lock()
        #: Connections holding a place, by id; and those still sending their request, with
        #: when they came.
        self.admitted: dict[int, Any] = {}
        self.receiving: dict[int, float] = {}
        super().__init__(*args, **kwargs)

    def server_bind(self) -> None:
        if self.reuse_port:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self._places:
            if len(self.admitted) >= MAX_CONNECTIONS and not self._evict_slowest():
                return False  # closed at once
            self.admitted[id(request)] = request
            self.receiving[id(request)] = time.monotonic()
            return True

    def _evict_slowest(self) -> bool:
        """Cut off the connection longest in sending its request; call with the lock held."""
        if not self.receiving:
            return False
        oldest = min(self.receiving, key=self.receiving.__getitem__)
        del self.receiving[oldest]
        with contextlib.suppress(OSError):
            self.admitted[oldest].shutdown(socket.SHUT_RDWR)  # its thread ends, and frees it
        return True

    def received(self, request: Any) -> None:
        with self._places:
            self.receiving.pop(id(request), None)

    def shutdown_request(self, request: Any) -> None:
        try:
            super().shutdown_request(request)
        finally:
            with self._places:
                self.admitted.pop(id(request), None)
                self.receiving.pop(id(request), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client gone silent or cut off is no error of the application's: no traceback.
        logger.debug("management: connection from %s ended early", client_address, exc_info=True)


class ManagementServer:
    """The endpoints of ``health`` (and ``environment``) on ``host:port``, served by a thread of
    their own; ``options`` are :class:`~healthcheck.integrations.wsgi.HealthWSGI`'s. Port 0
    takes a free one (see :attr:`port`).

    ``reuse_port``: let several processes listen on the same port (SO_REUSEPORT), the kernel
    spreading connections among them: for each worker of a prefork server that imports the
    application itself (gunicorn without ``--preload``).
    """

    def __init__(
        self,
        health: HealthCheck | None = None,
        environment: EnvironmentDump | None = None,
        *,
        port: int,
        host: str = "127.0.0.1",
        reuse_port: bool = False,
        **options: Any,
    ) -> None:
        from .integrations.wsgi import HealthWSGI

        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be a port number from 0 to 65535, got {port!r}")
        if not isinstance(host, str) or not host:
            raise ValueError(f"host must be an address to listen on, got {host!r}")
        self.app = HealthWSGI(health, environment, **options)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server = type("_Bound", (_Server,), {"address_family": family})(
            (host, port), _Handler, bind_and_activate=False
        )
        server.reuse_port = bool(reuse_port)
        try:
            server.server_bind()
            server.server_activate()
        except OSError as exc:
            server.server_close()
            reason = exc.strerror or str(exc)
            raise OSError(
                exc.errno, f"management listener: cannot listen on {host}:{port}: {reason}"
            ) from None
        self._server = server
        self._server.set_app(self.app)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = self._server.server_address[0]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{self.port}"

    def start(self) -> ManagementServer:
        """Start answering, from a daemon thread."""
        if self._closed:
            raise RuntimeError("this management listener is closed: make a new one")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="healthcheck-management", daemon=True
            )
            self._thread.start()
        return self

    def close(self, timeout: float | None = 5.0) -> None:
        """Stop answering and free the port."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._server.shutdown()
            thread.join(timeout)
        if not self._closed:
            self._closed = True
            self._server.server_close()

    def __enter__(self) -> ManagementServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def serve_management(
    health: HealthCheck | None = None,
    environment: EnvironmentDump | None = None,
    *,
    port: int,
    host: str = "127.0.0.1",
    reuse_port: bool = False,
    **options: Any,
) -> ManagementServer:
    """A started :class:`ManagementServer`."""
    return ManagementServer(
        health, environment, port=port, host=host, reuse_port=reuse_port, **options
    ).start()


class InFlight:
    """WSGI middleware counting the application's requests under way, and a check of it: put
    it around the application, and its :meth:`check` among the readiness checks.

    .. code-block:: python

        app.wsgi_app = in_flight = InFlight(app.wsgi_app, limit=4)   # threads per worker
        health.add_check(in_flight.check, name="saturation", tags=["ready"], shared=False)

    The check fails once ``limit`` requests are under way in this process (every thread busy),
    so readiness sends traffic elsewhere while liveness stays alive. Its result is about this
    process: with ``share=``, add it with ``shared=False``.
    """

    def __init__(self, app: Any, *, limit: int) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a number of requests >= 1, got {limit!r}")
        self.app = app
        self.limit = limit
        self.busy = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self._lock:
            self.busy += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _Counted(body, self._done)

    def _done(self) -> None:
        with self._lock:
            self.busy -= 1

    def check(self) -> Outcome:
        busy = self.busy
        status = Status.FAIL if busy >= self.limit else Status.PASS
        return Outcome(status, f"{busy} of {self.limit} requests under way", busy, "requests")


class _Counted:
    """A response body that counts its request done when the server closes it."""

    def __init__(self, body: Iterable[bytes], done: Any) -> None:
        self._body = body
        self._done = done
        self._closed = False

    def __iter__(self) -> Any:
        return iter(self._body)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done()
