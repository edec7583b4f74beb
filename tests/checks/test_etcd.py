"""etcd_check against a real etcd (Debian's etcd-server) started on loopback ports, and a
closed port."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator

import pytest

from healthcheck import HealthCheck, Status
from healthcheck.checks import etcd_check
from tests.checks.conftest import (
    assert_fails_within,
    free_port,
    private_server,
    require_program,
    timed,
)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    binary = require_program("etcd", "etcd-server")
    client, peer = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="hc-etcd-") as data:
        argv = [
            binary, "--name", "hc", "--data-dir", data,
            "--listen-client-urls", f"http://127.0.0.1:{client}",
            "--advertise-client-urls", f"http://127.0.0.1:{client}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", f"hc=http://127.0.0.1:{peer}",
            "--log-level", "error",
        ]  # fmt: skip
        with private_server(argv, client, start_timeout=30, failed=pytest.fail):
            yield f"http://127.0.0.1:{client}"


def test_passes_when_etcd_says_healthy(server: str) -> None:
    # A new member elects itself leader within a moment of starting: healthy from then on.
    deadline = time.monotonic() + 10
    outcome = etcd_check(server)()
    while outcome.status is not Status.PASS and time.monotonic() < deadline:
        time.sleep(0.1)
        outcome = etcd_check(server)()
    assert outcome.status is Status.PASS, outcome
    assert outcome.output == "HTTP 200, health 'true'"


def test_registers_under_its_name(server: str) -> None:
    health = HealthCheck()
    health.add_check(etcd_check(server + "/"))
    body, status, _ = health.run()
    assert status == 200 and '"checker": "etcd"' in body
    health.close()


def test_closed_port_fails_at_once(closed_port: int) -> None:
    result = timed(etcd_check(f"http://127.0.0.1:{closed_port}", timeout=1))
    assert_fails_within(result, 1, "refused")
