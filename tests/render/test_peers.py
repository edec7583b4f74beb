"""Other libraries' bodies: healthcheckx's and Spring Boot Actuator's."""

from __future__ import annotations

import json
from typing import Any

from healthcheck import HealthCheck, Outcome, Report, Status
from healthcheck.render.peers import render_actuator, render_healthcheckx


def report(*checks: tuple[str, Any], critical: bool = True) -> Report:
    health = HealthCheck()
    for name, outcome in checks:
        health.add_check(lambda outcome=outcome: outcome, name=name, critical=critical)
    return health.report()


def test_healthcheckx_shape_and_words() -> None:
    data = json.loads(
        render_healthcheckx(report(("redis", (True, "PONG")), ("pg", (False, "refused"))))
    )
    assert data["status"] == "unhealthy"
    assert set(data) == {"status", "checks"}
    redis, pg = data["checks"]
    assert set(redis) == {"name", "status", "message", "duration_ms", "error"}
    assert (redis["name"], redis["status"], redis["message"], redis["error"]) == (
        "redis",
        "healthy",
        "PONG",
        None,
    )
    assert isinstance(redis["duration_ms"], float) and redis["duration_ms"] >= 0
    assert (pg["status"], pg["message"], pg["error"]) == ("unhealthy", None, "refused")


def test_healthcheckx_messages_are_strings() -> None:
    data = json.loads(render_healthcheckx(report(("q", (True, {"depth": 3})), ("n", (True, None)))))
    assert [c["message"] for c in data["checks"]] == ['{"depth": 3}', None]


def test_healthcheckx_degraded_when_only_warnings() -> None:
    warned = report(("disk", Outcome(Status.WARN, "91% used")))
    assert json.loads(render_healthcheckx(warned))["status"] == "degraded"
    non_critical = report(("cache", (False, "down")), critical=False)
    assert json.loads(render_healthcheckx(non_critical))["status"] == "degraded"
    assert json.loads(render_healthcheckx(report())) == {"status": "healthy", "checks": []}


def test_healthcheckx_without_details_keeps_the_shape() -> None:
    body = render_healthcheckx(report(("pg", (False, "password=x refused"))), details=False)
    assert json.loads(body) == {"status": "unhealthy", "checks": []}


def test_actuator_shape_and_words() -> None:
    data = json.loads(
        render_actuator(
            report(
                ("db", (True, "ok")), ("disk", Outcome(Status.WARN, "91%")), ("mq", (False, "x"))
            )
        )
    )
    assert data["status"] == "DOWN"
    assert data["components"]["db"] == {
        "status": "UP",
        "details": {"status": "pass", "output": "ok"},
    }
    assert data["components"]["disk"]["status"] == "UP"
    assert data["components"]["disk"]["details"]["status"] == "warn"
    assert data["components"]["mq"]["status"] == "DOWN"


def test_actuator_keeps_every_reading_of_a_repeated_name() -> None:
    health = HealthCheck()  # names derived from callables may repeat
    health.add_check(lambda: (True, "a"))
    health.add_check(lambda: (False, "b"))
    data = json.loads(render_actuator(health.report()))
    assert data["components"]["<lambda>"]["details"]["output"] == "a"
    assert data["components"]["<lambda>-2"]["details"]["output"] == "b"


def test_actuator_without_checks_or_details_is_the_status_alone() -> None:
    assert json.loads(render_actuator(report())) == {"status": "UP"}
    assert json.loads(render_actuator(report(("db", (False, "x"))), details=False)) == {
        "status": "DOWN"
    }
