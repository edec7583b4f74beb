"""The HealthCheck contract: py-healthcheck's API and JSON, plus caching, timeouts and async."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import json
import logging
import math
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import healthcheck
from healthcheck import (
    DuplicateNameError,
    EnvironmentDump,
    HealthCheck,
    HealthCheckError,
    TornadoHandler,
    basic_exception_handler,
    json_failed_handler,
    json_success_handler,
)

from .conftest import Counter, FakeTimer

JSON_HEADERS = {"Content-Type": "application/json"}
#: py-healthcheck's result keys plus ``status`` (observed_value/observed_unit only when set).
RESULT_KEYS = {
    "checker", "output", "passed", "timestamp", "expires", "response_time", "status", "since"
}  # fmt: skip
#: Only catches hangs: the bound on a call's duration (nothing tighter is ever asserted), and
#: the error_timeout of tests where a lost result would otherwise block run() for ever.
HANG = 5.0

Response = tuple[Any, int, dict[str, str]]


# -- helpers -----------------------------------------------------------------------------------


def parse(response: Response) -> dict[str, Any]:
    """The JSON body of a ``run()`` answer, checking it is the (str, int, dict) triple."""
    body, status, headers = response
    assert isinstance(body, str)
    assert isinstance(status, int)
    assert isinstance(headers, dict)
    data = json.loads(body)
    assert isinstance(data, dict)
    return data


def by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["checker"]: r for r in data["results"]}


def only_result(data: dict[str, Any]) -> dict[str, Any]:
    (result,) = data["results"]
    return result


def passing(output: str = "fine", counter: Counter | None = None) -> Callable[[], Any]:
    def check() -> tuple[bool, str]:
        if counter is not None:
            counter.hit()
        return True, output

    return check


def failing(output: str = "broken", counter: Counter | None = None) -> Callable[[], Any]:
    def check() -> tuple[bool, str]:
        if counter is not None:
            counter.hit()
        return False, output

    return check


def hanging(release: threading.Event, counter: Counter | None = None) -> Callable[[], Any]:
    """A checker stuck until ``release`` is set (the fixture sets it at teardown)."""

    def hung() -> tuple[bool, str]:
        if counter is not None:
            counter.hit()
        release.wait(30)
        return True, "released"

    return hung


def slow(seconds: float, output: str = "slow but fine") -> Callable[[], Any]:
    def check() -> tuple[bool, str]:
        threading.Event().wait(seconds)
        return True, output

    return check


def eventually(predicate: Callable[[], bool], within: float = HANG) -> bool:
    """Poll ``predicate`` until true or ``within`` seconds pass (waiting on a thread, not a TTL)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def timed_run(health: HealthCheck, check: str | None = None) -> dict[str, Any]:
    started = time.monotonic()
    data = parse(health.run(check))
    assert time.monotonic() - started < HANG
    return data


# -- the package's names -----------------------------------------------------------------------


def test_the_py_healthcheck_names_are_importable_from_the_package() -> None:
    assert callable(HealthCheck)
    assert callable(EnvironmentDump)
    assert isinstance(TornadoHandler, type)
    for handler in (json_success_handler, json_failed_handler, basic_exception_handler):
        assert callable(handler)
    for name in (
        "HealthCheck",
        "EnvironmentDump",
        "TornadoHandler",
        "json_success_handler",
        "json_failed_handler",
        "basic_exception_handler",
        "DuplicateNameError",
        "HealthCheckError",
    ):
        assert name in healthcheck.__all__


def test_duplicate_name_error_is_a_value_error_and_a_health_check_error() -> None:
    assert issubclass(DuplicateNameError, ValueError)
    assert issubclass(DuplicateNameError, HealthCheckError)


def test_basic_exception_handler_fails_with_the_exception_message() -> None:
    assert basic_exception_handler(passing(), ValueError("no database")) == (False, "no database")


# -- the constructor ---------------------------------------------------------------------------


def test_the_defaults_are_py_healthcheck_s() -> None:
    health = HealthCheck()
    health.add_check(passing(), name="up")
    health.add_check(failing(), name="down")

    body, status, headers = health.run()
    results = by_name(json.loads(body))

    assert status == 500
    assert headers == JSON_HEADERS
    assert results["up"]["expires"] - results["up"]["timestamp"] == pytest.approx(27)
    assert results["down"]["expires"] - results["down"]["timestamp"] == pytest.approx(9)
    _, status, headers = health.run("up")
    assert status == 200
    assert headers == JSON_HEADERS


def test_by_default_a_check_has_no_time_limit() -> None:
    health = HealthCheck()
    health.add_check(slow(0.3))

    result = only_result(timed_run(health))

    assert (result["passed"], result["output"]) == (True, "slow but fine")


def test_positional_arguments_follow_py_healthcheck_s_order(release: threading.Event) -> None:
    def tolerant(checker: Any, exc: BaseException) -> tuple[bool, str]:
        return False, f"handled: {exc}"

    def raises() -> tuple[bool, str]:
        raise RuntimeError("boom")

    health = HealthCheck(
        201,  # success_status
        {"X-Result": "good"},  # success_headers
        json_success_handler,  # success_handler
        40,  # success_ttl
        503,  # failed_status
        {"X-Result": "bad"},  # failed_headers
        json_failed_handler,  # failed_handler
        4,  # failed_ttl
        0.2,  # error_timeout
        tolerant,  # exception_handler
        [passing(), raises, hanging(release)],  # checkers
    )

    body, status, headers = health.run()
    results = by_name(json.loads(body))

    assert (status, headers) == (503, {"X-Result": "bad"})
    assert results["check"]["expires"] - results["check"]["timestamp"] == pytest.approx(40)
    assert results["raises"]["output"] == "handled: boom"
    assert results["raises"]["expires"] - results["raises"]["timestamp"] == pytest.approx(4)
    assert "timed out after 0.2 s" in results["hung"]["output"]
    body, status, headers = health.run("check")
    assert (status, headers) == (201, {"X-Result": "good"})
    assert json.loads(body)["status"] == "success"


