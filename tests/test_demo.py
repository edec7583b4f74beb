"""``python -m healthcheck demo`` serves both endpoints, with Flask and with Tornado."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.http import Reply, get

ROOT = Path(__file__).resolve().parent.parent


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
    # A non-critical checker fails now and then (a warning, 200), and the critical "payments"
    # fails 20 s of every minute (500), so that the page and the probes show a transition.
    body = health.json()
    results = {r["checker"]: r for r in body["results"]}
    if health.status == 500:
        assert body["status"] == "failure" and not results["payments"]["passed"]
    else:
        assert (health.status, body["status"]) in {(200, "success"), (200, "warning")}
    assert {"disk_space", "payments", "flaky_upstream", "slow_database", "async_cache"} <= set(
        results
    )
    # The real services of this machine are checked for real when they answer, and only then.
    for name, port in (("redis", 6379), ("postgresql", 5432)):
        assert (name in results) == _answers(port), name
        if name in results:
            assert results[name]["passed"], results[name]
    assert environment.status == 200
    assert {"os", "python", "process", "application"} <= set(environment.json())
    assert "[+]slow_database ok" in ready.body.decode()
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


def test_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "healthcheck", "demo", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "try --port" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
def test_dev_py_demo_stops_quietly_and_frees_the_port(stop: str) -> None:
    """As a terminal's Ctrl-C (SIGINT to the whole group) or a supervisor's SIGTERM (to
    dev.py alone) stops it."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "dev.py"), "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the demo did not start: {process.communicate()[1].decode()}")
            time.sleep(0.1)
        if stop == "SIGINT":
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert "Traceback" not in errors.decode(), errors.decode()
    deadline = time.monotonic() + 5
    while _answers(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _answers(port)  # nothing left holding it


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def test_a_real_service_that_refuses_is_said_and_only_warns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from healthcheck import demo as demo_module

    if not _answers(6379):
        pytest.skip("no Redis on 127.0.0.1:6379")
    # Redis answers, but this database does not exist: as a server wanting a password would.
    monkeypatch.setattr(
        demo_module, "SERVICES", (("redis", 6379, "redis_check", "redis://127.0.0.1:6379/9999"),)
    )
    health, _, notes = demo_module.build()
    assert notes[0].startswith("  redis: checked on 127.0.0.1:6379, failing for now: ")
    (check,) = [c for c in health.checks if c.name == "redis"]
    assert check.critical is False  # the demo's red comes from the payments outage only


def test_the_simulated_upstream_failure_is_an_answer_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from healthcheck import demo as demo_module

    monkeypatch.setattr(demo_module.random, "random", lambda: 0.0)
    assert demo_module.flaky_upstream() == (False, "upstream refused the connection (simulated)")
