"""What differs between adapters: mounting, prefixes, delegation, the native request handed
to ``authorize``, and keeping probes out of the access log."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from healthcheck import EnvironmentDump, HealthCheck
from healthcheck.integrations._http import QuietAccessLog
from healthcheck.integrations.asgi import HealthASGI
from healthcheck.integrations.flask import HealthCheckExtension
from healthcheck.integrations.wsgi import HealthWSGI
from tests.http import get, wsgi_server
from tests.servers import SERVERS, free_port, wait_for_port


@pytest.fixture
def health() -> Iterator[HealthCheck]:
    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="database")
    yield health
    health.close()


def test_the_flask_extension_supports_application_factories(health: HealthCheck) -> None:
    extension = HealthCheckExtension(health=health, prefix="/ops")
    apps = [Flask("one"), Flask("two")]
    for app in apps:
        extension.init_app(app)
    for app in apps:
        client = app.test_client()
        assert client.get("/ops/healthcheck").status_code == 200
        assert client.get("/ops/readyz").data == b"ok"
        assert client.get("/healthcheck").status_code == 404
        assert app.extensions["healthcheck"] is extension


def test_the_plain_view_func_keeps_working_beside_the_extension(health: HealthCheck) -> None:
    app = Flask(__name__)
    HealthCheckExtension(app, health=health, prefix="/ops")
    app.add_url_rule("/healthcheck", "legacy", view_func=lambda: health.run())
    assert app.test_client().get("/healthcheck").get_json()["status"] == "success"


def test_quiet_access_log_drops_only_health_routes(
    health: HealthCheck, caplog: pytest.LogCaptureFixture
) -> None:
    app = Flask(__name__)
    HealthCheckExtension(app, health=health, environment=EnvironmentDump(), quiet_access_log=True)
    app.add_url_rule("/orders", "orders", view_func=lambda: "orders")
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"), wsgi_server(app) as base:
            for path in ("/healthcheck", "/readyz?verbose", "/livez", "/orders", "/environment"):
                get(base + path)
        lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
        assert any("/orders" in line for line in lines)
        assert any("/environment" in line for line in lines)  # an audit trail for the dump
        assert not any(p in line for line in lines for p in ("/healthcheck", "/readyz", "/livez"))
    finally:
        QuietAccessLog.uninstall()


def test_one_quiet_filter_serves_every_app(health: HealthCheck) -> None:
    try:
        for _ in range(50):  # an app factory, called in every test
            HealthCheckExtension(Flask(__name__), health=health, quiet_access_log=True)
        for name in QuietAccessLog.LOGGERS:
            filters = logging.getLogger(name).filters
            assert len([f for f in filters if isinstance(f, QuietAccessLog)]) == 1
    finally:
        QuietAccessLog.uninstall()


def test_the_quiet_filter_reads_gunicorn_access_records() -> None:
    quiet = QuietAccessLog()

    def kept(method: str, path: str, marked: tuple[str, str] | None, agent: str = "c/8") -> bool:
        if marked is not None:
            QuietAccessLog.mark(*marked)
        # gunicorn logs its format string with a dict of "atoms"
        atoms = {"m": method, "U": path, "r": f"{method} {path} HTTP/1.1", "a": agent}
        record = logging.LogRecord(
            "gunicorn.access", logging.INFO, "", 0, '%(r)s" "%(a)s', (atoms,), None
        )
        return quiet.filter(record)

    assert not kept("GET", "/ops/readyz", ("GET", "/ops/readyz"))
    assert not kept("HEAD", "/ops/healthcheck", ("HEAD", "/ops/healthcheck"))
    assert kept("GET", "/ops/readyz", None)  # not answered by us: kept
    assert kept("GET", "/ops/orders", ("GET", "/ops/readyz"))  # a stale mark does not match
    assert kept("GET", "/ops/readyz", None)  # ... and was spent on the line it saw
    assert kept("POST", "/ops/readyz", ("POST", "/ops/readyz"))
    # A client's User-Agent that reads like a health request hides nothing.
    assert kept("GET", "/admin/delete", None, agent='GET /ops/healthcheck HTTP/1.1"')


def test_wsgi_hands_other_paths_to_the_application(health: HealthCheck) -> None:
    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"the app"]

    with wsgi_server(HealthWSGI(health, app=application, prefix="/ops")) as base:
        assert get(base + "/ops/healthcheck").status == 200
        assert get(base + "/orders").body == b"the app"
        assert get(base + "/healthcheck").body == b"the app"  # not below the prefix


def test_asgi_mounted_in_starlette_on_a_real_server(health: HealthCheck) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    failing = HealthCheck()
    failing.add_check(lambda: (False, "down"), name="queue")

    async def home(request: Any) -> PlainTextResponse:
        return PlainTextResponse("home")

    app = Starlette(
        routes=[
            Route("/", home),
            Mount("/ops", app=HealthASGI(health)),
            Mount("/broken", app=HealthASGI(failing)),
        ]
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        assert get(base + "/").body == b"home"
        assert get(base + "/ops/healthcheck").status == 200
        assert get(base + "/ops/readyz/database").body == b"ok"
        assert get(base + "/broken/healthcheck").status == 500
    finally:
        server.should_exit = True
        thread.join(10)
        failing.close()


NATIVE_TYPES = {
    "flask": "Request",
    "wsgi": "dict",
    "tornado": "HTTPServerRequest",
    "asgi": "dict",
}


@pytest.mark.parametrize("adapter", sorted(NATIVE_TYPES))  # the frameworks, not memory
def test_authorize_gets_the_framework_request_with_its_headers(
    adapter: str, health: HealthCheck
) -> None:
    def token(native: Any) -> str | None:
        if isinstance(native, dict) and "PATH_INFO" in native:  # WSGI environ
            return native.get("HTTP_X_TOKEN")
        if isinstance(native, dict):  # ASGI scope
            return dict(native["headers"]).get(b"x-token", b"").decode() or None
        return native.headers.get("X-Token")

    seen: list[str] = []

    def authorize(native: Any) -> bool:
        seen.append(type(native).__name__)
        return token(native) == "secret"

    with SERVERS[adapter](health, None, authorize=authorize, details="when_authorized") as base:
        anonymous = get(base + "/healthcheck")
        trusted = get(base + "/healthcheck", headers={"X-Token": "secret"})
    assert anonymous.json() == {"status": "success"}
    assert len(trusted.json()["results"]) == 1
    assert set(seen) == {NATIVE_TYPES[adapter]}


def test_metrics_without_prometheus_client_is_a_clear_501(
    health: HealthCheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    # None in sys.modules makes the import fail, as if the extra were not installed.
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    monkeypatch.delitem(sys.modules, "healthcheck.render.prometheus", raising=False)
    app = Flask(__name__)
    HealthCheckExtension(app, health=health)
    reply = app.test_client().get("/metrics")
    assert reply.status_code == 501
    error = reply.get_json()["error"]
    assert "pip install 'prometheus_client>=0.17' (the healthcheck-endpoints[prometheus]" in error


def test_asgi_reads_a_header_sent_twice_as_one_list(health: HealthCheck) -> None:
    """A proxy that adds its own X-Forwarded-For line after the client's must be heard."""
    import asyncio

    from healthcheck import EnvironmentDump
    from healthcheck.integrations.asgi import HealthASGI

    app = HealthASGI(health, EnvironmentDump())
    sent: list[dict[str, Any]] = []

    async def call(headers: list[tuple[bytes, bytes]]) -> int:
        scope = {"type": "http", "method": "GET", "path": "/environment", "query_string": b"",
                 "headers": headers, "client": ("127.0.0.1", 5000)}  # fmt: skip

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return int(sent[-2]["status"])

    twice = [(b"x-forwarded-for", b"::1"), (b"X-Forwarded-For", b"203.0.113.9")]
    assert asyncio.run(call(twice)) == 403
    assert asyncio.run(call([(b"x-forwarded-for", b"::1")])) == 200
    # A client address the forwarding headers name is one the server took from them (uvicorn
    # --forwarded-allow-ips): who connected is unknown, never local.
    assert asyncio.run(call([(b"x-forwarded-for", b"127.0.0.1")])) == 403