def test_positional_handlers_can_be_none() -> None:
    health = HealthCheck(200, None, None, 27, 500, None, None)
    health.add_check(passing(), name="up")
    health.add_check(failing(), name="down")

    assert health.run("up")[0] == "OK"
    assert health.run("down")[0] == "NOT OK"


def test_extra_keyword_arguments_become_top_level_sections() -> None:
    health = HealthCheck(version="1.2.3", build=lambda: {"number": 7})
    health.add_check(passing())

    data = parse(health.run())

    assert data["version"] == "1.2.3"
    assert data["build"] == {"number": 7}


def test_timer_and_max_workers_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        HealthCheck(200, None, None, 27, 500, None, None, 9, 0, basic_exception_handler, [], 4)


def test_the_checkers_argument_registers_checks_in_order() -> None:
    def first() -> tuple[bool, str]:
        return True, "one"

    def second() -> tuple[bool, str]:
        return True, "two"

    health = HealthCheck(checkers=[first, second])

    data = parse(health.run())

    assert [r["checker"] for r in data["results"]] == ["first", "second"]
    assert [r["output"] for r in data["results"]] == ["one", "two"]


def test_with_no_checks_the_answer_is_success() -> None:
    body, status, _ = HealthCheck().run()

    data = json.loads(body)
    assert status == 200
    assert data["status"] == "success"
    assert data["results"] == []


@pytest.mark.parametrize("value", [-1, -0.5, "1", "soon", [1]])
def test_an_invalid_error_timeout_raises_value_error(value: Any) -> None:
    with pytest.raises(ValueError, match="error_timeout"):
        HealthCheck(error_timeout=value)


@pytest.mark.parametrize("value", [0, None, 0.5, 3])
def test_a_valid_error_timeout_is_accepted(value: float | None) -> None:
    health = HealthCheck(error_timeout=value)
    health.add_check(passing())

    assert health.run()[1] == 200


def test_a_nan_error_timeout_is_rejected() -> None:
    # NaN is no number of seconds; accepted, it times out every check that does not finish
    # instantly ("timed out after nan s").
    with pytest.raises(ValueError, match="error_timeout"):
        HealthCheck(error_timeout=math.nan)


@pytest.mark.parametrize("value", [math.inf, 1e12])
def test_a_very_long_error_timeout_is_either_refused_or_works(value: float) -> None:
    try:
        health = HealthCheck(error_timeout=value)
    except ValueError:
        return  # refusing it up front is fine too
    health.add_check(slow(0.2))

    data = timed_run(health)  # must not raise (OverflowError from the wait)

    assert only_result(data)["passed"] is True


@pytest.mark.parametrize("value", [-1, "2"])
def test_an_invalid_per_check_timeout_raises_value_error(value: Any) -> None:
    health = HealthCheck()

    with pytest.raises(ValueError, match="timeout"):
        health.add_check(passing(), timeout=value)
    assert parse(health.run())["results"] == []


def test_one_worker_still_runs_every_check() -> None:
    health = HealthCheck(max_workers=1)
    for number in range(5):
        health.add_check(passing(f"check {number}"), name=f"c{number}")

    data = timed_run(health)

    assert [r["output"] for r in data["results"]] == [f"check {n}" for n in range(5)]


# -- add_check ---------------------------------------------------------------------------------


def test_add_check_returns_the_function_so_it_works_as_a_decorator() -> None:
    health = HealthCheck()

    @health.add_check
    def database() -> tuple[bool, str]:
        return True, "db ok"

    assert database() == (True, "db ok")
    assert only_result(parse(health.run()))["checker"] == "database"


@pytest.mark.parametrize("value", ["database", None, 42, (True, "ok")])
def test_add_check_of_a_non_callable_raises_type_error_at_once(value: Any) -> None:
    health = HealthCheck()

    with pytest.raises(TypeError):
        health.add_check(value)
    assert parse(health.run())["results"] == []


def test_add_check_with_an_explicit_name() -> None:
    health = HealthCheck()

    health.add_check(lambda: (True, "up"), name="primary-db")

    result = only_result(parse(health.run()))
    assert result["checker"] == "primary-db"
    assert result["output"] == "up"


def test_an_explicit_duplicate_name_raises_and_keeps_the_first_check() -> None:
    health = HealthCheck()
    health.add_check(passing("first"), name="db")

    with pytest.raises(DuplicateNameError):
        health.add_check(passing("second"), name="db")
    with pytest.raises(ValueError, match="db"):
        health.add_check(passing("third"), name="db")

    assert [r["output"] for r in parse(health.run())["results"]] == ["first"]


def test_derived_duplicate_names_are_allowed_as_in_py_healthcheck() -> None:
    health = HealthCheck()

    health.add_check(lambda: (True, "one"))
    health.add_check(lambda: (True, "two"))

    results = parse(health.run())["results"]
    assert [r["checker"] for r in results] == ["<lambda>", "<lambda>"]
    assert [r["output"] for r in results] == ["one", "two"]


def test_a_partial_is_named_after_the_function_it_wraps() -> None:
    def ping(host: str) -> tuple[bool, str]:
        return True, f"{host} answers"

    health = HealthCheck()
    health.add_check(functools.partial(ping, "db.local"))

    result = only_result(parse(health.run()))
    assert result["checker"] == "ping"
    assert result["output"] == "db.local answers"


