"""The three states, what a checker may return, and how states reach the JSON body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from healthcheck import HealthCheck, Outcome, Status
from healthcheck.result import interpret
from tests.conftest import FakeTimer


def body_of(response: tuple[Any, int, dict[str, str]]) -> dict[str, Any]:
    return json.loads(response[0])


def results_by_name(response: tuple[Any, int, dict[str, str]]) -> dict[str, dict[str, Any]]:
    return {r["checker"]: r for r in body_of(response)["results"]}


# -- Status --------------------------------------------------------------------------------


def test_status_has_three_states_with_string_values() -> None:
    assert [s.value for s in Status] == ["pass", "warn", "fail"]
    assert Status("warn") is Status.WARN
    assert Status.FAIL == "fail"  # a str enum: compares equal to its value


def test_worst_picks_the_most_severe_state() -> None:
    assert Status.worst([Status.PASS, Status.WARN, Status.PASS]) is Status.WARN
    assert Status.worst([Status.WARN, Status.FAIL, Status.PASS]) is Status.FAIL
    assert Status.worst([Status.PASS, Status.PASS]) is Status.PASS
    assert Status.worst(iter([Status.FAIL])) is Status.FAIL


def test_worst_of_nothing_is_pass() -> None:
    assert Status.worst([]) is Status.PASS


# -- Outcome -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (Status.WARN, Status.WARN),
        ("warn", Status.WARN),
        ("pass", Status.PASS),
        ("fail", Status.FAIL),
        ("WARN", Status.WARN),
        (True, Status.PASS),
        (False, Status.FAIL),
    ],
)
def test_outcome_accepts_a_status_its_value_or_a_bool(given: object, expected: Status) -> None:
    outcome = Outcome(given, "out")  # type: ignore[arg-type]
    assert outcome.status is expected
    assert outcome.output == "out"


def test_outcome_defaults() -> None:
    outcome = Outcome(Status.PASS)
    assert outcome.output == ""
    assert outcome.observed_value is None
    assert outcome.observed_unit is None


def test_outcome_carries_an_observed_value_and_unit() -> None:
    outcome = Outcome("warn", "81% used", 81, "%")
    assert (outcome.status, outcome.output) == (Status.WARN, "81% used")
    assert (outcome.observed_value, outcome.observed_unit) == (81, "%")


@pytest.mark.parametrize("bad", ["warning", "ok", "", "failed", 1, None])
def test_outcome_rejects_what_is_not_a_status(bad: object) -> None:
    with pytest.raises(ValueError, match="not a status"):
        Outcome(bad)  # type: ignore[arg-type]


# -- interpret -----------------------------------------------------------------------------


def test_interpret_reads_a_status_pair() -> None:
    outcome = interpret((Status.WARN, "replica 12 s behind"))
    assert outcome.status is Status.WARN
    assert outcome.output == "replica 12 s behind"


def test_interpret_reads_the_compat_bool_pair() -> None:
    assert interpret((True, "x")) == Outcome(Status.PASS, "x")
    assert interpret((False, "down")) == Outcome(Status.FAIL, "down")
    assert interpret([True, "as a list"]).status is Status.PASS


def test_interpret_keeps_an_outcome() -> None:
    outcome = interpret(Outcome("fail", "disk full", 99.5, "%"))
    assert outcome == Outcome(Status.FAIL, "disk full", 99.5, "%")


@pytest.mark.parametrize("status", list(Status))
def test_interpret_reads_a_bare_status(status: Status) -> None:
    outcome = interpret(status)
    assert outcome.status is status
    assert outcome.output  # something to show, never empty


def test_interpret_reads_a_bare_bool() -> None:
    assert interpret(True).status is Status.PASS
    assert interpret(False).status is Status.FAIL


@pytest.mark.parametrize("odd", [None, 42, "ok", (True, "a", "b"), (True,), {"ok": True}])
def test_interpret_turns_anything_else_into_a_failure_saying_why(odd: object) -> None:
    outcome = interpret(odd)
    assert outcome.status is Status.FAIL
    assert "expected" in outcome.output


# -- checkers returning each form, through run() ---------------------------------------------


def test_checker_returning_a_status_pair_warns(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (Status.WARN, "replica 12 s behind"), name="replica")
    response = health.run()
    result = results_by_name(response)["replica"]
    assert result["status"] == "warn"
    assert result["output"] == "replica 12 s behind"
    assert result["passed"] is True
    assert response[1] == 200
    assert body_of(response)["status"] == "warning"


def test_checker_returning_an_outcome_shows_the_observation(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: Outcome("warn", "81% used", 81, "%"), name="disk")
    result = results_by_name(health.run())["disk"]
    assert result["status"] == "warn"
    assert result["output"] == "81% used"
    assert result["observed_value"] == 81
    assert result["observed_unit"] == "%"


def test_observed_fields_are_absent_unless_set(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "x"), name="compat")
    health.add_check(lambda: Outcome(Status.PASS, "plain"), name="plain")
    health.add_check(lambda: Outcome(Status.PASS, "value only", observed_value=3), name="value")
    health.add_check(lambda: Outcome(Status.PASS, "unit only", observed_unit="ms"), name="unit")
    results = results_by_name(health.run())
    for name in ("compat", "plain"):
        assert "observed_value" not in results[name]
        assert "observed_unit" not in results[name]
    assert results["value"]["observed_value"] == 3
    assert "observed_unit" not in results["value"]
    assert results["unit"]["observed_unit"] == "ms"
    assert "observed_value" not in results["unit"]


def test_observed_value_zero_is_shown(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: Outcome(Status.PASS, "no lag", 0, "s"), name="lag")
    result = results_by_name(health.run())["lag"]
    assert result["observed_value"] == 0
    assert result["observed_unit"] == "s"


def test_compat_checker_keeps_the_py_healthcheck_fields(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "x"), name="compat")
    response = health.run()
    result = results_by_name(response)["compat"]
    assert {"checker", "output", "passed", "timestamp", "expires", "response_time"} <= set(result)
    assert result["status"] == "pass"
    assert result["passed"] is True
    assert result["output"] == "x"
    assert response[1] == 200
    assert body_of(response)["status"] == "success"


@pytest.mark.parametrize(
    ("returned", "status", "passed"),
    [(Status.PASS, "pass", True), (Status.WARN, "warn", True), (Status.FAIL, "fail", False)],
)
def test_checker_returning_a_bare_status(
    timer: FakeTimer, returned: Status, status: str, passed: bool
) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: returned, name="bare")
    result = results_by_name(health.run())["bare"]
    assert result["status"] == status
    assert result["passed"] is passed


def test_every_result_object_has_a_status_field(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "up"), name="a")
    health.add_check(lambda: (Status.WARN, "slow"), name="b")
    health.add_check(lambda: (False, "down"), name="c")
    health.add_check(lambda: Outcome("pass"), name="d")

    def raises() -> tuple[bool, str]:
        raise RuntimeError("boom")

    health.add_check(raises, name="e")
    results = results_by_name(health.run())
    assert {n: r["status"] for n, r in results.items()} == {
        "a": "pass",
        "b": "warn",
        "c": "fail",
        "d": "pass",
        "e": "fail",
    }
    assert {n: r["passed"] for n, r in results.items()} == {
        "a": True,
        "b": True,
        "c": False,
        "d": True,
        "e": False,
    }


# -- the top-level status --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("returns", "word", "code"),
    [
        ([(True, "a"), (True, "b")], "success", 200),
        ([(True, "a"), (Status.WARN, "b")], "warning", 200),
        ([(Status.WARN, "a"), (False, "b")], "failure", 500),
        ([(True, "a"), Outcome("fail", "b")], "failure", 500),
    ],
)
def test_top_level_status_word_and_code(
    timer: FakeTimer, returns: list[Any], word: str, code: int
) -> None:
    health = HealthCheck(timer=timer)
    for index, value in enumerate(returns):
        health.add_check(lambda value=value: value, name=f"check{index}")
    response = health.run()
    assert body_of(response)["status"] == word
    assert response[1] == code


def test_a_warning_answers_warn_status(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer, warn_status=299)
    health.add_check(lambda: (Status.WARN, "slow"), name="slow")
    response = health.run()
    assert response[1] == 299
    assert body_of(response)["status"] == "warning"


def test_a_warning_says_warning_with_a_dynamic_section(timer: FakeTimer) -> None:
    """A callable section takes the handler path instead of the cached template; the top-level
    word must not depend on which path renders the body."""
    health = HealthCheck(timer=timer)
    health.add_section("uptime", lambda: 12)
    health.add_check(lambda: (Status.WARN, "slow"), name="slow")
    response = health.run()
    body = body_of(response)
    assert body["uptime"] == 12
    assert response[1] == 200
    assert body["status"] == "warning"


def test_custom_success_handler_receives_results_with_status(timer: FakeTimer) -> None:
    seen: list[list[dict[str, Any]]] = []

    def handler(results: list[dict[str, Any]], **sections: Any) -> str:
        seen.append(list(results))
        return "custom"

    health = HealthCheck(timer=timer, success_handler=handler)
    health.add_check(lambda: (Status.WARN, "slow"), name="slow")
    body, code, _ = health.run()
    assert (body, code) == ("custom", 200)
    assert [r["status"] for r in seen[0]] == ["warn"]


def test_no_handler_answers_ok_for_a_warning(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer, success_handler=None, failed_handler=None)
    health.add_check(lambda: (Status.WARN, "slow"), name="slow")
    assert health.run()[:2] == ("OK", 200)
