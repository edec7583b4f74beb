"""close() and the context manager end every helper thread a HealthCheck started."""

from __future__ import annotations

import asyncio
import threading
import time

from healthcheck import HealthCheck, StatusChange


def helper_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("healthcheck")}


async def async_check() -> tuple[bool, str]:
    await asyncio.sleep(0)
    return True, "async ok"


def test_close_ends_pool_loop_listener_and_background_threads() -> None:
    before = helper_threads()
    changes: list[StatusChange] = []
    health = HealthCheck(interval=0.05)
    health.add_check(lambda: (True, "ok"), name="sync")
    health.add_check(async_check)
    health.add_listener(changes.append)
    deadline = time.monotonic() + 10
    while health.run()[1] != 200 and time.monotonic() < deadline:  # first round landed
        time.sleep(0.01)
    health.flush_listeners(5)
    started = {t.name for t in helper_threads() - before}
    assert {"healthcheck-async", "healthcheck-background", "healthcheck-listeners"} <= started

    health.close()

    assert helper_threads() - before == set()
    assert changes, "the listener heard of the first results before close()"


def test_a_closed_healthcheck_still_runs() -> None:
    with HealthCheck() as health:
        health.add_check(async_check)
        assert health.run()[1] == 200
    health.clear_cache()
    assert health.run()[1] == 200
    health.close()


def test_close_leaves_a_hung_checker_alone_and_returns(release: threading.Event) -> None:
    def hangs() -> tuple[bool, str]:
        release.wait()
        return True, "late"

    health = HealthCheck(error_timeout=0.1)
    health.add_check(hangs)
    assert health.run()[1] == 500
    health.close(timeout=0.5)  # returns although one worker is still busy
    release.set()