def test_a_callable_object_is_named_after_its_class() -> None:
    class RedisCheck:
        def __call__(self) -> tuple[bool, str]:
            return True, "redis ok"

    health = HealthCheck()
    health.add_check(RedisCheck())

    result = only_result(parse(health.run()))
    assert result["checker"] == "RedisCheck"
    assert result["output"] == "redis ok"


def test_a_bound_method_is_named_after_the_method() -> None:
    class Service:
        def is_ready(self) -> tuple[bool, str]:
            return True, "ready"

    health = HealthCheck()
    health.add_check(Service().is_ready)

    assert only_result(parse(health.run()))["checker"] == "is_ready"


# -- add_section -------------------------------------------------------------------------------


def test_add_section_with_a_taken_name_raises() -> None:
    health = HealthCheck(version="1.0")
    health.add_section("region", "eu-west-1")

    with pytest.raises(DuplicateNameError):
        health.add_section("region", "us-east-1")
    with pytest.raises(DuplicateNameError):
        health.add_section("version", "2.0")

    data = parse(health.run())
    assert (data["region"], data["version"]) == ("eu-west-1", "1.0")


def test_a_callable_section_is_evaluated_on_every_request(
    counter: Counter, timer: FakeTimer
) -> None:
    checks = Counter()
    health = HealthCheck(timer=timer)
    health.add_check(passing(counter=checks))
    health.add_section("request_number", counter.hit)

    first = parse(health.run())
    second = parse(health.run())

    assert (first["request_number"], second["request_number"]) == (1, 2)
    assert checks.calls == 1  # the check result itself came from the cache


def test_a_section_that_raises_reports_an_error_and_the_response_survives() -> None:
    def broken() -> dict[str, str]:
        raise RuntimeError("config unreadable")

    health = HealthCheck(before="kept")
    health.add_check(passing())
    health.add_section("config", broken)
    health.add_section("after", lambda: "also kept")

    body, status, _ = health.run()
    data = json.loads(body)

    assert status == 200
    assert data["status"] == "success"
    assert set(data["config"]) == {"error"}
    assert "config unreadable" in data["config"]["error"]
    assert (data["before"], data["after"]) == ("kept", "also kept")


def test_non_json_section_values_are_rendered_with_str() -> None:
    class Build:
        def __str__(self) -> str:
            return "build #7"

    moment = datetime.datetime(2024, 1, 2, 3, 4, 5)
    health = HealthCheck(static=Build())
    health.add_section("dynamic", lambda: {"when": moment, "tags": ("a", "b")})

    data = parse(health.run())

    assert data["static"] == "build #7"
    assert data["dynamic"] == {"when": str(moment), "tags": ["a", "b"]}


def test_non_json_check_output_is_rendered_with_str() -> None:
    class Replica:
        def __str__(self) -> str:
            return "replica lag 0s"

    health = HealthCheck()
    health.add_check(lambda: (True, Replica()), name="replica")
    health.add_check(lambda: (True, {"when": datetime.date(2024, 1, 2), 1: {2}}), name="nested")

    results = by_name(parse(health.run()))

    assert results["replica"]["output"] == "replica lag 0s"
    assert results["nested"]["output"] == {"when": "2024-01-02", "1": [2]}


def test_sections_sit_at_the_top_level_next_to_the_fixed_fields() -> None:
    health = HealthCheck(service="billing")
    health.add_check(passing())
    health.add_section("owner", {"team": "payments"})

    data = parse(health.run())

    assert set(data) == {"hostname", "status", "timestamp", "results", "service", "owner"}
    assert data["service"] == "billing"
    assert data["owner"] == {"team": "payments"}


# -- run() -------------------------------------------------------------------------------------


def test_run_returns_body_status_and_json_headers() -> None:
    health = HealthCheck()
    health.add_check(passing())

    body, status, headers = health.run()

    assert isinstance(body, str)
    assert status == 200
    assert headers == JSON_HEADERS


def test_run_with_a_name_runs_only_that_check() -> None:
    db, cache, queue = Counter(), Counter(), Counter()
    health = HealthCheck()
    health.add_check(passing("db ok", db), name="db")
    health.add_check(failing("cache down", cache), name="cache")
    health.add_check(passing("queue ok", queue), name="queue")

    body, status, _ = health.run("db")

    assert status == 200
    assert [r["checker"] for r in json.loads(body)["results"]] == ["db"]
    assert (db.calls, cache.calls, queue.calls) == (1, 0, 0)


def test_run_with_a_derived_name_runs_every_check_of_that_name() -> None:
    health = HealthCheck()
    health.add_check(lambda: (True, "one"))
    health.add_check(lambda: (True, "two"))
    other = Counter()
    health.add_check(passing(counter=other), name="other")

    data = parse(health.run("<lambda>"))

    assert [r["output"] for r in data["results"]] == ["one", "two"]
    assert other.calls == 0


def test_run_with_an_unknown_name_answers_404_and_runs_nothing(counter: Counter) -> None:
    health = HealthCheck()
    health.add_check(passing(counter=counter), name="db")

    body, status, headers = health.run("nope")

    assert status == 404
    assert headers == JSON_HEADERS
    assert isinstance(json.loads(body), dict)
    assert counter.calls == 0


# -- the JSON body -----------------------------------------------------------------------------


def test_the_body_has_py_healthcheck_s_fields() -> None:
    health = HealthCheck()
    health.add_check(passing())

    before = time.time()
    data = parse(health.run())
    after = time.time()

    assert set(data) == {"hostname", "status", "timestamp", "results"}
    assert data["hostname"] == socket.gethostname()
    assert data["status"] == "success"
    assert isinstance(data["timestamp"], float)
    assert before <= data["timestamp"] <= after


