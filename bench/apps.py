"""The HTTP apps under test: Flask (served by gunicorn) and Tornado.

Runs inside a target's virtualenv, with bench/ (never the repository root) on ``sys.path``, so
``import healthcheck`` is that virtualenv's package. ``kind`` is ``healthcheck`` (the endpoint
is served by whichever healthcheck is installed) or ``bare`` (a plain route returning
equivalent JSON). Every app also has ``/ping`` ("pong") and ``/_bench/info``.

    gunicorn -w 1 --threads 8 "apps:make_flask_app('healthcheck', 'cached')"
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

KINDS = ("healthcheck", "bare")


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
    else:
        app.add_url_rule(
            "/healthcheck", endpoint="bare", view_func=lambda: (bare_body(), 200, JSON_HEADERS)
        )
    app.add_url_rule("/ping", endpoint="ping", view_func=lambda: "pong")
    info = _info(kind, setup)
    app.add_url_rule("/_bench/info", endpoint="info", view_func=lambda: info)
    return app


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

        routes.append(("/healthcheck", TornadoHandler, dict(checker=build_health(setup))))
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
