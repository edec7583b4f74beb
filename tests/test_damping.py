"""Flap damping (fail_after, warn_for) and the start-up grace period, on a fake clock."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from healthcheck import HealthCheck, Status
from tests.conftest import Counter, FakeTimer


def health_with(timer: FakeTimer, **options: Any) -> HealthCheck:
    """No result is cached, so every run() executes every check once."""
    return HealthCheck(timer=timer, success_ttl=0, failed_ttl=0, **options)


def switchable(counter: Counter) -> tuple[dict[str, bool], Callable[[], tuple[bool, str]]]:
    """A checker that passes or fails as ``state["up"]`` says."""
    state = {"up": False}

    def check() -> tuple[bool, str]:
        counter.hit()
        return (True, "up") if state["up"] else (False, "down")

    return state, check


def result_of(health: HealthCheck, name: str = "flaky") -> dict[str, Any]:
    body, _, _ = health.run()
    return {r["checker"]: r for r in json.loads(body)["results"]}[name]


def statuses(health: HealthCheck, runs: int, name: str = "flaky") -> list[str]:
    return [result_of(health, name)["status"] for _ in range(runs)]


# -- fail_after -------------------------------------------------------------------------------


def test_fail_after_warns_until_the_nth_consecutive_failure(
    timer: FakeTimer, counter: Counter
) -> None:
    _, check = switchable(counter)
    health = health_with(timer)
    health.add_check(check, name="flaky", fail_after=3)

    first, code1, _ = health.run()
    result = json.loads(first)["results"][0]
    assert (result["status"], result["passed"], code1) == ("warn", True, 200)
    assert json.loads(first)["status"] == "warning"
    assert result["output"].startswith("down")
    assert "failure 1 of 3" in result["output"]

    second = result_of(health)
    assert second["status"] == "warn"
    assert "failure 2 of 3" in second["output"]

    body, code3, _ = health.run()
    third = json.loads(body)["results"][0]
    assert (third["status"], third["passed"], code3) == ("fail", False, 500)
    assert third["output"] == "down"
    assert json.loads(body)["status"] == "failure"

    assert statuses(health, 2) == ["fail", "fail"]
    assert counter.calls == 5


def test_a_pass_resets_the_failure_count(timer: FakeTimer, counter: Counter) -> None:
    state, check = switchable(counter)
    health = health_with(timer)
    health.add_check(check, name="flaky", fail_after=3)
    assert statuses(health, 2) == ["warn", "warn"]
    state["up"] = True
    assert statuses(health, 1) == ["pass"]
    state["up"] = False
    first_again = result_of(health)
    assert first_again["status"] == "warn"
    assert "failure 1 of 3" in first_again["output"]
    assert statuses(health, 2) == ["warn", "fail"]


def test_a_warning_resets_the_failure_count(timer: FakeTimer) -> None:
    returns: list[Any] = [(False, "down"), (False, "down"), (Status.WARN, "slow"), (False, "down")]

    def check() -> Any:
        return returns.pop(0)

    health = health_with(timer)
    health.add_check(check, name="flaky", fail_after=3)
    assert statuses(health, 4) == ["warn", "warn", "warn", "warn"]


def test_fail_after_one_fails_at_once(timer: FakeTimer, counter: Counter) -> None:
    _, check = switchable(counter)
    health = health_with(timer)
    health.add_check(check, name="flaky")
    result = result_of(health)
    assert (result["status"], result["output"]) == ("fail", "down")


def test_damping_counts_per_check(timer: FakeTimer) -> None:
    health = health_with(timer)
    health.add_check(lambda: (False, "down"), name="a", fail_after=2)
    health.add_check(lambda: (False, "down"), name="b", fail_after=3)
    runs = [{r["checker"]: r["status"] for r in json.loads(health.run()[0])["results"]}]
    runs.append({r["checker"]: r["status"] for r in json.loads(health.run()[0])["results"]})
    runs.append({r["checker"]: r["status"] for r in json.loads(health.run()[0])["results"]})
    assert runs == [
        {"a": "warn", "b": "warn"},
        {"a": "fail", "b": "warn"},
        {"a": "fail", "b": "fail"},
    ]


def test_a_damped_exception_still_warns_with_its_message(timer: FakeTimer) -> None:
    def broken() -> tuple[bool, str]:
        raise ConnectionError("connection refused")

    health = health_with(timer)
    health.add_check(broken, name="flaky", fail_after=2)
    result = result_of(health)
    assert result["status"] == "warn"
    assert "connection refused" in result["output"]
    assert "failure 1 of 2" in result["output"]
    assert result_of(health)["status"] == "fail"


def test_cached_results_do_not_count_as_failures(timer: FakeTimer, counter: Counter) -> None:
    _, check = switchable(counter)
    health = HealthCheck(timer=timer, success_ttl=27, failed_ttl=9)
    health.add_check(check, name="flaky", fail_after=2)
    assert statuses(health, 3) == ["warn", "warn", "warn"]  # one execution, cached
    assert counter.calls == 1


def test_a_damped_failure_is_cached_for_failed_ttl(timer: FakeTimer, counter: Counter) -> None:
    """A damped failure is still a failure: it is kept for ``failed_ttl`` (as its own
    ``expires`` says), not for ``success_ttl``."""
    _, check = switchable(counter)
    health = HealthCheck(timer=timer, success_ttl=27, failed_ttl=9)
    health.add_check(check, name="flaky", fail_after=2)
    first = result_of(health)
    assert first["status"] == "warn"
    assert first["expires"] - first["timestamp"] == 9
    timer.tick(9)
    second = result_of(health)
    assert counter.calls == 2
    assert second["status"] == "fail"


def test_a_failure_damped_by_time_is_cached_only_until_its_damping_ends(
    timer: FakeTimer, counter: Counter
) -> None:
    """failed_ttl (9 s) outlasts the grace period's last 5 s: the cached "warn" must not."""
    _, check = switchable(counter)
    health = HealthCheck(timer=timer, grace_period=5)
    health.add_check(check, name="flaky")
    first = result_of(health)
    assert first["status"] == "warn"
    assert first["expires"] - first["timestamp"] == 5

    timer.tick(5)  # the grace period is over

    assert statuses(health, 2) == ["fail", "fail"]
    assert counter.calls == 2