def test_each_result_has_exactly_py_healthcheck_s_keys() -> None:
    health = HealthCheck()
    health.add_check(passing("all good"), name="good")
    health.add_check(failing("all bad"), name="bad")

    data = parse(health.run())

    assert len(data["results"]) == 2
    for result in data["results"]:
        assert set(result) == RESULT_KEYS
        assert isinstance(result["passed"], bool)
        assert result["status"] == ("pass" if result["passed"] else "fail")
        assert isinstance(result["timestamp"], float)
        assert isinstance(result["expires"], float)
        assert isinstance(result["response_time"], (int, float))
        assert result["response_time"] >= 0
    results = by_name(data)
    assert (results["good"]["passed"], results["good"]["output"]) == (True, "all good")
    assert (results["bad"]["passed"], results["bad"]["output"]) == (False, "all bad")


def test_one_failing_check_makes_the_status_failure() -> None:
    health = HealthCheck()
    health.add_check(passing())
    health.add_check(failing())

    body, status, _ = health.run()

    assert status == 500
    assert json.loads(body)["status"] == "failure"


def test_expires_is_timestamp_plus_the_ttl_of_the_outcome() -> None:
    health = HealthCheck(success_ttl=40, failed_ttl=4)
    health.add_check(passing(), name="up")
    health.add_check(failing(), name="down")

    results = by_name(parse(health.run()))

    assert results["up"]["expires"] - results["up"]["timestamp"] == pytest.approx(40)
    assert results["down"]["expires"] - results["down"]["timestamp"] == pytest.approx(4)


# -- exceptions in checkers --------------------------------------------------------------------


def test_an_exception_becomes_a_failed_result_with_its_message() -> None:
    def database() -> tuple[bool, str]:
        raise ConnectionError("connection refused")

    health = HealthCheck(error_timeout=HANG)
    health.add_check(database)
    health.add_check(passing(), name="other")

    body, status, _ = health.run()
    results = by_name(json.loads(body))

    assert status == 500
    assert results["database"]["passed"] is False
    assert results["database"]["output"] == "connection refused"
    assert results["other"]["passed"] is True


def test_a_custom_exception_handler_gets_the_checker_and_the_exception() -> None:
    seen: list[tuple[Any, BaseException]] = []
    error = KeyError("missing")

    def handler(checker: Any, exc: BaseException) -> tuple[bool, str]:
        seen.append((checker, exc))
        return False, f"custom: {type(exc).__name__}"

    def lookup() -> tuple[bool, str]:
        raise error

    health = HealthCheck(exception_handler=handler, error_timeout=HANG)
    health.add_check(lookup)

    result = only_result(parse(health.run()))

    assert result["output"] == "custom: KeyError"
    assert result["passed"] is False
    assert seen == [(lookup, error)]


def test_an_exception_handler_may_let_the_check_pass() -> None:
    def tolerate(checker: Any, exc: BaseException) -> tuple[bool, str]:
        return True, "optional dependency missing"

    def optional() -> tuple[bool, str]:
        raise ImportError("no module named extras")

    health = HealthCheck(exception_handler=tolerate, error_timeout=HANG)
    health.add_check(optional)

    _, status, _ = health.run()

    assert status == 200


def test_an_exception_handler_that_raises_still_gives_a_failed_result() -> None:
    def clumsy(checker: Any, exc: BaseException) -> tuple[bool, str]:
        raise TypeError("handler bug")

    def database() -> tuple[bool, str]:
        raise ConnectionError("connection refused")

    health = HealthCheck(exception_handler=clumsy, error_timeout=HANG)
    health.add_check(database)
    health.add_check(passing(), name="other")

    body, status, _ = health.run()
    results = by_name(json.loads(body))

    assert status == 500
    assert results["database"]["passed"] is False
    assert isinstance(results["database"]["output"], str)
    assert results["database"]["output"]
    assert (results["other"]["passed"], results["other"]["output"]) == (True, "fine")


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no message")


def reraise_base_exceptions(checker: Any, exc: BaseException) -> tuple[bool, str]:
    if not isinstance(exc, Exception):
        raise exc  # a handler that lets KeyboardInterrupt and the like through
    return basic_exception_handler(checker, exc)


@pytest.mark.parametrize(
    ("error", "handler", "mentions"),
    [
        (Unprintable(), basic_exception_handler, "Unprintable"),
        (KeyboardInterrupt("stop"), reraise_base_exceptions, "KeyboardInterrupt: stop"),
    ],
    ids=["unprintable-exception", "handler-raises-base-exception"],
)
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_exception_the_handler_cannot_turn_into_a_message_still_gives_a_result(
    error: BaseException, handler: Any, mentions: str, kind: str, counter: Counter
) -> None:
    # When a checker's exception breaks the handler, the result must still be made: a check
    # left without one answers "timed out" and never runs again.
    def sync_check() -> tuple[bool, str]:
        counter.hit()
        raise error

    async def async_check() -> tuple[bool, str]:
        return sync_check()

    health = HealthCheck(exception_handler=handler, error_timeout=HANG, failed_ttl=0)
    health.add_check(sync_check if kind == "sync" else async_check, name="odd")
    health.add_check(passing(), name="other")

    for _ in range(2):
        results = by_name(timed_run(health))
        assert results["odd"]["passed"] is False
        assert mentions in results["odd"]["output"]
        assert (results["other"]["passed"], results["other"]["output"]) == (True, "fine")
    assert counter.calls == 2
    health.close()


def test_an_exception_in_a_checker_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    error = ConnectionError("connection refused")

    def database() -> tuple[bool, str]:
        raise error

    health = HealthCheck(error_timeout=HANG)
    health.add_check(database)
    caplog.set_level(logging.ERROR, logger="healthcheck")

    health.run()

    logged = [r for r in caplog.records if r.name == "healthcheck" and r.exc_text]
    assert logged
    assert logged[0].levelno >= logging.ERROR
    # The traceback, as masked text (the exception object is not passed on: see LogScrubber)
    assert f"ConnectionError: {error}" in (logged[0].exc_text or "")


