"""django_database_check with Django configured for the PostgreSQL on loopback: passes, fails
clearly for a missing database or role, and leaves no connection open."""

from __future__ import annotations

import uuid

import pytest

from healthcheck import HealthCheck, Status
from tests.checks.conftest import assert_no_leak, require_driver, require_service

require_driver("django")
require_driver("psycopg")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

TAG = f"dj-{uuid.uuid4().hex[:8]}"


def database(name: str, user: str = "postgres", password: str = "") -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": user,
        "PASSWORD": password,
        "HOST": "127.0.0.1",
        "PORT": "5432",
        "OPTIONS": {"connect_timeout": 2, "application_name": TAG},
    }


if not settings.configured:
    settings.configure(
        DATABASES={
            "default": database("test"),
            "missing": database("no_such_db"),
            "stranger": database("test", "nobody", "s3cr3t-pw"),
        },
        USE_TZ=True,
    )
    django.setup()

from django.db import connections  # noqa: E402

from healthcheck.checks.django import django_database_check  # noqa: E402


@pytest.fixture(autouse=True)
def server() -> None:
    require_service("postgresql", 5432)


def open_sessions() -> int:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test") as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [TAG]
        ).fetchone()
    return int(row[0]) if row else 0


def test_passes() -> None:
    check = django_database_check()
    outcome = check()
    assert (outcome.status, outcome.output) == (Status.PASS, "postgresql ok")
    assert check.__name__ == "django-db-default"


def test_runs_on_the_check_threads_and_closes_their_connections() -> None:
    health = HealthCheck(success_ttl=0)
    health.add_check(django_database_check())
    for _ in range(20):
        _, code, _ = health.run()
        assert code == 200
    health.close()
    assert open_sessions() == 0


def test_missing_database_fails_clearly() -> None:
    outcome = django_database_check("missing")()
    assert outcome.status is Status.FAIL
    assert 'database "no_such_db" does not exist' in outcome.output


def test_bad_credentials_fail_without_showing_the_password() -> None:
    check = django_database_check("stranger")
    outcome = check()
    assert outcome.status is Status.FAIL
    assert 'role "nobody" does not exist' in outcome.output
    assert "s3cr3t-pw" not in f"{outcome} {check!r}"


def test_a_thousand_runs_leak_nothing() -> None:
    assert_no_leak(django_database_check(), 5432)
    assert connections["default"].connection is None
    assert open_sessions() == 0


def test_an_alias_not_in_the_settings_is_refused_when_the_check_is_made() -> None:
    with pytest.raises(ValueError, match=r"^django_database_check alias: .* got 'nope' \(known: "):
        django_database_check("nope")
