"""gunicorn with four workers, polled by haproxy: whichever worker answers, every answer
follows a state change within one TTL of it (each worker runs the check itself)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import eventually, gunicorn_backend, haproxy_in_front
from tests.http import get

TTL = 0.3


def answers(url: str, count: int = 80) -> tuple[set[int], set[str]]:
    """The statuses and the worker pids of ``count`` requests, eight at a time (one idle
    gthread worker would take them all one after another)."""
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: get(url + "/healthcheck"), range(count)))
    return {r.status for r in replies}, {r.headers["X-Worker-Pid"] for r in replies}


@pytest.mark.parametrize("worker_class", ["sync", "gthread"])
@pytest.mark.parametrize("preload", [False, True], ids=["", "preload"])
def test_every_worker_follows_a_state_change_within_one_ttl(
    folder: Path, worker_class: str, preload: bool
) -> None:
    with gunicorn_backend(
        "a", folder, workers=4, worker_class=worker_class, preload=preload, ttl=TTL
    ) as app:
        with haproxy_in_front(folder, [app]) as proxy:
            eventually(lambda: proxy.states() == {"a": "UP"}, 10, "the app up")
            statuses, seen = answers(app.url)
            assert statuses == {200}

            app.set("disk full")
            time.sleep(TTL + 0.1)  # one TTL: every worker's cached success has expired
            statuses, pids = answers(app.url)
            assert statuses == {500}, statuses
            seen |= pids
            eventually(lambda: proxy.states() == {"a": "DOWN"}, 5, "haproxy to see it down")

            app.set("ok")
            time.sleep(TTL + 0.1)
            statuses, pids = answers(app.url)
            assert statuses == {200}
            seen |= pids
            eventually(lambda: proxy.states() == {"a": "UP"}, 5, "haproxy to see it up")
    if worker_class == "sync":  # one request at a time each: the load spreads over them
        assert len(seen) >= 2, seen
