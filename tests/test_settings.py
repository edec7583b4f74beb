"""Settings: every HealthCheck setting is checked on construction and on assignment alike, and
an accepted assignment shows in the next run."""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import warnings
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from healthcheck import BuildInfo, EnvironmentDump, HealthCheck, Scrubber
from healthcheck import defaults as default
from healthcheck.settings import Settings
from tests.conftest import Counter, FakeTimer
from tests.test_core import eventually

#: (parameter, bad value, the error it gets): negative, nan, inf, a string and a bool for every
#: setting that wants a number.
BAD = [
    *[
        (name, value, error)
        for name in ("success_ttl", "failed_ttl")
        for value, error in [
            (-5, ValueError),
            (math.nan, ValueError),
            (math.inf, ValueError),
            ("27", TypeError),
            (True, TypeError),
        ]
    ],
    ("error_timeout", -1, ValueError),
    ("error_timeout", math.nan, ValueError),
    ("error_timeout", math.inf, ValueError),
    ("error_timeout", "1", ValueError),
    ("error_timeout", True, ValueError),
    ("interval", -1, ValueError),
    ("interval", 0, ValueError),
    ("interval", 1e-9, ValueError),  # a round per nanosecond burns a core
    ("interval", math.nan, ValueError),
    ("interval", math.inf, ValueError),
    ("interval", "30s", TypeError),
    ("interval", True, TypeError),
    ("grace_period", -1, ValueError),
    ("grace_period", math.nan, ValueError),
    ("grace_period", math.inf, ValueError),
    ("grace_period", "5m", TypeError),
    ("grace_period", True, TypeError),
    ("max_workers", -1, ValueError),
    ("max_workers", 0, ValueError),
    ("max_workers", math.nan, TypeError),
    ("max_workers", math.inf, TypeError),
    ("max_workers", "4", TypeError),
    ("max_workers", True, TypeError),
    *[
        (name, value, TypeError)
        for name in ("max_output", "max_section")
        for value in (math.nan, math.inf, "1000", True, 1.5)
    ],
    ("warn_status", math.nan, TypeError),
    ("warn_status", "n/a", TypeError),
    ("warn_status", True, TypeError),
    ("scrubber", "on", TypeError),
    ("build_info", {"commit": "abc"}, TypeError),
    *[(name, 42, ValueError) for name in ("success_status", "failed_status", "warn_status")],
    *[(name, 600, ValueError) for name in ("success_status", "failed_status")],
    *[(name, "500", TypeError) for name in ("success_status", "failed_status")],
    *[(name, 5, TypeError) for name in ("success_headers", "failed_headers")],
    ("success_headers", {"X-Retry": 5}, TypeError),
    *[(name, 5, TypeError) for name in ("success_handler", "failed_handler")],
    *[(name, -1, ValueError) for name in ("max_output", "max_section")],
    ("success_headers", {"X-Note": "a\r\nSet-Cookie: x=1"}, ValueError),
    ("failed_headers", {"Bad Name": "v"}, ValueError),
    *[
        (name, Decimal("NaN"), ValueError)
        for name in ("success_ttl", "failed_ttl", "error_timeout", "interval", "grace_period")
    ],
]
#: Settings that are HealthCheck attributes (grace_period and max_workers are not: they are
#: taken once, by the damper and the thread pool).
ATTRIBUTES = {
    "success_status",
    "success_headers",
    "success_handler",
    "success_ttl",
    "failed_status",
    "failed_headers",
    "failed_handler",
    "failed_ttl",
    "error_timeout",
    "warn_status",
    "build_info",
    "interval",
    "scrubber",
    "max_output",
    "max_section",
}


def case_id(case: tuple[str, Any, type]) -> str:
    return f"{case[0]}={case[1]!r}"


@pytest.fixture
def health() -> Iterator[HealthCheck]:
    made = HealthCheck(error_timeout=5)
    yield made
    made.close()


@pytest.mark.parametrize(("name", "value", "error"), BAD, ids=map(case_id, BAD))
def test_a_bad_value_is_refused_on_construction_naming_its_parameter(
    name: str, value: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match=rf"^{name} "):
        HealthCheck(**{name: value})
    with pytest.raises(error, match=rf"^{name} "):
        Settings(**{name: value})


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [case for case in BAD if case[0] in ATTRIBUTES],
    ids=map(case_id, [case for case in BAD if case[0] in ATTRIBUTES]),
)
def test_a_bad_value_is_refused_on_assignment_and_changes_nothing(
    health: HealthCheck, name: str, value: Any, error: type[Exception]
) -> None:
    before = getattr(health, name)
    with pytest.raises(error, match=rf"^{name} "):
        setattr(health, name, value)
    assert getattr(health, name) is before


