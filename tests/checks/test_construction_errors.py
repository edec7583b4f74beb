"""Every built-in factory refuses what it cannot use when it is called, never at its first run,
in one shape: ``"<factory> <parameter>: expected <what> such as <example>, got <value>"``, with
the password of a URL never in it. And every default name is a slug: usable in
``/healthcheck/<name>`` and as an ``application/health+json`` component, while ``target`` still
says what is checked."""

from __future__ import annotations

import importlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from healthcheck.checks import __all__ as FACTORIES
from healthcheck.checks._base import slug

SECRET = "s3cretpass"  # noqa: S105 - a made-up one, looked for in every message
NAN = float("nan")

#: Stand-ins for the objects some factories take, made when a case runs (their driver may be
#: missing: then the case is skipped).
ENGINE, ASYNC_ENGINE, APP = object(), object(), object()


def _engine() -> Any:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    return sqlalchemy.create_engine(f"postgresql+psycopg://app:{SECRET}@db/app")


def _async_engine() -> Any:
    asyncio_ext = pytest.importorskip("sqlalchemy.ext.asyncio")
    return asyncio_ext.create_async_engine(f"postgresql+psycopg://app:{SECRET}@db/app")


def _app() -> Any:
    celery = pytest.importorskip("celery")
    return celery.Celery("hc", broker=f"redis://user:{SECRET}@127.0.0.1:6379/0")


_MADE: dict[int, Callable[[], Any]] = {id(ENGINE): _engine, id(ASYNC_ENGINE): _async_engine}
_MADE[id(APP)] = _app


def _made(value: Any) -> Any:
    maker = _MADE.get(id(value))
    return value if maker is None else maker()


def factory_named(name: str) -> Callable[..., Any]:
    module = importlib.import_module("healthcheck.checks")
    try:
        return getattr(module, name)  # type: ignore[no-any-return]
    except ImportError as exc:  # the driver's extra is not installed
        pytest.skip(str(exc))
        raise


#: What each factory is given when an argument other than its first is the bad one.
VALID: dict[str, tuple[Any, ...]] = {
    "redis_check": (f"redis://user:{SECRET}@localhost:6379/0",),
    "async_redis_check": (f"redis://user:{SECRET}@localhost:6379/0",),
    "postgresql_check": (f"postgresql://user:{SECRET}@localhost:5432/app",),
    "async_postgresql_check": (f"postgresql://user:{SECRET}@localhost:5432/app",),
    "mysql_check": (f"mysql://user:{SECRET}@localhost:3306/app",),
    "rabbitmq_check": (f"amqp://user:{SECRET}@localhost:5672/%2F",),
    "mqtt_check": (f"mqtt://user:{SECRET}@localhost:1883",),
    "nats_check": (f"nats://user:{SECRET}@localhost:4222",),
    "async_nats_check": (f"nats://user:{SECRET}@localhost:4222",),
    "mongodb_check": (f"mongodb://user:{SECRET}@localhost:27017",),
    "async_mongodb_check": (f"mongodb://user:{SECRET}@localhost:27017",),
    "memcached_check": ("memcache://127.0.0.1:11211",),
    "http_check": (f"http://user:{SECRET}@billing:8080/healthcheck",),
    "etcd_check": ("http://127.0.0.1:2379",),
    "smtp_check": (f"smtp://user:{SECRET}@mail.internal:587",),
    "sqlite_check": ("/srv/app/app.db",),
    "command_check": (["sh", "-c", "exit 0"],),
    "tcp_check": ("127.0.0.1", 5432),
    "async_tcp_check": ("127.0.0.1", 5432),
    "dns_check": ("example.org",),
    "async_dns_check": ("example.org",),
    "disk_check": ("/",),
    "memory_check": (),
    "load_check": (),
    "celery_check": (APP,),
    "sqlalchemy_check": (ENGINE,),
    "async_sqlalchemy_check": (ASYNC_ENGINE,),
    "django_database_check": ("default",),
    "django_cache_check": ("default",),
    "django_storage_check": ("default",),
    "django_migrations_check": ("default",),
}


