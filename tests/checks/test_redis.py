"""redis_check against the Redis on 127.0.0.1:6379, a closed port and a silent listener."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from healthcheck import HealthCheck, Status
from tests.checks.conftest import (
    SilentListener,
    assert_fails_within,
    assert_no_async_leak,
    assert_no_leak,
    call,
    require_driver,
    require_service,
    timed,
    timed_async,
)

redis = require_driver("redis")

from healthcheck.checks.redis import async_redis_check, redis_check  # noqa: E402

PORT = 6379
URL = f"redis://127.0.0.1:{PORT}/0"


@pytest.fixture
def server() -> str:
    require_service("redis", PORT)
    return URL


def test_passes_when_up(server: str) -> None:
    outcome = redis_check(server)()
    assert (outcome.status, outcome.output) == (Status.PASS, "PONG")


def test_async_passes_when_up(server: str) -> None:
    outcome = asyncio.run(async_redis_check(server)())
    assert (outcome.status, outcome.output) == (Status.PASS, "PONG")


def test_registers_under_its_name(server: str) -> None:
    health = HealthCheck()
    health.add_check(redis_check(server))
    health.add_check(async_redis_check(server), name="redis-async")
    body, code, _ = health.run()
    assert code == 200, body
    assert '"checker": "redis"' in body
    assert '"checker": "redis-async"' in body
    health.close()


def test_closed_port_fails_at_once(closed_port: int) -> None:
    result = timed(redis_check(f"redis://127.0.0.1:{closed_port}/0", timeout=1))
    assert_fails_within(result, 1, "connection refused")


def test_silent_listener_fails_within_the_timeout(silent_port: int) -> None:
    result = timed(redis_check(f"redis://127.0.0.1:{silent_port}/0", timeout=0.5))
    assert_fails_within(result, 0.5, "timeout")


def test_async_closed_port_and_silent_listener_fail(closed_port: int, silent_port: int) -> None:
    for port, words in ((closed_port, "connect"), (silent_port, "timeout")):
        check = async_redis_check(f"redis://127.0.0.1:{port}/0", timeout=0.5)
        assert_fails_within(asyncio.run(timed_async(check)), 0.5, words)


def test_bad_credentials_fail_without_showing_the_password(server: str) -> None:
    url = "redis://nobody:s3cr3t-pw@127.0.0.1:6379/0"
    for check in (redis_check(url), async_redis_check(url)):
        outcome = call(check)
        assert outcome.status is Status.FAIL
        assert "invalid username-password" in outcome.output
        assert "s3cr3t-pw" not in f"{outcome} {check!r} {check.name}"
    assert "nobody:***@" in repr(redis_check(url))


def test_missing_database_fails_clearly(server: str) -> None:
    outcome = redis_check("redis://127.0.0.1:6379/999")()
    assert outcome.status is Status.FAIL
    assert "DB index is out of range" in outcome.output


def clients_named(name: str) -> int:
    with redis.Redis.from_url(URL) as admin:
        return sum(1 for c in admin.client_list() if c["name"] == name)


def test_a_thousand_runs_leak_nothing(server: str) -> None:
    tag = f"leak-{uuid.uuid4().hex[:8]}"
    check = redis_check(f"{server}?client_name={tag}")
    assert_no_leak(check, PORT)
    assert clients_named(tag) == 0


def test_a_thousand_async_runs_leak_nothing(server: str) -> None:
    tag = f"leak-{uuid.uuid4().hex[:8]}"
    check = async_redis_check(f"{server}?client_name={tag}")
    assert_no_async_leak(check, PORT)
    assert clients_named(tag) == 0


def test_refused_connections_leak_nothing(closed_port: int) -> None:
    port = closed_port
    assert_no_leak(redis_check(f"redis://127.0.0.1:{port}/0"), None)


def test_silent_listeners_leak_nothing(silent_listener: SilentListener) -> None:
    port = silent_listener.port
    check = redis_check(f"redis://127.0.0.1:{port}/0", timeout=0.05)
    assert_no_leak(check, port, times=20, listener=silent_listener)
