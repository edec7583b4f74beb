"""Nothing wedges a check: whatever a checker or its result does, a result lands, the check
can run again, and a checker that runs its own HealthCheck is not left waiting for itself."""

from __future__ import annotations

import json
from typing import Any

from healthcheck import HealthCheck, Outcome, Scrubber, Status
from tests.conftest import Counter, run_in_thread


def test_a_checker_that_runs_its_own_health_check_is_answered_at_once() -> None:
    health = HealthCheck()  # the defaults: no time limit that would end a wait for itself
    seen: list[dict[str, Any]] = []

    def summary() -> tuple[bool, str]:
        body, status, _ = health.run()
        seen.append(json.loads(body))
        return status == 200, f"inner run answered {status}"

    health.add_check(lambda: (True, "database ok"), name="database")
    health.add_check(summary)
    try:
        body, status, _ = run_in_thread(health)
    finally:
        health.close()
    assert status == 500  # the summary check failed: its inner run answered 500
    inner = {r["checker"]: r for r in seen[0]["results"]}
    assert inner["summary"]["passed"] is False
    assert "asked for its own result" in inner["summary"]["output"]
    assert inner["database"]["output"] == "database ok"
    outer = {r["checker"]: r for r in json.loads(body)["results"]}
    assert outer["summary"]["output"] == "inner run answered 500"


def test_two_checkers_running_each_other_are_answered_too() -> None:
    health = HealthCheck()

    def first() -> tuple[bool, str]:
        return True, json.loads(health.run("second")[0])["results"][0]["output"]

    def second() -> tuple[bool, str]:
        return True, json.loads(health.run("first")[0])["results"][0]["output"]

    health.add_check(first)
    health.add_check(second)
    try:
        body, _, _ = run_in_thread(health)
    finally:
        health.close()
    outputs = [r["output"] for r in json.loads(body)["results"]]
    assert all("asked for its own result" in output for output in outputs)


class Refusal(BaseException):
    """Not an Exception: what ``except Exception`` lets through."""


class Unprintable:
    def __str__(self) -> str:
        raise Refusal("no text for you")

    __repr__ = __str__


def test_an_observed_value_that_cannot_be_shown_fails_the_check_which_runs_again(
    counter: Counter,
) -> None:
    def checker() -> Outcome:
        counter.hit()
        return Outcome(Status.PASS, "fine", observed_value=Unprintable())  # type: ignore[arg-type]

    health = HealthCheck(failed_ttl=0)
    health.add_check(checker)
    assert_fails_twice(health, "could not be built: Refusal: no text for you")
    assert counter.calls == 2  # ran again: the first execution landed


def assert_fails_twice(health: HealthCheck, words: str) -> None:
    """Two runs, each running the check again (no TTL) and failing with ``words``."""
    try:
        for _ in range(2):
            result = json.loads(run_in_thread(health)[0])["results"][0]
            assert result["passed"] is False
            assert words in result["output"]
    finally:
        health.close()


class ExhaustedScrubber(Scrubber):
    def scrub(self, data: Any, *, by_key: bool = True) -> Any:
        raise MemoryError


def test_a_memory_error_while_cleaning_the_output_still_lands_a_result(counter: Counter) -> None:
    health = HealthCheck(scrubber=ExhaustedScrubber(), failed_ttl=0)
    health.add_check(lambda: (counter.hit() > 0, "x" * 1000), name="big")
    assert_fails_twice(health, "MemoryError")
    assert counter.calls == 2