# -- success_handler / failed_handler ----------------------------------------------------------


def test_a_custom_success_handler_builds_the_body_from_results_and_sections() -> None:
    calls: list[tuple[list[dict[str, Any]], dict[str, Any]]] = []

    def plain(results: list[dict[str, Any]], **sections: Any) -> str:
        calls.append((results, sections))
        return f"{len(results)} checks ok"

    health = HealthCheck(success_handler=plain, version="1.0")
    health.add_check(passing("db ok"), name="db")
    health.add_section("region", lambda: "eu")

    body, status, headers = health.run()

    assert (body, status, headers) == ("1 checks ok", 200, JSON_HEADERS)
    ((results, sections),) = calls
    assert sections == {"version": "1.0", "region": "eu"}
    assert len(results) == 1
    assert set(results[0]) == RESULT_KEYS
    assert (results[0]["checker"], results[0]["output"]) == ("db", "db ok")
    assert (results[0]["passed"], results[0]["status"]) == (True, "pass")


def test_a_custom_failed_handler_builds_the_failure_body() -> None:
    def plain(results: list[dict[str, Any]], **sections: Any) -> str:
        return "down: " + ",".join(r["checker"] for r in results if not r["passed"])

    health = HealthCheck(failed_handler=plain)
    health.add_check(passing(), name="db")
    health.add_check(failing(), name="cache")

    body, status, _ = health.run()

    assert (body, status) == ("down: cache", 500)


def test_none_handlers_answer_ok_and_not_ok() -> None:
    health = HealthCheck(success_handler=None, failed_handler=None)
    health.add_check(passing(), name="up")
    health.add_check(failing(), name="down")

    assert health.run("up")[:2] == ("OK", 200)
    assert health.run("down")[:2] == ("NOT OK", 500)


def test_custom_statuses_and_headers_are_returned() -> None:
    health = HealthCheck(
        success_status=204,
        success_headers={"X-Health": "good"},
        failed_status=503,
        failed_headers={"X-Health": "bad", "Retry-After": "5"},
    )
    health.add_check(passing(), name="up")
    health.add_check(failing(), name="down")

    _, status, headers = health.run("up")
    assert (status, headers) == (204, {"X-Health": "good"})
    _, status, headers = health.run("down")
    assert (status, headers) == (503, {"X-Health": "bad", "Retry-After": "5"})


def test_the_returned_headers_are_a_copy() -> None:
    health = HealthCheck()
    health.add_check(passing())

    health.run()[2]["X-Injected"] = "yes"

    assert health.run()[2] == JSON_HEADERS


def test_a_handler_raising_key_error_is_not_taken_for_an_unknown_check() -> None:
    # An unknown name answers 404; a handler's own LookupError is a bug of its own.
    def broken(results: Any, **sections: Any) -> str:
        raise KeyError("missing")  # a bug in the handler

    health = HealthCheck(success_handler=broken)
    health.add_check(passing(), name="a")

    with pytest.raises(KeyError, match="missing"):
        health.run()
    with pytest.raises(KeyError, match="missing"):
        asyncio.run(health.run_async())


def test_a_handler_may_be_an_unhashable_callable_object() -> None:
    class Plain:
        __hash__ = None  # type: ignore[assignment]  # e.g. a dataclass with eq=True

        def __init__(self, word: str) -> None:
            self.word = word

        def __call__(self, results: list[dict[str, Any]], **sections: Any) -> str:
            return self.word

    health = HealthCheck(success_handler=Plain("fine"), failed_handler=Plain("broken"))
    health.add_check(passing(), name="up")
    health.add_check(failing(), name="down")

    assert health.run("up")[0] == "fine"
    assert health.run("down")[0] == "broken"


# -- caching (on the fake clock) ---------------------------------------------------------------


def test_a_success_is_cached_for_success_ttl(timer: FakeTimer, counter: Counter) -> None:
    health = HealthCheck(success_ttl=27, timer=timer)
    health.add_check(passing(counter=counter))

    health.run()
    timer.tick(26)
    health.run()
    assert counter.calls == 1

    timer.tick(2)
    health.run()
    assert counter.calls == 2


def test_a_failure_is_cached_for_failed_ttl(timer: FakeTimer, counter: Counter) -> None:
    health = HealthCheck(success_ttl=27, failed_ttl=9, timer=timer)
    health.add_check(failing(counter=counter))

    health.run()
    timer.tick(8)
    health.run()
    assert counter.calls == 1

    timer.tick(2)
    health.run()
    assert counter.calls == 2


