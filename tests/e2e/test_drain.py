"""``drain_on_signal(SIGTERM, delay)`` under gunicorn, as Kubernetes stops a pod: a real SIGTERM
to the master, which passes it to every worker. Each worker keeps answering for ``delay``
seconds with readiness failing and liveness holding, then ends; with ``--preload`` too, where
the app (and the call) ran in the master before gunicorn gave each worker its own handlers."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from tests.checks.conftest import private_server
from tests.e2e.conftest import ROOT, Backend, gunicorn_backend
from tests.http import get
from tests.readme import example
from tests.servers import free_port

DRAIN = 2.0


def worker_pids(app: Backend, workers: int) -> set[str]:
    """Ask until every worker has answered once (each puts its handler back at its first
    answer)."""
    seen: set[str] = set()
    for _ in range(400):
        seen.add(get(app.url + "/readyz").headers["X-Worker-Pid"])
        if len(seen) == workers:
            return seen
    pytest.fail(f"only workers {sorted(seen)} answered")


def drains_then_ends(app: Backend) -> None:
    assert get(app.url + "/readyz").status == 200
    assert app.process is not None
    sent = time.monotonic()
    app.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    answers = []
    while time.monotonic() - sent < DRAIN - 0.5:  # well inside the drain
        ready, live = get(app.url + "/readyz"), get(app.url + "/livez")
        answers.append((ready.status, ready.body.strip(), live.status))
        time.sleep(0.1)
    assert answers, "no answer while draining"
    assert {(ready, body.splitlines()[-1], live) for ready, body, live in answers} == {
        (500, b"readyz check failed", 200)
    }, answers
    assert all(b"[-]draining failed" in body for _, body, _ in answers), answers
    assert app.process.wait(DRAIN + 10) == 0  # then gunicorn ends cleanly
    assert time.monotonic() - sent >= DRAIN


@pytest.mark.parametrize("preload", [False, True], ids=["", "preload"])
def test_sync_workers_drain_on_sigterm(folder: Path, preload: bool) -> None:
    with gunicorn_backend("a", folder, workers=2, preload=preload, drain=DRAIN) as app:
        worker_pids(app, 2)
        drains_then_ends(app)


def test_threaded_workers_drain_with_the_readme_hook(folder: Path) -> None:
    config = folder / "gunicorn.conf.py"
    hook = example("Draining under gunicorn and uvicorn")
    assert "delay=10" in hook
    config.write_text(hook.replace("delay=10", f"delay={DRAIN}"))
    with gunicorn_backend(
        "a", folder, workers=2, worker_class="gthread", preload=True, config=config
    ) as app:
        worker_pids(app, 2)
        drains_then_ends(app)


def test_threaded_workers_without_the_hook_say_how_to_drain(folder: Path) -> None:
    with gunicorn_backend(
        "a", folder, workers=1, worker_class="gthread", preload=True, drain=DRAIN
    ) as app:
        worker_pids(app, 1)
        assert app.process is not None and app.process.stderr is not None
        app.process.send_signal(signal.SIGTERM)
        app.process.wait(10)
        log = app.process.stderr.read().decode()
    assert "drain_on_signal(SIGTERM)" in log and "post_worker_init" in log, log


def test_a_reload_replaces_workers_without_draining(folder: Path) -> None:
    """gunicorn's HUP: new workers, and SIGTERM to the old ones while the server goes on. The
    server is not going away: readiness must not fail, and the old workers leave at once."""
    with gunicorn_backend("a", folder, workers=2, drain=DRAIN * 3) as app:
        before = worker_pids(app, 2)
        assert app.process is not None
        app.process.send_signal(signal.SIGHUP)
        statuses, pids = set(), set()
        deadline = time.monotonic() + DRAIN
        while time.monotonic() < deadline:
            reply = get(app.url + "/readyz")
            statuses.add(reply.status)
            pids.add(reply.headers["X-Worker-Pid"])
        assert statuses == {200}
        assert any(pid not in before for pid in pids)  # the new workers answer
        assert app.process.poll() is None  # the server goes on
    for pid in before:  # the old workers left well before the drain would have ended
        assert not psutil.pid_exists(int(pid))


@contextmanager
def uvicorn_app(folder: Path, *argv: str, server: str = "uvicorn") -> Iterator[Backend]:
    port = free_port()
    backend = Backend("a", f"http://127.0.0.1:{port}", port, folder / "a.state")
    backend.set("ok")
    if server == "uvicorn":
        command = [sys.executable, "-m", "uvicorn", "--port", str(port), *argv]
    else:
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *argv]
    env = {
        **os.environ,
        "E2E_STATE": str(backend.state_file),
        "E2E_DRAIN": str(DRAIN),
        "PYTHONPATH": str(ROOT),
    }
    with private_server(
        [*command, "tests.e2e.asgi_app:app"], port, env=env, start_timeout=20, failed=pytest.fail
    ) as process:
        backend.process = process
        yield backend


def test_uvicorn_drains_on_sigterm(folder: Path) -> None:
    with uvicorn_app(folder, "--host", "127.0.0.1") as app:
        worker_pids(app, 1)
        drains_then_ends(app)


def test_gunicorns_uvicorn_workers_drain_on_sigterm(folder: Path) -> None:
    with uvicorn_app(
        folder,
        "--workers",
        "2",
        "--worker-class",
        "uvicorn.workers.UvicornWorker",
        server="gunicorn",
    ) as app:
        worker_pids(app, 2)
        drains_then_ends(app)
