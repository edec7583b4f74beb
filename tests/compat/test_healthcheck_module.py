"""``healthcheck.healthcheck``: py-healthcheck's module path, and what its users rely on."""

from __future__ import annotations

import json
import socket
import time
from functools import reduce
from typing import Any

import pytest

import healthcheck
from healthcheck.healthcheck import (
    HealthCheck,
    basic_exception_handler,
    check_reduce,
    json_failed_handler,
    json_success_handler,
)
from tests.http import get, wsgi_server

RESULT_FIELDS = {"checker", "output", "passed", "timestamp", "expires", "response_time"}


def passing() -> tuple[bool, str]:
    return True, "ok"


def failing() -> tuple[bool, str]:
    return False, "disk full"


def raising() -> tuple[bool, str]:
    raise ConnectionError("connection refused")


def test_the_module_exports_the_same_objects_as_the_package() -> None:
    assert HealthCheck is healthcheck.HealthCheck
    assert json_success_handler is healthcheck.json_success_handler
    assert json_failed_handler is healthcheck.json_failed_handler
    assert basic_exception_handler is healthcheck.basic_exception_handler


def test_check_reduce_folds_results_as_py_healthcheck_did() -> None:
    passed = {"passed": True}
    failed = {"passed": False}
    assert reduce(check_reduce, [passed, passed], True) is True
    assert reduce(check_reduce, [passed, failed, passed], True) is False
    assert reduce(check_reduce, [], True) is True
    # A result without "passed" folds to None, which is falsy, as there.
    assert reduce(check_reduce, [passed, {}], True) is None


@pytest.mark.parametrize(
    ("handler", "word"), [(json_success_handler, "success"), (json_failed_handler, "failure")]
)
def test_the_handlers_build_py_healthcheck_s_body(handler: Any, word: str) -> None:
    results = [{"checker": "db", "output": "ok", "passed": True}]
    before = time.time()
    body = json.loads(handler(results, "ignored positional", version="1.2", status="custom"))
    assert body["hostname"] == socket.gethostname()
    assert before <= body["timestamp"] <= time.time()
    assert body["results"] == results
    assert body["version"] == "1.2"
    # Keyword fields are applied last, so they may replace a fixed one, as there.
    assert body["status"] == "custom"
    assert json.loads(handler(results))["status"] == word


def test_basic_exception_handler_reports_the_message() -> None:
    assert basic_exception_handler(raising, ValueError("bad value")) == (False, "bad value")


def test_custom_fields_from_keyword_arguments_and_add_section() -> None:
    health = HealthCheck(checkers=[passing], version="2.0", region=lambda: "eu-west-1")
    health.add_section("owner", "team-a")
    body, status, headers = health.run()
    data = json.loads(body)
    assert (status, headers) == (200, {"Content-Type": "application/json"})
    assert data["version"] == "2.0"
    assert data["region"] == "eu-west-1"
    assert data["owner"] == "team-a"
    with pytest.raises(Exception, match="owner"):  # py-healthcheck raised a bare Exception
        health.add_section("owner", "team-b")


def test_results_carry_py_healthcheck_s_fields() -> None:
    health = HealthCheck(checkers=[passing, failing, raising])
    body, status, _ = health.run()
    data = json.loads(body)
    assert status == 500
    assert data["status"] == "failure"
    by_name = {r["checker"]: r for r in data["results"]}
    assert set(by_name) == {"passing", "failing", "raising"}
    for result in data["results"]:
        assert RESULT_FIELDS <= set(result)
        assert result["expires"] > result["timestamp"]
    assert by_name["failing"]["output"] == "disk full"
    assert by_name["raising"] == {**by_name["raising"], "passed": False}
    assert by_name["raising"]["output"] == "connection refused"


def test_run_with_a_check_name_runs_only_that_check() -> None:
    health = HealthCheck(checkers=[passing, failing])
    body, status, _ = health.run("passing")
    assert status == 200
    assert [r["checker"] for r in json.loads(body)["results"]] == ["passing"]
    body, status, _ = health.run("failing")
    assert status == 500