# -- warn_for ---------------------------------------------------------------------------------


def test_warn_for_warns_until_failing_for_that_long(timer: FakeTimer, counter: Counter) -> None:
    _, check = switchable(counter)
    health = health_with(timer)
    health.add_check(check, name="flaky", warn_for=30)

    first = result_of(health)
    assert first["status"] == "warn"
    assert "failing for 0 s of 30 s" in first["output"]
    timer.tick(10)
    assert statuses(health, 2) == ["warn", "warn"]
    timer.tick(19.5)
    late = result_of(health)
    assert late["status"] == "warn"
    assert "29.5 s of 30 s" in late["output"]
    timer.tick(0.5)  # 30 s since the first failure of the streak
    assert statuses(health, 2) == ["fail", "fail"]


def test_a_failure_cached_while_warn_for_runs_out_fails_when_it_has(
    timer: FakeTimer, counter: Counter
) -> None:
    _, check = switchable(counter)
    health = HealthCheck(timer=timer)  # failures cached for 9 s
    health.add_check(check, name="flaky", warn_for=10)
    assert statuses(health, 1) == ["warn"]
    timer.tick(9)
    assert "failing for 9 s of 10 s" in result_of(health)["output"]

    timer.tick(1)

    assert statuses(health, 1) == ["fail"]
    assert counter.calls == 3


def test_a_recovery_resets_warn_for(timer: FakeTimer, counter: Counter) -> None:
    state, check = switchable(counter)
    health = health_with(timer)
    health.add_check(check, name="flaky", warn_for=30)
    assert statuses(health, 1) == ["warn"]
    timer.tick(25)
    state["up"] = True
    assert statuses(health, 1) == ["pass"]
    state["up"] = False
    timer.tick(10)  # 35 s after the first streak began, but the new streak is fresh
    assert statuses(health, 1) == ["warn"]
    timer.tick(29)
    assert statuses(health, 1) == ["warn"]
    timer.tick(1)
    assert statuses(health, 1) == ["fail"]


def test_fail_after_and_warn_for_both_must_be_met(timer: FakeTimer, counter: Counter) -> None:
    _, check = switchable(counter)
    health = health_with(timer)
    health.add_check(check, name="flaky", fail_after=3, warn_for=30)
    assert statuses(health, 1) == ["warn"]
    timer.tick(40)
    second = result_of(health)  # long enough, but only the 2nd failure
    assert second["status"] == "warn"
    assert "failure 2 of 3" in second["output"]
    assert "failing for" not in second["output"]
    assert statuses(health, 1) == ["fail"]


def test_many_failures_quickly_still_wait_for_warn_for(timer: FakeTimer, counter: Counter) -> None:
    _, check = switchable(counter)
    health = health_with(timer)
    health.add_check(check, name="flaky", fail_after=2, warn_for=30)
    assert statuses(health, 5) == ["warn"] * 5
    timer.tick(30)
    assert statuses(health, 1) == ["fail"]


# -- grace period -----------------------------------------------------------------------------


def test_grace_period_warns_for_failures_after_construction(
    timer: FakeTimer, counter: Counter
) -> None:
    _, check = switchable(counter)
    health = health_with(timer, grace_period=60)
    health.add_check(check, name="flaky")

    body, code, _ = health.run()
    result = json.loads(body)["results"][0]
    assert code == 200
    assert result["status"] == "warn"
    assert "grace period" in result["output"]
    timer.tick(59.9)
    assert statuses(health, 1) == ["warn"]
    timer.tick(0.1)  # 60 s after construction
    body, code, _ = health.run()
    assert code == 500
    assert json.loads(body)["results"][0]["status"] == "fail"


def test_grace_period_counts_from_construction_not_first_run(
    timer: FakeTimer, counter: Counter
) -> None:
    _, check = switchable(counter)
    health = health_with(timer, grace_period=60)
    timer.tick(60)
    health.add_check(check, name="flaky")
    assert statuses(health, 1) == ["fail"]