@dataclass(frozen=True)
class Bad:
    """``factory`` called with ``args`` and ``kwargs`` (its valid arguments where not given),
    which must raise ``error`` about ``parameter``."""

    factory: str
    parameter: str
    error: type[Exception]
    args: tuple[Any, ...] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)

    def call(self) -> Any:
        args = VALID[self.factory] if self.args is None else self.args
        kwargs = {k: _made(v) for k, v in self.kwargs.items()}
        return factory_named(self.factory)(*map(_made, args), **kwargs)


def first(factory: str, parameter: str, values: list[tuple[Any, type[Exception]]]) -> list[Bad]:
    """Bad values of ``factory``'s first argument."""
    return [Bad(factory, parameter, error, (value, *VALID[factory][1:])) for value, error in values]


def option(factory: str, parameter: str, values: list[tuple[Any, type[Exception]]]) -> list[Bad]:
    """Bad values of ``factory``'s keyword argument ``parameter``."""
    return [Bad(factory, parameter, error, None, {parameter: value}) for value, error in values]


def url_cases(factory: str, parameter: str, scheme: str, port: int) -> list[Bad]:
    """What no URL-taking factory takes: another scheme, none, no host, a port past 65535 or
    not a number, an empty string, a number, None."""
    return first(
        factory,
        parameter,
        [
            (f"http{'x' if scheme == 'http' else ''}://user:{SECRET}@localhost:{port}", ValueError),
            (f"user:{SECRET}@localhost:{port}", ValueError),
            (f"{scheme}://user:{SECRET}@localhost:99999/x", ValueError),
            (f"{scheme}://user:{SECRET}@localhost:port/x", ValueError),
            ("", ValueError),
            ("   ", ValueError),
            (f"{scheme}://user:{SECRET}@local host:{port}", ValueError),
            (port, TypeError),
            (None, TypeError),
        ],
    )


def common(factory: str) -> list[Bad]:
    """What no factory takes as its timeout or its name."""
    return [
        *option(
            factory,
            "timeout",
            [(-1, ValueError), (0, ValueError), (NAN, ValueError), (float("inf"), ValueError)],
        ),
        *option(factory, "timeout", [("2", TypeError), (True, TypeError), (None, TypeError)]),
        *option(factory, "name", [("", ValueError), (5, TypeError)]),
    ]


HOSTS: list[tuple[Any, type[Exception]]] = [
    ("", ValueError),
    (None, TypeError),
    (b"db", TypeError),
    ("http://db.internal", ValueError),
    ("db.internal:5432", ValueError),
    ("db internal", ValueError),
    ("a" * 64 + ".example", ValueError),
    ("empty..label.example", ValueError),
    (f"user:{SECRET}@db", ValueError),
]
PERCENTS: list[tuple[Any, type[Exception]]] = [
    ("90", TypeError),
    (True, TypeError),
    (-1, ValueError),
    (101, ValueError),
    (NAN, ValueError),
]

