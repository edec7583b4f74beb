"""nats_check against the NATS server on 127.0.0.1:4222, a NATS server of our own that requires
a password, a closed port and a silent listener."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from healthcheck import HealthCheck, Status
from tests.checks.conftest import (
    LOOPBACK,
    SilentListener,
    assert_fails_within,
    assert_no_async_leak,
    assert_no_leak,
    call,
    free_port,
    private_server,
    require_driver,
    require_service,
    timed,
)

require_driver("nats")

from healthcheck.checks.nats import async_nats_check, nats_check  # noqa: E402

PORT = 4222
URL = f"nats://127.0.0.1:{PORT}"
Factory = Callable[..., Any]
FACTORIES: list[Factory] = [nats_check, async_nats_check]


@pytest.fixture
def server() -> str:
    require_service("nats", PORT)
    return URL


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    """A NATS server that only lets in alice / right-pw; its URL without credentials."""
    port = free_port()
    argv = ["nats-server", "-a", LOOPBACK, "-p", str(port), "--user", "alice", "--pass", "right-pw"]
    with private_server(argv, port):
        yield f"nats://{LOOPBACK}:{port}"


@pytest.mark.parametrize("factory", FACTORIES)
def test_passes_when_up(server: str, factory: Factory) -> None:
    check = factory(server)
    outcome = call(check)
    assert outcome.status is Status.PASS
    assert outcome.output.startswith("nats server v")
    assert check.__name__ == "nats"


def test_both_run_under_health_check(server: str) -> None:
    health = HealthCheck()
    health.add_check(nats_check(server))
    health.add_check(async_nats_check(server), name="nats-async")
    body, code, _ = health.run()
    assert code == 200, body
    body, code, _ = asyncio.run(health.run_async())
    assert code == 200, body
    health.close()


@pytest.mark.parametrize("factory", FACTORIES)
def test_passes_with_the_right_password(guarded: str, factory: Factory) -> None:
    assert call(factory(guarded.replace("//", "//alice:right-pw@"))).status is Status.PASS


@pytest.mark.parametrize("factory", FACTORIES)
def test_bad_credentials_fail_without_showing_the_password(guarded: str, factory: Factory) -> None:
    check = factory(guarded.replace("//", "//alice:s3cr3t-pw@"))
    outcome = call(check)
    assert outcome.status is Status.FAIL
    assert "Authorization Violation" in outcome.output
    assert "s3cr3t-pw" not in f"{outcome} {check!r} {check.name}"
    assert "alice:***@" in repr(check)


@pytest.mark.parametrize("factory", FACTORIES)
def test_closed_port_fails_at_once(closed_port: int, factory: Factory) -> None:
    result = timed(lambda: call(factory(f"nats://127.0.0.1:{closed_port}", timeout=1)))
    assert_fails_within(result, 1, "ConnectionRefusedError")


@pytest.mark.parametrize("factory", FACTORIES)
def test_silent_listener_fails_within_the_timeout(silent_port: int, factory: Factory) -> None:
    result = timed(lambda: call(factory(f"nats://127.0.0.1:{silent_port}", timeout=0.5)))
    assert_fails_within(result, 0.5, "no answer within 0.5 s")


def test_a_thousand_runs_leak_nothing(server: str) -> None:
    assert_no_leak(nats_check(server), PORT)


def test_a_thousand_async_runs_leak_nothing(server: str) -> None:
    check = async_nats_check(server)
    assert_no_async_leak(check, PORT)


def test_refused_logins_leak_nothing(guarded: str) -> None:
    port = int(guarded.rsplit(":", 1)[1])
    assert_no_leak(nats_check(guarded.replace("//", "//alice:wrong@")), port, times=200)


def test_silent_listeners_leak_nothing(silent_listener: SilentListener) -> None:
    port = silent_listener.port
    check = nats_check(f"nats://127.0.0.1:{port}", timeout=0.05)
    assert_no_leak(check, port, times=20, listener=silent_listener)
