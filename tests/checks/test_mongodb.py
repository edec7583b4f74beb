"""mongodb_check against a closed port and a silent listener, and against the MongoDB server
named by MONGODB_URL when it is set (there is none on the development machine)."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from healthcheck import Status
from tests.checks.conftest import (
    SilentListener,
    assert_fails_within,
    assert_no_leak,
    call,
    require_driver,
    timed,
)

require_driver("pymongo")

from healthcheck.checks.mongodb import async_mongodb_check, mongodb_check  # noqa: E402

Factory = Callable[..., Any]
FACTORIES: list[Factory] = [mongodb_check, async_mongodb_check]


@pytest.fixture
def server() -> str:
    url = os.environ.get("MONGODB_URL")
    if not url:
        pytest.skip("MONGODB_URL is not set: no MongoDB server to test against")
    return url


def with_credentials(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


@pytest.mark.parametrize("factory", FACTORIES)
def test_passes_when_up(server: str, factory: Factory) -> None:
    check = factory(server)
    assert call(check).status is Status.PASS
    assert check.__name__ == "mongodb"


@pytest.mark.parametrize("factory", FACTORIES)
def test_bad_credentials_fail_without_showing_the_password(server: str, factory: Factory) -> None:
    check = factory(with_credentials(server, "nobody", "s3cr3t-pw"))
    outcome = call(check)
    assert outcome.status is Status.FAIL
    assert "Authentication failed" in outcome.output
    assert "s3cr3t-pw" not in f"{outcome} {check!r} {check.name}"


def test_a_thousand_runs_leak_nothing(server: str) -> None:
    assert_no_leak(mongodb_check(server), urlsplit(server).port or 27017)


@pytest.mark.parametrize("factory", FACTORIES)
def test_closed_port_fails_within_the_timeout(closed_port: int, factory: Factory) -> None:
    # PyMongo keeps retrying a refused server until server selection times out.
    check = factory(f"mongodb://nobody:s3cr3t-pw@127.0.0.1:{closed_port}/", timeout=0.5)
    result = timed(lambda: call(check))
    assert_fails_within(result, 0.5, "Errno 111")
    assert "s3cr3t-pw" not in f"{result.outcome} {check!r}"
    assert "Topology Description" not in result.outcome.output


# PyMongo's async monitor, cancelled by close() while still connecting to a server that never
# answers, drops its socket without closing it: the socket is closed when collected, with a
# ResourceWarning. Collect it here, so the warning is this test's and known, not another's.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("factory", FACTORIES)
def test_silent_listener_fails_within_the_timeout(silent_port: int, factory: Factory) -> None:
    result = timed(lambda: call(factory(f"mongodb://127.0.0.1:{silent_port}/", timeout=0.5)))
    assert_fails_within(result, 0.5, "ServerSelectionTimeoutError")
    gc.collect()


def test_failed_runs_leak_nothing(closed_port: int, silent_listener: SilentListener) -> None:
    # Few runs: PyMongo waits at least 0.5 s (its minimum heartbeat) before giving up.
    for port in (closed_port, silent_listener.port):
        check = mongodb_check(f"mongodb://127.0.0.1:{port}/", timeout=0.05)
        assert_no_leak(check, port, times=5, listener=silent_listener)