def test_a_cached_result_is_the_same_result(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(passing())

    first = only_result(parse(health.run()))
    timer.tick(1)
    second = only_result(parse(health.run()))

    assert second == first


@pytest.mark.parametrize("ttl", [0, None])
@pytest.mark.parametrize("outcome", ["success", "failure"])
def test_a_ttl_of_zero_or_none_runs_the_check_on_every_call(
    timer: FakeTimer, counter: Counter, ttl: float | None, outcome: str
) -> None:
    if outcome == "success":
        health = HealthCheck(success_ttl=ttl, timer=timer)
        health.add_check(passing(counter=counter))
    else:
        health = HealthCheck(failed_ttl=ttl, timer=timer)
        health.add_check(failing(counter=counter))

    for _ in range(3):
        health.run()

    assert counter.calls == 3


def test_each_check_keeps_its_own_ttl(timer: FakeTimer) -> None:
    up, down = Counter(), Counter()
    health = HealthCheck(success_ttl=27, failed_ttl=9, timer=timer)
    health.add_check(passing(counter=up), name="up")
    health.add_check(failing(counter=down), name="down")

    health.run()
    timer.tick(10)
    health.run()

    assert (up.calls, down.calls) == (1, 2)


def test_a_cached_body_differs_only_in_its_timestamp(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer, version="1.0")
    health.add_check(passing(), name="up")
    health.add_check(failing(), name="down")

    first = parse(health.run())
    timer.tick(1)
    before = time.time()
    second = parse(health.run())
    after = time.time()

    assert before <= second.pop("timestamp") <= after  # the time of this request
    first.pop("timestamp")
    assert second == first


def test_a_section_added_after_a_run_appears_in_the_next_run(
    timer: FakeTimer, counter: Counter
) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(passing(counter=counter))
    assert "region" not in parse(health.run())

    health.add_section("region", "eu-west-1")

    assert parse(health.run())["region"] == "eu-west-1"
    assert counter.calls == 1


# -- odd return values -------------------------------------------------------------------------


def _recurse() -> Any:
    return _recurse()


def _exit() -> Any:
    raise SystemExit("checker called exit")


ODD_CHECKERS: list[tuple[str, Callable[[], Any], bool, str]] = [
    # (id, checker, passed, a word the output must contain)
    ("none", lambda: None, False, "None"),
    ("bare-true", lambda: True, True, ""),
    ("bare-false", lambda: False, False, ""),
    ("one-tuple", lambda: (True,), False, "1"),
    ("three-tuple", lambda: (True, "a", "b"), False, "3"),
    ("string", lambda: "all good", False, "str"),
    ("system-exit", _exit, False, "checker called exit"),
    ("recursion", _recurse, False, "recursion"),
]


@pytest.mark.parametrize(
    ("checker", "passed", "mentions"),
    [case[1:] for case in ODD_CHECKERS],
    ids=[case[0] for case in ODD_CHECKERS],
)
def test_an_odd_return_value_never_breaks_the_response(
    checker: Callable[[], Any], passed: bool, mentions: str
) -> None:
    health = HealthCheck(error_timeout=HANG)
    health.add_check(checker, name="odd")
    health.add_check(passing("unharmed"), name="normal")

    body, status, _ = health.run()
    results = by_name(json.loads(body))

    assert status == (200 if passed else 500)
    assert results["odd"]["passed"] is passed
    assert isinstance(results["odd"]["output"], str)
    assert results["odd"]["output"]
    assert mentions.lower() in results["odd"]["output"].lower()
    assert (results["normal"]["passed"], results["normal"]["output"]) == (True, "unharmed")


# -- concurrency and timeouts ------------------------------------------------------------------


def test_the_checks_of_one_run_execute_concurrently() -> None:
    barrier = threading.Barrier(2, timeout=HANG)

    def meet() -> tuple[bool, str]:
        barrier.wait()  # breaks (and raises) unless the other check runs at the same time
        return True, "met"

    health = HealthCheck()
    health.add_check(meet, name="left")
    health.add_check(meet, name="right")

    data = timed_run(health)

    assert [(r["passed"], r["output"]) for r in data["results"]] == [(True, "met")] * 2


def test_a_hung_check_times_out_and_the_others_are_intact(release: threading.Event) -> None:
    health = HealthCheck(error_timeout=0.2)
    health.add_check(hanging(release))
    health.add_check(passing("db ok"), name="db")

    started = time.monotonic()
    body, status, _ = health.run()
    assert time.monotonic() - started < HANG
    results = by_name(json.loads(body))

    assert status == 500
    assert results["hung"]["passed"] is False
    assert "timed out after 0.2 s" in results["hung"]["output"]
    assert set(results["hung"]) == RESULT_KEYS
    assert results["hung"]["status"] == "fail"
    assert results["hung"]["expires"] - results["hung"]["timestamp"] == pytest.approx(9)
    assert (results["db"]["passed"], results["db"]["output"]) == (True, "db ok")


def test_a_per_check_timeout_applies_without_an_error_timeout(release: threading.Event) -> None:
    health = HealthCheck()
    health.add_check(hanging(release), timeout=0.2)

    result = only_result(timed_run(health))

    assert result["passed"] is False
    assert "timed out after 0.2 s" in result["output"]


def test_a_shorter_per_check_timeout_overrides_error_timeout(release: threading.Event) -> None:
    health = HealthCheck(error_timeout=30)
    health.add_check(hanging(release), timeout=0.3)

    result = only_result(timed_run(health))

    assert "timed out after 0.3 s" in result["output"]


def test_a_longer_per_check_timeout_overrides_error_timeout(release: threading.Event) -> None:
    health = HealthCheck(error_timeout=0.1)
    health.add_check(slow(0.5), name="patient", timeout=HANG)
    health.add_check(hanging(release), name="limited")

    results = by_name(timed_run(health))

    assert (results["patient"]["passed"], results["patient"]["output"]) == (True, "slow but fine")
    assert "timed out after 0.1 s" in results["limited"]["output"]


def test_a_hung_check_is_not_started_again_while_it_still_runs(
    release: threading.Event, counter: Counter
) -> None:
    health = HealthCheck(error_timeout=0.2, failed_ttl=0)
    health.add_check(hanging(release, counter))

    outputs = [only_result(timed_run(health))["output"] for _ in range(4)]

    assert counter.calls == 1
    assert all("timed out after 0.2 s" in output for output in outputs)


def test_a_released_check_reports_its_real_result(
    release: threading.Event, counter: Counter
) -> None:
    health = HealthCheck(error_timeout=0.2)
    health.add_check(hanging(release, counter))
    assert "timed out" in only_result(timed_run(health))["output"]

    release.set()

    assert eventually(lambda: only_result(parse(health.run()))["passed"])
    result = only_result(parse(health.run()))
    assert result["output"] == "released"
    assert counter.calls == 1  # the same execution landed; nothing ran twice


def test_run_from_another_thread_honours_timeouts(release: threading.Event) -> None:
    health = HealthCheck(error_timeout=0.2)
    health.add_check(hanging(release))
    health.add_check(passing("db ok"), name="db")
    answers: list[Response] = []
    errors: list[BaseException] = []

    def request() -> None:
        try:
            answers.append(health.run())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=request, name="not-main", daemon=True)
    thread.start()
    thread.join(HANG)

    assert not thread.is_alive()
    assert errors == []
    results = by_name(parse(answers[0]))
    assert "timed out after 0.2 s" in results["hung"]["output"]
    assert (results["db"]["passed"], results["db"]["output"]) == (True, "db ok")