CASES: list[Bad] = [
    *itertools.chain.from_iterable(common(factory) for factory in VALID),
    # -- URLs --
    *url_cases("redis_check", "url", "redis", 6379),
    *url_cases("async_redis_check", "url", "redis", 6379),
    *first(
        "redis_check",
        "url",
        [
            (f"redis://user:{SECRET}@:6379/0", ValueError),
            (f"redis://user:{SECRET}@localhost:6379/zero", ValueError),
            (f"redis://user:{SECRET}@localhost:6379/0?socket_timeout=soon", ValueError),
            ("unix://", ValueError),
        ],
    ),
    *url_cases("mysql_check", "dsn", "mysql", 3306),
    *first(
        "mysql_check",
        "dsn",
        [("localhost", ValueError), (f"mysql://user:{SECRET}@/app", ValueError)],
    ),
    *option("mysql_check", "tls", [("yes", TypeError), (1, TypeError)]),
    *url_cases("rabbitmq_check", "url", "amqp", 5672),
    *first(
        "rabbitmq_check",
        "url",
        [
            ("localhost", ValueError),  # once "list index out of range" at its first run
            (f"amqp://user:{SECRET}@localhost/?heartbeat=often", ValueError),
            (f"amqp://user:{SECRET}@/%2F", ValueError),
        ],
    ),
    *url_cases("mqtt_check", "url", "mqtt", 1883),
    *first("mqtt_check", "url", [(f"mqtt://user:{SECRET}@:1883", ValueError)]),
    *url_cases("nats_check", "url", "nats", 4222),
    *url_cases("async_nats_check", "url", "nats", 4222),
    *first("nats_check", "url", [(f"nats://user:{SECRET}@localhost:0", ValueError)]),
    *url_cases("mongodb_check", "url", "mongodb", 27017),
    *url_cases("async_mongodb_check", "url", "mongodb", 27017),
    *first(
        "mongodb_check",
        "url",
        [
            (f"mongodb://user:{SECRET}@localhost/app?tls=maybe", ValueError),
            (f"mongodb+srv://user:{SECRET}@cluster.example:27017/app", ValueError),
        ],
    ),
    *url_cases("memcached_check", "url", "memcache", 11211),
    *first("memcached_check", "url", [("memcache://", ValueError)]),
    *url_cases("http_check", "url", "http", 8080),
    *first(
        "http_check",
        "url",
        [
            (f"ftp://user:{SECRET}@files.internal/", ValueError),
            (f"http://user:{SECRET}@[::1/health", ValueError),
            ("http://", ValueError),
        ],
    ),
    *url_cases("etcd_check", "url", "http", 2379),
    *url_cases("smtp_check", "url", "smtp", 25),
    *first("smtp_check", "url", [(f"smtp://user:{SECRET}@", ValueError)]),
    *option("smtp_check", "starttls", [("yes", TypeError), (1, TypeError)]),
    Bad("smtp_check", "starttls", ValueError, (f"smtps://u:{SECRET}@mail",), {"starttls": True}),
    *first(
        "postgresql_check",
        "dsn",
        [
            (f"mysql://user:{SECRET}@localhost/app", ValueError),
            (f"host=db password={SECRET} dbname", ValueError),
            (f"postgresql://user:{SECRET}@localhost:99999/app", ValueError),
            (f"postgresql://user:{SECRET}@localhost:port/app", ValueError),
            (f"host=db port=seven password={SECRET}", ValueError),
            ("", ValueError),
            (5432, TypeError),
            (None, TypeError),
        ],
    ),
    *first("async_postgresql_check", "dsn", [("", ValueError), (b"host=db", TypeError)]),
    # -- queries --
    *itertools.chain.from_iterable(
        option(factory, "query", [(5, TypeError), ("", ValueError), ("  ", ValueError)])
        for factory in (
            "postgresql_check",
            "async_postgresql_check",
            "mysql_check",
            "sqlite_check",
            "sqlalchemy_check",
            "async_sqlalchemy_check",
        )
    ),
    # -- http_check's options --
    *option(
        "http_check",
        "expect_status",
        [
            ("200", TypeError),
            (True, TypeError),
            (["200"], TypeError),
            (200.0, TypeError),
            (999, ValueError),
            (0, ValueError),
            ((), ValueError),
        ],
    ),
    *option(
        "http_check",
        "headers",
        [
            ([("Accept", "text/plain")], TypeError),
            ("Authorization: Bearer x", TypeError),
            ({"Authorization": 5}, TypeError),
            ({5: "x"}, TypeError),
            ({"X-Token": "a\r\nHost: elsewhere"}, ValueError),
            ({"Bad Name": "x"}, ValueError),
            ({"": "x"}, ValueError),
        ],
    ),
    *option("http_check", "json_field", [(5, TypeError), ("", ValueError), ("a..b", ValueError)]),
    *option(
        "http_check",
        "json_status",
        [
            ({}, ValueError),
            (["green"], TypeError),
            ({1: "pass"}, TypeError),
            ({"green": "fine"}, ValueError),
        ],
    ),
    # -- hosts, ports, paths, commands --
    *first("tcp_check", "host", HOSTS),
    *first("async_tcp_check", "host", HOSTS[:4]),
    *[
        Bad(factory, "port", error, ("127.0.0.1", port))
        for factory in ("tcp_check", "async_tcp_check")
        for port, error in [
            ("5432", TypeError),
            (5432.0, TypeError),
            (True, TypeError),
            (None, TypeError),
            (0, ValueError),
            (-1, ValueError),
            (65536, ValueError),
        ]
    ],
    *first("dns_check", "host", HOSTS),
    *first("async_dns_check", "host", HOSTS[:4]),
    *first(
        "disk_check",
        "path",
        [("", ValueError), ("/var\x00/lib", ValueError), (5, TypeError), (None, TypeError)],
    ),
    *first(
        "sqlite_check",
        "path",
        [("", ValueError), (":memory:", ValueError), (42, TypeError), (None, TypeError)],
    ),
    *first(
        "command_check",
        "argv",
        [
            ("pg_isready -h db", TypeError),
            ([], ValueError),
            ([""], ValueError),
            ([5], TypeError),
            (None, TypeError),
            (["no-such-command-here", f"--password={SECRET}"], ValueError),
        ],
    ),
    *option("command_check", "nagios", [("no", TypeError), (0, TypeError)]),
    # -- thresholds --
    *option("disk_check", "warn_percent", PERCENTS),
    *option("disk_check", "fail_percent", PERCENTS),
    Bad("disk_check", "warn_percent", ValueError, ("/", 95, 90)),
    *option("memory_check", "warn_percent", PERCENTS),
    *option("memory_check", "fail_percent", PERCENTS),
    Bad("memory_check", "warn_percent", ValueError, (95, 90)),
    *option(
        "load_check",
        "warn_per_cpu",
        [("2", TypeError), (True, TypeError), (-1, ValueError), (NAN, ValueError)],
    ),
    *option("load_check", "fail_per_cpu", [(float("inf"), ValueError), ("4", TypeError)]),
    Bad("load_check", "warn_per_cpu", ValueError, (3, 2)),
    *option(
        "load_check",
        "minutes",
        [(10, ValueError), (0, ValueError), (True, TypeError), ("5", TypeError), (5.0, TypeError)],
    ),
    # -- objects --
    *first("celery_check", "app", [(object(), TypeError), ("proj.celery:app", TypeError)]),
    *option(
        "celery_check",
        "min_workers",
        [(0, ValueError), (-1, ValueError), ("1", TypeError), (True, TypeError)],
    ),
    *first(
        "sqlalchemy_check",
        "engine",
        [(f"postgresql://user:{SECRET}@db/app", TypeError), (ASYNC_ENGINE, TypeError)],
    ),
    *first("async_sqlalchemy_check", "engine", [(ENGINE, TypeError), (None, TypeError)]),
    *itertools.chain.from_iterable(
        first(factory, "alias", [("", ValueError), (5, TypeError), (None, TypeError)])
        for factory in (
            "django_database_check",
            "django_cache_check",
            "django_storage_check",
            "django_migrations_check",
        )
    ),
    *option("django_storage_check", "write", [("yes", TypeError), (1, TypeError)]),
]