def test_the_defaults_are_those_of_the_defaults_module() -> None:
    settings = Settings()
    assert (settings.success_ttl, settings.failed_ttl) == (default.SUCCESS_TTL, default.FAILED_TTL)
    assert settings.error_timeout == default.ERROR_TIMEOUT
    assert (settings.max_output, settings.max_section) == (default.MAX_OUTPUT, default.MAX_SECTION)
    assert settings.max_workers == default.MAX_WORKERS
    assert settings.success_headers == settings.failed_headers == default.JSON_HEADERS
    assert settings.success_headers is not default.JSON_HEADERS  # each gets its own copy
    health = HealthCheck()
    assert {name: getattr(health, name) for name in ATTRIBUTES} == {
        name: getattr(settings, name) for name in ATTRIBUTES
    }


def test_durations_are_kept_as_floats_and_none_as_their_default() -> None:
    settings = Settings(success_ttl=None, failed_ttl=3, grace_period=None, interval=2)
    assert (settings.success_ttl, settings.failed_ttl) == (0.0, 3.0)
    assert settings.grace_period == 0
    assert isinstance(settings.interval, float) and settings.interval == 2
    health = HealthCheck(scrubber=None)
    health.scrubber = Scrubber(mask="###")
    health.scrubber = None
    assert health.scrubber is Settings().scrubber


def test_settings_are_immutable_and_replace_checks_again() -> None:
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.success_ttl = 1  # type: ignore[misc]
    assert dataclasses.replace(settings, failed_ttl=1).failed_ttl == 1.0
    with pytest.raises(ValueError, match=r"^failed_ttl "):
        dataclasses.replace(settings, failed_ttl=-1)