def test_concurrent_cold_requests_share_one_execution(counter: Counter) -> None:
    def shared() -> tuple[bool, str]:
        number = counter.hit()
        threading.Event().wait(0.3)  # long enough for the other requests to arrive
        return True, f"execution {number}"

    health = HealthCheck()
    health.add_check(shared)
    start = threading.Barrier(20, timeout=HANG)
    answers: list[Response] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def request() -> None:
        try:
            start.wait()
            answer = health.run()
            with lock:
                answers.append(answer)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=request, daemon=True) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert counter.calls == 1
    assert len(answers) == 20
    results = [only_result(parse(answer)) for answer in answers]
    assert all(r == results[0] for r in results)
    assert results[0]["output"] == "execution 1"
    assert all(answer[1] == 200 for answer in answers)


# -- async checkers ----------------------------------------------------------------------------


async def async_ok() -> tuple[bool, str]:
    await asyncio.sleep(0)
    return True, "async ok"


def test_an_async_checker_works_with_run() -> None:
    health = HealthCheck(error_timeout=HANG)
    health.add_check(async_ok)
    health.add_check(passing("sync ok"), name="sync")

    body, status, _ = health.run()
    results = by_name(json.loads(body))

    assert status == 200
    assert (results["async_ok"]["passed"], results["async_ok"]["output"]) == (True, "async ok")
    assert results["sync"]["output"] == "sync ok"


def test_an_async_checker_works_with_run_async() -> None:
    health = HealthCheck(error_timeout=HANG)
    health.add_check(async_ok)
    health.add_check(passing("sync ok"), name="sync")

    body, status, headers = asyncio.run(health.run_async())
    results = by_name(json.loads(body))

    assert (status, headers) == (200, JSON_HEADERS)
    assert (results["async_ok"]["passed"], results["async_ok"]["output"]) == (True, "async ok")
    assert results["sync"]["output"] == "sync ok"


def test_run_async_with_a_name_and_an_unknown_name(counter: Counter) -> None:
    health = HealthCheck()
    health.add_check(async_ok)
    health.add_check(passing(counter=counter), name="other")

    data = parse(asyncio.run(health.run_async("async_ok")))
    _, status, _ = asyncio.run(health.run_async("nope"))

    assert [r["checker"] for r in data["results"]] == ["async_ok"]
    assert counter.calls == 0
    assert status == 404


def test_an_async_callable_object_and_an_async_partial_work() -> None:
    class Probe:
        async def __call__(self) -> tuple[bool, str]:
            return True, "object ok"

    async def ping(host: str) -> tuple[bool, str]:
        return True, f"{host} ok"

    health = HealthCheck(error_timeout=HANG)
    health.add_check(Probe())
    health.add_check(functools.partial(ping, "cache"))

    results = by_name(parse(health.run()))

    assert results["Probe"]["output"] == "object ok"
    assert results["ping"]["output"] == "cache ok"


def test_an_async_checker_s_result_is_cached(timer: FakeTimer, counter: Counter) -> None:
    async def counted() -> tuple[bool, str]:
        counter.hit()
        return True, "ok"

    health = HealthCheck(timer=timer)
    health.add_check(counted)

    health.run()
    asyncio.run(health.run_async())
    assert counter.calls == 1
    timer.tick(30)
    asyncio.run(health.run_async())
    assert counter.calls == 2


def test_an_async_checker_that_raises_goes_through_the_exception_handler() -> None:
    def handler(checker: Any, exc: BaseException) -> tuple[bool, str]:
        return False, f"handled {exc}"

    async def database() -> tuple[bool, str]:
        raise ConnectionError("refused")

    health = HealthCheck(exception_handler=handler, error_timeout=HANG)
    health.add_check(database)

    assert only_result(parse(health.run()))["output"] == "handled refused"
    health.clear_cache()
    assert only_result(parse(asyncio.run(health.run_async())))["output"] == "handled refused"


def test_an_async_checker_raising_timeout_error_reports_its_own_message() -> None:
    # TimeoutError is asyncio.TimeoutError since Python 3.11, and what socket timeouts raise.
    async def database() -> tuple[bool, str]:
        raise TimeoutError("database did not answer")

    health = HealthCheck(error_timeout=HANG)
    health.add_check(database)

    result = only_result(parse(health.run()))

    assert result["passed"] is False
    assert result["output"] == "database did not answer"


def test_an_async_checker_returning_none_fails_without_breaking_the_response() -> None:
    async def forgetful() -> None:
        return None

    health = HealthCheck(error_timeout=HANG)
    health.add_check(forgetful)
    health.add_check(async_ok)

    results = by_name(parse(health.run()))

    assert results["forgetful"]["passed"] is False
    assert "None" in results["forgetful"]["output"]
    assert results["async_ok"]["passed"] is True


class CustomBaseException(BaseException):
    pass


def returns_coroutine(make: Callable[[], Any]) -> Callable[[], Any]:
    """A synchronous checker that hands back a coroutine (run on the private loop)."""

    def check() -> Any:
        return make()

    return check