def _id(case: Bad) -> str:
    given = case.kwargs.get(case.parameter, case.args[0] if case.args else None)
    return f"{case.factory}-{case.parameter}-{given!r}"[:80]


def test_every_factory_has_cases() -> None:
    assert set(VALID) == set(FACTORIES) - {"BuiltinCheck"}
    assert {case.factory for case in CASES} == set(VALID)


@pytest.mark.parametrize("case", CASES, ids=[_id(case) for case in CASES])
def test_bad_input_is_refused_when_the_check_is_made(case: Bad) -> None:
    with pytest.raises((TypeError, ValueError)) as raised:
        case.call()
    message = str(raised.value)
    assert type(raised.value) is case.error, message
    prefix = f"{case.factory} {case.parameter}: expected "
    assert message.startswith(prefix), message
    assert re.search(r" such as \S.*, got ", message), message
    assert SECRET not in message
    assert raised.value.__cause__ is None  # a driver's error, which may quote the URL, is not kept


# factory, its arguments, the default name, and what its target says
NAMES: list[tuple[str, tuple[Any, ...], str, str]] = [
    ("disk_check", ("/",), "disk-root", "/"),
    ("disk_check", ("/var/lib",), "disk-var-lib", "/var/lib"),
    ("disk_check", ("/srv/data dir/",), "disk-srv-data-dir", "/srv/data dir/"),
    ("tcp_check", ("127.0.0.1", 5432), "tcp-127.0.0.1-5432", "127.0.0.1:5432"),
    ("async_tcp_check", ("db.internal", 6379), "tcp-db.internal-6379", "db.internal:6379"),
    ("tcp_check", ("::1", 6379), "tcp-1-6379", "[::1]:6379"),
    ("dns_check", ("example.org",), "dns-example.org", "example.org"),
    ("async_dns_check", ("example.org.",), "dns-example.org", "example.org."),
    ("dns_check", ("bücher.example",), "dns-bucher.example", "bücher.example"),
    (
        "http_check",
        (f"http://user:{SECRET}@billing:8080/health/ready?token=abc",),
        "http-billing-8080-health-ready",
        "http://user:***@billing:8080/health/ready",
    ),
    (
        "http_check",
        ("https://api.example.com/",),
        "https-api.example.com",
        "https://api.example.com/",
    ),
    ("etcd_check", ("http://127.0.0.1:2379",), "etcd", "http://127.0.0.1:2379/health"),
    ("command_check", (["sh", "-c", "exit 0"],), "sh", "sh -c exit 0"),
    ("sqlite_check", ("/srv/app/app.db",), "sqlite", "/srv/app/app.db"),
    ("memory_check", (), "memory", "memory"),
    ("load_check", (), "load", "5-minute load"),
    ("redis_check", VALID["redis_check"], "redis", "redis://user:***@localhost:6379/0"),
    ("async_redis_check", VALID["redis_check"], "redis", "redis://user:***@localhost:6379/0"),
    (
        "postgresql_check",
        VALID["postgresql_check"],
        "postgresql",
        "postgresql://user:***@localhost:5432/app",
    ),
    (
        "async_postgresql_check",
        ("host=db user=app password=s3cretpass dbname=app",),
        "postgresql",
        "host=db",
    ),
    ("mysql_check", VALID["mysql_check"], "mysql", "mysql://user:***@localhost:3306/app"),
    ("rabbitmq_check", VALID["rabbitmq_check"], "rabbitmq", "amqp://user:***@localhost:5672"),
    ("mqtt_check", VALID["mqtt_check"], "mqtt", "mqtt://user:***@localhost:1883"),
    ("nats_check", VALID["nats_check"], "nats", "nats://user:***@localhost:4222"),
    ("async_nats_check", VALID["nats_check"], "nats", "nats://user:***@localhost:4222"),
    ("mongodb_check", VALID["mongodb_check"], "mongodb", "mongodb://user:***@localhost:27017"),
    (
        "async_mongodb_check",
        VALID["mongodb_check"],
        "mongodb",
        "mongodb://user:***@localhost:27017",
    ),
    ("memcached_check", VALID["memcached_check"], "memcached", "memcache://127.0.0.1:11211"),
    ("smtp_check", VALID["smtp_check"], "smtp", "smtp://user:***@mail.internal:587"),
    ("celery_check", (APP,), "celery", "redis://user:***@127.0.0.1:6379/0"),
    ("sqlalchemy_check", (ENGINE,), "sqlalchemy", "postgresql+psycopg://app:***@db/app"),
    ("async_sqlalchemy_check", (ASYNC_ENGINE,), "sqlalchemy", "postgresql+psycopg://app:***@db"),
    ("django_database_check", ("default",), "django-db-default", "default"),
    ("django_cache_check", ("default",), "django-cache-default", "default"),
    ("django_storage_check", ("default",), "django-storage-default", "default"),
    ("django_migrations_check", ("default",), "django-migrations-default", "default"),
]


