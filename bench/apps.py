"""The HTTP apps under test: Flask and plain WSGI (served by gunicorn), ASGI (uvicorn) and
Tornado.

Runs inside a target's virtualenv, with bench/ (never the repository root) on ``sys.path``, so
``import healthcheck`` is that virtualenv's package. ``kind`` is ``healthcheck`` (the
py-healthcheck way: a route of the framework's whose view returns ``health.run()``), ``bare``
(a plain route returning equivalent JSON) or ``adapter`` (ours only: the framework's adapter
serving every face: ``HealthCheckExtension``, ``HealthWSGI``, ``HealthASGI``, Tornado's
``routes()``). Every app also has ``/ping`` ("pong") and ``/_bench/info``.

    gunicorn -w 1 --threads 8 "apps:make_flask_app('healthcheck', 'cached')"
    gunicorn -w 1 --threads 8 "apps:make_wsgi_app('adapter', 'ten')"
    uvicorn --factory "apps:make_asgi_app" ...   (kind and setup from BENCH_KIND, BENCH_SETUP)
    python apps.py --kind healthcheck --setup cached --port 8000     # Tornado
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

import tornado.web
from checks import JSON_HEADERS, SETUPS, bare_body, build_health, describe
from flask import Flask

KINDS = ("healthcheck", "bare", "adapter")
#: The adapters' options: every face for everyone (the load comes from loopback anyway).
ADAPTER_OPTIONS: dict[str, Any] = {"details": "always", "environment_details": "always"}


def _info(kind: str, setup: str) -> str:
    return json.dumps({"kind": kind, "setup": setup, **describe()})


def _check_args(kind: str, setup: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    if setup not in SETUPS:
        raise ValueError(f"unknown setup {setup!r}; expected one of {SETUPS}")


# -- Flask ---------------------------------------------------------------------------------


def make_flask_app(kind: str, setup: str) -> Flask:
    """The Flask app; gunicorn calls this factory (``"apps:make_flask_app('bare', 'cached')"``)."""
    _check_args(kind, setup)
    app = Flask(__name__)
    if kind == "healthcheck":
        health = build_health(setup)
        app.add_url_rule("/healthcheck", view_func=lambda: health.run())
        # The same below a name (scenario 2's baseline for a check by name; see faces.py).
        app.add_url_rule(
            "/healthcheck/<name>", endpoint="named", view_func=lambda name: health.run()
        )
    elif kind == "adapter":
        from healthcheck import EnvironmentDump
        from healthcheck.integrations.flask import HealthCheckExtension

        HealthCheckExtension(
            app, health=build_health(setup), environment=EnvironmentDump(), **ADAPTER_OPTIONS
        )
    else:
        app.add_url_rule(
            "/healthcheck", endpoint="bare", view_func=lambda: (bare_body(), 200, JSON_HEADERS)
        )
    app.add_url_rule("/ping", endpoint="ping", view_func=lambda: "pong")
    info = _info(kind, setup)
    app.add_url_rule("/_bench/info", endpoint="info", view_func=lambda: info)
    return app


# -- plain WSGI and ASGI ----------------------------------------------------------------------


def make_wsgi_app(kind: str, setup: str) -> Any:
    """A WSGI app: ``healthcheck`` answers /healthcheck with ``health.run()`` as a user would
    write it, ``adapter`` is ``HealthWSGI`` (every face) in front of the same fallback app."""
    _check_args(kind, setup)
    info = _info(kind, setup).encode()
    health = build_health(setup)

    def fallback(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if kind == "healthcheck" and _run_route(path):
            body, status, headers = health.run()
            start_response(f"{status} {STATUS_TEXT.get(status, '')}", list(headers.items()))
            return [body.encode()]
        known = {"/ping": b"pong", "/_bench/info": info}
        if path in known:
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [known[path]]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    if kind != "adapter":
        return fallback
    from healthcheck import EnvironmentDump
    from healthcheck.integrations.wsgi import HealthWSGI

    return HealthWSGI(health, EnvironmentDump(), app=fallback, **ADAPTER_OPTIONS)


def make_asgi_app() -> Any:
    """An ASGI app (uvicorn --factory): ``healthcheck`` awaits ``health.run_async()`` at
    /healthcheck, ``adapter`` is ``HealthASGI`` (every face) in front of the same app."""
    import os

    kind, setup = os.environ["BENCH_KIND"], os.environ["BENCH_SETUP"]
    _check_args(kind, setup)
    info = _info(kind, setup).encode()
    health = build_health(setup)

    async def fallback(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        if kind == "healthcheck" and _run_route(path):
            body, status, headers = await health.run_async()
            pairs = [(k.encode(), v.encode()) for k, v in headers.items()]
            payload = body.encode()
        elif path in ("/ping", "/_bench/info"):
            status, pairs = 200, [(b"content-type", b"text/plain")]
            payload = b"pong" if path == "/ping" else info
        else:
            status, pairs, payload = 404, [(b"content-type", b"text/plain")], b"not found"
        await send({"type": "http.response.start", "status": status, "headers": pairs})
        await send({"type": "http.response.body", "body": payload})

    if kind != "adapter":
        return fallback
    from healthcheck import EnvironmentDump
    from healthcheck.integrations.asgi import HealthASGI

    return HealthASGI(health, EnvironmentDump(), app=fallback, **ADAPTER_OPTIONS)


STATUS_TEXT = {200: "OK", 500: "Internal Server Error", 503: "Service Unavailable"}


def _run_route(path: str) -> bool:
    """The paths the run() route answers: /healthcheck, and below it any name (scenario 2's
    baseline for a check by name; see faces.py)."""
    return path == "/healthcheck" or (path.startswith("/healthcheck/") and path.count("/") == 2)


# -- Tornado -------------------------------------------------------------------------------


class BareHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", JSON_HEADERS["Content-Type"])
        self.write(bare_body())


class PingHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("pong")


class InfoHandler(tornado.web.RequestHandler):
    def initialize(self, info: str) -> None:
        self.info = info

    def get(self) -> None:
        self.write(self.info)


def make_tornado_app(kind: str, setup: str) -> tornado.web.Application:
    _check_args(kind, setup)
    routes: list[Any] = [
        ("/ping", PingHandler),
        ("/_bench/info", InfoHandler, dict(info=_info(kind, setup))),
    ]
    if kind == "healthcheck":
        from healthcheck import TornadoHandler

        checker = dict(checker=build_health(setup))
        routes.append(("/healthcheck", TornadoHandler, checker))
        routes.append(("/healthcheck/[^/]+", TornadoHandler, checker))  # as _run_route()
    elif kind == "adapter":
        from healthcheck import EnvironmentDump
        from healthcheck.integrations.tornado import routes as health_routes

        faces = health_routes(build_health(setup), EnvironmentDump(), **ADAPTER_OPTIONS)
        return tornado.web.Application([*faces, *routes])
    else:
        routes.append(("/healthcheck", BareHandler))
    return tornado.web.Application(routes)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a Tornado target on 127.0.0.1.")
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("--setup", choices=SETUPS, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(serve(make_tornado_app(args.kind, args.setup), args.port))


async def serve(app: tornado.web.Application, port: int) -> None:
    app.listen(port, address="127.0.0.1")
    await asyncio.Event().wait()  # until the benchmark terminates the process


if __name__ == "__main__":
    main()