@pytest.mark.parametrize(
    "exc_type", [KeyboardInterrupt, GeneratorExit, SystemExit, CustomBaseException]
)
@pytest.mark.parametrize("shape", ["async def", "sync returning a coroutine"])
def test_an_async_checker_raising_a_base_exception_fails_and_the_loop_lives_on(
    exc_type: type[BaseException], shape: str, counter: Counter
) -> None:
    # Like a synchronous checker's, it is a failed result: it must neither end the event loop
    # running the checks (or escape the caller's) nor leave its execution for ever unfinished.
    async def raises() -> tuple[bool, str]:
        counter.hit()
        await asyncio.sleep(0)
        raise exc_type("boom")

    health = HealthCheck(error_timeout=HANG, failed_ttl=0)
    health.add_check(raises if shape == "async def" else returns_coroutine(raises), name="odd")
    health.add_check(async_ok)

    for answer in (health.run, health.run, lambda: asyncio.run(health.run_async())):
        results = by_name(parse(answer()))
        assert (results["odd"]["passed"], results["odd"]["output"]) == (False, "boom")
        assert results["async_ok"]["output"] == "async ok"
    assert counter.calls == 3
    health.close()


async def async_hung() -> tuple[bool, str]:
    await asyncio.sleep(30)  # cancelled at the timeout
    return True, "woke up"


def test_an_async_checker_times_out_with_run() -> None:
    health = HealthCheck(error_timeout=0.2)
    health.add_check(async_hung)
    health.add_check(async_ok)

    results = by_name(timed_run(health))

    assert results["async_hung"]["passed"] is False
    assert "timed out after 0.2 s" in results["async_hung"]["output"]
    assert results["async_ok"]["output"] == "async ok"


def test_an_async_checker_times_out_with_run_async() -> None:
    health = HealthCheck(error_timeout=0.2)
    health.add_check(async_hung)
    health.add_check(passing("sync ok"), name="sync")

    started = time.monotonic()
    results = by_name(parse(asyncio.run(health.run_async())))

    assert time.monotonic() - started < HANG
    assert results["async_hung"]["passed"] is False
    assert "timed out after 0.2 s" in results["async_hung"]["output"]
    assert results["sync"]["output"] == "sync ok"


def test_a_per_check_timeout_applies_to_an_async_checker() -> None:
    health = HealthCheck(error_timeout=30)
    health.add_check(async_hung, timeout=0.2)

    result = only_result(parse(asyncio.run(health.run_async())))

    assert "timed out after 0.2 s" in result["output"]


def test_a_cancelled_run_async_does_not_wedge_its_check(counter: Counter) -> None:
    # An async server cancels a request whose client went away; here the caller gives up and
    # its loop ends while the check is in flight. The next request must run the check again,
    # not wait on an execution that no loop will ever finish.
    async def slowish() -> tuple[bool, str]:
        counter.hit()
        await asyncio.sleep(0.3)
        return True, "done"

    health = HealthCheck(error_timeout=1, failed_ttl=0)
    health.add_check(slowish)

    async def impatient() -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(health.run_async(), 0.05)

    asyncio.run(impatient())
    result = only_result(timed_run(health))

    assert (result["passed"], result["output"]) == (True, "done")


@pytest.mark.parametrize("option", ["success_ttl", "failed_ttl"])
@pytest.mark.parametrize(
    ("value", "error"),
    [(-5, ValueError), (math.nan, ValueError), (math.inf, ValueError), ("27", TypeError)],
)
def test_a_bad_ttl_is_refused_naming_it(option: str, value: Any, error: type) -> None:
    with pytest.raises(error, match=option):
        HealthCheck(**{option: value})


@pytest.mark.parametrize("value", [None, 0, 0.5, 27])
def test_a_ttl_may_be_none_or_any_duration(value: float | None) -> None:
    health = HealthCheck(success_ttl=value, failed_ttl=value)
    assert health.success_ttl == health.failed_ttl == float(value or 0)


def test_many_checks_without_a_time_limit_are_said_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="healthcheck")
    health = HealthCheck(success_ttl=0)
    for number in range(7):
        health.add_check(lambda: (True, "ok"), name=f"c{number}")
    health.add_check(lambda: (True, "ok"), name="bounded", timeout=2)
    for _ in range(2):
        health.run()
    said = [r.getMessage() for r in caplog.records if "no time limit" in r.getMessage()]
    assert said == [
        '7 health checks ("c0", "c1", "c2", "c3", "c4" and 2 more) have no time limit '
        "(error_timeout=0, timeout= not given): if one hangs, every request for it waits with "
        "it; give them one"
    ]
    health.add_check(lambda: (True, "ok"), name="late")
    health.run()
    said = [r.getMessage() for r in caplog.records if "no time limit" in r.getMessage()]
    assert said[1:] == [
        'Health check "late" has no time limit (error_timeout=0, timeout= not given): if it '
        "hangs, every request for it waits with it; give it one"
    ]
    health.close()


def test_a_check_without_a_time_limit_is_said_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="healthcheck")
    unlimited = HealthCheck(success_ttl=0)
    unlimited.add_check(lambda: (True, "ok"), name="forever")
    unlimited.add_check(lambda: (True, "ok"), name="bounded", timeout=2)
    limited = HealthCheck(error_timeout=2)
    limited.add_check(lambda: (True, "ok"), name="database")
    for _ in range(3):
        unlimited.run()
        limited.run()
    said = [r.getMessage() for r in caplog.records if "no time limit" in r.getMessage()]
    assert said == [
        'Health check "forever" has no time limit (error_timeout=0, timeout= not given): if it '
        "hangs, every request for it waits with it; give it one"
    ]
    unlimited.close()
    limited.close()
