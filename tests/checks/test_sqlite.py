"""sqlite_check against real database files: one that works, one missing, one that is not a
database, and one another connection holds locked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from healthcheck import HealthCheck, Status
from healthcheck.checks import sqlite_check
from tests.checks.conftest import assert_fails_within, assert_no_leak, timed


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
        connection.executemany("INSERT INTO orders VALUES (?)", [(1,), (2,), (3,)])
    connection.close()
    return path


def test_passes_reading_the_schema_version(database: Path) -> None:
    outcome = sqlite_check(database)()
    assert (outcome.status, outcome.output) == (Status.PASS, "schema version 1")


def test_a_query_gives_the_observed_value(database: Path) -> None:
    outcome = sqlite_check(database, query="SELECT count(*) FROM orders")()
    assert (outcome.status, outcome.observed_value) == (Status.PASS, 3)
    assert sqlite_check(database, query="SELECT 1 = 0")().status is Status.PASS  # 0, not False
    failing = sqlite_check(database, query="SELECT * FROM missing_table")()
    assert failing.status is Status.FAIL and "no such table" in str(failing.output)


def test_a_missing_file_fails_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    outcome = sqlite_check(path)()
    assert outcome.status is Status.FAIL and "unable to open" in str(outcome.output)
    assert not path.exists()


def test_a_file_that_is_not_a_database_fails(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just some text that is long enough " * 20)
    outcome = sqlite_check(path)()
    assert outcome.status is Status.FAIL and "not a database" in str(outcome.output)


def test_a_database_locked_by_another_connection_fails_within_the_timeout(
    database: Path,
) -> None:
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = timed(sqlite_check(database, timeout=0.3))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_fails_within(result, 0.3, "locked")


def test_registers_under_its_name_and_leaks_nothing(database: Path) -> None:
    health = HealthCheck()
    health.add_check(sqlite_check(database))
    body, status, _ = health.run()
    assert status == 200 and '"checker": "sqlite"' in body
    health.close()
    assert_no_leak(sqlite_check(database), None, times=300)


@pytest.mark.parametrize(
    ("path", "error"), [("", ValueError), (":memory:", ValueError), (42, TypeError)]
)
def test_a_path_that_names_no_file_is_refused(path: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"^sqlite_check path: expected the path of a database file"):
        sqlite_check(path)  # type: ignore[arg-type]


def test_a_query_running_past_the_timeout_is_interrupted(database: Path) -> None:
    endless = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    )
    result = timed(sqlite_check(database, query=endless, timeout=0.3))
    assert_fails_within(result, 0.3, "interrupted")
