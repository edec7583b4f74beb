"""rabbitmq_check against the RabbitMQ on 127.0.0.1:5672 (guest/guest), a closed port and a
silent listener."""

from __future__ import annotations

import pytest

from healthcheck import Status
from tests.checks.conftest import (
    SilentListener,
    assert_fails_within,
    assert_no_leak,
    require_driver,
    require_service,
    timed,
)

require_driver("pika")

from healthcheck.checks.rabbitmq import rabbitmq_check  # noqa: E402

PORT = 5672
URL = f"amqp://guest:guest@127.0.0.1:{PORT}/%2F"


@pytest.fixture
def server() -> str:
    require_service("rabbitmq", PORT)
    return URL


def test_passes_when_up(server: str) -> None:
    check = rabbitmq_check(server)
    outcome = check()
    assert (outcome.status, outcome.output) == (Status.PASS, "connection and channel opened")
    assert check.__name__ == "rabbitmq"
    assert "guest:***@127.0.0.1" in repr(check)


def test_closed_port_fails_at_once(closed_port: int) -> None:
    result = timed(rabbitmq_check(f"amqp://guest:guest@127.0.0.1:{closed_port}/%2F", timeout=1))
    assert_fails_within(result, 1, "connection refused")


def test_silent_listener_fails_within_the_timeout(silent_port: int) -> None:
    url = f"amqp://guest:guest@127.0.0.1:{silent_port}/%2F"
    result = timed(rabbitmq_check(url, timeout=0.5))
    assert_fails_within(result, 0.5, "no AMQP handshake within 0.5 s")


def test_bad_credentials_fail_without_showing_the_password(server: str) -> None:
    check = rabbitmq_check("amqp://guest:s3cr3t-pw@127.0.0.1:5672/%2F")
    outcome = check()
    assert outcome.status is Status.FAIL
    assert "ACCESS_REFUSED" in outcome.output
    assert "s3cr3t-pw" not in f"{outcome} {check!r} {check.name}"


def test_missing_vhost_fails_clearly(server: str) -> None:
    outcome = rabbitmq_check("amqp://guest:guest@127.0.0.1:5672/no_such_vhost")()
    assert outcome.status is Status.FAIL
    assert "vhost no_such_vhost not found" in outcome.output


def test_a_thousand_runs_leak_nothing(server: str) -> None:
    assert_no_leak(rabbitmq_check(server), PORT)


def test_refused_connections_leak_nothing(closed_port: int) -> None:
    port = closed_port
    assert_no_leak(rabbitmq_check(f"amqp://guest:guest@127.0.0.1:{port}/%2F"), None)


def test_silent_listeners_leak_nothing(silent_listener: SilentListener) -> None:
    port = silent_listener.port
    check = rabbitmq_check(f"amqp://guest:guest@127.0.0.1:{port}/%2F", timeout=0.05)
    assert_no_leak(check, port, times=20, listener=silent_listener)
