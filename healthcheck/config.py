"""Configuration without code: a TOML file and the environment declare the checks (by URL or
by type), the settings, who sees the details, the trusted proxies and the groups.

``setup = load("health.toml")`` gives ``setup.health`` (a :class:`HealthCheck`) and
``setup.endpoints`` (the options of the HTTP endpoints, for any adapter);
``HealthCheck.from_env()`` is ``load().health``. Every error is a :class:`ConfigError` naming
the file, its line and the key, or the environment variable.
"""

from __future__ import annotations

import difflib
import inspect
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core import HealthCheck
from .exceptions import HealthCheckError

__all__ = ["ENVIRONMENT_URLS", "Config", "ConfigError", "load"]


class ConfigError(HealthCheckError, ValueError):
    """A configuration that cannot be used; the message says where and why."""


#: Environment variable -> the check its URL makes (twelve-factor names).
ENVIRONMENT_URLS = {
    "DATABASE_URL": "database",
    "MYSQL_URL": "mysql",
    "REDIS_URL": "redis",
    "AMQP_URL": "rabbitmq",
    "MQTT_URL": "mqtt",
    "NATS_URL": "nats",
    "MONGODB_URL": "mongodb",
    "MEMCACHED_URL": "memcached",
}

#: URL scheme -> factory in healthcheck.checks.
_SCHEMES = {
    "postgresql": "postgresql_check",
    "postgres": "postgresql_check",
    "mysql": "mysql_check",
    "mariadb": "mysql_check",
    "redis": "redis_check",
    "rediss": "redis_check",
    "amqp": "rabbitmq_check",
    "amqps": "rabbitmq_check",
    "mqtt": "mqtt_check",
    "mqtts": "mqtt_check",
    "nats": "nats_check",
    "tls": "nats_check",
    "mongodb": "mongodb_check",
    "mongodb+srv": "mongodb_check",
    "memcache": "memcached_check",
    "http": "http_check",
    "https": "http_check",
    "smtp": "smtp_check",
    "smtps": "smtp_check",
}

#: ``type = "..."`` -> factory, for checks that are not one URL.
_TYPES = {
    "disk": "disk_check",
    "memory": "memory_check",
    "load": "load_check",
    "tcp": "tcp_check",
    "dns": "dns_check",
    "sqlite": "sqlite_check",
    "etcd": "etcd_check",
    "memcached": "memcached_check",
    "command": "command_check",
    "http": "http_check",
    **{scheme: factory for scheme, factory in _SCHEMES.items() if "+" not in scheme},
}

#: What ``add_check`` takes besides the checker (``timeout`` goes to the factory, which hands it
#: on as the check's time limit).
_CHECK_OPTIONS = ("name", "critical", "tags", "fail_after", "warn_for", "shared")
#: The ``[healthcheck]`` table: HealthCheck's settings a file can give.
_SETTINGS = (
    "success_status",
    "success_ttl",
    "failed_status",
    "failed_ttl",
    "error_timeout",
    "warn_status",
    "grace_period",
    "interval",
    "max_output",
    "max_section",
    "max_workers",
    "share",
)
#: The ``[endpoints]`` table: the HTTP endpoints' options.
_ENDPOINTS = (
    "details",
    "environment_details",
    "trusted_proxies",
    "cache_control",
    "metrics",
    "service_id",
    "description",
    "refresh",
    "paths",
)
#: Settings from the environment: HEALTHCHECK_<NAME>, parsed as numbers.
_NUMERIC_ENV = ("error_timeout", "success_ttl", "failed_ttl", "interval", "grace_period")


@dataclass
class Config:
    """What a configuration made: the HealthCheck, and the endpoints' options (pass them to
    any adapter: ``HealthCheckExtension(app, health=setup.health, **setup.endpoints)``)."""

    health: HealthCheck
    endpoints: dict[str, Any] = field(default_factory=dict)


