"""``healthcheck.environmentdump``: py-healthcheck's module path and its EnvironmentDump."""

from __future__ import annotations

import json
import os
import sys

import pytest

import healthcheck
from healthcheck.environmentdump import EnvironmentDump


def test_the_module_exports_the_package_s_class() -> None:
    assert EnvironmentDump is healthcheck.EnvironmentDump


def test_run_answers_json_with_the_three_sections() -> None:
    body, status, headers = EnvironmentDump().run()
    assert (status, headers) == (200, {"Content-Type": "application/json"})
    data = json.loads(body)
    assert {"os", "python", "process"} <= set(data)
    assert data["os"]["platform"] == sys.platform
    assert data["python"]["version"] == sys.version
    assert data["process"]["pid"] == os.getpid()


def test_sections_can_be_left_out() -> None:
    data = json.loads(
        EnvironmentDump(include_os=False, include_python=False, include_process=False).run()[0]
    )
    assert data == {}


def test_custom_sections_from_keywords_and_add_section() -> None:
    dump = EnvironmentDump(include_os=False, application={"maintainer": "ops"})
    dump.add_section("version", "1.4")
    dump.add_section("flags", lambda: {"beta": True})
    data = json.loads(dump.run()[0])
    assert data["application"] == {"maintainer": "ops"}
    assert data["version"] == "1.4"
    assert data["flags"] == {"beta": True}
    with pytest.raises(Exception, match="version"):
        dump.add_section("version", "again")


def test_environment_variables_with_key_token_or_pass_are_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "not-to-be-seen-1")
    monkeypatch.setenv("GITHUB_TOKEN", "not-to-be-seen-2")
    monkeypatch.setenv("DB_PASSWORD", "not-to-be-seen-3")
    monkeypatch.setenv("APP_COLOUR", "blue")
    body = EnvironmentDump().run()[0]
    environ = json.loads(body)["process"]["environ"]
    assert "not-to-be-seen" not in body
    assert environ["STRIPE_API_KEY"] == environ["GITHUB_TOKEN"] == environ["DB_PASSWORD"]
    assert environ["STRIPE_API_KEY"] != "not-to-be-seen-1"
    assert environ["APP_COLOUR"] == "blue"


def test_a_subclass_overriding_a_section_method_changes_that_section(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTERNAL_HOST", "db-7.internal")

    class TrimmedDump(EnvironmentDump):
        def get_process(self) -> dict[str, object]:
            return {"pid": os.getpid()}  # no environ, no argv

        def get_python(self) -> dict[str, object]:
            return {"version": "hidden"}

    body = TrimmedDump(include_os=False).run()[0]
    assert json.loads(body) == {"process": {"pid": os.getpid()}, "python": {"version": "hidden"}}
    assert "db-7.internal" not in body


def test_get_login_feeds_the_process_section() -> None:
    class NamedDump(EnvironmentDump):
        def get_login(self) -> str:
            return "svc-billing"

    dump = NamedDump(include_os=False, include_python=False)
    assert json.loads(dump.run()[0])["process"]["user"] == "svc-billing"
    assert EnvironmentDump().get_os()["platform"] == sys.platform  # type: ignore[index]
