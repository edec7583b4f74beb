"""gunicorn with four workers, polled by haproxy: every worker answers, and every answer follows
a state change within one TTL of it (each worker runs the check itself)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import eventually, gunicorn_backend, haproxy_in_front
from tests.http import get

TTL = 0.3
WORKERS = 4


def every_worker(url: str) -> dict[str, set[int]]:
    """The statuses each worker (by pid) answered ``/healthcheck`` with, asking eight at a time
    until all ``WORKERS`` have answered (requests spread over them unevenly)."""
    seen: dict[str, set[int]] = {}
    with ThreadPoolExecutor(8) as pool:
        for _ in range(60):
            for reply in pool.map(lambda _: get(url + "/healthcheck"), range(16)):
                seen.setdefault(reply.headers["X-Worker-Pid"], set()).add(reply.status)
            if len(seen) == WORKERS:
                return seen
    pytest.fail(f"only {len(seen)} of {WORKERS} workers answered")


@pytest.mark.parametrize("worker_class", ["sync", "gthread"])
@pytest.mark.parametrize("preload", [False, True], ids=["", "preload"])
def test_every_worker_follows_a_state_change_within_one_ttl(
    folder: Path, worker_class: str, preload: bool
) -> None:
    with gunicorn_backend(
        "a", folder, workers=WORKERS, worker_class=worker_class, preload=preload, ttl=TTL
    ) as app:
        with haproxy_in_front(folder, [app]) as proxy:
            eventually(lambda: proxy.states() == {"a": "UP"}, 10, "the app up")
            before = every_worker(app.url)
            assert all(statuses == {200} for statuses in before.values()), before

            app.set("disk full")
            time.sleep(TTL + 0.1)  # one TTL: every worker's cached success has expired
            failing = every_worker(app.url)
            assert set(failing) == set(before)  # the same four processes
            assert all(statuses == {500} for statuses in failing.values()), failing
            eventually(lambda: proxy.states() == {"a": "DOWN"}, 5, "haproxy to see it down")

            app.set("ok")
            time.sleep(TTL + 0.1)
            passing = every_worker(app.url)
            assert all(statuses == {200} for statuses in passing.values()), passing
            eventually(lambda: proxy.states() == {"a": "UP"}, 5, "haproxy to see it up")


FAILING = b'healthcheck_check_status{check="backend",state="fail"} 1.0'
PASSING = b'healthcheck_check_status{check="backend",state="pass"} 1.0'


def scraped_by_every_worker(url: str, series: bytes) -> bool:
    """Whether every worker's ``/metrics`` (asked until all have answered) carries ``series``."""
    seen: dict[str, bool] = {}
    with ThreadPoolExecutor(8) as pool:
        for _ in range(60):
            for reply in pool.map(lambda _: get(url + "/metrics"), range(16)):
                pid = reply.headers["X-Worker-Pid"]
                seen[pid] = seen.get(pid, True) and series in reply.body
            if len(seen) == WORKERS:
                return all(seen.values())
    pytest.fail(f"only {len(seen)} of {WORKERS} workers answered")


@pytest.mark.parametrize("preload", [False, True], ids=["", "preload"])
def test_in_background_mode_every_workers_metrics_follow_with_only_scrapes(
    folder: Path, preload: bool
) -> None:
    """The README's remedy for workers' /metrics that differ: background mode. Nothing but
    scrapes reach the workers, and each one's series follow a change all the same."""
    interval = 0.2
    with gunicorn_backend(
        "a", folder, workers=WORKERS, preload=preload, ttl=TTL, interval=interval
    ) as app:
        eventually(lambda: scraped_by_every_worker(app.url, PASSING), 10, "every worker pass")
        app.set("disk full")
        time.sleep(interval + TTL)
        eventually(lambda: scraped_by_every_worker(app.url, FAILING), 5, "every worker fail")
        app.set("ok")
        time.sleep(interval + TTL)
        eventually(lambda: scraped_by_every_worker(app.url, PASSING), 5, "every worker pass")


def hammer(url: str, seconds: float) -> list[tuple[float, float, str, int]]:
    """Ask ``/healthcheck`` from eight clients for ``seconds``: (when asked, when answered,
    worker pid, status) of each answer."""
    import threading

    answers: list[tuple[float, float, str, int]] = []
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < end:
            asked = time.monotonic()
            reply = get(url + "/healthcheck")
            answer = (asked, time.monotonic(), reply.headers["X-Worker-Pid"], reply.status)
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.parametrize("interval", [None, 0.5], ids=["on-demand", "background"])
@pytest.mark.parametrize("preload", [False, True], ids=["", "preload"])
def test_shared_results_run_each_check_once_per_period_and_workers_agree(
    folder: Path, preload: bool, interval: float | None
) -> None:
    runs = folder / "runs"
    share = folder / "share"
    ttl = 0.5
    with gunicorn_backend(
        "a", folder, workers=WORKERS, preload=preload, ttl=ttl, interval=interval,
        worker_env={"E2E_SHARE": str(share), "E2E_RUNS": str(runs)},
    ) as app:  # fmt: skip
        hammer(app.url, 1.0)  # every worker up and answering
        runs.write_text("")
        seconds = 4.0
        answers = hammer(app.url, seconds)
        assert len({pid for _, _, pid, _ in answers}) == WORKERS  # all four answered
        # Once per period on the host, not once per worker (4x as many without sharing).
        periods = seconds / (interval or ttl)
        count = len(runs.read_text().splitlines())
        assert count <= periods + 2, (count, periods)
        assert len({pid for pid in runs.read_text().split()}) >= 1

        # A state change: once any worker has answered it, every request asked after that
        # is answered with it, whichever worker takes it.
        app.set("disk full")
        changed = hammer(app.url, 2 * (interval or ttl) + 0.5)
        seen = min(answered for _, answered, _, status in changed if status == 500)
        later = [answer for answer in changed if answer[0] > seen]
        assert {status for _, _, _, status in later} == {500}, later
        assert len({pid for _, _, pid, _ in later}) == WORKERS


def test_shared_results_survive_worker_recycling_and_are_removed_on_exit(folder: Path) -> None:
    runs, share = folder / "runs", folder / "share"
    config = folder / "gunicorn.conf.py"
    config.write_text(
        "from healthcheck.integrations.gunicorn import remove_share_on_exit\n"
        f"on_exit = remove_share_on_exit({str(share)!r})\n"
        "max_requests = 40\nmax_requests_jitter = 10\n"
    )
    ttl = 0.5
    with gunicorn_backend(
        "a", folder, workers=WORKERS, ttl=ttl, config=config,
        worker_env={"E2E_SHARE": str(share), "E2E_RUNS": str(runs)},
    ) as app:  # fmt: skip
        hammer(app.url, 0.5)
        runs.write_text("")
        seconds = 4.0
        answers = hammer(app.url, seconds)
        # Workers were replaced (each lives 40-50 requests): the new ones share as well.
        assert len({pid for _, _, pid, _ in answers}) > WORKERS
        assert len(runs.read_text().splitlines()) <= seconds / ttl + 2
        assert {status for _, _, _, status in answers} == {200}
        assert share.is_dir()
    assert not share.exists()  # gunicorn stopped: nothing left behind
