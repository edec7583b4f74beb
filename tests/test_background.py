"""Background mode: checks run on a daemon thread, requests read the latest results at once."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from healthcheck import HealthCheck

from .conftest import Counter
from .test_core import HANG, by_name, eventually, hanging, only_result, parse, passing, timed_run

#: Long enough that a test never sees a second round unless it waits for one.
ONE_ROUND = 3600.0


def background_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "healthcheck-background"]


def output_of(health: HealthCheck, name: str | None = None) -> Any:
    data = parse(health.run())
    return by_name(data)[name]["output"] if name else only_result(data)["output"]


def test_before_the_first_round_ends_the_result_says_pending(
    make_health: Callable[..., HealthCheck], release: threading.Event
) -> None:
    health = make_health(interval=ONE_ROUND)
    health.add_check(hanging(release), name="db")

    data = timed_run(health)  # answered at once although the check is still running

    result = only_result(data)
    assert data["status"] == "failure"
    assert result["passed"] is False
    assert result["output"].startswith("pending:")
    assert health.run()[1] == 500
    health.stop(HANG)


def test_once_the_round_lands_its_result_is_served(
    make_health: Callable[..., HealthCheck], release: threading.Event
) -> None:
    health = make_health(interval=ONE_ROUND)
    health.add_check(hanging(release), name="db")
    assert output_of(health).startswith("pending:")

    release.set()

    assert eventually(lambda: output_of(health) == "released")
    assert health.run()[1] == 200
    health.stop(HANG)


def test_requests_never_run_the_checks(
    make_health: Callable[..., HealthCheck], counter: Counter
) -> None:
    health = make_health(interval=ONE_ROUND)
    health.add_check(passing("fine", counter), name="a")
    assert eventually(lambda: output_of(health) == "fine")

    for _ in range(50):
        assert health.run()[1] == 200
    assert counter.calls == 1
    health.stop(HANG)


def test_checks_run_again_every_interval(
    make_health: Callable[..., HealthCheck], counter: Counter
) -> None:
    # A round ends when its checks land, not at their deadline (error_timeout=HANG).
    health = make_health(interval=0.02, error_timeout=HANG)
    health.add_check(passing("fine", counter), name="a")
    health.start()

    assert eventually(lambda: counter.calls >= 3)
    health.stop(HANG)


def test_each_landing_shows_in_the_next_answer(make_health: Callable[..., HealthCheck]) -> None:
    state = {"output": "one"}
    health = make_health(interval=0.02)
    health.add_check(lambda: (True, state["output"]), name="a")
    health.add_check(passing("steady"), name="b")
    assert eventually(lambda: output_of(health, "a") == "one")

    state["output"] = "two"
    assert eventually(lambda: output_of(health, "a") == "two")
    assert output_of(health, "b") == "steady"


def test_the_kept_answer_is_served_between_landings(
    make_health: Callable[..., HealthCheck], counter: Counter
) -> None:
    health = make_health(interval=ONE_ROUND)
    health.add_check(passing("fine", counter), name="a")
    assert eventually(lambda: output_of(health) == "fine")
    health.run()

    cached = health.cached_response()

    assert cached is not None
    assert cached[1] == 200
    assert only_result(parse(cached))["output"] == "fine"
    health.stop(HANG)


def test_stop_ends_the_thread_and_run_goes_back_to_the_foreground(
    make_health: Callable[..., HealthCheck], counter: Counter
) -> None:
    health = make_health(interval=ONE_ROUND, success_ttl=0)
    health.add_check(passing("fine", counter), name="a")
    health.start()
    assert eventually(lambda: counter.calls == 1)
    assert len(background_threads()) >= 1

    health.stop(HANG)

    assert not [t for t in background_threads() if t.is_alive()]
    health.run()
    health.run()
    assert counter.calls == 3  # each request runs the (uncached) check itself
    assert health.cached_response() is None  # the background's answer is not reused


def test_stop_returns_while_a_checker_hangs(
    make_health: Callable[..., HealthCheck], release: threading.Event
) -> None:
    health = make_health(interval=ONE_ROUND)
    health.add_check(hanging(release), name="db")
    health.start()
    before = background_threads()

    health.stop(HANG)

    assert not any(t.is_alive() for t in before)


def test_a_hung_check_times_out_and_is_not_started_again(
    make_health: Callable[..., HealthCheck], release: threading.Event
) -> None:
    hung, other = Counter(), Counter()
    health = make_health(interval=0.02, error_timeout=0.1)
    health.add_check(hanging(release, hung), name="hung")
    health.add_check(passing("fine", other), name="ok")

    assert eventually(lambda: output_of(health, "hung") == "timed out after 0.1 s")
    assert eventually(lambda: other.calls >= 5)  # several rounds while it still hangs

    assert hung.calls == 1
    assert output_of(health, "ok") == "fine"
    health.stop(HANG)


def test_a_check_added_later_is_pending_then_run(make_health: Callable[..., HealthCheck]) -> None:
    health = make_health(interval=0.02)
    health.add_check(passing("first"), name="a")
    assert eventually(lambda: output_of(health, "a") == "first")

    health.add_check(passing("second"), name="b")

    assert eventually(lambda: output_of(health, "b") == "second")
    health.stop(HANG)


def test_async_checkers_and_run_async_work_in_background_mode(
    make_health: Callable[..., HealthCheck],
) -> None:
    async def async_check() -> tuple[bool, str]:
        await asyncio.sleep(0)
        return True, "async fine"

    health = make_health(interval=ONE_ROUND)
    health.add_check(async_check)

    async def served() -> str:
        output: str = only_result(parse(await health.run_async()))["output"]
        return output

    assert eventually(lambda: asyncio.run(served()) == "async fine")
    health.stop(HANG)


def test_start_twice_keeps_one_thread(make_health: Callable[..., HealthCheck]) -> None:
    before = set(background_threads())
    health = make_health()
    health.add_check(passing(), name="a")

    health.start(ONE_ROUND)
    health.start(ONE_ROUND)

    assert len(set(background_threads()) - before) == 1
    health.stop(HANG)


def test_start_after_stop_runs_again_at_the_constructor_s_interval(
    make_health: Callable[..., HealthCheck], counter: Counter
) -> None:
    # An app's startup and shutdown hooks call start() and stop(), maybe more than once.
    health = make_health(interval=ONE_ROUND)
    health.add_check(passing("fine", counter), name="a")
    health.start()
    assert eventually(lambda: counter.calls == 1)
    health.stop(HANG)

    health.start()

    assert eventually(lambda: counter.calls == 2)
    assert len([t for t in background_threads() if t.is_alive()]) >= 1
    health.stop(HANG)
    health.run()  # stopped: in the foreground again, from the cache
    assert health.cached_response() is not None
    assert counter.calls == 2


class StartedMeanwhile(HealthCheck):
    """A HealthCheck on which start(), called from another thread, lands once just after
    run() has noted where it reads its results from, and before it reads them."""

    armed = False

    def report(self, *args: Any, **kwargs: Any) -> Any:
        if self.armed:
            self.armed = False
            self.start(ONE_ROUND)
        return super().report(*args, **kwargs)


def test_an_answer_read_while_background_mode_started_is_not_kept_as_the_cache_s(
    counter: Counter, release: threading.Event
) -> None:
    def fine_then_hangs() -> tuple[bool, str]:
        if counter.hit() > 1:
            release.wait(30)  # the background round never lands
        return True, "fine"

    health = StartedMeanwhile(error_timeout=HANG)
    health.add_check(fine_then_hangs, name="a")
    assert health.run()[1] == 200  # cached for success_ttl
    health.armed = True
    assert output_of(health).startswith("pending:")  # read from the background
    assert eventually(lambda: counter.calls == 2)

    health.stop(HANG)

    # In the foreground again: the cache holds the first run's pass, not "pending".
    assert output_of(health) == "fine"
    assert health.run()[1] == 200
    release.set()
    health.close()


def test_start_without_an_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="needs an interval"):
        HealthCheck().start()


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), "often", True])
def test_an_invalid_interval_is_refused(value: Any) -> None:
    # Not a number: a TypeError saying interval is a parameter, not a py-healthcheck field.
    wrong_type = isinstance(value, (str, bool))
    with pytest.raises(TypeError if wrong_type else ValueError, match="interval"):
        HealthCheck(interval=value)
    with pytest.raises(ValueError, match="interval"):
        HealthCheck().start(value)


def test_a_check_still_running_a_round_later_without_timeout_is_logged_once(
    make_health: Callable[..., HealthCheck],
    release: threading.Event,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hung, other = Counter(), Counter()
    health = make_health(interval=0.02, error_timeout=0)
    health.add_check(hanging(release, hung), name="hung")
    health.add_check(passing("fine", other), name="ok")

    with caplog.at_level(logging.WARNING, logger="healthcheck"):
        health.start()
        assert eventually(lambda: other.calls >= 5)  # several rounds while it hangs

    warnings = [r.getMessage() for r in caplog.records if "no timeout" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].startswith('Health check "hung" has run for')
    assert hung.calls == 1
    health.stop(HANG)


def test_a_round_that_fails_is_logged_and_the_next_round_runs(
    make_health: Callable[..., HealthCheck],
    counter: Counter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = make_health(interval=0.02)
    health.add_check(passing("fine", counter), name="a")
    engine = health._engine
    fetch = engine.fetch
    failures = iter([RuntimeError("can't start new thread")])

    def flaky_fetch(*args: Any, **kwargs: Any) -> Any:
        for error in failures:  # only the first round fails
            raise error
        return fetch(*args, **kwargs)

    engine.fetch = flaky_fetch  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="healthcheck"):
        health.start()
        assert eventually(lambda: counter.calls >= 2)

    assert output_of(health) == "fine"
    assert any("background round failed" in r.getMessage() for r in caplog.records)
    health.stop(HANG)


def test_a_check_waiting_for_a_thread_is_not_reported_as_hung(
    caplog: pytest.LogCaptureFixture, release: threading.Event
) -> None:
    # One thread, held by a hung check with no timeout: the other check waits for it. Only
    # the one that has run a whole interval is reported; the one that never started is not.
    health = HealthCheck(interval=0.02, error_timeout=None, max_workers=1)
    health.add_check(lambda: (release.wait(30), "late"), name="hung")
    health.add_check(lambda: (True, "ok"), name="queued")
    with caplog.at_level(logging.WARNING, logger="healthcheck"):
        try:
            health.run()
            assert eventually(lambda: any("no timeout" in r.getMessage() for r in caplog.records))
            time.sleep(0.2)  # some ten rounds more
        finally:
            release.set()
            health.close()
    warned = [r.getMessage() for r in caplog.records if "no timeout" in r.getMessage()]
    assert [message.split('"')[1] for message in warned] == ["hung"]


def test_a_metrics_scrape_starts_background_mode_without_waiting_for_a_check() -> None:
    """A worker that only Prometheus scrapes: last_report() runs nothing itself, but starts
    the rounds that keep its results fresh."""
    release = threading.Event()

    def slow() -> tuple[bool, str]:
        release.wait(5)
        return True, "ok"

    health = HealthCheck(interval=0.05)
    health.add_check(slow, name="slow")
    try:
        assert health.last_report().results == ()  # answered at once: nothing ran yet
        assert background_threads()
        release.set()
        assert eventually(lambda: len(health.last_report().results) == 1)
        assert health.last_report().results[0].output == "ok"
    finally:
        health.stop()
