"""add_check's options, the checker decorator, critical checks, tags, exclude and report()."""

from __future__ import annotations

import json
from typing import Any

import pytest

from healthcheck import DuplicateNameError, HealthCheck, Report, Status
from tests.conftest import Counter, FakeTimer


def body_of(response: tuple[Any, int, dict[str, str]]) -> dict[str, Any]:
    return json.loads(response[0])


def names_in(response: tuple[Any, int, dict[str, str]]) -> list[str]:
    return [r["checker"] for r in body_of(response)["results"]]


def counting(counter: Counter, value: Any = (True, "ok")) -> Any:
    def check() -> Any:
        counter.hit()
        return value

    return check


# -- add_check and the decorator -------------------------------------------------------------


def test_add_check_returns_the_function_and_registers_it(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)

    def database() -> tuple[bool, str]:
        return True, "database ok"

    assert health.add_check(database) is database
    assert health.checkers == [database]
    assert names_in(health.run()) == ["database"]


def test_add_check_name_overrides_the_function_name(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "ok"), name="db")
    assert names_in(health.run()) == ["db"]


def test_an_explicit_name_must_be_unique(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "ok"), name="db")
    with pytest.raises(DuplicateNameError):
        health.add_check(lambda: (True, "ok"), name="db")


def test_add_check_rejects_a_non_callable(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    with pytest.raises(TypeError):
        health.add_check("not callable")  # type: ignore[arg-type]


def test_bare_decorator_registers_and_returns_the_function(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)

    def database() -> tuple[bool, str]:
        return True, "database ok"

    decorated = health.checker(database)
    assert decorated is database
    assert health.checkers == [database]
    assert decorated() == (True, "database ok")  # still callable as before


def test_bare_decorator_syntax(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)

    @health.checker
    def database() -> tuple[bool, str]:
        return True, "database ok"

    assert callable(database)
    assert database() == (True, "database ok")
    assert health.checkers == [database]
    result = body_of(health.run())["results"][0]
    assert (result["checker"], result["output"]) == ("database", "database ok")


def test_decorator_with_arguments(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)

    @health.checker(name="recommendations", critical=False, timeout=0.5, tags=["ready", "http"])
    def recommendation_service() -> tuple[bool, str]:
        return False, "503 from recommendations"

    assert recommendation_service() == (False, "503 from recommendations")
    assert health.checkers == [recommendation_service]
    response = health.run()
    assert names_in(response) == ["recommendations"]
    assert response[1] == 200  # non-critical
    assert body_of(response)["status"] == "warning"
    assert names_in(health.run(tags=["http"])) == ["recommendations"]
    (check,) = health.report().checks
    assert check.timeout == 0.5
    assert check.tags == frozenset({"ready", "http"})
    assert check.critical is False


def test_decorator_with_only_keyword_arguments_keeps_defaults(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)

    @health.checker(fail_after=2)
    def flaky() -> tuple[bool, str]:
        return False, "down"

    (check,) = health.report().checks
    assert (check.name, check.critical, check.fail_after) == ("flaky", True, 2)


# -- critical ----------------------------------------------------------------------------------


def test_a_failing_non_critical_check_makes_the_whole_warn(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "database ok"), name="database")
    health.add_check(lambda: (False, "503"), name="recommendations", critical=False)
    response = health.run()
    body = body_of(response)
    assert response[1] == 200
    assert body["status"] == "warning"
    result = {r["checker"]: r for r in body["results"]}["recommendations"]
    assert result["status"] == "fail"
    assert result["passed"] is False
    assert result["output"] == "503"


def test_warn_status_is_configurable(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer, warn_status=299)
    health.add_check(lambda: (False, "503"), name="recommendations", critical=False)
    response = health.run()
    assert response[1] == 299
    assert body_of(response)["status"] == "warning"


def test_a_failing_critical_check_makes_the_whole_fail(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer, failed_status=503, warn_status=299)
    health.add_check(lambda: (False, "connection refused"), name="database")
    health.add_check(lambda: (False, "503"), name="recommendations", critical=False)
    response = health.run()
    assert response[1] == 503
    assert body_of(response)["status"] == "failure"


def test_critical_is_the_default(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (False, "down"), name="database")
    response = health.run()
    assert response[1] == 500
    assert body_of(response)["status"] == "failure"


def test_a_passing_non_critical_check_changes_nothing(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer, warn_status=299)
    health.add_check(lambda: (True, "fine"), name="recommendations", critical=False)
    response = health.run()
    assert response[1] == 200
    assert body_of(response)["status"] == "success"


# -- tags and exclude --------------------------------------------------------------------------


def test_run_with_tags_runs_only_checks_carrying_one_of_them(timer: FakeTimer) -> None:
    calls = {name: Counter() for name in ("db", "cache", "http", "untagged")}
    health = HealthCheck(timer=timer)
    health.add_check(counting(calls["db"]), name="db", tags=["ready", "storage"])
    health.add_check(counting(calls["cache"]), name="cache", tags=["storage"])
    health.add_check(counting(calls["http"]), name="http", tags=["http"])
    health.add_check(counting(calls["untagged"]), name="untagged")

    assert names_in(health.run(tags=["storage"])) == ["db", "cache"]
    assert {n: c.calls for n, c in calls.items()} == {"db": 1, "cache": 1, "http": 0, "untagged": 0}

    health.clear_cache()
    assert names_in(health.run(tags=["http", "ready"])) == ["db", "http"]
    assert {n: c.calls for n, c in calls.items()} == {"db": 2, "cache": 1, "http": 1, "untagged": 0}


