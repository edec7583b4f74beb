"""What every built-in check shares: lazy imports with install hints, names, timeouts, reprs."""

from __future__ import annotations

import importlib
import sys

import pytest

import healthcheck.checks
from healthcheck import HealthCheck, MissingDependencyError
from healthcheck.check import checker_name
from healthcheck.checks import BuiltinCheck
from healthcheck.checks._base import display_url, redact, seconds

# module, the driver it imports, the extra that installs it
DRIVERS = [
    ("redis", "redis", "redis"),
    ("postgresql", "psycopg", "postgresql"),
    ("mysql", "pymysql", "mysql"),
    ("rabbitmq", "pika", "rabbitmq"),
    ("mqtt", "paho.mqtt.client", "mqtt"),
    ("nats", "nats", "nats"),
    ("mongodb", "pymongo", "mongodb"),
    ("sqlalchemy", "sqlalchemy", "sqlalchemy"),
    ("django", "django.db", "django"),
]


@pytest.mark.parametrize(("module", "driver", "extra"), DRIVERS)
def test_a_missing_driver_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, module: str, driver: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, driver, None)  # what an uninstalled package looks like
    monkeypatch.delitem(sys.modules, f"healthcheck.checks.{module}", raising=False)
    wanted = rf"pip install '[^']+'.* \(the healthcheck-endpoints\[{extra}\] extra\)"
    with pytest.raises(MissingDependencyError, match=wanted):
        importlib.import_module(f"healthcheck.checks.{module}")


def test_the_package_imports_no_driver_until_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.delitem(sys.modules, "healthcheck.checks.redis", raising=False)
    assert healthcheck.checks.tcp_check("127.0.0.1", 1).name == "tcp-127.0.0.1-1"
    with pytest.raises(MissingDependencyError, match="healthcheck-endpoints\\[redis\\]"):
        healthcheck.checks.redis_check  # noqa: B018 - the attribute access is the test


def test_every_factory_is_exported() -> None:
    for name in healthcheck.checks.__all__:
        assert callable(getattr(healthcheck.checks, name))
    with pytest.raises(AttributeError):
        healthcheck.checks.nope_check  # noqa: B018


def test_add_check_takes_the_name_and_the_timeout_is_there() -> None:
    check = healthcheck.checks.tcp_check("127.0.0.1", 1, name="edge", timeout=1.5)
    assert isinstance(check, BuiltinCheck)
    assert (checker_name(check), check.timeout) == ("edge", 1.5)
    health = HealthCheck()
    health.add_check(check, timeout=check.timeout)
    body, code, _ = health.run()
    assert code == 500 and '"checker": "edge"' in body
    health.close()


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (0, ValueError),
        (-1, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        ("2", TypeError),
        (True, TypeError),
        (None, TypeError),
    ],
)
def test_timeouts_must_be_positive_numbers(bad: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"^redis_check timeout: expected a number of seconds above 0"):
        seconds("redis_check", bad)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:secret@db/x", "postgresql://app:***@db/x"),
        ("redis://:secret@cache:6379/0", "redis://:***@cache:6379/0"),
        ("amqp://guest:p%40ss@mq/%2F", "amqp://guest:***@mq/%2F"),
        ("https://host/health?token=abc#frag", "https://host/health"),
        ("nats://host:4222", "nats://host:4222"),
    ],
)
def test_display_url_masks_passwords_and_drops_queries(url: str, shown: str) -> None:
    assert display_url(url) == shown


def test_redact_masks_urls_and_given_secrets() -> None:
    text = "failed for postgresql://app:hunter2@db/x with hunter2"
    assert redact(text, ["hunter2", None, ""]) == "failed for postgresql://app:***@db/x with ***"


@pytest.mark.parametrize(
    ("factory", "url", "said"),
    [
        ("rabbitmq_check", "localhost", "got 'localhost' (no scheme://)"),
        ("mysql_check", "localhost", "got 'localhost' (no scheme://)"),
        ("mqtt_check", "localhost", "got 'localhost' (no scheme://)"),
        ("rabbitmq_check", "http://guest:s3cret@host", "got 'http://***@host' (scheme 'http')"),
        ("mysql_check", "mysq://root:s3cret@db/app", "got 'mysq://***@db/app' (scheme 'mysq')"),
        ("mqtt_check", "tcpx://u:s3cret@db", "got 'tcpx://***@db' (scheme 'tcpx')"),
    ],
)
def test_a_url_of_the_wrong_kind_is_refused_when_the_check_is_made(
    factory: str, url: str, said: str
) -> None:
    import healthcheck.checks

    with pytest.raises(ValueError) as raised:
        getattr(healthcheck.checks, factory)(url)
    assert said in str(raised.value) and "s3cret" not in str(raised.value)