def load(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Config:
    """The configuration in the TOML file ``path`` (default: ``$HEALTHCHECK_CONFIG``, or none),
    then the environment: a check for each of :data:`ENVIRONMENT_URLS` that is set, tagged
    ``ready``, and ``HEALTHCHECK_ERROR_TIMEOUT``, ``..._SUCCESS_TTL``, ``..._FAILED_TTL``,
    ``..._INTERVAL``, ``..._GRACE_PERIOD`` (the file's values win), ``..._TIMEOUT`` (the
    environment URLs' checks), ``..._DETAILS`` and ``..._TRUSTED_PROXIES`` (comma-separated)."""
    environ = os.environ if environ is None else environ
    if path is None and environ.get("HEALTHCHECK_CONFIG"):
        path = environ["HEALTHCHECK_CONFIG"]
    document: dict[str, Any] = {}
    where = _Where("", "")
    if path is not None:
        where = _Where(str(path), _read(path))
        document = _parse(where)
    unknown = sorted(set(document) - {"healthcheck", "endpoints", "check", "groups"})
    if unknown:
        raise where.error(unknown[0], (), "unknown table; the tables are [healthcheck], "
                          "[endpoints], [[check]] and [groups.NAME]")  # fmt: skip
    settings = {**_env_settings(environ), **_table(where, document, "healthcheck", _SETTINGS)}
    try:
        health = HealthCheck(**settings)
    except (TypeError, ValueError) as exc:
        key = next((k for k in settings if k in str(exc)), "healthcheck")
        if key not in document.get("healthcheck", {}):  # from the environment
            raise ConfigError(f"HEALTHCHECK_{key.upper()}: {exc}") from None
        raise where.error(key, ("healthcheck",), str(exc)) from None
    checks = document.get("check", [])
    if not isinstance(checks, list):
        raise where.error("check", (), "must be an array of tables: [[check]]")
    for number, entry in enumerate(checks):
        _add(health, where, number, entry)
    _add_from_environment(health, environ, {c.name for c in health.checks})
    for name, group in _table_of_tables(where, document, "groups").items():
        options = _known(where, ("groups", name), group, ("tags", "checks"))
        try:
            health.add_group(name, **options)
        except (TypeError, ValueError) as exc:
            raise where.error(name, ("groups",), str(exc)) from None
    endpoints = {**_env_endpoints(environ), **_table(where, document, "endpoints", _ENDPOINTS)}
    _check_endpoints(health, endpoints, where)
    return Config(health, endpoints)


# -- the file ----------------------------------------------------------------------------------


class _Where:
    """A file's name and text, to say on which line a key stands."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = text.splitlines()

    def line(self, key: str, table: tuple[Any, ...]) -> int | None:
        """The line of ``key`` in ``table`` (``("check", 2)``: the third ``[[check]]``)."""
        header: tuple[Any, ...] = ()
        counts: dict[str, int] = {}
        for number, raw in enumerate(self.lines, 1):
            text = raw.strip()
            found = re.fullmatch(
                r"\[\[\s*([\w.-]+)\s*\]\]|\[\s*([\w.\"-]+)\s*\]", text.split("#")[0].strip()
            )
            if found:
                if found.group(1):  # an array of tables: count its entries
                    name = found.group(1)
                    counts[name] = counts.get(name, -1) + 1
                    header = (name, counts[name])
                else:
                    header = tuple(part.strip('"') for part in found.group(2).split("."))
                if header == (*table, key) or (not table and header[:1] == (key,)):
                    return number
                continue
            if header == table and re.match(rf"\s*\"?{re.escape(str(key))}\"?\s*=", raw):
                return number
        return None

    def error(self, key: str, table: tuple[Any, ...], message: str) -> ConfigError:
        if not self.file:
            return ConfigError(f"{_describe(table)}{key}: {message}")
        line = self.line(key, table)
        at = f"{self.file}, line {line}" if line else self.file
        return ConfigError(f"{at}: {_describe(table)}{key}: {message}")


def _describe(table: tuple[Any, ...]) -> str:
    if not table:
        return ""
    if len(table) == 2 and isinstance(table[1], int):
        return f"[[{table[0]}]] #{table[1] + 1}: "
    return "[" + ".".join(map(str, table)) + "] "


def _read(path: str | os.PathLike[str]) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{os.fspath(path)}: cannot read it: {exc}") from None


def _parse(where: _Where) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.9 and 3.10
        import tomli as tomllib
    try:
        parsed: dict[str, Any] = tomllib.loads("\n".join(where.lines))
    except tomllib.TOMLDecodeError as exc:  # its message gives the line and column
        raise ConfigError(f"{where.file}: not valid TOML: {exc}") from None
    return parsed


def _table(
    where: _Where, document: dict[str, Any], name: str, known: tuple[str, ...]
) -> dict[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise where.error(name, (), "must be a table: [" + name + "]")
    return _known(where, (name,), table, known)


def _table_of_tables(
    where: _Where, document: dict[str, Any], name: str
) -> dict[str, dict[str, Any]]:
    tables = document.get(name, {})
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        raise where.error(name, (), f"must be tables: [{name}.NAME]")
    return tables


def _known(
    where: _Where,
    table: tuple[Any, ...],
    entries: dict[str, Any],
    known: tuple[str, ...] | list[str],
) -> dict[str, Any]:
    for key in entries:
        if key not in known:
            close = difflib.get_close_matches(key, known, 1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(known)}"
            raise where.error(key, table, f"unknown key{hint}")
    return dict(entries)


def _add(health: HealthCheck, where: _Where, number: int, entry: Any) -> None:
    """One ``[[check]]``: ``url = ...`` (the scheme says which check) or ``type = ...``, its
    factory's options, and add_check's."""
    table = ("check", number)
    if not isinstance(entry, dict):
        raise where.error("check", (), "must be an array of tables: [[check]]")
    entry = dict(entry)
    kind, url = entry.pop("type", None), entry.get("url")
    if kind is None:
        if not isinstance(url, str):
            raise where.error("url", table, 'give url = "scheme://..." or type = "disk", ...')
        scheme, factory_name, url = _by_scheme(url)
        entry["url"] = url
        if factory_name is None:
            known = ", ".join(sorted(_SCHEMES))
            raise where.error(
                "url", table, f"no check for scheme {scheme or '(none)'!r}; known: {known}"
            )
    else:
        factory_name = _TYPES.get(kind) if isinstance(kind, str) else None
        if factory_name is None:
            known = ", ".join(sorted(set(_TYPES)))
            raise where.error("type", table, f"unknown type {kind!r}; known: {known}")
    factory = _factory(factory_name, where, table, "type" if kind is not None else "url")
    parameters = list(inspect.signature(factory).parameters)
    first = parameters[0]  # url, dsn, path, host, argv...
    written = {first: "url"} if "url" in entry and first != "url" else {}
    if written:
        entry[first] = entry.pop("url")
    options = {k: entry.pop(k) for k in list(entry) if k in _CHECK_OPTIONS}
    arguments = _known(where, table, entry, [*parameters, *_CHECK_OPTIONS])
    if "name" in options:
        arguments["name"] = options["name"]
    try:
        health.add_check(factory(**arguments), **options)
    except (TypeError, ValueError) as exc:
        message = str(exc)
        given = [*arguments, *options]
        # The key the message is about: the factory's errors start with it ("disk_check
        # warn_percent: expected ..."), which the location says already; else one the message
        # names, else the check's first argument.
        named = re.match(rf"{re.escape(factory_name)} (\w+): ", message)
        if named is not None and named.group(1) in given:
            key, message = named.group(1), message[named.end() :]
        else:
            key = next(
                (k for k in given if k != first and k in message),
                first if first in given else given[0] if given else "type",
            )
        raise where.error(written.get(key, key), table, message) from None


def _by_scheme(url: str) -> tuple[str, str | None, str]:
    """The scheme of ``url``, the factory for it (``None``: none) and the URL as that factory
    takes it. SQLAlchemy's spellings are understood: ``postgresql+psycopg://`` is a PostgreSQL
    URL, ``sqlite:///app.db`` names the file ``app.db`` (``sqlite:////srv/app.db``: absolute)."""
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower() if separator else ""
    if scheme.partition("+")[0] == "sqlite":  # sqlite+pysqlite:///app.db?mode=ro too
        path = rest.partition("?")[0]
        return scheme, "sqlite_check", path[1:] if path.startswith("/") else path
    base = scheme if scheme == "mongodb+srv" else scheme.partition("+")[0]
    if base == "memcached":
        base = "memcache"
    if base != scheme:
        url = f"{base}://{rest}"
    return scheme, _SCHEMES.get(base), url


def _factory(name: str, where: _Where, table: tuple[Any, ...], key: str) -> Callable[..., Any]:
    import healthcheck.checks

    try:
        factory: Callable[..., Any] = getattr(healthcheck.checks, name)
    except ImportError as exc:  # the driver's extra is not installed: the message names it
        raise where.error(key, table, str(exc)) from None
    return factory


# -- the environment ---------------------------------------------------------------------------


def _env_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for name in _NUMERIC_ENV:
        variable = f"HEALTHCHECK_{name.upper()}"
        if environ.get(variable):
            settings[name] = _number(environ, variable)
    return settings


def _env_endpoints(environ: Mapping[str, str]) -> dict[str, Any]:
    endpoints: dict[str, Any] = {}
    if environ.get("HEALTHCHECK_DETAILS"):
        endpoints["details"] = environ["HEALTHCHECK_DETAILS"].strip()
    if environ.get("HEALTHCHECK_TRUSTED_PROXIES"):
        proxies = environ["HEALTHCHECK_TRUSTED_PROXIES"].split(",")
        endpoints["trusted_proxies"] = [p.strip() for p in proxies if p.strip()]
    return endpoints


def _add_from_environment(health: HealthCheck, environ: Mapping[str, str], taken: set[str]) -> None:
    timeout = None
    if environ.get("HEALTHCHECK_TIMEOUT"):
        timeout = _number(environ, "HEALTHCHECK_TIMEOUT")
        if not 0 < timeout < float("inf"):
            raise ConfigError(
                f"HEALTHCHECK_TIMEOUT: must be a number of seconds > 0, got {timeout:g}"
            )
    for variable, name in ENVIRONMENT_URLS.items():
        url = environ.get(variable, "").strip()
        if not url or name in taken:  # the file's check of that name wins
            continue
        scheme, factory_name, url = _by_scheme(url)
        if factory_name is None:
            raise ConfigError(f"{variable}: no check for scheme {scheme or '(none)'!r}")
        import healthcheck.checks

        try:
            factory = getattr(healthcheck.checks, factory_name)
            options = {"timeout": timeout} if timeout is not None else {}
            health.add_check(factory(url, name=name, **options), tags=["ready"])
        except (ImportError, TypeError, ValueError) as exc:
            raise ConfigError(f"{variable}: {exc}") from None


def _number(environ: Mapping[str, str], variable: str) -> float:
    try:
        return float(environ[variable])
    except ValueError:
        raise ConfigError(f"{variable}: not a number: {environ[variable]!r}") from None


def _check_endpoints(health: HealthCheck, options: dict[str, Any], where: _Where) -> None:
    """The endpoints' options, tried now: a wrong one fails here, not when the app starts."""
    from .endpoints import Endpoints

    try:
        Endpoints(health, **options)
    except (TypeError, ValueError) as exc:
        key = next((k for k in options if k in str(exc)), next(iter(options), "endpoints"))
        raise where.error(key, ("endpoints",), str(exc)) from None
