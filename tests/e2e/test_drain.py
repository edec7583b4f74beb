"""Draining as Kubernetes or systemd stop a service: a real SIGTERM, then ``/readyz`` fails
while ``/livez`` holds and the service keeps answering for the delay, then it ends.

Under gunicorn the master's SIGTERM drains (``drain_on_shutdown`` in gunicorn.conf.py, as the
README shows), whatever the workers (sync, gthread, uvicorn's) and ``--preload``; a reload
(HUP) replaces workers without draining. A process serving on its own (uvicorn, one or several
workers) drains with ``drain_on_signal``."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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
    """Ask, eight at a time (one idle worker may take requests one after another), until
    every worker has answered once."""
    seen: set[str] = set()
    with ThreadPoolExecutor(8) as pool:
        for _ in range(50):
            for reply in pool.map(lambda _: get(app.url + "/readyz"), range(16)):
                seen.add(reply.headers["X-Worker-Pid"])
            if len(seen) == workers:
                return seen
    pytest.fail(f"only workers {sorted(seen)} answered")


def drains_then_ends(app: Backend) -> None:
    assert get(app.url + "/readyz").status == 200
    assert app.process is not None
    sent = time.monotonic()
    app.process.send_signal(signal.SIGTERM)
    # A supervisor passes the signal on to its workers: that may take a moment under load.
    while get(app.url + "/readyz").status == 200 and time.monotonic() - sent < 1:
        time.sleep(0.05)
    time.sleep(0.2)  # every worker has it by now
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
    assert app.process.wait(DRAIN + 10) == 0  # then the server ends cleanly
    assert time.monotonic() - sent >= DRAIN


@pytest.mark.parametrize(
    ("worker_class", "preload"),
    [("sync", False), ("sync", True), ("gthread", True)],
    ids=["sync", "sync-preload", "gthread-preload"],
)
def test_gunicorn_drains_on_the_masters_sigterm(
    folder: Path, worker_class: str, preload: bool
) -> None:
    with gunicorn_backend(
        "a", folder, workers=2, worker_class=worker_class, preload=preload, drain=DRAIN
    ) as app:
        worker_pids(app, 2)
        drains_then_ends(app)


def test_the_readme_gunicorn_conf_drains(folder: Path) -> None:
    config = folder / "gunicorn.conf.py"
    conf = example("Draining under gunicorn")
    assert "drain_on_shutdown(10)" in conf
    config.write_text(conf.replace("drain_on_shutdown(10)", f"drain_on_shutdown({DRAIN})"))
    with gunicorn_backend("a", folder, workers=2, config=config) as app:
        worker_pids(app, 2)
        drains_then_ends(app)


def test_a_sigterm_before_any_answer_drains_too(folder: Path) -> None:
    with gunicorn_backend("a", folder, workers=2, preload=True, drain=DRAIN) as app:
        drains_then_ends(app)  # the workers have answered nothing of ours before


@pytest.mark.parametrize("reload", ["HUP", "TTOU"])
def test_a_reload_or_scale_down_replaces_workers_without_draining(
    folder: Path, reload: str
) -> None:
    """The server is not going away: readiness must not fail, and old workers leave at once."""
    with gunicorn_backend("a", folder, workers=2, drain=DRAIN * 3) as app:
        before = worker_pids(app, 2)
        assert app.process is not None
        app.process.send_signal(getattr(signal, f"SIG{reload}"))
        statuses = set()
        deadline = time.monotonic() + DRAIN
        while time.monotonic() < deadline:
            statuses.add(get(app.url + "/readyz").status)
        assert statuses == {200}
        assert app.process.poll() is None  # the server goes on
        gone = [pid for pid in before if not psutil.pid_exists(int(pid))]
        assert gone  # an old worker left well before a drain would have ended


def test_drain_on_signal_under_gunicorn_says_what_to_do_instead(folder: Path) -> None:
    with gunicorn_backend("a", folder, workers=1, worker_env={"E2E_WORKER_DRAIN": "1"}) as app:
        worker_pids(app, 1)
        assert app.process is not None and app.process.stderr is not None
        app.process.send_signal(signal.SIGTERM)
        app.process.wait(10)
        log = app.process.stderr.read().decode()
    assert "drain_on_signal() under gunicorn does nothing" in log and "drain_on_shutdown" in log


@contextmanager
def uvicorn_app(folder: Path, *argv: str, server: str = "uvicorn", **env: str) -> Iterator[Backend]:
    port = free_port()
    backend = Backend("a", f"http://127.0.0.1:{port}", port, folder / "a.state")
    backend.set("ok")
    if server == "uvicorn":
        command = [sys.executable, "-m", "uvicorn", "--port", str(port), *argv]
    else:
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *argv]
    environ = {
        **os.environ,
        "E2E_STATE": str(backend.state_file),
        "E2E_DRAIN": str(DRAIN),
        "PYTHONPATH": str(ROOT),
        **env,
    }
    with private_server(
        [*command, "tests.e2e.asgi_app:app"],
        port,
        env=environ,
        start_timeout=20,
        failed=pytest.fail,
    ) as process:
        backend.process = process
        yield backend


@pytest.mark.parametrize("workers", ["1", "2"])
def test_uvicorn_drains_on_sigterm(folder: Path, workers: str) -> None:
    with uvicorn_app(folder, "--host", "127.0.0.1", "--workers", workers) as app:
        worker_pids(app, int(workers))
        drains_then_ends(app)


def test_uvicorn_drains_after_checks_ran_at_import(folder: Path) -> None:
    with uvicorn_app(folder, "--host", "127.0.0.1", E2E_WARMUP="1") as app:
        worker_pids(app, 1)
        drains_then_ends(app)


def test_gunicorns_uvicorn_workers_drain_on_the_masters_sigterm(folder: Path) -> None:
    config = folder / "gunicorn.conf.py"
    config.write_text(
        "from healthcheck.integrations.gunicorn import drain_on_shutdown\n"
        f"when_ready = drain_on_shutdown({DRAIN})\n"
    )
    with uvicorn_app(
        folder,
        "--workers", "2", "--worker-class", "uvicorn.workers.UvicornWorker",
        "--config", str(config),
        server="gunicorn",
        # The app's own drain_on_signal does nothing under gunicorn: the master drains.
    ) as app:  # fmt: skip
        worker_pids(app, 2)
        drains_then_ends(app)
