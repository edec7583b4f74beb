"""postgresql_check against the PostgreSQL on 127.0.0.1:5432 (trust auth, database ``test``),
a closed port and a silent listener."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from healthcheck import Status
from tests.checks.conftest import (
    assert_fails_within,
    assert_no_async_leak,
    assert_no_leak,
    call,
    require_driver,
    require_service,
    timed,
    timed_async,
)

psycopg = require_driver("psycopg")

from healthcheck.checks.postgresql import (  # noqa: E402
    async_postgresql_check,
    postgresql_check,
)

PORT = 5432
URL = f"postgresql://postgres@127.0.0.1:{PORT}/test"
Factory = Callable[..., Any]
FACTORIES: list[Factory] = [postgresql_check, async_postgresql_check]


@pytest.fixture
def server() -> str:
    require_service("postgresql", PORT)
    return URL


@pytest.mark.parametrize("factory", FACTORIES)
def test_passes_when_up(server: str, factory: Factory) -> None:
    check = factory(server)
    outcome = call(check)
    assert outcome.status is Status.PASS
    assert outcome.output.startswith("PostgreSQL ")
    assert check.__name__ == "postgresql"


@pytest.mark.parametrize("factory", FACTORIES)
def test_a_query_reports_its_value(server: str, factory: Factory) -> None:
    outcome = call(factory(server, query="SELECT count(*) FROM pg_database"))
    assert outcome.status is Status.PASS
    assert isinstance(outcome.observed_value, int) and outcome.observed_value >= 1


@pytest.mark.parametrize("factory", FACTORIES)
def test_a_numeric_query_value_is_a_number(server: str, factory: Factory) -> None:
    # NUMERIC comes back as a Decimal: extract(epoch ...), AVG(), replication lag.
    outcome = call(factory(server, query="SELECT 12.5::numeric"))
    assert (outcome.status, outcome.observed_value) == (Status.PASS, 12.5)


@pytest.mark.parametrize("factory", FACTORIES)
def test_a_query_returning_false_fails(server: str, factory: Factory) -> None:
    outcome = call(factory(server, query="SELECT pg_is_in_recovery()"))
    assert outcome.status is Status.FAIL
    assert "returned false" in outcome.output


def test_a_slow_query_is_cancelled_within_the_timeout(server: str) -> None:
    result = timed(postgresql_check(server, query="SELECT pg_sleep(30)", timeout=0.5))
    assert_fails_within(result, 0.5, "statement timeout")


def test_closed_port_fails_at_once(closed_port: int) -> None:
    result = timed(postgresql_check(f"postgresql://postgres@127.0.0.1:{closed_port}/test"))
    assert_fails_within(result, 2, "connection refused")


def test_silent_listener_fails_within_the_timeout(silent_port: int) -> None:
    # libpq's connect_timeout has a 2 s minimum.
    result = timed(postgresql_check(f"postgresql://postgres@127.0.0.1:{silent_port}/test"))
    assert_fails_within(result, 2, "timeout")


def test_async_closed_port_and_silent_listener_fail(closed_port: int, silent_port: int) -> None:
    for port, words in ((closed_port, "refused"), (silent_port, "timeout")):
        check = async_postgresql_check(f"postgresql://postgres@127.0.0.1:{port}/test")
        assert_fails_within(asyncio.run(timed_async(check)), 2, words)


@pytest.mark.parametrize("factory", FACTORIES)
def test_bad_credentials_fail_without_showing_the_password(server: str, factory: Factory) -> None:
    check = factory("postgresql://nobody:s3cr3t-pw@127.0.0.1:5432/test")
    outcome = call(check)
    assert outcome.status is Status.FAIL
    assert 'role "nobody" does not exist' in outcome.output
    assert "s3cr3t-pw" not in f"{outcome} {check!r} {check.name}"
    assert "nobody:***@127.0.0.1" in repr(check)


def test_a_keyword_dsn_hides_its_password(server: str) -> None:
    check = postgresql_check("host=127.0.0.1 user=nobody password=s3cr3t-pw dbname=test")
    assert "s3cr3t-pw" not in f"{call(check)} {check!r}"


def test_an_invalid_dsn_is_refused_without_its_password() -> None:
    with pytest.raises(ValueError, match=r"^postgresql_check dsn: .*missing \"=\"") as info:
        postgresql_check("host=db password=s3cr3t-pw dbname")
    assert "s3cr3t-pw" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize("factory", FACTORIES)
def test_missing_database_fails_clearly(server: str, factory: Factory) -> None:
    outcome = call(factory("postgresql://postgres:pw@127.0.0.1:5432/no_such_db"))
    assert outcome.status is Status.FAIL
    assert 'database "no_such_db" does not exist' in outcome.output


def sessions_named(name: str) -> int:
    with psycopg.connect(URL) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name]
        ).fetchone()
    return row[0]


def test_a_thousand_runs_leak_nothing(server: str) -> None:
    tag = f"leak-{uuid.uuid4().hex[:8]}"
    assert_no_leak(postgresql_check(f"{server}?application_name={tag}"), PORT)
    assert sessions_named(tag) == 0


def test_a_thousand_async_runs_leak_nothing(server: str) -> None:
    tag = f"leak-{uuid.uuid4().hex[:8]}"
    check = async_postgresql_check(f"{server}?application_name={tag}")
    assert_no_async_leak(check, PORT)
    assert sessions_named(tag) == 0
