"""Configuration without code: a TOML file and the environment, against the real PostgreSQL
and Redis on loopback; and errors that name the file, the line and the key."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from healthcheck import HealthCheck
from healthcheck.config import ConfigError, load
from healthcheck.endpoints import Endpoints, Request
from tests.checks.conftest import require_service
from tests.test_core import eventually

POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/0"

FILE = f"""
# The service's health, declared.
[healthcheck]
error_timeout = 3
success_ttl = 10

[endpoints]
details = "when_authorized"
trusted_proxies = ["10.0.0.0/8"]

[[check]]
url = "{POSTGRESQL}"
name = "database"
tags = ["ready", "backends"]

[[check]]
url = "{REDIS}"
tags = ["backends"]
timeout = 1.5

[[check]]
type = "disk"
path = "/"
warn_percent = 95
fail_percent = 99
critical = false

[[check]]
type = "tcp"
host = "127.0.0.1"
port = 6379
name = "redis-port"

[groups.backends]
tags = ["backends"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "health.toml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def services() -> None:
    require_service("postgresql", 5432)
    require_service("redis", 6379)


def test_a_file_declares_everything(tmp_path: Path, services: None) -> None:
    setup = load(write(tmp_path, FILE), environ={})
    health = setup.health
    assert [c.name for c in health.checks] == ["database", "redis", "disk-root", "redis-port"]
    assert health.checks[1].timeout == 1.5 and health.checks[2].critical is False
    assert (health.error_timeout, health.success_ttl) == (3, 10)
    assert setup.endpoints == {"details": "when_authorized", "trusted_proxies": ["10.0.0.0/8"]}
    body, status, _ = health.run()
    assert status == 200, body
    backends = health.run(group="backends")[0]
    assert [r["checker"] for r in json.loads(backends)["results"]] == ["database", "redis"]
    endpoints = Endpoints(health, **setup.endpoints)  # what any adapter is given
    outside = endpoints.handle(Request("GET", "/healthcheck", remote_addr="203.0.113.9"))
    assert outside is not None and json.loads(outside.body) == {"status": "success"}
    health.close()


def test_the_environment_is_one_call(services: None) -> None:
    environ = {
        "DATABASE_URL": POSTGRESQL,
        "REDIS_URL": REDIS,
        "HEALTHCHECK_TIMEOUT": "1",
        "HEALTHCHECK_ERROR_TIMEOUT": "2.5",
        "HEALTHCHECK_DETAILS": "always",
    }
    health = HealthCheck.from_env(environ)
    assert [(c.name, sorted(c.tags)) for c in health.checks] == [
        ("database", ["ready"]),
        ("redis", ["ready"]),
    ]
    assert [c.func.timeout for c in health.checks] == [1, 1]  # type: ignore[attr-defined]
    assert health.error_timeout == 2.5
    assert health.probe("ready")[1] == 200
    assert load(environ=environ).endpoints == {"details": "always"}
    health.close()


def test_the_file_is_found_through_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[[check]]\ntype = "memory"\n')
    health = HealthCheck.from_env({"HEALTHCHECK_CONFIG": str(path)})
    assert [c.name for c in health.checks] == ["memory"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[check]]\ntype = "memory"\n\n[[check]]\ntype = "disk"\ntimout = 2\n',
            "health.toml, line 6: [[check]] #2: timout: unknown key (did you mean 'timeout'?)",
        ),
        (
            '[[check]]\nurl = "postgress://db/app"\n',
            "health.toml, line 2: [[check]] #1: url: no check for scheme 'postgress'",
        ),
        (
            '[[check]]\ntype = "disc"\n',
            "health.toml, line 2: [[check]] #1: type: unknown type 'disc'",
        ),
        (
            "[healthcheck]\nerror_timeout = 2\nfailed_ttl = -5\n",
            "health.toml, line 3: [healthcheck] failed_ttl:",
        ),
        (
            "[healthcheck]\nerror_timout = 2\n",
            "health.toml, line 2: [healthcheck] error_timout: unknown key (did you mean "
            "'error_timeout'?)",
        ),
        (
            '[endpoints]\ndetails = "sometimes"\n',
            "health.toml, line 2: [endpoints] details: details must be always",
        ),
        (
            '[[check]]\ntype = "memory"\n\n[groups.backends]\nchecks = ["database"]\n',
            "health.toml, line 4: [groups] backends: group 'backends': no check named 'database'",
        ),
        (
            '[[check]]\ntype = "tcp"\nhost = "db"\nport = "postgres"\n',
            "health.toml, line 4: [[check]] #1: port: expected a port number from 1 to 65535 "
            "such as 5432, got 'postgres' (str)",
        ),
        ("[checks]\n", "health.toml, line 1: checks: unknown table"),
        (
            "[endpoints]\nrefresh = 0.5\n",
            "health.toml, line 2: [endpoints] refresh: refresh must be",
        ),
        (
            '[[check]]\ntype = "disk"\npath = "/"\nwarn_percent = "90"\n',
            "health.toml, line 4: [[check]] #1: warn_percent: expected a percentage from 0 to 100 "
            "(or None) such as 80, got '90' (str)",
        ),
        (
            '[[check]]\ntype = "memory"\ncritical = "false"\n',
            "health.toml, line 3: [[check]] #1: critical: critical must be True or False",
        ),
        (
            '[[check]]\nurl = "postgresql://db/app"\nquery = 5\n',
            "health.toml, line 3: [[check]] #1: query: expected SQL text (or None) such as",
        ),
        (
            '[[check]]\nurl = "http://u:pw@[::1/x"\n',
            # (a shorter prefix: the path join below would fold the URLs' //)
            "health.toml, line 2: [[check]] #1: url: expected an http",
        ),
        (
            '[[check]]\nname = "up"\ntype = "http"\nurl = "http://h"\nexpect_status = "200"\n',
            "health.toml, line 5: [[check]] #1: expect_status: expected an HTTP status code",
        ),
        (
            "[[check]]\ntype = \nname = 'x'\n",
            "health.toml: not valid TOML: Invalid value (at line 2, column 8)",
        ),
    ],
)
def test_errors_name_the_file_the_line_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load(path, environ={})
    assert str(raised.value).startswith(str(tmp_path / message)), str(raised.value)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"HEALTHCHECK_TIMEOUT": "soon"}, "HEALTHCHECK_TIMEOUT: not a number: 'soon'"),
        ({"REDIS_URL": "redis:/x", "HEALTHCHECK_TIMEOUT": "-1"}, "HEALTHCHECK_TIMEOUT"),
        ({"DATABASE_URL": "sqlserver://db/app"}, "DATABASE_URL: no check for scheme 'sqlserver'"),
        (
            {"REDIS_URL": "redis://u:s3cret@cache:6379/zero"},
            "REDIS_URL: redis_check url: expected a Redis URL",
        ),
        ({"HEALTHCHECK_FAILED_TTL": "-5"}, "HEALTHCHECK_FAILED_TTL:"),
        ({"HEALTHCHECK_CONFIG": "/nonexistent/health.toml"}, "/nonexistent/health.toml: cannot"),
    ],
)
def test_environment_errors_name_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load(environ=environ)


