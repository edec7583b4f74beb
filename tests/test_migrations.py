"""README's "Moving from another library" recipes, each on a real server on a loopback port,
answering the other library's URLs in its wire format, healthy and failing."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from healthcheck import HealthCheck, Route
from healthcheck.cli import main as cli
from healthcheck.integrations._http import QuietAccessLog
from tests.http import get, wsgi_server
from tests.readme import README, example, python_examples
from tests.servers import free_port

HEALTHCHECKX = "From healthcheckx"
FLASK_STATUS = "From flask-status"
MANAGEMENT = "From flask-management-endpoints"
TWELVE_FACTOR = "From the twelve-factor ``/health`` guideline"
#: The sections whose examples this module runs (tests/test_readme.py runs the others).
COVERED = frozenset({HEALTHCHECKX, FLASK_STATUS, MANAGEMENT, TWELVE_FACTOR})

REDIS = "redis://127.0.0.1:6379/0"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def dead_redis() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


@pytest.fixture(autouse=True)
def no_quiet_filters() -> Iterator[None]:
    yield
    QuietAccessLog.uninstall()


def load(title: str, monkeypatch: pytest.MonkeyPatch, **environ: str) -> dict[str, Any]:
    """Run section ``title``'s example with ``environ`` set; its namespace."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(example(title), str(README), "exec"), namespace)  # noqa: S102 - our README
    return namespace


def test_every_migration_recipe_is_run_here() -> None:
    recipes = {title for title, _ in python_examples() if title.startswith("From ")}
    assert recipes == COVERED


def test_healthcheckx(monkeypatch: pytest.MonkeyPatch, dead_redis: str) -> None:
    app = load(HEALTHCHECKX, monkeypatch, REDIS_URL=REDIS, DATABASE_URL=POSTGRES)["app"]
    with wsgi_server(app) as base:
        reply = get(f"{base}/health")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    data = reply.json()
    assert set(data) == {"status", "checks"}
    assert data["status"] == "healthy"
    assert [c["name"] for c in data["checks"]] == ["redis", "postgresql"]
    for check in data["checks"]:
        assert set(check) == {"name", "status", "message", "duration_ms", "error"}
        assert check["status"] == "healthy"
        assert check["error"] is None
        assert isinstance(check["duration_ms"], float)
    assert data["checks"][0]["message"] == "PONG"

    app = load(HEALTHCHECKX, monkeypatch, REDIS_URL=dead_redis)["app"]
    with wsgi_server(app) as base:
        reply = get(f"{base}/health")
        probed = cli(["probe", f"{base}/health"])
    assert reply.status == 503
    data = reply.json()
    assert data["status"] == "unhealthy"
    redis, postgres = data["checks"]
    assert redis["status"] == "unhealthy"
    assert "refused" in redis["error"].lower()
    assert postgres["status"] == "healthy"
    assert probed == 1  # the CLI reads healthcheckx's words too


def test_flask_status(monkeypatch: pytest.MonkeyPatch) -> None:
    namespace = load(FLASK_STATUS, monkeypatch, STATUS_KEY="s3cret")
    with wsgi_server(namespace["app"]) as base:
        authorised = get(f"{base}/api/status", headers={"X-Status-Key": "s3cret"})
        anonymous = get(f"{base}/api/status")
        wrong = get(f"{base}/api/status", headers={"X-Status-Key": "guess"})
        post = get(f"{base}/api/status", method="POST")
        health: HealthCheck = namespace["health"]
        health.add_check(lambda: (False, "disk full"), name="disk")
        failing = get(f"{base}/api/status", headers={"X-Status-Key": "s3cret"})
    assert authorised.status == 200
    assert authorised.headers["Content-Type"] == "application/json"
    assert authorised.json() == {"status": "OK", "database": True, "workers": 4}
    assert anonymous.status == wrong.status == 200
    assert anonymous.json() == wrong.json() == {"status": "success"}
    assert post.status == 405
    assert failing.status == 500
    assert failing.json()["status"] == "failure"
    assert [r["output"] for r in failing.json()["results"]] == ["disk full"]


