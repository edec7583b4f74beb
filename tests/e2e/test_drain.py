"""``drain_on_signal(SIGTERM, delay)`` under gunicorn, as Kubernetes stops a pod: a real SIGTERM
to the master, which passes it to every worker. Each worker keeps answering for ``delay``
seconds with readiness failing and liveness holding, then ends; with ``--preload`` too, where
the app (and the call) ran in the master before gunicorn gave each worker its own handlers."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Backend, gunicorn_backend
from tests.http import get
from tests.readme import example

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
    hook = example("Draining under gunicorn")
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
