"""Secrets never reach a response body or the "healthcheck" log, from any source: the process
environment and command line, custom sections, check outputs, exceptions and check names."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from healthcheck import (
    EnvironmentDump,
    HealthCheck,
    Outcome,
    Scrubber,
    Status,
    traceback_exception_handler,
)

MASK = "********"
SECRET = "S3cr3tE2e9f41"  # noqa: S105 - a fake secret, distinct from anything else
GITHUB_TOKEN = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"
AWS_KEY_ID = "AKIA" + "Q2W3E4R5T6Y7U8I9"
DSN = f"postgresql://app:{SECRET}@db.internal:5432/orders"
MASKED_DSN = f"postgresql://app:{MASK}@db.internal:5432/orders"
#: Bounds only how long a lost result could block run(); never a tighter assertion.
HANG = 5.0


# -- helpers -----------------------------------------------------------------------------------


class Collecting(logging.Handler):
    """A real handler: formats each record, traceback included, as a log file would."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def log_file() -> Iterator[Collecting]:
    handler = Collecting()
    logger = logging.getLogger("healthcheck")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def body_of(response: tuple[Any, int, dict[str, str]]) -> tuple[str, dict[str, Any]]:
    body, _, _ = response
    assert isinstance(body, str)
    data = json.loads(body)
    assert isinstance(data, dict)
    return body, data


def by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["checker"]: r for r in data["results"]}


def refuse_connection() -> tuple[bool, str]:
    raise ConnectionError(f"could not connect to {DSN}: connection refused")


# -- EnvironmentDump: process.argv and process.environ -----------------------------------------


def test_argv_secrets_are_masked_and_ordinary_arguments_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "app.py",
            "--password",
            SECRET,
            f"--db-password={SECRET}",
            "--database-url",
            DSN,
            "-p",
            "5432",
            "--host",
            "db.internal",
        ],
    )

    body, _, _ = EnvironmentDump(include_os=False, include_python=False).run()
    argv = json.loads(body)["process"]["argv"]

    assert SECRET not in body
    assert argv == [
        "app.py",
        "--password",
        MASK,
        f"--db-password={MASK}",
        "--database-url",
        MASKED_DSN,
        "-p",
        "5432",
        "--host",
        "db.internal",
    ]


