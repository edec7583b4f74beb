"""close() and the context manager end every helper thread a HealthCheck started."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from healthcheck import HealthCheck, StatusChange

from .conftest import Counter
from .test_core import HANG, only_result, parse, timed_run


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


def hangs_the_first_time(counter: Counter, started: threading.Event) -> Any:
    async def check() -> tuple[bool, str]:
        if counter.hit() == 1:
            started.set()
            await asyncio.sleep(3600)
        return True, "async ok"

    return check


def test_an_async_check_under_way_in_background_mode_runs_again_after_close(
    counter: Counter,
) -> None:
    # close() ends the private event loop; the execution it was running must end with it,
    # not stay in flight for ever, joined by every later caller and never run again.
    started = threading.Event()
    health = HealthCheck(error_timeout=HANG, success_ttl=0)
    health.add_check(hangs_the_first_time(counter, started), name="a")
    health.start(3600)
    assert started.wait(HANG)

    health.close()

    result = only_result(timed_run(health))
    assert (result["passed"], result["output"]) == (True, "async ok")
    assert counter.calls == 2
    health.close()


def test_close_answers_a_caller_waiting_on_an_async_check(counter: Counter) -> None:
    started = threading.Event()
    health = HealthCheck(error_timeout=HANG, success_ttl=0)
    health.add_check(hangs_the_first_time(counter, started), name="a")
    answers: list[Any] = []
    waiting = threading.Thread(target=lambda: answers.append(health.run()), daemon=True)
    waiting.start()
    assert started.wait(HANG)

    health.close()

    waiting.join(HANG)
    assert only_result(parse(answers[0]))["output"].startswith("cancelled:")
    assert only_result(timed_run(health))["output"] == "async ok"
    health.close()