def test_grace_period_leaves_passes_and_warnings_alone(timer: FakeTimer) -> None:
    health = health_with(timer, grace_period=60)
    health.add_check(lambda: (True, "up"), name="up")
    health.add_check(lambda: (Status.WARN, "slow"), name="slow")
    results = {r["checker"]: r for r in json.loads(health.run()[0])["results"]}
    assert (results["up"]["status"], results["up"]["output"]) == ("pass", "up")
    assert (results["slow"]["status"], results["slow"]["output"]) == ("warn", "slow")


def test_after_the_grace_period_damping_still_applies(timer: FakeTimer, counter: Counter) -> None:
    _, check = switchable(counter)
    health = health_with(timer, grace_period=60)
    health.add_check(check, name="flaky", fail_after=3)
    assert statuses(health, 3) == ["warn", "warn", "warn"]  # the 3rd is in the grace period
    timer.tick(60)
    assert statuses(health, 1) == ["fail"]


# -- timeouts ---------------------------------------------------------------------------------


def test_a_timeout_counts_one_failure_however_many_callers_wait(
    timer: FakeTimer, counter: Counter, release: threading.Event
) -> None:
    def hangs() -> tuple[bool, str]:
        counter.hit()
        release.wait(30)
        return False, "late"

    health = health_with(timer, error_timeout=0.2)
    health.add_check(hangs, name="flaky", fail_after=2)

    outputs: list[dict[str, Any]] = []
    lock = threading.Lock()
    start = threading.Barrier(5)

    def caller() -> None:
        start.wait(10)
        result = result_of(health)
        with lock:
            outputs.append(result)

    threads = [threading.Thread(target=caller) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(t.is_alive() for t in threads)

    assert counter.calls == 1  # one execution shared by every caller
    assert len(outputs) == 5
    for result in outputs:
        assert result["status"] == "warn"  # 5 callers, still the 1st failure of 2
        assert "timed out after 0.2 s" in result["output"]
        assert "failure 1 of 2" in result["output"]

    # Later callers join the same hung execution: still one failure.
    timer.tick(1)  # past the execution's deadline: no more waiting
    again = result_of(health)
    assert again["status"] == "warn"
    assert "failure 1 of 2" in again["output"]
    assert counter.calls == 1

    # Let the hung execution land within this test, so nothing of it outlives the test.
    release.set()
    deadline = time.monotonic() + 10
    while counter.calls < 2 and time.monotonic() < deadline:
        result_of(health)
        time.sleep(0.01)
    assert counter.calls == 2


@pytest.mark.parametrize(
    ("options", "mentions"),
    [
        ({"warn_for": 30}, "failing for 0 s of 30 s"),
        ({"grace_period": 30}, "grace period"),
    ],
    ids=["warn_for", "grace_period"],
)
@pytest.mark.parametrize("failed_ttl", [9, 0])
def test_a_check_hung_past_its_damping_fails(
    timer: FakeTimer,
    counter: Counter,
    release: threading.Event,
    options: dict[str, float],
    mentions: str,
    failed_ttl: float,
) -> None:
    """A hung execution is one failure, but still a failure once it has lasted past warn_for
    or the grace period: its timeout must not say "warn" for as long as it hangs."""

    def hangs() -> tuple[bool, str]:
        counter.hit()
        release.wait(30)
        return False, "late"

    warn_for = options.get("warn_for", 0)
    health = HealthCheck(
        timer=timer,
        error_timeout=0.2,
        failed_ttl=failed_ttl,
        grace_period=options.get("grace_period", 0),
    )
    health.add_check(hangs, name="flaky", warn_for=warn_for)
    first = result_of(health)
    assert first["status"] == "warn"
    assert mentions in first["output"]

    timer.tick(30)  # past the execution's deadline, and past the damping

    later = result_of(health)
    assert later["status"] == "fail"
    assert later["output"] == "timed out after 0.2 s"
    assert counter.calls == 1  # still the one execution


def test_a_timed_out_execution_that_lands_late_is_not_counted_again(
    timer: FakeTimer, counter: Counter, release: threading.Event
) -> None:
    """One execution is one failure: its timeout is counted, so its late result must not be
    counted again."""

    def hangs_first() -> tuple[bool, str]:
        if counter.hit() == 1:
            release.wait(30)
            return False, "late"
        return False, "down"

    health = health_with(timer, error_timeout=0.2)
    health.add_check(hangs_first, name="flaky", fail_after=3)
    first = result_of(health)
    assert "failure 1 of 3" in first["output"]

    release.set()
    timer.tick(1)  # past the hung execution's deadline: joining it no longer waits
    second = None
    deadline = time.monotonic() + 10
    while second is None and time.monotonic() < deadline:
        result = result_of(health)
        if result["output"].startswith("down"):
            second = result  # the 2nd execution, started once the 1st has landed
        else:
            assert result["output"].startswith(("timed out", "late"))
            time.sleep(0.01)
    assert second is not None, "the hung execution never landed"
    assert counter.calls == 2
    assert second["status"] == "warn"
    assert "failure 2 of 3" in second["output"]
