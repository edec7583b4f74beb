"""Build information: version, commit and release id, from arguments, environment or git."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from healthcheck import BuildInfo, HealthCheck
from healthcheck.build import COMMIT_VARIABLES, RELEASE_VARIABLES
from tests.conftest import FakeTimer


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No CI variable set, whatever the machine running the tests has."""
    for name in (*COMMIT_VARIABLES, *RELEASE_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [
            "git",
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.strip()


@pytest.fixture
def git_repository(tmp_path: Path, clean_environment: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A fresh repository with one commit; the working directory; its HEAD."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        clean_environment.delenv(name, raising=False)
    git("init", "-q", str(tmp_path), cwd=tmp_path)
    (tmp_path / "app.py").write_text("print('hello')\n")
    git("add", "app.py", cwd=tmp_path)
    git("commit", "-q", "-m", "first", cwd=tmp_path)
    head = git("rev-parse", "HEAD", cwd=tmp_path)
    clean_environment.chdir(tmp_path)
    return tmp_path, head


# -- BuildInfo ---------------------------------------------------------------------------------


def test_fields_has_every_set_value() -> None:
    info = BuildInfo("1.2.3", "abc123", "v42")
    assert info.fields() == {"version": "1.2.3", "commit": "abc123", "release_id": "v42"}


def test_fields_omits_unset_values() -> None:
    assert BuildInfo().fields() == {}
    assert BuildInfo(version="1.2").fields() == {"version": "1.2"}
    assert BuildInfo(commit="abc").fields() == {"commit": "abc"}
    assert BuildInfo(release_id="v7").fields() == {"release_id": "v7"}
    assert BuildInfo(version="1.2", release_id="v7").fields() == {
        "version": "1.2",
        "release_id": "v7",
    }


def test_from_environment_reads_commit_and_release(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("GIT_COMMIT", "0123abcd")
    clean_environment.setenv("RELEASE_ID", "release-17")
    info = BuildInfo.from_environment("1.2", use_git=False)
    assert info == BuildInfo(version="1.2", commit="0123abcd", release_id="release-17")
    assert info.fields() == {"version": "1.2", "commit": "0123abcd", "release_id": "release-17"}


def test_from_environment_with_nothing_set(clean_environment: pytest.MonkeyPatch) -> None:
    info = BuildInfo.from_environment("1.2", use_git=False)
    assert info == BuildInfo(version="1.2")
    assert info.fields() == {"version": "1.2"}
    assert BuildInfo.from_environment(use_git=False).fields() == {}


@pytest.mark.parametrize("variable", COMMIT_VARIABLES)
def test_each_ci_commit_variable_is_read(
    clean_environment: pytest.MonkeyPatch, variable: str
) -> None:
    clean_environment.setenv(variable, f"sha-from-{variable}")
    assert BuildInfo.from_environment(use_git=False).commit == f"sha-from-{variable}"


@pytest.mark.parametrize("variable", RELEASE_VARIABLES)
def test_each_release_variable_is_read(
    clean_environment: pytest.MonkeyPatch, variable: str
) -> None:
    clean_environment.setenv(variable, f"release-from-{variable}")
    assert BuildInfo.from_environment(use_git=False).release_id == f"release-from-{variable}"


def test_git_commit_comes_first_and_empty_variables_are_skipped(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("GITHUB_SHA", "from-github")
    clean_environment.setenv("GIT_COMMIT", "from-git-commit")
    assert BuildInfo.from_environment(use_git=False).commit == "from-git-commit"
    clean_environment.setenv("GIT_COMMIT", "")
    assert BuildInfo.from_environment(use_git=False).commit == "from-github"


def test_from_environment_uses_git_head_without_variables(
    git_repository: tuple[Path, str],
) -> None:
    _, head = git_repository
    info = BuildInfo.from_environment("1.2", use_git=True)
    assert info.commit == head
    assert len(head) == 40
    assert info.fields() == {"version": "1.2", "commit": head}


def test_use_git_is_the_default(git_repository: tuple[Path, str]) -> None:
    _, head = git_repository
    assert BuildInfo.from_environment().commit == head


def test_a_variable_beats_git(
    git_repository: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_COMMIT", "from-variable")
    assert BuildInfo.from_environment(use_git=True).commit == "from-variable"


def test_use_git_false_ignores_the_repository(git_repository: tuple[Path, str]) -> None:
    assert BuildInfo.from_environment(use_git=False).commit is None


def test_outside_a_repository_git_gives_no_commit(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    outside = tmp_path / "not-a-repository"
    outside.mkdir()
    clean_environment.chdir(outside)
    assert BuildInfo.from_environment("1.2", use_git=True) == BuildInfo(version="1.2")


# -- in the body ------------------------------------------------------------------------------


def test_build_info_is_at_the_top_level_of_the_body(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer, build_info=BuildInfo("2.4.1", "abc123", "v42"))
    health.add_check(lambda: (True, "ok"), name="db")
    body, code, _ = health.run()
    data = json.loads(body)
    assert code == 200
    assert (data["version"], data["commit"], data["release_id"]) == ("2.4.1", "abc123", "v42")
    assert data["status"] == "success"
    assert [r["checker"] for r in data["results"]] == ["db"]


def test_unset_build_fields_are_absent_from_the_body(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer, build_info=BuildInfo(version="2.4.1"))
    health.add_check(lambda: (True, "ok"), name="db")
    data = json.loads(health.run()[0])
    assert data["version"] == "2.4.1"
    assert "commit" not in data
    assert "release_id" not in data


def test_without_build_info_the_body_has_no_build_fields(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "ok"), name="db")
    data = json.loads(health.run()[0])
    assert not {"version", "commit", "release_id"} & set(data)


def test_build_info_is_in_failing_and_warning_bodies_too(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer, build_info=BuildInfo("2.4.1", "abc123"))
    health.add_check(lambda: (False, "down"), name="db")
    health.add_check(lambda: (False, "503"), name="recs", critical=False)
    failing = json.loads(health.run()[0])
    assert (failing["status"], failing["version"], failing["commit"]) == (
        "failure",
        "2.4.1",
        "abc123",
    )
    warning = json.loads(health.run(exclude=["db"])[0])
    assert (warning["status"], warning["version"]) == ("warning", "2.4.1")


def test_build_info_with_a_dynamic_section(timer: FakeTimer) -> None:
    health = HealthCheck(timer=timer, build_info=BuildInfo("2.4.1", "abc123", "v42"))
    health.add_section("uptime", lambda: 5)
    health.add_check(lambda: (True, "ok"), name="db")
    data = json.loads(health.run()[0])
    assert (data["version"], data["commit"], data["release_id"], data["uptime"]) == (
        "2.4.1",
        "abc123",
        "v42",
        5,
    )


def test_build_info_from_environment_reaches_the_body(
    timer: FakeTimer, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("GIT_COMMIT", "deadbeef")
    clean_environment.setenv("RELEASE_ID", "r9")
    health = HealthCheck(
        timer=timer, build_info=BuildInfo.from_environment(version="2.4.1", use_git=False)
    )
    health.add_check(lambda: (True, "ok"), name="db")
    data = json.loads(health.run()[0])
    assert (data["version"], data["commit"], data["release_id"]) == ("2.4.1", "deadbeef", "r9")
