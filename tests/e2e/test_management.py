"""The management listener: probes answered while every worker thread is busy, under a real
gunicorn, and its life on a port of its own."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from healthcheck import HealthCheck
from healthcheck.management import InFlight, ManagementServer, serve_management
from tests.e2e.conftest import ROOT, eventually
from tests.http import get
from tests.servers import free_port, wait_for_port


def status_of(url: str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@contextmanager
def busy_gunicorn(
    app_port: int, management_port: int, preload: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "MANAGEMENT_PORT": str(management_port), "SLOW": "3", "THREADS": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "2", "-k", "gthread",
         "-b", f"127.0.0.1:{app_port}", "--timeout", "30", "tests.e2e.busy_app:app",
         *(["--preload"] if preload else [])],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(app_port, 30)
        wait_for_port(management_port, 30)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


@pytest.mark.parametrize("preload", [False, True], ids=["workers-listen", "preload-master"])
def test_probes_answer_on_the_management_port_while_every_thread_is_busy(preload: bool) -> None:
    app_port, management_port = free_port(), free_port()
    app, management = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{management_port}"
    with busy_gunicorn(app_port, management_port, preload) as server:
        assert status_of(management + "/readyz", 5) == 200
        # Without --preload the worker answers; with it, the master, which serves no requests.
        answered_by = json.loads(get(management + "/environment").body)["process"]["pid"]
        assert (answered_by == server.pid) is preload
        # Both threads taken by 3 s requests (and more queued behind). One worker: saturation
        # is counted per process (several workers each report their own).
        clients = [
            threading.Thread(target=status_of, args=(app + "/work", 20), daemon=True)
            for _ in range(8)
        ]
        for client in clients:
            client.start()
        if preload:  # the master counts no requests: only liveness is its to answer
            for _ in range(10):
                assert status_of(management + "/livez", 1) == 200
            for client in clients:
                client.join(30)
            return
        eventually(
            lambda: status_of(management + "/readyz", 2) == 500, 5, "readiness said saturated"
        )
        # The in-app probe waits behind the application's requests: a kubelet would time out.
        with pytest.raises((TimeoutError, urllib.error.URLError, socket.timeout)):
            status_of(app + "/livez", 1)
        # The management port answers at once: alive, but not ready.
        for _ in range(10):
            assert status_of(management + "/livez", 1) == 200
        body = get(management + "/readyz?verbose").body.decode()
        assert "[-]saturation failed: 2 of 2 requests under way" in body
        for client in clients:
            client.join(30)
        eventually(lambda: status_of(management + "/readyz", 2) == 200, 10, "ready again")
    # Nothing listens once the server has stopped.
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", management_port)) != 0


def test_serves_on_a_free_port_and_frees_it_when_closed() -> None:
    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="db")
    with serve_management(health, port=0) as server:
        assert get(server.url + "/livez").body == b"ok"
        assert get(server.url + "/healthcheck").status == 200
        assert get(server.url + "/nowhere").status == 404
        port = server.port
    with serve_management(health, port=port) as again:  # free again: a restart takes it
        assert get(again.url + "/livez").body == b"ok"


def test_a_taken_port_and_bad_arguments_are_clear_errors() -> None:
    with serve_management(HealthCheck(), port=0) as first:
        with pytest.raises(OSError, match=rf"cannot listen on 127.0.0.1:{first.port}"):
            ManagementServer(HealthCheck(), port=first.port)
    for port in (-1, 70000, "8081", True):
        with pytest.raises(ValueError, match="port must be a port number"):
            ManagementServer(HealthCheck(), port=port)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="limit must be"):
        InFlight(lambda environ, start_response: [], limit=0)


def test_in_flight_counts_until_the_server_closes_the_body() -> None:
    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        return [b"x"]

    counted = InFlight(app, limit=1)
    body = counted({}, None)
    assert counted.check().status.value == "fail" and counted.busy == 1
    body.close()  # type: ignore[attr-defined]
    body.close()  # type: ignore[attr-defined]  # twice: counted once
    assert counted.busy == 0 and counted.check().status.value == "pass"

    def broken(environ: dict[str, object], start_response: object) -> list[bytes]:
        raise RuntimeError("boom")

    failing = InFlight(broken, limit=1)
    with pytest.raises(RuntimeError):
        failing({}, None)
    assert failing.busy == 0


@pytest.mark.parametrize("server", ["tornado", "uvicorn"])
def test_the_management_port_answers_while_the_event_loop_is_blocked(server: str) -> None:
    app_port, management_port = free_port(), free_port()
    env = {**os.environ, "MANAGEMENT_PORT": str(management_port), "BLOCK": "4",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.blocked_loop_app", server, str(app_port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(app_port, 30)
        wait_for_port(management_port, 30)
        app, management = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{management_port}"
        assert status_of(app + "/livez", 5) == 200
        blocker = threading.Thread(target=status_of, args=(app + "/block", 20), daemon=True)
        blocker.start()
        time.sleep(0.5)  # the handler now holds the loop
        with pytest.raises((TimeoutError, urllib.error.URLError, socket.timeout)):
            status_of(app + "/livez", 1)
        assert status_of(management + "/livez", 1) == 200
        assert status_of(management + "/readyz", 1) == 200
        blocker.join(20)
    finally:
        process.terminate()
        process.wait(10)


def test_idle_connections_neither_block_probes_nor_stay_open(
    capfd: pytest.CaptureFixture[str],
) -> None:
    from healthcheck import management

    with serve_management(HealthCheck(), port=0) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(50)]
        try:
            assert status_of(server.url + "/livez", 1) == 200  # answered beside them
            idle[0].settimeout(management.READ_TIMEOUT + 5)
            assert idle[0].recv(1) == b""  # closed once silent for READ_TIMEOUT
        finally:
            for connection in idle:
                connection.close()
    assert "Traceback" not in capfd.readouterr().err  # a silent client is no error to print


def test_past_the_cap_a_probe_takes_the_place_of_the_slowest_client() -> None:
    from healthcheck import management

    with serve_management(HealthCheck(), port=0) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port))
                for _ in range(management.MAX_CONNECTIONS)]  # fmt: skip
        try:
            for connection in idle[1:]:  # a slowloris: a header line now and then
                connection.sendall(b"GET /livez HTTP/1.1\r\n")
            time.sleep(0.3)
            assert status_of(server.url + "/livez", 1) == 200  # answered, not shut out
            idle[0].settimeout(2)
            assert idle[0].recv(1) == b""  # the longest-waiting client was cut off for it
        finally:
            for connection in idle:
                connection.close()


def test_a_closed_listener_cannot_start_again() -> None:
    server = serve_management(HealthCheck(), port=0)
    server.close()
    server.close()  # twice: nothing more
    with pytest.raises(RuntimeError, match="closed"):
        server.start()
