"""``python -m healthcheck demo`` serves both endpoints, with Flask and with Tornado."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.http import Reply, get


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def demo(framework: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "healthcheck",
            "demo",
            "--framework",
            framework,
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else b""
                    pytest.fail(f"demo did not start: {output.decode(errors='replace')}")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout:
            process.stdout.close()


@pytest.mark.parametrize("framework", ["flask", "tornado"])
def test_demo_serves_healthcheck_and_environment(framework: str) -> None:
    with demo(framework) as base:
        health: Reply = get(f"{base}/healthcheck")
        environment = get(f"{base}/environment")
        ready = get(f"{base}/readyz?verbose")
        live = get(f"{base}/livez")
        metrics = get(f"{base}/metrics")
        page = get(f"{base}/healthcheck", headers={"Accept": "text/html"})
    # The demo has a non-critical checker that fails now and then, so the body may say
    # success or warning, with 200 either way.
    assert (health.status, health.json()["status"]) in {(200, "success"), (200, "warning")}
    names = {r["checker"] for r in health.json()["results"]}
    assert names == {"disk_space", "flaky_upstream", "slow_database", "async_cache"}
    assert environment.status == 200
    assert {"os", "python", "process", "application"} <= set(environment.json())
    assert ready.status == 200 and "[+]slow_database ok" in ready.body.decode()
    assert live.body == b"ok"
    assert b"healthcheck_check_status" in metrics.body
    assert page.headers["Content-Type"].startswith("text/html")


def test_demo_help_lists_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "healthcheck", "demo", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for option in ("--framework", "--port", "--host"):
        assert option in result.stdout
