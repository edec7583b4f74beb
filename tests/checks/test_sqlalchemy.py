"""sqlalchemy_check on engines over the PostgreSQL and MariaDB on loopback: the application's
pool is reused, never grown, and failures name their cause without the password."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from healthcheck import HealthCheck, Status
from tests.checks.conftest import (
    assert_fails_within,
    assert_no_leak,
    connections_to,
    require_driver,
    require_service,
    timed,
)

sqlalchemy = require_driver("sqlalchemy")
require_driver("psycopg")

from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from healthcheck.checks.sqlalchemy import async_sqlalchemy_check, sqlalchemy_check  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def engine() -> Iterator[sqlalchemy.Engine]:
    require_service("postgresql", 5432)
    tag = f"sa-{uuid.uuid4().hex[:8]}"
    engine = sqlalchemy.create_engine(PG, connect_args={"application_name": tag})
    yield engine
    engine.dispose()


def sessions_named(name: str) -> int:
    admin = sqlalchemy.create_engine(PG, poolclass=sqlalchemy.NullPool)
    with admin.connect() as conn:
        query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"
        return int(conn.scalar(sqlalchemy.text(query), {"name": name}))


def test_passes_and_reports_the_pool(engine: sqlalchemy.Engine) -> None:
    check = sqlalchemy_check(engine)
    outcome = check()
    assert outcome.status is Status.PASS
    assert outcome.output.startswith("postgresql: Pool size: 5")
    assert check.__name__ == "sqlalchemy"


def test_a_query_reports_its_value_and_false_fails(engine: sqlalchemy.Engine) -> None:
    assert sqlalchemy_check(engine, query="SELECT 41 + 1")().observed_value == 42
    outcome = sqlalchemy_check(engine, query="SELECT pg_is_in_recovery()")()
    assert outcome.status is Status.FAIL


def test_works_with_mariadb() -> None:
    require_service("mariadb", 3306)
    require_driver("pymysql")
    engine = sqlalchemy.create_engine("mysql+pymysql://root@127.0.0.1:3306/test")
    try:
        assert sqlalchemy_check(engine)().status is Status.PASS
    finally:
        engine.dispose()


def test_the_pool_is_reused_not_grown(engine: sqlalchemy.Engine) -> None:
    check = sqlalchemy_check(engine)
    assert_no_leak(check, 5432)
    assert engine.pool.checkedout() == 0
    assert connections_to(5432) <= 1


def test_a_thousand_runs_keep_one_server_session(engine: sqlalchemy.Engine) -> None:
    check = sqlalchemy_check(engine)
    for _ in range(1000):
        check()
    with engine.connect() as conn:
        name = conn.scalar(sqlalchemy.text("SELECT current_setting('application_name')"))
    assert sessions_named(name) == 1


def test_bad_credentials_fail_without_showing_the_password() -> None:
    require_service("postgresql", 5432)
    engine = sqlalchemy.create_engine("postgresql+psycopg://nobody:s3cr3t-pw@127.0.0.1:5432/test")
    try:
        check = sqlalchemy_check(engine)
        outcome = check()
    finally:
        engine.dispose()
    assert outcome.status is Status.FAIL
    assert 'role "nobody" does not exist' in outcome.output
    assert "s3cr3t-pw" not in f"{outcome} {check!r}"
    assert "nobody:***@" in repr(check)


def test_the_engines_connect_timeout_bounds_a_silent_server(silent_port: int) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{silent_port}/test"
    engine = sqlalchemy.create_engine(url, connect_args={"connect_timeout": 2})
    try:
        result = timed(sqlalchemy_check(engine))
    finally:
        engine.dispose()
    assert_fails_within(result, 2, "timeout")


def test_async_engine_on_its_loop() -> None:
    require_service("postgresql", 5432)

    async def scenario() -> tuple[Status, int, int]:
        engine = create_async_engine(PG)
        check = async_sqlalchemy_check(engine)
        health = HealthCheck(success_ttl=0)
        health.add_check(check)
        try:
            for _ in range(200):
                _, code, _ = await health.run_async()
            outcome = await check()
            return outcome.status, code, engine.sync_engine.pool.checkedin()
        finally:
            health.close()
            await engine.dispose()

    status, code, pooled = asyncio.run(scenario())
    assert (status, code) == (Status.PASS, 200)
    assert pooled == 1