@pytest.mark.parametrize("server", ["asgi", "fastapi"])
def test_behind_uvicorn_trusting_every_proxy_a_forged_forwarding_header_sees_nothing(
    health: HealthCheck, server: str
) -> None:
    """uvicorn --forwarded-allow-ips='*' puts whatever X-Forwarded-For says in the scope's
    client: a remote client writing 127.0.0.1 there must not pass for this machine."""
    import fastapi

    from healthcheck import EnvironmentDump
    from healthcheck.integrations.asgi import HealthASGI
    from healthcheck.integrations.fastapi import health_router
    from tests.servers import uvicorn_serving

    if server == "asgi":
        app: Any = HealthASGI(health, EnvironmentDump())
    else:
        app = fastapi.FastAPI()
        app.include_router(health_router(health, EnvironmentDump()))
    with uvicorn_serving(app, proxy_headers=True, forwarded_allow_ips="*") as base:
        forged = {"X-Forwarded-For": "127.0.0.1"}
        assert get(base + "/environment", headers=forged).status == 403
        assert (
            get(base + "/environment", headers={"X-Forwarded-For": "127.0.0.1:4711"}).status == 403
        )
        assert (
            "checks" not in get(base + "/healthcheck?format=health%2Bjson", headers=forged).json()
        )
        # With no forwarding header, the socket peer (this machine) is what the server says.
        assert get(base + "/environment").status == 200