def test_the_status_of_a_tagged_run_only_counts_the_selected_checks(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "ok"), name="db", tags=["ready"])
    health.add_check(lambda: (False, "down"), name="queue", tags=["batch"])
    response = health.run(tags=["ready"])
    assert response[1] == 200
    assert body_of(response)["status"] == "success"


def test_run_with_tags_matching_nothing_runs_nothing(timer: FakeTimer, counter: Counter) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(counting(counter), name="db", tags=["ready"])
    response = health.run(tags=["nope"])
    assert names_in(response) == []
    assert response[1] == 200
    assert counter.calls == 0


def test_a_single_string_tag_is_one_tag(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "ok"), name="db", tags="ready")
    health.add_check(lambda: (True, "ok"), name="letter", tags=["r"])
    (db, _letter) = health.report().checks
    assert db.tags == frozenset({"ready"})
    assert names_in(health.run(tags=["ready"])) == ["db"]
    assert names_in(health.run(tags=["r"])) == ["letter"]


def test_run_with_a_single_string_tag_selects_that_tag(timer: FakeTimer) -> None:
    """``tags="ready"`` in run() must mean the tag "ready", as it does in add_check(), not the
    letters r, e, a, d, y."""
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "ok"), name="db", tags=["ready"])
    health.add_check(lambda: (True, "ok"), name="letter", tags=["r"])
    assert names_in(health.run(tags="ready")) == ["db"]


def test_run_with_exclude_skips_the_named_checks(timer: FakeTimer) -> None:
    calls = {name: Counter() for name in ("db", "cache", "recommendations")}
    health = HealthCheck(timer=timer)
    for name, counter in calls.items():
        health.add_check(counting(counter), name=name)
    assert names_in(health.run(exclude=["recommendations", "cache"])) == ["db"]
    assert {n: c.calls for n, c in calls.items()} == {"db": 1, "cache": 0, "recommendations": 0}


def test_exclude_takes_a_failing_check_out_of_the_status(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "ok"), name="db")
    health.add_check(lambda: (False, "down"), name="recommendations")
    assert health.run()[1] == 500
    response = health.run(exclude=["recommendations"])
    assert response[1] == 200
    assert body_of(response)["status"] == "success"


def test_exclude_as_a_single_string_excludes_that_name_only(timer: FakeTimer) -> None:
    """``exclude="db"`` names one check; it must not also exclude checks named "d" or "b"."""
    health = HealthCheck(timer=timer)
    for name in ("db", "d", "b"):
        health.add_check(lambda: (True, "ok"), name=name)
    assert names_in(health.run(exclude="db")) == ["d", "b"]


def test_tags_and_exclude_combine(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "ok"), name="db", tags=["ready"])
    health.add_check(lambda: (True, "ok"), name="cache", tags=["ready"])
    health.add_check(lambda: (True, "ok"), name="other")
    assert names_in(health.run(tags=["ready"], exclude=["cache"])) == ["db"]


# -- run(name) --------------------------------------------------------------------------------


def test_run_by_name_runs_only_that_check(timer: FakeTimer) -> None:
    db, cache = Counter(), Counter()
    health = HealthCheck(timer=timer)
    health.add_check(counting(db), name="db")
    health.add_check(counting(cache, (False, "down")), name="cache")
    response = health.run("db")
    assert names_in(response) == ["db"]
    assert response[1] == 200
    assert (db.calls, cache.calls) == (1, 0)


def test_run_with_an_unknown_name_is_404(timer: FakeTimer, counter: Counter) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(counting(counter), name="db")
    body, code, headers = health.run("nope")
    assert code == 404
    assert headers["Content-Type"] == "application/json"
    data = json.loads(body)
    assert data["status"] == "failure"
    assert "nope" in data["error"]
    assert counter.calls == 0


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3", None])
def test_bad_fail_after_is_rejected(timer: FakeTimer, bad: Any) -> None:
    health = HealthCheck(timer=timer)
    with pytest.raises(ValueError, match="fail_after"):
        health.add_check(lambda: (True, "ok"), name="db", fail_after=bad)
    assert health.checkers == []


@pytest.mark.parametrize("bad", [-1, True, "30"])
def test_bad_warn_for_is_rejected(timer: FakeTimer, bad: Any) -> None:
    health = HealthCheck(timer=timer)
    with pytest.raises(ValueError, match="warn_for"):
        health.add_check(lambda: (True, "ok"), name="db", warn_for=bad)
    assert health.checkers == []


def test_bad_timeout_is_rejected(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    with pytest.raises(ValueError, match="timeout"):
        health.add_check(lambda: (True, "ok"), name="db", timeout=-1)


# -- report() ---------------------------------------------------------------------------------


def test_report_returns_checks_results_and_status(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "up"), name="db")
    health.add_check(lambda: (False, "503"), name="recommendations", critical=False)
    report = health.report()
    assert isinstance(report, Report)
    assert [c.name for c in report.checks] == ["db", "recommendations"]
    assert [r.checker for r in report.results] == ["db", "recommendations"]
    assert [r.status for r in report.results] == [Status.PASS, Status.FAIL]
    assert [r.output for r in report.results] == ["up", "503"]
    assert report.status is Status.WARN


def test_report_takes_the_same_selection_as_run(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "up"), name="db", tags=["ready"])
    health.add_check(lambda: (False, "down"), name="queue")
    assert [c.name for c in health.report("db").checks] == ["db"]
    assert [c.name for c in health.report(tags=["ready"]).checks] == ["db"]
    assert [c.name for c in health.report(exclude=["db"]).checks] == ["queue"]
    assert health.report(exclude=["db"]).status is Status.FAIL
    assert health.report().status is Status.FAIL


def test_report_of_an_unknown_name_raises_lookup_error(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "up"), name="db")
    with pytest.raises(LookupError, match="nope"):
        health.report("nope")