def test_a_handler_in_py_healthcheck_s_shape_gets_the_results_and_fields() -> None:
    seen: list[Any] = []

    def my_handler(results: list[dict[str, Any]], **fields: Any) -> str:
        seen.append((results, fields))
        return json.dumps({"ok": all(r["passed"] for r in results), **fields})

    health = HealthCheck(
        checkers=[passing],
        success_handler=my_handler,
        success_status=299,
        success_headers={"Content-Type": "application/vnd.app+json"},
        commit="abc123",
    )
    body, status, headers = health.run()
    assert json.loads(body) == {"ok": True, "commit": "abc123"}
    assert (status, headers) == (299, {"Content-Type": "application/vnd.app+json"})
    results, fields = seen[0]
    assert [set(r) >= RESULT_FIELDS for r in results] == [True]
    assert fields == {"commit": "abc123"}


def test_passing_the_default_handlers_explicitly_gives_the_default_body() -> None:
    explicit = HealthCheck(
        checkers=[passing],
        success_handler=json_success_handler,
        failed_handler=json_failed_handler,
    )
    default = HealthCheck(checkers=[passing])
    mine, theirs = json.loads(explicit.run()[0]), json.loads(default.run()[0])
    for data in (mine, theirs):
        data.pop("timestamp")
        for result in data["results"]:
            for field in ("timestamp", "expires", "response_time", "since"):
                result.pop(field)
    assert mine == theirs


def test_no_handler_answers_ok_and_not_ok() -> None:
    health = HealthCheck(checkers=[passing], success_handler=None, failed_handler=None)
    assert health.run() == ("OK", 200, {"Content-Type": "application/json"})
    health.add_check(failing)
    health.clear_cache()
    assert health.run()[:2] == ("NOT OK", 500)


def test_the_flask_view_func_pattern_over_http() -> None:
    from flask import Flask

    app = Flask(__name__)
    health = HealthCheck(checkers=[passing], failed_status=503)
    app.add_url_rule("/healthcheck", view_func=lambda: health.run())
    with wsgi_server(app) as base:
        reply = get(f"{base}/healthcheck")
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "application/json"
        assert reply.json()["status"] == "success"
        health.add_check(failing)
        health.clear_cache()
        reply = get(f"{base}/healthcheck")
        assert reply.status == 503
        assert reply.json()["status"] == "failure"


def test_checkers_see_flask_s_application_and_request_context() -> None:
    """py-healthcheck ran checkers in the request's thread, so current_app worked in them (and
    Flask-SQLAlchemy's session with it); they run on pool threads here, with the caller's
    context variables, where Flask keeps its contexts."""
    from flask import Flask, current_app, request

    from healthcheck.integrations.flask import HealthCheckExtension

    def database_available() -> tuple[bool, str]:
        return True, current_app.config["DATABASE"]

    def caller() -> tuple[bool, str]:
        return True, request.path

    app = Flask(__name__)
    app.config["DATABASE"] = "postgresql://db/app"
    health = HealthCheck(checkers=[database_available, caller], success_ttl=0)
    app.add_url_rule("/healthcheck", view_func=lambda: health.run())
    HealthCheckExtension(app, health=health, prefix="/ops")
    with wsgi_server(app) as base:
        plain = get(f"{base}/healthcheck")
        extension = get(f"{base}/ops/healthcheck")
    for reply, path in ((plain, "/healthcheck"), (extension, "/ops/healthcheck")):
        assert reply.status == 200, reply.body
        outputs = [r["output"] for r in reply.json()["results"]]
        assert outputs == ["postgresql://db/app", path]


def test_appending_to_checkers_registers_a_checker_as_in_py_healthcheck() -> None:
    health = HealthCheck(checkers=[passing])
    assert health.run()[1] == 200
    health.checkers.append(failing)
    health.clear_cache()
    body, status, _ = health.run()
    assert status == 500
    assert [r["checker"] for r in json.loads(body)["results"]] == ["passing", "failing"]
    assert health.checkers == [passing, failing]
    assert len(health.checkers) == 2 and health.checkers[-1] is failing


