"""The result model: CheckResult's py-healthcheck object, and how a checker's return is read."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator

import pytest

from healthcheck import HealthCheck
from healthcheck._engine.runner import Runner, basic_exception_handler
from healthcheck.check import Check
from healthcheck.result import CheckResult, Outcome, Status, interpret
from healthcheck.settings import Settings

#: py-healthcheck's keys plus ``status``; observed_value/observed_unit only when set.
COMPAT_KEYS = {"checker", "output", "passed", "timestamp", "expires", "response_time", "status"}


def make_result(**changes: object) -> CheckResult:
    fields: dict[str, object] = {
        "checker": "db",
        "status": Status.PASS,
        "output": "db ok",
        "timestamp": 100.0,
        "expires": 127.0,
        "response_time": 0.25,
    }
    fields.update(changes)
    return CheckResult(**fields)  # type: ignore[arg-type]


def test_compat_is_the_py_healthcheck_result_object() -> None:
    result = make_result()

    assert result.compat == {
        "checker": "db",
        "output": "db ok",
        "passed": True,
        "timestamp": 100.0,
        "expires": 127.0,
        "response_time": 0.25,
        "status": "pass",
    }


@pytest.mark.parametrize(
    ("status", "passed"), [(Status.PASS, True), (Status.WARN, True), (Status.FAIL, False)]
)
def test_passed_is_true_unless_the_result_failed(status: Status, passed: bool) -> None:
    result = make_result(status=status)

    assert result.passed is passed
    assert result.compat["passed"] is passed
    assert result.compat["status"] == status.value


def test_compat_carries_an_observed_value_and_unit_when_set() -> None:
    result = make_result(observed_value=81, observed_unit="%")

    assert set(result.compat) == COMPAT_KEYS | {"observed_value", "observed_unit"}
    assert (result.compat["observed_value"], result.compat["observed_unit"]) == (81, "%")


def test_compat_has_exactly_the_py_healthcheck_keys_even_for_a_timeout() -> None:
    result = make_result(status=Status.FAIL, output="timed out after 1 s", timed_out=True)
    damped = make_result(status=Status.WARN, output="down (warn: grace period)", damped=True)

    assert set(result.compat) == COMPAT_KEYS
    assert set(damped.compat) == COMPAT_KEYS
    json.dumps(result.compat)
    json.dumps(damped.compat)


def test_a_result_is_immutable() -> None:
    result = make_result()

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = Status.FAIL  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.passed = False  # type: ignore[misc]
    assert result.passed is True


def test_timed_out_and_damped_are_not_part_of_equality() -> None:
    assert make_result(timed_out=True) == make_result(timed_out=False)
    assert make_result(damped=True) == make_result(damped=False)
    assert make_result(status=Status.FAIL) != make_result()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ((True, "fine"), (Status.PASS, "fine")),
        ((False, "broken"), (Status.FAIL, "broken")),
        ([True, "a list pair"], (Status.PASS, "a list pair")),
        ((1, "truthy"), (Status.PASS, "truthy")),
        ((0, "falsy"), (Status.FAIL, "falsy")),
        ((True, {"rows": 3}), (Status.PASS, {"rows": 3})),
        ((True, None), (Status.PASS, None)),
    ],
)
def test_a_pair_is_passed_and_output(value: object, expected: tuple[Status, object]) -> None:
    outcome = interpret(value)

    assert isinstance(outcome, Outcome)
    assert (outcome.status, outcome.output) == expected
    assert type(outcome.status) is Status
    assert (outcome.observed_value, outcome.observed_unit) == (None, None)


def test_the_output_of_a_pair_is_made_json_safe() -> None:
    outcome = interpret((True, {"ids": (1, 2), 3: float("nan")}))
    output = outcome.output

    assert outcome.status is Status.PASS
    json.dumps(output, allow_nan=False)
    assert output["ids"] == [1, 2]  # type: ignore[index]


def test_a_bare_true_passes() -> None:
    outcome = interpret(True)

    assert outcome.status is Status.PASS
    assert isinstance(outcome.output, str)


def test_a_bare_false_fails() -> None:
    outcome = interpret(False)

    assert outcome.status is Status.FAIL
    assert isinstance(outcome.output, str)
    assert outcome.output


@pytest.mark.parametrize(
    ("value", "mentions"),
    [
        (None, "None"),
        ("ok", "str"),
        (42, "int"),
        ((True,), "1"),
        ((True, "a", "b"), "3"),
        ([], "0"),
        ({"passed": True}, "dict"),
    ],
)
def test_anything_else_fails_with_an_output_saying_what_came_back(
    value: object, mentions: str
) -> None:
    outcome = interpret(value)

    assert outcome.status is Status.FAIL
    assert isinstance(outcome.output, str)
    assert mentions in outcome.output


# -- Runner.result: from an outcome to a CheckResult -------------------------------------------


@pytest.fixture
def runner() -> Iterator[Runner]:
    settings = Settings(success_ttl=27.0, failed_ttl=9.0, max_workers=1)
    runner = Runner(settings, exception_handler=basic_exception_handler)
    yield runner
    runner.close(5)


def db_check() -> tuple[bool, str]:
    return True, "db ok"


@pytest.mark.parametrize(
    ("status", "ttl"), [(Status.PASS, 27.0), (Status.WARN, 27.0), (Status.FAIL, 9.0)]
)
def test_runner_result_carries_the_outcome_and_the_ttl_of_its_outcome(
    runner: Runner, status: Status, ttl: float
) -> None:
    check = Check(db_check, "db")

    result = runner.result(check, Outcome(status, "disk", 81, "%"), 0.1234567)

    assert (result.checker, result.status, result.output) == ("db", status, "disk")
    assert (result.observed_value, result.observed_unit) == (81, "%")
    assert result.expires - result.timestamp == pytest.approx(ttl)
    assert result.response_time == 0.123457
    assert result.timed_out is False
    assert result.damped is False


def test_runner_result_marks_a_timeout_and_logs_failures_unless_told_not_to(
    runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    check = Check(db_check, "db")
    caplog.set_level(logging.ERROR, logger="healthcheck")

    quiet = runner.result(check, Outcome(Status.FAIL, "timed out"), 1.0, timed_out=True, log=False)
    assert caplog.records == []
    loud = runner.result(check, Outcome(Status.FAIL, "down"), 1.0)

    assert quiet.timed_out is True
    assert quiet.passed is False
    assert loud.timed_out is False
    assert [r.getMessage() for r in caplog.records] == [
        'Health check "db" failed with output "down"'
    ]


def test_a_body_is_strict_json_even_for_an_observed_value_of_nan() -> None:
    # The compat body serialises results as they are: each must be valid JSON already.
    health = HealthCheck()
    health.add_check(lambda: Outcome(Status.PASS, "ok", observed_value=float("nan")), name="odd")
    body, status, _ = health.run()
    health.close()

    result = json.loads(body, parse_constant=pytest.fail)["results"][0]
    assert (status, result["observed_value"]) == (200, "nan")
