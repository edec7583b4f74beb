"""The cached path reuses the last whole answer; it must never serve a stale one."""

from __future__ import annotations

import asyncio
import json

from healthcheck import BuildInfo, HealthCheck, json_success_handler
from tests.conftest import FakeTimer


def outputs(body: str) -> dict[str, object]:
    return {r["checker"]: r["output"] for r in json.loads(body)["results"]}


def test_a_result_refreshed_by_a_partial_run_shows_in_the_next_whole_run(
    timer: FakeTimer,
) -> None:
    state = {"a": "first"}
    health = HealthCheck(timer=timer, success_ttl=10)
    health.add_check(lambda: (True, state["a"]), name="a")
    health.add_check(lambda: (True, "b"), name="b", timeout=5)
    health.run()
    health.run()  # served from the kept answer
    state["a"] = "second"
    timer.tick(11)
    health.run("a")  # only "a" runs again and lands
    assert outputs(health.run()[0])["a"] == "second"


def test_the_kept_answer_expires_with_its_first_result(timer: FakeTimer) -> None:
    calls = []
    health = HealthCheck(timer=timer, success_ttl=10)
    health.add_check(lambda: (calls.append(1) or True, "a"), name="a")
    health.run()
    for _ in range(3):
        health.run()
    assert len(calls) == 1
    timer.tick(10)
    health.run()
    assert len(calls) == 2


def test_clear_cache_and_new_checks_and_sections_are_seen(timer: FakeTimer) -> None:
    calls = []
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (calls.append(1) or True, "a"), name="a")
    health.run()
    health.clear_cache()
    health.run()
    assert len(calls) == 2
    health.add_check(lambda: (True, "b"), name="b")
    assert set(outputs(health.run()[0])) == {"a", "b"}
    health.add_section("region", "eu-west")
    assert json.loads(health.run()[0])["region"] == "eu-west"


def test_configuration_changed_after_a_run_is_honoured(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "a"), name="a")
    health.run()
    health.success_status = 204
    health.success_headers = {"Content-Type": "application/json", "X-Healthy": "yes"}
    _, status, headers = health.run()
    assert (status, headers["X-Healthy"]) == (204, "yes")
    health.success_handler = None
    assert health.run()[0] == "OK"
    health.success_handler = lambda results, **sections: "custom"
    assert health.run()[0] == "custom"
    health.build_info = BuildInfo(version="9.9")
    health.success_handler = json_success_handler
    assert json.loads(health.run()[0])["version"] == "9.9"


def test_the_kept_answer_refreshes_only_its_timestamp(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "a"), name="a")
    first, second = json.loads(health.run()[0]), json.loads(health.run()[0])
    assert first["results"] == second["results"]
    assert second["timestamp"] >= first["timestamp"]


def test_run_async_serves_the_kept_answer_too(timer: FakeTimer) -> None:
    calls = []
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (calls.append(1) or True, "a"), name="a")
    first = health.run()
    second = asyncio.run(health.run_async())
    assert len(calls) == 1
    assert json.loads(second[0])["results"] == json.loads(first[0])["results"]
    assert second[1:] == first[1:]


def test_the_kept_answer_ends_with_the_grace_period(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer, grace_period=5)
    health.add_check(lambda: (False, "down"), name="db")
    assert health.run()[1] == 200  # a failure, damped: warn
    assert health.run()[1] == 200  # served from the kept answer

    timer.tick(5)

    assert [health.run()[1] for _ in range(3)] == [500, 500, 500]