def test_every_factory_has_a_name_case() -> None:
    assert {factory for factory, *_ in NAMES} == set(VALID)


@pytest.mark.parametrize(("factory", "args", "name", "target"), NAMES, ids=lambda v: str(v)[:40])
def test_default_names_are_slugs_and_targets_say_what_is_checked(
    factory: str, args: tuple[Any, ...], name: str, target: str
) -> None:
    check = factory_named(factory)(*map(_made, args))
    assert re.fullmatch(r"[A-Za-z0-9._-]+", check.name), check.name
    assert (check.name, check.__name__) == (name, name)
    assert target in check.target, check.target
    assert SECRET not in f"{check.name} {check.target} {check!r}"


@pytest.mark.parametrize("factory", ["tcp_check", "dns_check", "disk_check", "http_check"])
def test_a_name_given_is_kept_as_it_is(factory: str) -> None:
    check = factory_named(factory)(*VALID[factory], name="Primary DB: eu/1")
    assert check.name == "Primary DB: eu/1"


@pytest.mark.parametrize(
    ("parts", "made"),
    [
        (("disk", "/"), "disk"),
        (("disk", "/var/lib/"), "disk-var-lib"),
        (("tcp", "127.0.0.1", 5432), "tcp-127.0.0.1-5432"),
        (("tcp", "fe80::1%eth0", 22), "tcp-fe80-1-eth0-22"),
        (("dns", ".."), "dns"),
        (("x", "Ünïcödé ☃ name"), "x-Unicode-name"),
        (("a", "__init__.py"), "a-__init__.py"),
        (("http", "host", None, ""), "http-host"),
    ],
)
def test_slug(parts: tuple[object, ...], made: str) -> None:
    assert slug(*parts) == made