def test_flask_status_refuses_to_start_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATUS_KEY", raising=False)
    with pytest.raises(KeyError, match="STATUS_KEY"):
        load(FLASK_STATUS, monkeypatch)


@pytest.fixture
def orders(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A downstream service with flask-management-endpoints' readiness route; it is ready
    while its flag file says so."""
    from flask import Flask

    from healthcheck.integrations.flask import HealthCheckExtension

    flag = tmp_path / "ready"
    flag.write_text("yes")
    downstream = HealthCheck(failed_status=503, success_ttl=0, failed_ttl=0)
    downstream.add_check(lambda: (flag.read_text() == "yes", flag.read_text()), name="db")
    app = Flask("orders")
    HealthCheckExtension(
        app, name="orders", routes=[Route("/z/health/readiness", downstream, format="actuator")]
    )
    with wsgi_server(app) as base:
        yield base, flag


def test_flask_management_endpoints(
    monkeypatch: pytest.MonkeyPatch, orders: tuple[str, Path]
) -> None:
    base_url, flag = orders
    namespace = load(MANAGEMENT, monkeypatch, ORDERS_URL=base_url, VERSION="1.4.2")
    with wsgi_server(namespace["app"]) as base:
        replies = {
            path: get(f"{base}/z/{path}")
            for path in ("health", "health/readiness", "health/liveness", "health/ping", "info")
        }
        version = get(f"{base}/z/version")
        flag.write_text("no")
        namespace["ready"].clear_cache()
        down = get(f"{base}/z/health")
        down_ready = get(f"{base}/z/health/readiness")
        still_live = get(f"{base}/z/health/liveness")
    health = replies["health"]
    assert health.status == 200
    assert health.headers["Content-Type"] == "application/json"
    assert health.json()["status"] == "UP"
    assert health.json()["components"]["orders"]["status"] == "UP"
    assert replies["health/readiness"].json()["status"] == "UP"
    for path in ("health/liveness", "health/ping"):
        assert (replies[path].status, replies[path].json()) == (200, {"status": "UP"})
    assert replies["info"].status == 200
    assert replies["info"].json() == {"app": {"name": "billing", "version": "1.4.2"}}
    assert (version.status, version.body) == (200, b"1.4.2")
    assert version.headers["Content-Type"].startswith("text/plain")
    assert down.status == down_ready.status == 503
    assert down.json()["status"] == "DOWN"
    assert down.json()["components"]["orders"]["status"] == "DOWN"
    assert (still_live.status, still_live.json()) == (200, {"status": "UP"})


def test_flask_management_endpoints_no_log(
    monkeypatch: pytest.MonkeyPatch, orders: tuple[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    app = load(MANAGEMENT, monkeypatch, ORDERS_URL=orders[0])["app"]
    with caplog.at_level(logging.INFO, logger="werkzeug"), wsgi_server(app) as base:
        for path in ("health/ping", "health/liveness", "health", "version", "info"):
            get(f"{base}/z/{path}")
    logged = [r.args[0] for r in caplog.records if r.name == "werkzeug" and r.args]
    # The orders service (not quiet) logs the readiness checks billing's /z/health made of it.
    ours = [line for line in logged if line != "GET /z/health/readiness HTTP/1.1"]
    # The probes are quiet; the version and who read /z/info stay on record.
    assert ours == ["GET /z/version HTTP/1.1", "GET /z/info HTTP/1.1"]


def test_twelve_factor(monkeypatch: pytest.MonkeyPatch, dead_redis: str) -> None:
    app = load(TWELVE_FACTOR, monkeypatch, REDIS_URL=REDIS, GIT_COMMIT="3f2c1e9")["app"]
    with wsgi_server(app) as base:
        reply = get(f"{base}/health")
    assert reply.status == 200
    assert reply.json() == {"commit": "3f2c1e9", "status": "Healthy"}

    app = load(TWELVE_FACTOR, monkeypatch, REDIS_URL=dead_redis)["app"]
    with wsgi_server(app) as base:
        reply = get(f"{base}/health")
    assert reply.status == 500
    data = json.loads(reply.body)
    assert data["commit"] == "3f2c1e9"
    assert data["status"].startswith("redis: ")
    assert "refused" in data["status"].lower()
