"""Flask, the py-healthcheck way: a view returning health.run(), on a real server."""

from __future__ import annotations

import threading
import time

import pytest
from flask import Flask

from healthcheck import EnvironmentDump, HealthCheck
from tests.http import get, wsgi_server


def peer_style_app(health: HealthCheck, environment: EnvironmentDump) -> Flask:
    """An application written for py-healthcheck 1.10.1, unchanged."""
    app = Flask(__name__)
    app.add_url_rule("/healthcheck", "healthcheck", view_func=lambda: health.run())
    app.add_url_rule("/environment", "environment", view_func=lambda: environment.run())
    return app


def redis_available() -> tuple[bool, str]:
    return True, "redis ok"


def broken() -> tuple[bool, str]:
    raise ConnectionError("connection refused")


def test_passing_checks_answer_200_with_the_compat_body() -> None:
    health = HealthCheck()
    health.add_check(redis_available)
    client = peer_style_app(health, EnvironmentDump()).test_client()
    reply = client.get("/healthcheck")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json"
    body = reply.get_json()
    assert body["status"] == "success"
    assert body["results"][0]["checker"] == "redis_available"
    assert body["results"][0]["output"] == "redis ok"


def test_a_failing_check_answers_500_with_its_output() -> None:
    health = HealthCheck(checkers=[redis_available, broken])
    client = peer_style_app(health, EnvironmentDump()).test_client()
    reply = client.get("/healthcheck")
    assert reply.status_code == 500
    assert reply.get_json()["status"] == "failure"
    outputs = {r["checker"]: r["output"] for r in reply.get_json()["results"]}
    assert outputs == {"redis_available": "redis ok", "broken": "connection refused"}


def test_custom_status_and_headers_reach_the_client() -> None:
    health = HealthCheck(
        failed_status=503, failed_headers={"Content-Type": "application/json", "X-Health": "bad"}
    )
    health.add_check(broken)
    reply = peer_style_app(health, EnvironmentDump()).test_client().get("/healthcheck")
    assert reply.status_code == 503
    assert reply.headers["X-Health"] == "bad"


def test_end_to_end_on_a_real_server() -> None:
    health = HealthCheck(checkers=[redis_available], version="1.2.3")
    environment = EnvironmentDump(application={"name": "shop"})
    with wsgi_server(peer_style_app(health, environment)) as base:
        check = get(f"{base}/healthcheck")
        env = get(f"{base}/environment")
    assert check.status == 200
    assert check.json()["version"] == "1.2.3"
    assert env.status == 200
    assert set(env.json()) == {"os", "python", "process", "application"}
    assert env.json()["application"] == {"name": "shop"}


def test_timeouts_work_under_a_threaded_server(release: threading.Event) -> None:
    """py-healthcheck's SIGALRM timeout fails every check outside the main thread."""

    def hangs() -> tuple[bool, str]:
        release.wait()
        return True, "too late"

    health = HealthCheck(error_timeout=0.2, checkers=[redis_available, hangs])
    with wsgi_server(peer_style_app(health, EnvironmentDump())) as base:
        reply = get(f"{base}/healthcheck")
    assert reply.status == 500
    outputs = {r["checker"]: r["output"] for r in reply.json()["results"]}
    assert outputs["redis_available"] == "redis ok"
    assert "timed out after 0.2 s" in outputs["hangs"]


def test_concurrent_requests_on_a_cold_cache_run_the_checker_once() -> None:
    calls = []

    def slow() -> tuple[bool, str]:
        calls.append(1)
        time.sleep(0.2)
        return True, "slow ok"

    health = HealthCheck(checkers=[slow])
    with wsgi_server(peer_style_app(health, EnvironmentDump())) as base:
        replies: list[int] = []
        threads = [
            threading.Thread(target=lambda: replies.append(get(f"{base}/healthcheck").status))
            for _ in range(10)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert replies == [200] * 10
    assert len(calls) == 1


@pytest.mark.parametrize("path", ["/healthcheck", "/environment"])
def test_head_and_get_are_routed(path: str) -> None:
    health = HealthCheck(checkers=[redis_available])
    client = peer_style_app(health, EnvironmentDump()).test_client()
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200


def test_a_proxyfix_reached_directly_does_not_make_a_client_local() -> None:
    """ProxyFix rewrites REMOTE_ADDR from X-Forwarded-For, whoever sent it: a client that
    reaches the app without going through the proxy could claim 127.0.0.1. The extension
    judges the socket peer ProxyFix kept aside."""
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from healthcheck import EnvironmentDump, HealthCheck
    from healthcheck.integrations.flask import HealthCheckExtension

    app = Flask(__name__)
    HealthCheckExtension(app, health=HealthCheck(), environment=EnvironmentDump())
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    client = app.test_client()
    claim = {"X-Forwarded-For": "127.0.0.1"}
    direct = client.get("/environment", headers=claim, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    proxied = client.get("/environment", headers=claim)  # through a local proxy: local
    assert (direct.status_code, proxied.status_code) == (403, 200)
