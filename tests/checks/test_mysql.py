"""mysql_check against the MariaDB on 127.0.0.1:3306 (root, empty password, database ``test``),
a closed port and a silent listener."""

from __future__ import annotations

import pytest

from healthcheck import Status
from tests.checks.conftest import (
    SilentListener,
    assert_fails_within,
    assert_no_leak,
    require_driver,
    require_service,
    timed,
)

require_driver("pymysql")

from healthcheck.checks.mysql import mysql_check  # noqa: E402

PORT = 3306
URL = f"mysql://root@127.0.0.1:{PORT}/test"


@pytest.fixture
def server() -> str:
    require_service("mariadb", PORT)
    return URL


def test_passes_when_up(server: str) -> None:
    check = mysql_check(server)
    outcome = check()
    assert outcome.status is Status.PASS
    assert outcome.output.startswith("server version ")
    assert check.__name__ == "mysql"


def test_passes_without_tls(server: str) -> None:
    assert mysql_check(server, tls=False)().status is Status.PASS


def test_a_query_reports_its_value(server: str) -> None:
    outcome = mysql_check(server, query="SELECT COUNT(*) FROM information_schema.schemata")()
    assert outcome.status is Status.PASS
    assert isinstance(outcome.observed_value, int) and outcome.observed_value >= 1


def test_a_decimal_query_value_is_a_number(server: str) -> None:
    outcome = mysql_check(server, query="SELECT AVG(1.5)")()
    assert (outcome.status, outcome.observed_value) == (Status.PASS, 1.5)


def test_a_slow_query_fails_within_the_timeout(server: str) -> None:
    result = timed(mysql_check(server, query="SELECT SLEEP(30)", timeout=0.5))
    assert_fails_within(result, 0.5, "timed out")


def test_closed_port_fails_at_once(closed_port: int) -> None:
    result = timed(mysql_check(f"mysql://root@127.0.0.1:{closed_port}/test", timeout=1))
    assert_fails_within(result, 1, "connection refused")


def test_silent_listener_fails_within_the_timeout(silent_port: int) -> None:
    result = timed(mysql_check(f"mysql://root@127.0.0.1:{silent_port}/test", timeout=0.5))
    assert_fails_within(result, 0.5, "timed out")


def test_bad_credentials_fail_without_showing_the_password(server: str) -> None:
    check = mysql_check("mysql://root:s3cr3t-pw@127.0.0.1:3306/test")
    outcome = check()
    assert outcome.status is Status.FAIL
    assert "Access denied for user 'root'" in outcome.output
    assert "s3cr3t-pw" not in f"{outcome} {check!r} {check.name}"
    assert "root:***@127.0.0.1" in repr(check)


def test_missing_database_fails_clearly(server: str) -> None:
    outcome = mysql_check("mysql://root@127.0.0.1:3306/no_such_db")()
    assert outcome.status is Status.FAIL
    assert "Unknown database 'no_such_db'" in outcome.output


def test_only_mysql_urls_are_taken() -> None:
    with pytest.raises(ValueError, match=r"^mysql_check dsn: .*\(scheme 'postgresql'\)$"):
        mysql_check("postgresql://root@127.0.0.1/test")


def test_a_thousand_runs_leak_nothing(server: str) -> None:
    # tls=False: with PyMySQL's default each connection spends ~30 ms loading CA certificates.
    assert_no_leak(mysql_check(server, tls=False), PORT)


def test_runs_with_the_default_tls_setting_leak_nothing(server: str) -> None:
    assert_no_leak(mysql_check(server), PORT, times=100)


def test_refused_connections_leak_nothing(closed_port: int) -> None:
    port = closed_port
    assert_no_leak(mysql_check(f"mysql://root@127.0.0.1:{port}/test", tls=False), None)


def test_silent_listeners_leak_nothing(silent_listener: SilentListener) -> None:
    port = silent_listener.port
    check = mysql_check(f"mysql://root@127.0.0.1:{port}/test", tls=False, timeout=0.05)
    assert_no_leak(check, port, times=20, listener=silent_listener)
