"""Real servers on loopback ports for every adapter, each yielding its base URL."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.http import in_memory, wsgi_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@contextmanager
def flask_server(health: Any, environment: Any, **options: Any) -> Iterator[str]:
    from flask import Flask

    from healthcheck.integrations.flask import HealthCheckExtension

    app = Flask(__name__)
    HealthCheckExtension(app, health=health, environment=environment, **options)
    with wsgi_server(app) as base:
        yield base


@contextmanager
def wsgi_app_server(health: Any, environment: Any, **options: Any) -> Iterator[str]:
    from healthcheck.integrations.wsgi import HealthWSGI

    with wsgi_server(HealthWSGI(health, environment, **options)) as base:
        yield base


@contextmanager
def tornado_server(health: Any, environment: Any, **options: Any) -> Iterator[str]:
    import tornado.web

    from healthcheck.integrations.tornado import routes

    xheaders = options.pop("xheaders", False)  # Tornado's own reading of X-Real-IP
    app = tornado.web.Application(routes(health, environment, **options))
    with tornado_app_server(app, xheaders=xheaders) as base:
        yield base


@contextmanager
def tornado_app_server(app: Any, *, xheaders: bool = False) -> Iterator[str]:
    """Serve a ``tornado.web.Application`` on its own IOLoop thread; yields the base URL."""
    import tornado.httpserver

    port = free_port()
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def serve() -> None:
        server = tornado.httpserver.HTTPServer(app, xheaders=xheaders)
        server.listen(port, address="127.0.0.1")
        state["stop"] = asyncio.Event()
        state["loop"] = asyncio.get_running_loop()
        ready.set()
        await state["stop"].wait()
        server.stop()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise TimeoutError("the Tornado server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(10)


@contextmanager
def uvicorn_serving(app: Any, **config: Any) -> Iterator[str]:
    """Serve the ASGI ``app`` with uvicorn on a loopback port, in a thread; the base URL."""
    import uvicorn

    port = free_port()
    options = {"host": "127.0.0.1", "port": port, "log_level": "warning", **config}
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def asgi_server(health: Any, environment: Any, **options: Any) -> Iterator[str]:
    from healthcheck.integrations.asgi import HealthASGI

    with uvicorn_serving(HealthASGI(health, environment, **options), lifespan="on") as base:
        yield base


@contextmanager
def memory_server(health: Any, environment: Any, **options: Any) -> Iterator[str]:
    """No server: requests to the base URL go straight to the endpoints (see tests.http), so
    the contract's rules are tested without any framework or socket in between."""
    from healthcheck.endpoints import Endpoints

    prefix = options.pop("prefix", "")
    with in_memory(Endpoints(health, environment, **options), prefix) as base:
        yield base


@contextmanager
def fastapi_server(health: Any, environment: Any, **options: Any) -> Iterator[str]:
    """A FastAPI app with the health router included (below ``prefix``, if given), on uvicorn."""
    import fastapi

    from healthcheck.integrations.fastapi import health_router

    prefix = options.pop("prefix", "")
    app = fastapi.FastAPI()
    app.include_router(health_router(health, environment, **options), prefix=prefix.rstrip("/"))
    with uvicorn_serving(app) as base:
        yield base


@contextmanager
def aiohttp_serving(make_app: Callable[[], Any]) -> Iterator[str]:
    """Serve the aiohttp application ``make_app()`` makes (on its own loop, in a thread) on a
    loopback port; the base URL."""
    from aiohttp import web

    port = free_port()
    state: dict[str, Any] = {}
    started = threading.Event()

    def serve() -> None:
        loop = asyncio.new_event_loop()
        runner = web.AppRunner(make_app(), access_log=None)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        state["loop"], state["stop"] = loop, asyncio.Event()
        started.set()
        loop.run_until_complete(state["stop"].wait())
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started.wait(10)
    wait_for_port(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(10)


@contextmanager
def aiohttp_server(health: Any, environment: Any, **options: Any) -> Iterator[str]:
    """An aiohttp application with the health routes."""
    from aiohttp import web

    from healthcheck.integrations.aiohttp import health_routes

    def make() -> Any:
        app = web.Application()
        app.add_routes(health_routes(health, environment, **options))
        return app

    with aiohttp_serving(make) as base:
        yield base


SERVERS = {
    "memory": memory_server,
    "flask": flask_server,
    "wsgi": wsgi_app_server,
    "tornado": tornado_server,
    "asgi": asgi_server,
    "fastapi": fastapi_server,
    "aiohttp": aiohttp_server,
}