def test_environ_secrets_are_masked_by_key_and_by_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PASSWORD", SECRET)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("STRIPE_API_KEY", SECRET)
    monkeypatch.setenv("SENTRY_DSN", f"https://{SECRET}@o1.ingest.sentry.io/1")
    monkeypatch.setenv("DATABASE_URL", DSN)
    monkeypatch.setenv("CACHE_URL", f"redis://:{SECRET}@cache:6379/0")
    monkeypatch.setenv("LIBPQ_CONN", f"host=db user=app password={SECRET} dbname=orders")
    monkeypatch.setenv("DEPLOY_BOT", GITHUB_TOKEN)
    monkeypatch.setenv("UPSTREAM_HEADER", f"Bearer {SECRET}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AWS_KEY_ID)
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
    monkeypatch.setenv("HOME", "/home/app")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("PWD", "/srv/app")
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.setenv("PUBLIC_URL", "https://example.com/app")

    body, _, _ = EnvironmentDump().run()
    environ = json.loads(body)["process"]["environ"]

    assert SECRET not in body
    assert GITHUB_TOKEN not in body
    assert AWS_KEY_ID not in body
    for name in ("DB_PASSWORD", "SECRET_KEY", "STRIPE_API_KEY", "SENTRY_DSN", "AWS_ACCESS_KEY_ID"):
        assert environ[name] == MASK, name
    assert environ["DATABASE_URL"] == MASKED_DSN
    assert environ["CACHE_URL"] == f"redis://:{MASK}@cache:6379/0"
    assert environ["LIBPQ_CONN"] == f"host=db user=app password={MASK} dbname=orders"
    assert environ["DEPLOY_BOT"] == MASK
    assert environ["UPSTREAM_HEADER"] == f"Bearer {MASK}"
    assert environ["PATH"] == "/usr/local/bin:/usr/bin:/bin"
    assert environ["HOME"] == "/home/app"
    assert environ["LANG"] == "C.UTF-8"
    assert environ["PWD"] == "/srv/app"  # noqa: S105 - the working directory
    assert environ["PORT"] == "8080"
    assert environ["DB_HOST"] == "db.internal"
    assert environ["PUBLIC_URL"] == "https://example.com/app"


def test_the_rest_of_the_process_section_stays_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PASSWORD", SECRET)

    process = EnvironmentDump().collect()["process"]

    assert isinstance(process, dict)
    assert process["pid"] == os.getpid()
    assert process["cwd"] == os.getcwd()
    assert isinstance(process["user"], str)
    assert process["user"] != MASK


# -- EnvironmentDump: custom sections ----------------------------------------------------------


def test_custom_sections_of_an_environment_dump_are_scrubbed_however_added() -> None:
    config = {"SECRET_KEY": "x", "DATABASE_URI": "mysql://u:pw@h/db", "DEBUG": False}
    env = EnvironmentDump(
        include_os=False, include_python=False, include_process=False, config=config
    )
    env.add_section("services", lambda: [{"name": "db", "dsn": DSN}, {"name": "cache", "url": DSN}])
    env.add_section("raw", f"host=db password={SECRET}")

    body, status, _ = env.run()
    data = json.loads(body)

    assert status == 200
    assert SECRET not in body
    assert data["config"] == {
        "SECRET_KEY": MASK,
        "DATABASE_URI": f"mysql://u:{MASK}@h/db",
        "DEBUG": False,
    }
    assert data["services"] == [{"name": "db", "dsn": MASK}, {"name": "cache", "url": MASKED_DSN}]
    assert data["raw"] == f"host=db password={MASK}"


def test_a_section_that_raises_with_a_secret_in_its_message_is_scrubbed_in_body_and_log(
    caplog: pytest.LogCaptureFixture, log_file: Collecting
) -> None:
    def broken() -> dict[str, str]:
        raise RuntimeError(f"cannot read settings from {DSN}")

    caplog.set_level(logging.ERROR, logger="healthcheck")
    env = EnvironmentDump(
        include_os=False, include_python=False, include_process=False, settings=broken
    )

    body, status, _ = env.run()

    assert status == 200
    assert SECRET not in body
    assert json.loads(body)["settings"] == {
        "error": f"RuntimeError: cannot read settings from {MASKED_DSN}"
    }
    assert "Traceback (most recent call last)" in caplog.text  # the traceback is logged ...
    assert SECRET not in caplog.text  # ... without the secret
    assert "Traceback (most recent call last)" in log_file.text
    assert SECRET not in log_file.text


def test_a_custom_scrubber_applies_to_an_environment_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERNAL_REF", "abc")
    monkeypatch.setenv("TICKET", "see INT-123456")
    scrubber = Scrubber(keys=[r"^internal_"], values=[r"INT-[0-9]{6}"], mask="[hidden]")

    data = EnvironmentDump(
        scrubber=scrubber, meta={"internal_id": 7, "password": "x", "n": "INT-000042"}
    ).collect()

    process = data["process"]
    assert isinstance(process, dict)
    environ = process["environ"]
    assert isinstance(environ, dict)
    assert environ["INTERNAL_REF"] == "[hidden]"
    assert environ["TICKET"] == "see [hidden]"
    assert data["meta"] == {"internal_id": "[hidden]", "password": "[hidden]", "n": "[hidden]"}


# -- mask_all ----------------------------------------------------------------------------------


def test_mask_all_masks_environ_argv_and_custom_sections_but_not_the_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HARMLESS_LOOKING", "just-a-value")
    monkeypatch.setenv("PATH", "/usr/bin")
    monkeypatch.setattr(sys, "argv", ["app.py", "--port", "8000", "--verbose"])

    env = EnvironmentDump(
        scrubber=Scrubber(mask_all=True), config={"region": "eu", "limits": {"rps": 100}}
    )
    body, status, _ = env.run()
    data = json.loads(body)

    assert status == 200
    process = data["process"]
    assert process["argv"] == [MASK, MASK, MASK, MASK]
    assert set(process["environ"]) >= {"HARMLESS_LOOKING", "PATH"}  # names stay
    assert set(process["environ"].values()) == {MASK}  # every value goes
    assert process["pid"] == os.getpid()
    assert process["cwd"] == os.getcwd()
    assert data["config"] == {"region": MASK, "limits": {"rps": MASK}}
    assert data["os"]["platform"] == sys.platform
    assert data["os"]["name"] == os.name
    assert data["python"]["version"] == sys.version
    assert data["python"]["executable"] == sys.executable


def test_mask_all_masks_every_custom_section_of_a_health_check(
    make_health: Callable[..., HealthCheck],
) -> None:
    health = make_health(
        scrubber=Scrubber(mask_all=True), config={"region": "eu", "replicas": [1, 2]}
    )
    health.add_section("version", "1.2.3")
    health.add_check(lambda: (True, "fine"), name="ok")

    _, data = body_of(health.run())

    assert data["config"] == {"region": MASK, "replicas": [MASK, MASK]}
    assert data["version"] == MASK
    assert data["status"] == "success"
    assert by_name(data)["ok"]["output"] == "fine"


# -- HealthCheck: custom sections --------------------------------------------------------------


def test_custom_sections_of_a_health_check_are_scrubbed_however_added(
    make_health: Callable[..., HealthCheck],
) -> None:
    health = make_health(config={"SECRET_KEY": "x", "DATABASE_URI": "mysql://u:pw@h/db"})
    health.add_section("upstreams", lambda: {"billing": {"url": DSN, "apiKey": SECRET}})
    health.add_section("release", {"version": "1.2.3", "commit": "abc1234"})
    health.add_check(lambda: (True, "fine"), name="ok")

    body, data = body_of(health.run())

    assert SECRET not in body
    assert "pw@" not in body
    assert data["config"] == {"SECRET_KEY": MASK, "DATABASE_URI": f"mysql://u:{MASK}@h/db"}
    assert data["upstreams"] == {"billing": {"url": MASKED_DSN, "apiKey": MASK}}
    assert data["release"] == {"version": "1.2.3", "commit": "abc1234"}


# -- HealthCheck: check outputs, in the body and in the log ------------------------------------


def test_an_exception_quoting_a_dsn_is_scrubbed_in_the_body_and_every_log_record(
    make_health: Callable[..., HealthCheck],
    caplog: pytest.LogCaptureFixture,
    log_file: Collecting,
) -> None:
    caplog.set_level(logging.ERROR, logger="healthcheck")
    health = make_health()
    health.add_check(refuse_connection, name="database")

    response = health.run()
    body, data = body_of(response)

    assert response[1] == 500
    assert SECRET not in body
    assert (
        by_name(data)["database"]["output"]
        == f"could not connect to {MASKED_DSN}: connection refused"
    )

    records = [r for r in caplog.records if r.name == "healthcheck"]
    assert records
    assert any(r.exc_text for r in records)  # the traceback is in the log ...
    # ... as masked text only: the exception object would reach JSON formatters and Sentry
    assert all(r.exc_info is None for r in records)
    for record in records:
        assert SECRET not in record.getMessage()
        assert SECRET not in (record.exc_text or "")
    assert "Traceback (most recent call last)" in caplog.text
    assert MASKED_DSN in caplog.text
    assert SECRET not in caplog.text  # ... with the secret masked

    assert "Traceback (most recent call last)" in log_file.text
    assert "refuse_connection" in log_file.text
    assert MASKED_DSN in log_file.text
    assert SECRET not in log_file.text


def test_a_chained_exception_is_scrubbed_in_the_logged_traceback(
    make_health: Callable[..., HealthCheck], log_file: Collecting
) -> None:
    def wrapped() -> tuple[bool, str]:
        try:
            refuse_connection()
        except ConnectionError as exc:
            raise RuntimeError("database unavailable") from exc
        return True, "unreachable"

    health = make_health()
    health.add_check(wrapped, name="database")

    _, data = body_of(health.run())

    assert by_name(data)["database"]["output"] == "database unavailable"
    assert "direct cause" in log_file.text
    assert MASKED_DSN in log_file.text
    assert SECRET not in log_file.text


def test_an_output_dict_with_a_token_key_is_scrubbed_in_the_body_and_the_log(
    make_health: Callable[..., HealthCheck],
    caplog: pytest.LogCaptureFixture,
    log_file: Collecting,
) -> None:
    caplog.set_level(logging.ERROR, logger="healthcheck")
    health = make_health()
    health.add_check(lambda: (False, {"token": SECRET, "host": "api.internal"}), name="api")
    health.add_check(lambda: (True, {"token": SECRET, "latency_ms": 12}), name="auth-service")

    body, data = body_of(health.run())
    results = by_name(data)

    assert SECRET not in body
    assert results["api"]["output"] == {"token": MASK, "host": "api.internal"}
    assert results["auth-service"]["output"] == {"token": MASK, "latency_ms": 12}
    assert "api.internal" in caplog.text  # the failure is logged ...
    assert SECRET not in caplog.text  # ... scrubbed
    assert any("api.internal" in line for line in log_file.lines)
    assert SECRET not in log_file.text


def test_an_outcome_output_is_scrubbed(make_health: Callable[..., HealthCheck]) -> None:
    health = make_health()
    health.add_check(
        lambda: Outcome(Status.WARN, [f"Bearer {SECRET}", {"password": SECRET}], 3, "conns"),
        name="pool",
    )

    body, data = body_of(health.run())

    assert SECRET not in body
    assert by_name(data)["pool"]["output"] == [f"Bearer {MASK}", {"password": MASK}]


def test_an_outcome_s_observed_value_and_unit_are_scrubbed(
    make_health: Callable[..., HealthCheck],
) -> None:
    health = make_health()
    health.add_check(lambda: Outcome(Status.PASS, "ok", DSN, f"password={SECRET}"), name="db")
    health.add_check(lambda: Outcome(Status.PASS, "ok", 3, "conns"), name="pool")

    body, data = body_of(health.run())

    assert SECRET not in body
    results = by_name(data)
    assert results["db"]["observed_value"] == MASKED_DSN
    assert results["db"]["observed_unit"] == f"password={MASK}"
    assert (results["pool"]["observed_value"], results["pool"]["observed_unit"]) == (3, "conns")


def test_an_async_checker_is_scrubbed_in_the_body_and_the_log(
    make_health: Callable[..., HealthCheck], log_file: Collecting
) -> None:
    async def database() -> tuple[bool, str]:
        await asyncio.sleep(0)
        raise ConnectionError(f"could not connect to {DSN}")

    health = make_health()
    health.add_check(database)

    body, data = body_of(asyncio.run(health.run_async()))

    assert SECRET not in body
    assert by_name(data)["database"]["output"] == f"could not connect to {MASKED_DSN}"
    assert "Traceback (most recent call last)" in log_file.text
    assert SECRET not in log_file.text


def test_check_names_are_scrubbed(
    make_health: Callable[..., HealthCheck], log_file: Collecting
) -> None:
    health = make_health()
    health.add_check(lambda: (False, "down"), name=f"https://u:{SECRET}@host")

    @health.checker(name=f"redis://:{SECRET}@cache:6379")
    def cache() -> tuple[bool, str]:
        return True, "ok"

    body, data = body_of(health.run())

    assert SECRET not in body
    assert set(by_name(data)) == {f"https://u:{MASK}@host", f"redis://:{MASK}@cache:6379"}
    assert f"https://u:{MASK}@host" in log_file.text
    assert SECRET not in log_file.text


def test_a_custom_scrubber_applies_to_outputs_sections_and_names(
    make_health: Callable[..., HealthCheck],
) -> None:
    scrubber = Scrubber(keys=[r"^internal_"], values=[r"INT-[0-9]{6}"], mask="[hidden]")
    health = make_health(scrubber=scrubber, meta={"internal_ref": "x", "ticket": "INT-123456"})
    health.add_check(
        lambda: (True, {"internal_id": 1, "note": "INT-654321", "password": "p"}), name="INT-111111"
    )

    body, data = body_of(health.run())

    assert "INT-" not in body
    assert data["meta"] == {"internal_ref": "[hidden]", "ticket": "[hidden]"}
    assert by_name(data)["[hidden]"]["output"] == {
        "internal_id": "[hidden]",
        "note": "[hidden]",
        "password": "[hidden]",
    }


def test_a_custom_value_pattern_is_masked_in_the_logged_traceback_too(
    make_health: Callable[..., HealthCheck],
    caplog: pytest.LogCaptureFixture,
    log_file: Collecting,
) -> None:
    # Whatever the scrubber hides from the body must not be written to the log either.
    caplog.set_level(logging.ERROR, logger="healthcheck")
    health = make_health(scrubber=Scrubber(values=[r"INT-[0-9]{6}"]))

    def billing() -> tuple[bool, str]:
        raise RuntimeError("account INT-123456 is locked")

    health.add_check(billing)

    body, data = body_of(health.run())

    assert by_name(data)["billing"]["output"] == f"account {MASK} is locked"
    assert "INT-123456" not in body
    assert "Traceback (most recent call last)" in caplog.text
    assert "INT-123456" not in caplog.text
    assert "INT-123456" not in log_file.text


# -- stack traces ------------------------------------------------------------------------------


def test_by_default_the_body_holds_no_stack_trace_but_the_log_does(
    make_health: Callable[..., HealthCheck], log_file: Collecting
) -> None:
    health = make_health()
    health.add_check(refuse_connection, name="database")

    body, data = body_of(health.run())

    assert (
        by_name(data)["database"]["output"]
        == f"could not connect to {MASKED_DSN}: connection refused"
    )
    assert "Traceback" not in body
    assert 'File "' not in body
    assert __file__ not in body
    assert os.path.basename(__file__) not in body
    assert "Traceback (most recent call last)" in log_file.text
    assert os.path.basename(__file__) in log_file.text


def test_the_traceback_handler_puts_the_stack_trace_in_the_body_still_scrubbed(
    make_health: Callable[..., HealthCheck],
) -> None:
    health = make_health(exception_handler=traceback_exception_handler)
    health.add_check(refuse_connection, name="database")

    body, data = body_of(health.run())
    output = by_name(data)["database"]["output"]

    assert isinstance(output, str)
    assert output.startswith("Traceback (most recent call last)")
    assert "refuse_connection" in output
    assert os.path.basename(__file__) in output
    assert f"ConnectionError: could not connect to {MASKED_DSN}: connection refused" in output
    assert SECRET not in body


def test_the_traceback_handler_can_be_set_after_construction(
    make_health: Callable[..., HealthCheck],
) -> None:
    health = make_health()
    health.exception_handler = traceback_exception_handler
    health.add_check(refuse_connection, name="database")

    body, _ = body_of(health.run())

    assert "Traceback (most recent call last)" in body
    assert SECRET not in body