def test_the_readme_file_is_contribs_and_loads(services: None) -> None:
    import re

    from tests.readme import README

    block = re.search(r"\.\. code-block:: toml\n\n((?:    .*\n|\n)+)", README.read_text())
    assert block is not None
    shown = "\n".join(line[4:] for line in block.group(1).splitlines()).strip() + "\n"
    contrib = Path(__file__).resolve().parent.parent / "contrib" / "health.toml"
    assert shown == contrib.read_text()
    setup = load(contrib, environ={})
    assert [c.name for c in setup.health.checks] == ["database", "redis", "disk-root"]
    # Background mode (interval = 10): "pending" until the first round has landed.
    assert eventually(lambda: setup.health.run(group="backends")[1] == 200)
    setup.health.close()


def test_sqlalchemy_style_and_alias_urls_are_understood(tmp_path: Path) -> None:
    import sqlite3

    sqlite3.connect(tmp_path / "app.db").close()
    environ = {
        "DATABASE_URL": f"sqlite+pysqlite:///{tmp_path}/app.db?mode=ro",
        "MYSQL_URL": "mysql+pymysql://root@127.0.0.1:3306/test",
        "MEMCACHED_URL": "memcached://127.0.0.1:11211",
    }
    health = HealthCheck.from_env(environ)
    kinds = {c.name: type(c.func).__name__ for c in health.checks}
    assert kinds == {
        "database": "SQLiteCheck",
        "mysql": "MySQLCheck",
        "memcached": "MemcachedCheck",
    }
    assert health.run("database")[1] == 200
    postgres = HealthCheck.from_env(
        {"DATABASE_URL": POSTGRESQL.replace("postgresql", "postgresql+psycopg")}
    )
    assert type(postgres.checks[0].func).__name__ == "PostgreSQLCheck"
