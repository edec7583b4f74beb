"""celery_check against a real Celery worker on the Redis on loopback: no worker, one worker,
fewer than wanted, and a broker that is down."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from healthcheck import HealthCheck, Status
from tests.checks.conftest import assert_fails_within, require_driver, require_service, timed

require_driver("celery")

from celery import Celery  # noqa: E402

from healthcheck.checks import celery_check  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent.parent
BROKER = "redis://127.0.0.1:6379/13"


@pytest.fixture(scope="module")
def prefix() -> str:
    require_service("redis", 6379)
    return f"hc-{uuid.uuid4().hex[:8]}:"


def app_for(prefix: str, broker: str = BROKER) -> Any:
    app = Celery("hc_tests", broker=broker)
    app.conf.broker_transport_options = {"global_keyprefix": prefix}
    return app


@pytest.fixture(scope="module")
def worker(prefix: str) -> Iterator[Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HC_CELERY_PREFIX": prefix}
    argv = [
        sys.executable, "-m", "celery", "-A", "tests.django_project.celery_app", "worker",
        "--pool", "solo", "--hostname", "hc@%h", "--without-gossip", "--without-mingle",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    process = subprocess.Popen(
        argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    app = app_for(prefix)
    try:
        deadline = time.monotonic() + 30
        while celery_check(app, timeout=0.5)().status is not Status.PASS:
            if process.poll() is not None or time.monotonic() > deadline:
                error = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"the Celery worker did not answer: {error[-1500:]}")
        yield app
    finally:
        process.terminate()
        process.wait(15)
        if process.stderr is not None:
            process.stderr.close()


def test_no_worker_fails_after_the_timeout(prefix: str) -> None:
    lonely = app_for(prefix + "nobody:")
    result = timed(celery_check(lonely, timeout=0.6))
    assert_fails_within(result, 0.6, "0 workers answered the ping")
    assert result.outcome.observed_value == 0


def test_a_worker_answers(worker: Any) -> None:
    outcome = celery_check(worker)()
    assert outcome.status is Status.PASS
    assert str(outcome.output).startswith("1 answered: hc@")
    assert (outcome.observed_value, outcome.observed_unit) == (1, "workers")


def test_fewer_workers_than_wanted_fail(worker: Any) -> None:
    outcome = celery_check(worker, min_workers=2, timeout=0.6)()
    assert (outcome.status, outcome.output) == (
        Status.FAIL,
        "1 workers answered the ping (2 wanted)",
    )


def test_registers_under_its_name(worker: Any) -> None:
    health = HealthCheck()
    health.add_check(celery_check(worker))
    body, status, _ = health.run()
    assert status == 200 and '"checker": "celery"' in body
    health.close()


def test_a_broker_that_is_down_fails_at_once(closed_port: int) -> None:
    app = app_for("hc-down:", f"redis://127.0.0.1:{closed_port}/0")
    result = timed(celery_check(app, timeout=1))
    assert_fails_within(result, 1, "refused")


def test_what_is_not_a_celery_app_or_a_count_is_refused() -> None:
    with pytest.raises(TypeError, match="Celery application"):
        celery_check(object())
    with pytest.raises(ValueError, match="min_workers"):
        celery_check(Celery("x", broker=BROKER), min_workers=0)


def test_a_broker_that_never_answers_fails_within_the_timeout(silent_port: int) -> None:
    app = app_for("hc-silent:", f"redis://127.0.0.1:{silent_port}/0")
    assert_fails_within(timed(celery_check(app, timeout=1)), 1)


def test_no_worker_in_a_healthcheck_says_so_rather_than_timed_out(prefix: str) -> None:
    health = HealthCheck()
    health.add_check(celery_check(app_for(prefix + "nobody:")))
    body, status, _ = health.run()
    assert status == 500 and "0 workers answered the ping" in body
    health.close()
