"""The command line's options for real deployments: headers (a bearer token for the details),
https with a private CA or a self-signed certificate, listing checks, leaving checks out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from healthcheck import HealthCheck
from healthcheck.integrations.wsgi import HealthWSGI
from tests.checks.conftest import unavailable
from tests.http import wsgi_server
from tests.test_cli import COMMAND, app_module, healthcheck

__all__ = ["app_module"]  # a fixture, used below

TOKEN = "Bearer s3cret-token-value"  # noqa: S105 - a test token


def guarded() -> HealthWSGI:
    health = HealthCheck()
    health.add_check(lambda: (True, "database ok"), name="database")
    health.add_check(lambda: (True, "cache ok"), name="cache")
    return HealthWSGI(health, authorize=lambda environ: environ.get("HTTP_AUTHORIZATION") == TOKEN)


@pytest.fixture(scope="module")
def guarded_url() -> Iterator[str]:
    with wsgi_server(guarded()) as url:
        yield url + "/healthcheck"


def test_a_header_brings_the_details_an_authorize_hook_guards(guarded_url: str) -> None:
    anonymous = healthcheck("probe", guarded_url, "--verbose")
    authorised = healthcheck("probe", guarded_url, "--verbose", "-H", f"Authorization: {TOKEN}")
    assert anonymous.returncode == 0 and authorised.returncode == 0
    assert "[+]database" not in anonymous.stdout
    assert "[+]database ok" in authorised.stdout and "[+]cache ok" in authorised.stdout
    assert "2 checks (2 pass)" in authorised.stdout
    assert "s3cret" not in authorised.stdout + authorised.stderr


@pytest.mark.parametrize(
    "header",
    ["Authorization Bearer s3cret", ": s3cret", "Bad Name: s3cret", "X-Token: s3cret\r\nX: y"],
)
def test_a_malformed_header_is_one_line_without_its_value(guarded_url: str, header: str) -> None:
    done = healthcheck("probe", guarded_url, "--header", header)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "--header" in done.stderr
    assert "s3cret" not in done.stderr


# -- https --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        unavailable("openssl is not installed (apt-get install openssl)")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    argv = [
        str(openssl), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", str(key), "-out", str(cert),
    ]  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def https_url(certificate: tuple[Path, Path]) -> Iterator[str]:
    from werkzeug.serving import make_server

    health = HealthCheck()
    health.add_check(lambda: (True, "database ok"), name="database")
    server: Any = make_server(
        "127.0.0.1", 0, HealthWSGI(health), threaded=True, ssl_context=tuple(map(str, certificate))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}/healthcheck"
    finally:
        server.shutdown()
        thread.join(10)


def test_a_self_signed_certificate_is_refused_with_the_way_out(https_url: str) -> None:
    done = healthcheck("probe", https_url)
    assert done.returncode == 2
    assert "CERTIFICATE_VERIFY_FAILED" in done.stderr and "--cacert" in done.stderr


def test_cacert_trusts_it(https_url: str, certificate: tuple[Path, Path]) -> None:
    done = healthcheck("probe", https_url, "--cacert", str(certificate[0]), "--verbose")
    assert done.returncode == 0, done.stderr
    assert "[+]database ok" in done.stdout


def test_insecure_accepts_it(https_url: str) -> None:
    done = healthcheck("probe", https_url, "--insecure")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cacert", "/nonexistent/ca.pem"], "cannot read CA certificates"),
        (["--cacert", "/nonexistent/ca.pem", "--insecure"], "--cacert is then pointless"),
    ],
)
def test_tls_misuse_is_one_line(https_url: str, args: list[str], message: str) -> None:
    done = healthcheck("probe", https_url, *args)
    assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1


def test_tls_options_on_an_http_url_are_misuse(guarded_url: str) -> None:
    done = healthcheck("probe", guarded_url, "--insecure")
    assert done.returncode == 2 and "for https URLs" in done.stderr


# -- list and run --exclude -----------------------------------------------------------------


def test_list_names_every_check_without_running_it(app_module: Path) -> None:
    text = healthcheck("list", "shop_health:health", cwd=app_module)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == [
        "database (critical, no time limit, tags: ready)",
        "feed (critical, no time limit, tags: feeds)",
    ]
    data = json.loads(
        healthcheck("list", "shop_health:health", "--format", "json", cwd=app_module).stdout
    )
    assert data == [
        {"name": "database", "critical": True, "timeout": None, "tags": ["ready"]},
        {"name": "feed", "critical": True, "timeout": None, "tags": ["feeds"]},
    ]


def test_list_of_a_hung_check_returns_at_once(app_module: Path) -> None:
    done = healthcheck("list", "shop_health:hung", cwd=app_module, timeout=20)
    assert done.returncode == 0 and done.stdout.startswith("forever (critical")


def test_run_exclude_leaves_checks_out(app_module: Path) -> None:
    done = healthcheck("run", "shop_health:health", "--exclude", "feed", "-v", cwd=app_module)
    assert done.returncode == 0, done.stdout
    assert "1 check (1 pass)" in done.stdout and "feed" not in done.stdout


def test_run_exclude_of_an_unknown_name_is_misuse(app_module: Path) -> None:
    done = healthcheck("run", "shop_health:health", "--exclude", "fed", cwd=app_module)
    assert done.returncode == 2 and "no check named 'fed'" in done.stderr


@pytest.fixture
def grouped_module(tmp_path: Path) -> Path:
    (tmp_path / "grouped_health.py").write_text(
        "from healthcheck import HealthCheck\n"
        "health = HealthCheck()\n"
        "health.add_check(lambda: (True, 'db ok'), name='database', tags=['backends'])\n"
        "health.add_check(lambda: (False, 'no feed'), name='feed')\n"
        "health.add_group('backends', tags=['backends'])\n"
    )
    return tmp_path


def test_run_group_runs_its_checks(grouped_module: Path) -> None:
    done = healthcheck("run", "grouped_health:health", "--group", "backends", cwd=grouped_module)
    assert done.returncode == 0 and "1 check (1 pass)" in done.stdout


def test_run_unknown_group_is_misuse_naming_the_groups(grouped_module: Path) -> None:
    done = healthcheck("run", "grouped_health:health", "--group", "backend", cwd=grouped_module)
    assert done.returncode == 2
    assert "no group named 'backend' (its groups: backends)" in done.stderr


# -- hostile names and locales ------------------------------------------------------------


def test_nagios_labels_are_each_their_own_and_values_numbers() -> None:
    from healthcheck.cli import CheckLine, Verdict, render

    checks = [
        CheckLine("база", "pass", seconds=0.1),
        CheckLine("диск", "pass", seconds=0.2),
        CheckLine("x=y", "pass", seconds=0.3),
        CheckLine("x_y", "pass", seconds=0.4),
        CheckLine("", "pass", seconds=0.5),
        CheckLine("db", "pass", seconds=float("nan")),
        CheckLine("db", "pass", seconds=float("inf")),
        CheckLine("db", "pass", seconds=0.6),
        CheckLine("db", "pass", seconds=0.7),
        CheckLine("it's up", "pass", seconds=0.8),
    ]
    text, code = render(Verdict("pass", "healthy", checks), "nagios", False)
    perfdata = text.split(" | ", 1)[1].split(" ")
    assert code == 0
    assert text.split(" | ", 1)[1] == (
        "база=0.100000s;;;0 диск=0.200000s;;;0 x_y=0.300000s;;;0 x_y#2=0.400000s;;;0 "
        "_=0.500000s;;;0 db=0.600000s;;;0 db#2=0.700000s;;;0 'it''s up'=0.800000s;;;0"
    )
    assert len(perfdata) == 9  # the quoted label holds a space


def test_a_locale_that_cannot_spell_a_name_gets_it_escaped(tmp_path: Path) -> None:
    (tmp_path / "intl_health.py").write_text(
        "from healthcheck import HealthCheck\n"
        "health = HealthCheck()\n"
        "health.add_check(lambda: (True, 'ok'), name='база')\n"
    )
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [*COMMAND, "run", "intl_health:health", "--format", "nagios", "--verbose"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        encoding="ascii",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("HEALTHCHECK OK - ")
    assert "\\u0431\\u0430\\u0437\\u0430" in done.stdout and "Traceback" not in done.stderr


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    names = "".join(f"health.add_check(lambda: (True, 'ok'), name='c{i}')\n" for i in range(3000))
    (tmp_path / "many_health.py").write_text(
        "from healthcheck import HealthCheck\nhealth = HealthCheck()\n" + names
    )
    # As `| head -1` does: read one line, then close the pipe.
    reader = subprocess.Popen(
        [*COMMAND, "list", "many_health:health"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert reader.stdout is not None and reader.stderr is not None
    first = reader.stdout.readline()
    reader.stdout.close()
    errors = reader.stderr.read().decode()
    reader.stderr.close()
    reader.wait(60)
    assert first.startswith(b"c0 (critical")
    assert "Traceback" not in errors and "BrokenPipe" not in errors, errors


def test_a_selection_that_leaves_nothing_is_misuse(grouped_module: Path) -> None:
    done = healthcheck(
        "run", "grouped_health:health", "--group", "backends", "--exclude", "database",
        cwd=grouped_module,
    )  # fmt: skip
    assert done.returncode == 2 and "nothing to check" in done.stderr


def test_a_probe_that_passed_with_warnings_is_a_warning() -> None:
    from healthcheck.cli import judge

    body = "[+]db ok\n[-]recommendations failed: 503\nreadyz check passed with warnings\n"
    verdict = judge(200, body, "http://127.0.0.1/readyz")
    assert verdict.state == "warn"
    assert [c.name for c in verdict.checks if c.state == "fail"] == ["recommendations"]
