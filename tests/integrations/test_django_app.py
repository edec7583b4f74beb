"""``healthcheck.contrib.django`` in a real Django project (tests/django_project): its own
PostgreSQL database on loopback, Redis as a cache, one app with a migration, a Celery worker.
Driven as an operator would: ``manage.py healthcheck``, ``manage.py migrate``, Django's test
client and gunicorn serving the project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.checks.conftest import private_server, require_driver, require_service
from tests.http import get
from tests.servers import free_port

require_driver("django")
require_driver("psycopg")

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The project's environment, with a database of its own (dropped afterwards)."""
    require_service("postgresql", 5432)
    require_service("redis", 6379)
    import psycopg

    name = f"hc_django_{uuid.uuid4().hex[:8]}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.django_project.settings",
        "HC_DJANGO_DB": name,
        "HC_DJANGO_MEDIA": str(tmp_path_factory.mktemp("media")),
    }
    try:
        yield env
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.django_project.manage", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def client(env: dict[str, str], *paths: str, **extra: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.django_project.client", *paths],
        env={**env, **extra},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answers: list[dict[str, Any]] = json.loads(done.stdout)
    return answers


@pytest.fixture(scope="module")
def migrated(project: dict[str, str]) -> dict[str, str]:
    """The project before and after ``migrate``: the health command follows."""
    before = manage(project, "healthcheck", "--format", "json")
    assert before.returncode == 1, before.stdout + before.stderr
    checks = {c["name"]: c for c in json.loads(before.stdout)["checks"]}
    assert checks["django-migrations-default"]["state"] == "fail"
    assert "migrations not applied" in checks["django-migrations-default"]["output"]
    done = manage(project, "migrate", "--noinput")
    assert done.returncode == 0, done.stderr
    return project


def test_manage_py_healthcheck_runs_every_django_check(migrated: dict[str, str]) -> None:
    done = manage(migrated, "healthcheck", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    names = [c["name"] for c in json.loads(done.stdout)["checks"]]
    assert names == [
        "django-db-default",
        "django-cache-default",
        "django-cache-redis",
        "django-migrations-default",
        "django-storage-default",
    ]
    nagios = manage(migrated, "healthcheck", "--format", "nagios", "--check", "django-db-default")
    assert nagios.returncode == 0 and nagios.stdout.startswith("HEALTHCHECK OK - ")
    typo = manage(migrated, "healthcheck", "--exclude", "django-db-defualt")
    assert typo.returncode == 2 and "no check named 'django-db-defualt'" in typo.stderr


def test_the_test_client_sees_what_the_authorize_hook_allows(migrated: dict[str, str]) -> None:
    paths = [
        "/health/healthcheck",
        "/health/readyz",
        "/health/livez",
        "/health/healthcheck/django-cache-redis",
        "/health/metrics",
        "/health/environment",
        "POST /health/healthcheck",
        "/health/nothing-here",
        "/",
    ]
    anonymous = client(migrated, *paths, REMOTE="203.0.113.9")
    staff = client(migrated, *paths, REMOTE="203.0.113.9", STAFF="1")
    by_path = {a["path"]: a for a in anonymous}
    assert by_path["/health/healthcheck"]["status"] == 200
    assert json.loads(by_path["/health/healthcheck"]["body"]) == {"status": "success"}
    assert by_path["/health/readyz"]["status"] == 200
    assert by_path["/health/healthcheck/django-cache-redis"]["status"] == 404  # not for it
    assert by_path["/health/metrics"]["status"] == 403
    assert by_path["/health/environment"]["status"] == 403
    assert by_path["POST /health/healthcheck"]["status"] == 405  # csrf-exempt: our answer
    assert by_path["/health/nothing-here"]["status"] == 404
    assert by_path["/"]["body"] == "shop"  # the project's own URLs stay its own
    seen = {a["path"]: a for a in staff}
    results = json.loads(seen["/health/healthcheck"]["body"])["results"]
    assert {r["checker"] for r in results} >= {"django-db-default", "django-cache-redis"}
    one = json.loads(seen["/health/healthcheck/django-cache-redis"]["body"])
    assert [r["checker"] for r in one["results"]] == ["django-cache-redis"]
    assert seen["/health/metrics"]["status"] == 200
    assert seen["/health/environment"]["status"] == 200


def test_a_real_server_serves_the_project(migrated: dict[str, str]) -> None:
    port = free_port()
    argv = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--chdir", str(ROOT), "tests.django_project.wsgi",
    ]  # fmt: skip
    with private_server(argv, port, env=migrated, start_timeout=30, failed=pytest.fail):
        base = f"http://127.0.0.1:{port}"
        health = get(base + "/health/healthcheck")
        ready = get(base + "/health/readyz?verbose")
        page = get(base + "/health/healthcheck", headers={"Accept": "text/html"})
        shop = get(base + "/")
    # From this machine (no authorize hook would be asked: the hook decides, and says no).
    assert health.status == 200 and health.json() == {"status": "success"}
    assert ready.status == 200 and ready.body.startswith(b"ok")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert shop.body == b"shop"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"CHECKS": ["databse"]}, "CHECKS: unknown check 'databse'"),
        ({"CHECKS": ["databases", "databases"]}, "CHECKS: 'databases' is listed twice"),
        ({"ENDPOINTS": "x"}, "ENDPOINTS: a dict of options, got str"),
        ({"ENDPOINTS": {"authorize": 5}}, "ENDPOINTS: authorize must be a callable"),
        ({"CELERY_APP": 5}, "CELERY_APP: celery_check app: expected a Celery application"),
        (
            {"HEALTH": "tests.django_project.health.staff_only", "CHECKS": ["databases"]},
            "CHECKS makes checks of a HealthCheck of our own",
        ),
        ({"CHEKS": []}, "unknown key 'CHEKS'"),
        ({"CHECKS": None}, "CHECKS: a list of"),
        ({"ENVIRONMENT": "false"}, "ENVIRONMENT: True or False"),
    ],
)
def test_a_misconfiguration_is_one_line_and_exit_2(
    project: dict[str, str], setting: dict[str, Any], message: str
) -> None:
    env = {
        **project,
        "DJANGO_SETTINGS_MODULE": "tests.django_project.bad_settings",
        "HC_BAD_HEALTHCHECK": json.dumps(setting),
    }
    done = manage(env, "healthcheck")
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"HEALTHCHECK: {message}" in done.stderr
    nagios = manage(env, "healthcheck", "--format", "nagios")
    assert nagios.returncode == 3 and nagios.stdout.startswith("HEALTHCHECK UNKNOWN - ")


def test_the_readme_settings_use_only_known_keys() -> None:
    from tests.readme import example

    namespace: dict[str, Any] = {}
    exec(compile(example("Django"), "README.rst", "exec"), namespace)  # noqa: S102 - ours
    assert "healthcheck.contrib.django" in namespace["INSTALLED_APPS"]
    from healthcheck.contrib.django import conf

    assert set(namespace["HEALTHCHECK"]) <= set(conf._KEYS)
    assert set(namespace["HEALTHCHECK"]["CHECKS"]) <= set(conf._CHECKS)
