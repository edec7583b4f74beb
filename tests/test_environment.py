"""EnvironmentDump: the os, python and process sections, custom sections, secrets masked."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import pytest

from healthcheck import DuplicateNameError, EnvironmentDump

from .conftest import Counter, FakeTimer

MASK = "********"


def dump(env: EnvironmentDump) -> dict[str, Any]:
    body, status, headers = env.run()
    assert status == 200
    assert headers == {"Content-Type": "application/json"}
    data = json.loads(body)
    assert isinstance(data, dict)
    return data


def test_run_returns_a_json_body_status_200_and_json_headers() -> None:
    body, status, headers = EnvironmentDump().run()

    assert isinstance(body, str)
    assert status == 200
    assert headers == {"Content-Type": "application/json"}
    assert isinstance(json.loads(body), dict)


def test_by_default_the_os_python_and_process_sections_are_present() -> None:
    data = dump(EnvironmentDump())

    assert {"os", "python", "process"} <= set(data)


def test_the_os_section() -> None:
    section = dump(EnvironmentDump())["os"]

    assert section["platform"] == sys.platform
    assert section["name"] == os.name
    assert isinstance(section["uname"], list)
    assert section["uname"]


def test_the_python_section() -> None:
    section = dump(EnvironmentDump())["python"]

    assert section["version"] == sys.version
    assert section["executable"] == sys.executable
    assert section["pythonpath"] == list(sys.path)
    assert section["version_info"] == {
        "major": sys.version_info.major,
        "minor": sys.version_info.minor,
        "micro": sys.version_info.micro,
        "releaselevel": sys.version_info.releaselevel,
        "serial": sys.version_info.serial,
    }


def test_the_python_section_lists_installed_packages_with_versions() -> None:
    packages = dump(EnvironmentDump())["python"]["packages"]

    assert isinstance(packages, dict)
    assert packages["pytest"] == pytest.__version__
    assert "cachetools" in packages
    assert all(isinstance(version, str) for version in packages.values())


def test_the_process_section() -> None:
    section = dump(EnvironmentDump())["process"]

    assert section["argv"] == sys.argv
    assert section["cwd"] == os.getcwd()
    assert isinstance(section["user"], str)
    assert section["user"]
    assert section["pid"] == os.getpid()
    assert isinstance(section["environ"], dict)
    assert set(section["memory"]) == {"rss", "vms"}
    assert section["memory"]["rss"] > 0
    assert section["memory"]["vms"] > 0
    assert section["cpu_times"]
    assert section["num_threads"] >= 1
    assert section["num_fds"] >= 0
    assert isinstance(section["start_time"], (int, float))
    assert section["uptime"] >= 0


@pytest.mark.parametrize(
    ("flag", "section"),
    [("include_os", "os"), ("include_python", "python"), ("include_process", "process")],
)
def test_an_include_flag_set_to_false_removes_its_section(flag: str, section: str) -> None:
    data = dump(EnvironmentDump(**{flag: False}))

    assert section not in data
    assert {"os", "python", "process"} - {section} <= set(data)


def test_the_include_flags_are_positional_in_py_healthcheck_order() -> None:
    data = dump(EnvironmentDump(False, True, False))

    assert set(data) == {"python"}


def test_with_every_section_excluded_the_body_is_an_empty_object() -> None:
    assert dump(EnvironmentDump(False, False, False)) == {}


@pytest.mark.parametrize("name", ["MY_API_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "passphrase"])
def test_secret_environment_variables_are_masked(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "hunter2-do-not-show")

    data = dump(EnvironmentDump())

    assert data["process"]["environ"][name] == MASK


def test_no_secret_value_appears_anywhere_in_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MY_API_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "passphrase"):
        monkeypatch.setenv(name, f"secret-value-of-{name}")

    body, _, _ = EnvironmentDump().run()

    assert "secret-value-of-" not in body


def test_ordinary_environment_variables_are_shown_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin")
    monkeypatch.setenv("HOME", "/home/tester")
    monkeypatch.setenv("APP_MODE", "testing")

    environ = dump(EnvironmentDump())["process"]["environ"]

    assert environ["PATH"] == "/usr/local/bin:/usr/bin"
    assert environ["HOME"] == "/home/tester"
    assert environ["APP_MODE"] == "testing"


def test_the_built_in_sections_are_read_again_after_refresh_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    timer = FakeTimer()
    env = EnvironmentDump(refresh=10, timer=timer)
    monkeypatch.setenv("APP_STAGE", "first")
    assert dump(env)["process"]["environ"]["APP_STAGE"] == "first"

    monkeypatch.setenv("APP_STAGE", "second")
    timer.tick(9)
    assert dump(env)["process"]["environ"]["APP_STAGE"] == "first"  # kept
    assert env.collect()["process"]["environ"]["APP_STAGE"] == "first"  # type: ignore[index]

    timer.tick(1)
    assert dump(env)["process"]["environ"]["APP_STAGE"] == "second"


def test_a_refresh_of_zero_reads_the_environment_on_each_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = EnvironmentDump(refresh=0)
    monkeypatch.setenv("APP_STAGE", "first")
    assert dump(env)["process"]["environ"]["APP_STAGE"] == "first"

    monkeypatch.setenv("APP_STAGE", "second")

    assert dump(env)["process"]["environ"]["APP_STAGE"] == "second"
    assert not env.fresh


def test_callable_sections_are_evaluated_on_every_run_and_values_kept() -> None:
    calls = Counter()
    env = EnvironmentDump(include_os=False, include_python=False, include_process=False)
    env.add_section("build", lambda: {"calls": calls.hit()})
    env.add_section("team", {"name": "web"})

    assert [dump(env)["build"]["calls"] for _ in range(3)] == [1, 2, 3]
    assert dump(env)["team"] == {"name": "web"}
    assert not env.fresh  # a callable is read per request


def test_the_body_is_the_json_of_what_collect_gives() -> None:
    env = EnvironmentDump(app={"name": "demo", "n": [1, 2]})

    body, status, _ = env.run()

    assert status == 200
    assert json.loads(body) == env.collect()
    assert env.fresh


@pytest.mark.parametrize(
    ("refresh", "error"),
    [(-1, ValueError), (float("nan"), ValueError), ("10", TypeError), (True, TypeError)],
)
def test_a_bad_refresh_is_refused_naming_it(refresh: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="refresh"):
        EnvironmentDump(refresh=refresh)  # type: ignore[arg-type]


def test_keyword_arguments_become_custom_sections() -> None:
    data = dump(EnvironmentDump(app={"name": "demo"}, build=lambda: {"number": 7}))

    assert data["app"] == {"name": "demo"}
    assert data["build"] == {"number": 7}


def test_add_section_with_a_value() -> None:
    env = EnvironmentDump()

    env.add_section("maintainer", {"team": "ops"})

    assert dump(env)["maintainer"] == {"team": "ops"}


def test_a_callable_section_is_evaluated_on_every_run() -> None:
    env = EnvironmentDump(include_os=False, include_python=False, include_process=False)
    calls: list[int] = []

    def numbered() -> int:
        calls.append(1)
        return len(calls)

    env.add_section("run_number", numbered)

    assert dump(env)["run_number"] == 1
    assert dump(env)["run_number"] == 2


def test_a_section_that_raises_reports_its_error_and_the_rest_survives() -> None:
    def broken() -> dict[str, str]:
        raise RuntimeError("config unreadable")

    env = EnvironmentDump(include_python=False)
    env.add_section("config", broken)
    env.add_section("after", "still here")

    data = dump(env)

    assert set(data["config"]) == {"error"}
    assert "config unreadable" in data["config"]["error"]
    assert data["after"] == "still here"
    assert data["os"]["platform"] == sys.platform


def test_non_json_values_in_a_section_are_rendered_with_str() -> None:
    class Version:
        def __str__(self) -> str:
            return "v1.2.3"

    env = EnvironmentDump(False, False, False)
    env.add_section("app", lambda: {"version": Version(), "ports": (80, 443)})

    assert dump(env)["app"] == {"version": "v1.2.3", "ports": [80, 443]}


def test_add_section_with_a_taken_name_raises() -> None:
    env = EnvironmentDump()
    env.add_section("app", {})

    with pytest.raises(DuplicateNameError):
        env.add_section("app", {})
    with pytest.raises(ValueError, match="app"):
        env.add_section("app", lambda: {})


def test_add_section_with_a_builtin_section_name_raises() -> None:
    env = EnvironmentDump()

    with pytest.raises(DuplicateNameError):
        env.add_section("python", {})


def test_run_async_gives_the_same_answer_as_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_not_for_you")
    env = EnvironmentDump(app="demo")

    body, status, headers = asyncio.run(env.run_async())

    data = json.loads(body)
    assert status == 200
    assert headers == {"Content-Type": "application/json"}
    assert data["app"] == "demo"
    assert data["process"]["environ"]["GITHUB_TOKEN"] == MASK
    assert {"os", "python", "process"} <= set(data)


def test_installed_packages_are_read_once_per_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    from healthcheck import defaults, environment

    reads: list[int] = []
    real = metadata.distributions

    def counted() -> Any:
        reads.append(1)
        return real()

    monkeypatch.setattr(environment, "_packages", None)
    monkeypatch.setattr(environment.metadata, "distributions", counted)
    first = dump(EnvironmentDump())["python"]["packages"]
    again = dump(EnvironmentDump())["python"]["packages"]
    assert (len(reads), first) == (1, again)
    assert first["pytest"] == pytest.__version__
    monkeypatch.setattr(defaults, "PACKAGES_TTL", 0)  # expired: read again
    monkeypatch.setattr(environment, "_packages", None)
    dump(EnvironmentDump())
    dump(EnvironmentDump())
    assert len(reads) == 3