def test_the_checkers_list_changes_the_registry_every_way_a_list_changes() -> None:
    health = HealthCheck()
    checkers = health.checkers
    checkers += [failing]
    checkers.insert(0, passing)
    assert health.checkers == [passing, failing]
    del checkers[1]
    assert health.checkers == [passing]
    checkers[0] = raising
    assert health.checkers == [raising]
    checkers[:] = [passing, passing]
    assert [r["checker"] for r in json.loads(health.run()[0])["results"]] == ["passing"] * 2
    checkers.remove(passing)
    assert checkers.pop() is passing
    assert health.checkers == []
    health.checkers = [failing]  # assigning the attribute, as py-healthcheck allowed
    assert health.run()[1] == 500
    with pytest.raises(TypeError, match="callable"):
        health.checkers.append("not a checker")  # type: ignore[arg-type]
    assert health.checkers == [failing]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("build_info", {"commit": "abc"}),
        ("scrubber", "on"),
        ("warn_status", "n/a"),
        ("max_workers", "4"),
        ("max_output", 1.5),
        ("interval", "30s"),
        ("grace_period", "5m"),
        ("timer", "monotonic"),
    ],
)
def test_an_option_that_py_healthcheck_took_as_a_field_is_a_clear_error(
    option: str, value: Any
) -> None:
    with pytest.raises(TypeError, match=rf"{option} is a parameter here.*add_section"):
        HealthCheck(**{option: value})


def test_filtering_or_reordering_checkers_keeps_each_check_s_name_and_options() -> None:
    def replica() -> tuple[bool, str]:
        return False, "replica lagging"

    health = HealthCheck()
    health.add_check(replica, name="read-replica", critical=False, tags=["ready"], timeout=1)
    health.add_check(passing, name="cache")
    health.add_check(failing)
    health.checkers[:] = [c for c in health.checkers if c is not failing]
    assert health.run()[1] == 200  # the replica is still non-critical: a warning
    health.checkers.reverse()
    health.checkers = health.checkers
    health.checkers[1] = health.checkers[1]
    assert [r["checker"] for r in json.loads(health.run()[0])["results"]] == [
        "cache",
        "read-replica",
    ]
    assert health.has_check("read-replica")
    assert health.probe("ready")[1] == 200  # still tagged "ready", still only a warning there
    assert health.probe("ready", check="read-replica")[1] == 500  # by name: its own state
    health.checkers.sort(key=lambda func: func.__name__, reverse=True)
    assert health.checkers == [replica, passing]
    checkers = health.checkers
    checkers.append(checkers.pop(0))  # move the replica to the end
    checkers[0], checkers[1] = checkers[1], checkers[0]  # and back, by a swap
    checkers.remove(passing)
    checkers.append(passing)
    assert health.checkers == [replica, passing]
    assert health.run()[1] == 200  # still non-critical
    assert health.probe("ready")[1] == 200


def test_the_checkers_list_does_what_list_code_does() -> None:
    health = HealthCheck(checkers=[passing])
    assert health.checkers.copy() == [passing]
    assert health.checkers + [failing] == [passing, failing]  # noqa: RUF005 - the operator
    assert [failing] + health.checkers == [failing, passing]  # noqa: RUF005 - the operator
    assert health.checkers * 2 == [passing, passing]
    assert passing in health.checkers and health.checkers.index(passing) == 0
    assert len(health.checkers) == 1  # none of these changed the registry


def test_registrations_from_several_threads_are_all_kept() -> None:
    import threading

    health = HealthCheck()
    health.add_check(passing)
    stop = threading.Event()

    def replace() -> None:
        while not stop.is_set():
            health.checkers[0] = passing

    replacer = threading.Thread(target=replace)
    replacer.start()
    try:
        for number in range(500):
            health.add_check(failing, name=f"f{number}")
    finally:
        stop.set()
        replacer.join(10)
    assert len(health.checkers) == 501
    assert all(health.has_check(f"f{number}") for number in range(500))


def test_durations_take_any_number_and_none_where_it_means_none() -> None:
    from decimal import Decimal
    from fractions import Fraction

    health = HealthCheck(interval=Decimal("30"), grace_period=None, error_timeout=Fraction(1, 2))
    assert (health.interval, health.error_timeout) == (30.0, 0.5)
    health.stop()