#: Each URL factory and a URL whose password holds an unencoded ``/``, ``?``, ``#`` or ``@``
#: (urlsplit then sees no password, and a driver's message repeats a piece of it).
URL_FACTORIES = {
    "redis_check": "redis://:{p}@cache:6379/0",
    "postgresql_check": "postgresql://app:{p}@db/app",
    "mysql_check": "mysql://app:{p}@db/app",
    "rabbitmq_check": "amqp://app:{p}@mq/",
    "http_check": "http://app:{p}@billing:99999/",
    "nats_check": "nats://app:{p}@nats:x",
    "smtp_check": "smtp://app:{p}@mail:x",
    "memcached_check": "memcache://app:{p}@cache:x",
    "mqtt_check": "mqtt://app:{p}@broker:x",
}


@pytest.mark.parametrize("factory", sorted(URL_FACTORIES))
@pytest.mark.parametrize("separator", ["/", "?", "#", "@", ":", "[", "]", "%2F/"])
def test_no_piece_of_a_password_with_url_delimiters_is_ever_shown(
    factory: str, separator: str
) -> None:
    password = f"Tr0ub4dor{separator}AndThree{separator}x"
    url = URL_FACTORIES[factory].format(p=password)
    try:
        factory_named(factory)(url)
    except (TypeError, ValueError) as exc:
        message = str(exc)
    else:
        return  # a driver that took it as it is: nothing was said
    for piece in ("Tr0ub4dor", "AndThree"):
        assert piece not in message, message


@pytest.mark.parametrize(
    "argv",
    ["redis-cli -a hunter2secret ping", ["no-such-program", "--password", "hunter2secret"],
     ["no-such-program", "-a", "hunter2secret"], ["redis-cli", 5, "hunter2secret"]],
)  # fmt: skip
def test_a_command_lines_arguments_are_never_shown(argv: Any) -> None:
    from healthcheck.checks import command_check

    with pytest.raises((TypeError, ValueError)) as raised:
        command_check(argv)
    message = str(raised.value)
    assert "hunter2secret" not in message and message.startswith("command_check argv: ")
    assert "such as ['pg_isready', '-h', 'db']" in message


@pytest.mark.parametrize(
    "headers", [[("X-Api-Key", "hunter2secret")], {"X-Api-Key": 5, "X-Token": "hunter2secret"},
                {"X-Custom": "hunter2secret\nX-Injected: 1"}]
)  # fmt: skip
def test_header_values_are_never_shown(headers: Any) -> None:
    from healthcheck.checks import http_check

    with pytest.raises((TypeError, ValueError)) as raised:
        http_check("http://billing/", headers=headers)
    assert "hunter2secret" not in str(raised.value)


@pytest.mark.parametrize("timeout", [1e308, 10**400, 366 * 24 * 3600])
def test_a_timeout_beyond_a_year_is_refused_in_the_same_shape(timeout: Any) -> None:
    from healthcheck.checks import tcp_check

    with pytest.raises(ValueError, match=r"^tcp_check timeout: expected a number of seconds"):
        tcp_check("127.0.0.1", 5432, timeout=timeout)
