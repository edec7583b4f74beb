"""memcached_check against a real memcached (Debian's) started on a loopback port, a closed
port and a silent listener."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from healthcheck import HealthCheck, Status
from tests.checks.conftest import (
    assert_fails_within,
    assert_no_leak,
    free_port,
    private_server,
    require_driver,
    require_program,
    timed,
)

require_driver("pymemcache")

from healthcheck.checks import memcached_check  # noqa: E402


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    binary = require_program("memcached", "memcached")
    port = free_port()
    user = ["-u", "root"] if os.getuid() == 0 else []  # it will not run as root otherwise
    argv = [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", *user]
    with private_server(argv, port, failed=pytest.fail):
        yield port


def test_passes_with_the_version(server: int) -> None:
    outcome = memcached_check(f"memcache://127.0.0.1:{server}")()
    assert outcome.status is Status.PASS
    assert str(outcome.output).startswith("memcached 1.")


def test_registers_under_its_name_and_leaks_nothing(server: int) -> None:
    health = HealthCheck()
    health.add_check(memcached_check(f"memcache://127.0.0.1:{server}"))
    body, status, _ = health.run()
    assert status == 200 and '"checker": "memcached"' in body
    health.close()
    assert_no_leak(memcached_check(f"memcache://127.0.0.1:{server}"), server, times=300)


def test_closed_port_fails_at_once(closed_port: int) -> None:
    result = timed(memcached_check(f"memcache://127.0.0.1:{closed_port}", timeout=1))
    assert_fails_within(result, 1, "refused")


def test_silent_server_fails_within_the_timeout(silent_port: int) -> None:
    result = timed(memcached_check(f"memcache://127.0.0.1:{silent_port}", timeout=0.3))
    assert_fails_within(result, 0.3, "timed out")


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379", "memcache://", "127.0.0.1:11211"])
def test_a_url_that_is_not_memcached_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="memcache://host:port"):
        memcached_check(url)
