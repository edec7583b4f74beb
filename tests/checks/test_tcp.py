"""tcp_check against loopback listeners: open, closed, silent and with a full backlog."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import pytest

from healthcheck import HealthCheck, Status
from healthcheck.checks.tcp import async_tcp_check, tcp_check
from tests.checks.conftest import (
    SilentListener,
    assert_fails_within,
    assert_no_async_leak,
    assert_no_leak,
    call,
    timed,
)

Factory = Callable[..., Any]
FACTORIES: list[Factory] = [tcp_check, async_tcp_check]


@pytest.mark.parametrize("factory", FACTORIES)
def test_passes_when_something_listens(silent_port: int, factory: Factory) -> None:
    # A TCP check only proves the port accepts connections, silent or not.
    check = factory("127.0.0.1", silent_port)
    outcome = call(check)
    assert (outcome.status, outcome.output) == (
        Status.PASS,
        f"connected to 127.0.0.1:{silent_port}",
    )
    assert check.__name__ == f"tcp-127.0.0.1-{silent_port}"
    assert check.target == f"127.0.0.1:{silent_port}"


@pytest.mark.parametrize("factory", FACTORIES)
def test_closed_port_fails_at_once(closed_port: int, factory: Factory) -> None:
    result = timed(lambda: call(factory("127.0.0.1", closed_port, timeout=1)))
    assert_fails_within(result, 1, "refused")


@pytest.mark.parametrize("factory", FACTORIES)
def test_unanswered_connect_fails_within_the_timeout(
    full_backlog_port: int, factory: Factory
) -> None:
    result = timed(lambda: call(factory("127.0.0.1", full_backlog_port, timeout=0.5)))
    assert_fails_within(result, 0.5, "no connection within 0.5 s")


def test_ipv6_targets_are_bracketed_and_names_are_slugs() -> None:
    check = tcp_check("::1", 6379)
    assert (check.target, check.name) == ("[::1]:6379", "tcp-1-6379")


def test_runs_under_health_check(silent_port: int) -> None:
    health = HealthCheck()
    health.add_check(tcp_check("127.0.0.1", silent_port))
    health.add_check(async_tcp_check("127.0.0.1", silent_port), name="tcp-async")
    body, code, _ = asyncio.run(health.run_async())
    assert code == 200, body
    health.close()


def test_a_thousand_runs_leak_nothing(closed_port: int) -> None:
    assert_no_leak(tcp_check("127.0.0.1", closed_port), closed_port)


def test_connections_made_are_closed(silent_listener: SilentListener) -> None:
    port = silent_listener.port
    assert_no_leak(tcp_check("127.0.0.1", port), port, times=100, listener=silent_listener)


def test_a_thousand_async_runs_leak_nothing(closed_port: int) -> None:
    check = async_tcp_check("127.0.0.1", closed_port)
    assert_no_async_leak(check, closed_port)


def test_the_listener_fixture_really_drops_connections(full_backlog_port: int) -> None:
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", full_backlog_port), timeout=0.2)