def body(answer: tuple[Any, int, dict[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(answer[0])
    return data


def counting(counter: Counter, outcome: tuple[bool, str]) -> Callable[[], tuple[bool, str]]:
    def check() -> tuple[bool, str]:
        counter.hit()
        return outcome

    return check


def test_statuses_headers_and_handlers_assigned_answer_the_next_run(health: HealthCheck) -> None:
    state = {"up": True}
    health.add_check(lambda: (state["up"], "x" * 50), name="db")
    health.success_ttl = health.failed_ttl = 0
    health.run()  # an answer is kept for the cached path: the changes must not miss it
    health.success_status = 204
    health.success_headers = {"X-Up": "yes"}
    assert health.run()[1:] == (204, {"X-Up": "yes"})
    state["up"] = False
    health.failed_status = 503
    health.failed_headers = None  # as in the constructor: JSON's content type
    assert health.run()[1:] == (503, default.JSON_HEADERS)
    health.failed_handler = None
    assert health.run()[0] == "NOT OK"
    health.failed_handler = lambda results, **sections: f"{len(results)} down"
    assert health.run()[0] == "1 down"


def test_a_ttl_assigned_applies_to_the_next_result(timer: FakeTimer, counter: Counter) -> None:
    health = HealthCheck(timer=timer, success_ttl=60)
    health.add_check(counting(counter, (True, "ok")), name="db")
    health.run()
    health.run()
    assert counter.calls == 1
    health.success_ttl = 0
    timer.tick(61)
    health.run()
    health.run()
    assert counter.calls == 3


def test_a_timeout_assigned_applies_to_the_next_run(health: HealthCheck) -> None:
    release = threading.Event()
    health.success_ttl = health.failed_ttl = 0

    def slow() -> tuple[bool, str]:
        release.wait(5)
        return True, "done"

    health.add_check(slow, name="slow")
    health.error_timeout = 0.05
    try:
        result = body(health.run())["results"][0]
        assert (result["passed"], "timed out" in result["output"]) == (False, True)
    finally:
        release.set()


def test_limits_build_info_and_scrubber_assigned_show_in_the_next_body(
    health: HealthCheck,
) -> None:
    health.success_ttl = 0
    health.add_check(lambda: (True, "token=hunter2 " + "x" * 100), name="db")
    health.run()  # an answer is kept for the cached path: the changes must not miss it
    health.max_output = 40
    health.scrubber = Scrubber(mask="###")
    health.build_info = BuildInfo(version="9.9")
    data = body(health.run())
    output = data["results"][0]["output"]
    assert output.startswith("token=### xxx") and "truncated" in output
    assert data["version"] == "9.9"


def test_a_warn_status_assigned_answers_the_next_warning(health: HealthCheck) -> None:
    health.add_check(lambda: (False, "lagging"), name="replica", critical=False)
    assert health.run()[1] == 200
    health.warn_status = 299
    assert health.run()[1] == 299


@pytest.mark.parametrize("name", ["success_ttl", "failed_ttl"])
def test_a_ttl_of_none_assigned_caches_nothing_as_in_the_constructor(name: str) -> None:
    calls = Counter()

    def flaky() -> tuple[bool, str]:
        number = calls.hit()
        return name == "success_ttl", f"call {number}"

    health = HealthCheck()
    health.add_check(flaky)
    setattr(health, name, None)
    try:
        outputs = [json.loads(health.run()[0])["results"][0]["output"] for _ in range(2)]
    finally:
        health.close()
    assert getattr(health, name) == 0.0
    assert outputs == ["call 1", "call 2"]  # nothing kept, nothing wedged


@pytest.mark.parametrize("name", ["grace_period", "max_workers", "timer"])
def test_a_setting_fixed_at_construction_cannot_be_assigned(health: HealthCheck, name: str) -> None:
    before = getattr(health, name)
    with pytest.raises(AttributeError, match=name):
        setattr(health, name, 5)
    assert getattr(health, name) == before


def test_an_interval_assigned_while_background_mode_runs_applies_from_its_next_round(
    counter: Counter,
) -> None:
    health = HealthCheck(interval=30)
    health.add_check(counting(counter, (True, "ok")), name="counted")
    try:
        health.run()  # starts background mode: one round, then one every 30 s
        assert eventually(lambda: counter.calls >= 1)
        health.interval = 0.02
        assert eventually(lambda: counter.calls >= 4)
    finally:
        health.close()


def test_a_new_scrubber_masks_results_already_cached() -> None:
    health = HealthCheck()
    health.add_check(lambda: (True, "code opensesame"), name="leaky")
    try:
        assert "opensesame" in health.run()[0]  # the default scrubber sees no secret here
        health.scrubber = Scrubber(values=[r"opensesame"])
        assert "opensesame" not in health.run()[0]
    finally:
        health.close()


def test_a_lowered_ttl_applies_to_results_already_cached(counter: Counter) -> None:
    # A failure cached for ten minutes must not outlive failed_ttl = 1 once assigned.
    health = HealthCheck(failed_ttl=600)
    health.add_check(counting(counter, (False, "down")), name="db")
    try:
        health.run()
        health.failed_ttl = 1
        health.run()
    finally:
        health.close()
    assert counter.calls == 2


def test_an_interval_of_none_assigned_stops_background_mode(counter: Counter) -> None:
    health = HealthCheck(interval=0.02)
    health.add_check(counting(counter, (True, "ok")), name="counted")
    try:
        health.run()
        assert eventually(lambda: counter.calls >= 2)
        health.interval = None
        assert not any(
            t.name == "healthcheck-background" and t.is_alive() for t in threading.enumerate()
        )
        before = counter.calls
        health.run()  # on demand again: a cached result, no background round meanwhile
        assert counter.calls == before
    finally:
        health.close()


def test_an_exception_handler_that_is_not_callable_is_refused(health: HealthCheck) -> None:
    with pytest.raises(TypeError, match=r"^exception_handler "):
        HealthCheck(exception_handler=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^exception_handler "):
        health.exception_handler = 5  # type: ignore[assignment]


@pytest.mark.parametrize(
    ("make", "meant"),
    [
        (lambda: HealthCheck(error_timout=2), "error_timeout"),
        (lambda: HealthCheck(sucess_ttl=5), "success_ttl"),
        (lambda: HealthCheck(failed_tll=5), "failed_ttl"),
        (lambda: EnvironmentDump(include_proces=False), "include_process"),
        (lambda: HealthCheck(Error_Timeout=2), "error_timeout"),
        (lambda: HealthCheck(error_timeout_s=2), "error_timeout"),
        (lambda: EnvironmentDump(include_processes=False), "include_process"),
    ],
)
def test_a_misspelt_parameter_warns_and_stays_a_section(make: Any, meant: str) -> None:
    # py-healthcheck makes unknown keyword arguments custom sections: that stays, with a word.
    with pytest.warns(UserWarning, match=f"did you mean {meant}="):
        made = make()
    if isinstance(made, HealthCheck):
        body = json.loads(made.run()[0])
        assert set(body) & {"error_timout", "sucess_ttl", "failed_tll", "Error_Timeout",
                            "error_timeout_s"}  # fmt: skip


def test_a_section_name_far_from_every_parameter_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        HealthCheck(version="1.2.3", region="eu-west-1")
        EnvironmentDump(build={"sha": "abc"})
