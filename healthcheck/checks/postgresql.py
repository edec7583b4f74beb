"""PostgreSQL: ``SELECT 1``, or a query of yours, over a connection opened and closed on each
run (psycopg 3, sync and async)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import (
    BuiltinCheck,
    check_name,
    display_url,
    failure,
    query_outcome,
    query_text,
    redact,
    refused,
    seconds,
    url_scheme,
)

if TYPE_CHECKING:
    import psycopg
    import psycopg.conninfo
else:
    psycopg = require("psycopg", extra="postgresql")
    require("psycopg.conninfo", extra="postgresql")

__all__ = [
    "AsyncPostgreSQLCheck",
    "PostgreSQLCheck",
    "async_postgresql_check",
    "postgresql_check",
]

_SELECT_1 = "SELECT 1"


def _version(number: int) -> str:
    """``150020`` -> ``"15.20"`` (PostgreSQL 10+ numbering)."""
    return f"{number // 10000}.{number % 10000}"


@dataclass(frozen=True, eq=False)
class PostgreSQLCheck(BuiltinCheck):
    """Connect to ``dsn`` and run ``query``."""

    conninfo: str = field(repr=False)
    password: str | None = field(repr=False)
    query: str | None

    def __call__(self) -> Outcome:
        try:
            with psycopg.connect(self.conninfo, autocommit=True) as conn:
                row = conn.execute(self.query or _SELECT_1).fetchone()
                version = conn.info.server_version
        except psycopg.Error as exc:
            return failure(exc, [self.password])
        return _outcome(self.query, row, version)


@dataclass(frozen=True, eq=False)
class AsyncPostgreSQLCheck(BuiltinCheck):
    """:class:`PostgreSQLCheck` with ``psycopg.AsyncConnection``."""

    conninfo: str = field(repr=False)
    password: str | None = field(repr=False)
    query: str | None

    async def __call__(self) -> Outcome:
        try:
            async with await psycopg.AsyncConnection.connect(
                self.conninfo, autocommit=True
            ) as conn:
                cursor = await conn.execute(self.query or _SELECT_1)
                row = await cursor.fetchone()
                version = conn.info.server_version
        except psycopg.Error as exc:
            return failure(exc, [self.password])
        return _outcome(self.query, row, version)


def _outcome(query: str | None, row: tuple[object, ...] | None, version: int) -> Outcome:
    if query is None:
        return Outcome(Status.PASS, f"PostgreSQL {_version(version)}")
    return query_outcome(query, row[0] if row else None)


_EXPECTED = "a PostgreSQL URL or conninfo"
_EXAMPLE = "'postgresql://app:password@localhost:5432/app'"


def _settings(factory: str, dsn: object, timeout: float) -> tuple[str, str, str | None]:
    """The conninfo to connect with (timeouts added), the target to show and the password."""
    if not isinstance(dsn, str):
        raise refused(factory, "dsn", _EXPECTED, _EXAMPLE, dsn, wrong_type=True)
    if not dsn.strip():  # libpq would take "" for its environment variables: a mistake here
        raise refused(factory, "dsn", _EXPECTED, _EXAMPLE, dsn)
    if "://" in dsn.partition(" ")[0] and url_scheme(dsn) not in ("postgresql", "postgres"):
        scheme = url_scheme(dsn)
        note = f"scheme {scheme!r}" if scheme else "no scheme://"
        raise refused(factory, "dsn", _EXPECTED, _EXAMPLE, dsn, note)
    try:
        params = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.Error as exc:
        # The driver's message may quote the DSN, password included: masked, and the chained
        # original dropped.
        raise refused(factory, "dsn", _EXPECTED, _EXAMPLE, dsn, redact(str(exc))) from None
    for port in str(params.get("port", "")).split(","):  # one for each host
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise refused(factory, "dsn", _EXPECTED, _EXAMPLE, dsn, f"port {port!r}")
    password = params.pop("password", None)
    password = None if password is None else str(password)
    if "://" in dsn:
        target = display_url(dsn)
    else:
        target = psycopg.conninfo.make_conninfo("", **params)
    # libpq counts connect_timeout in whole seconds, at least 2; statement_timeout also bounds
    # a custom query that waits on locks. Settings already in the DSN win.
    params.setdefault("connect_timeout", max(2, math.ceil(timeout)))
    statement_timeout = f"-c statement_timeout={math.ceil(timeout * 1000)}"
    params["options"] = f"{params.get('options', '')} {statement_timeout}".strip()
    conninfo = psycopg.conninfo.make_conninfo(dsn, **params)
    return conninfo, redact(target, [password]), password


def postgresql_check(
    dsn: str = "postgresql://localhost/postgres",
    *,
    query: str | None = None,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> PostgreSQLCheck:
    """A checker that connects to PostgreSQL at ``dsn`` (a URL or ``"host=... dbname=..."``)
    and runs ``SELECT 1``, or ``query``: its first value is reported, and ``false`` fails
    (``query="SELECT NOT pg_is_in_recovery()"``)."""
    factory = "postgresql_check"
    checked = seconds(factory, timeout)
    conninfo, target, password = _settings(factory, dsn, checked)
    return PostgreSQLCheck(
        check_name(factory, name, "postgresql"),
        checked,
        target,
        conninfo,
        password,
        query_text(factory, query),
    )


def async_postgresql_check(
    dsn: str = "postgresql://localhost/postgres",
    *,
    query: str | None = None,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> AsyncPostgreSQLCheck:
    """:func:`postgresql_check` for event loops (``psycopg.AsyncConnection``)."""
    factory = "async_postgresql_check"
    checked = seconds(factory, timeout)
    conninfo, target, password = _settings(factory, dsn, checked)
    return AsyncPostgreSQLCheck(
        check_name(factory, name, "postgresql"),
        checked,
        target,
        conninfo,
        password,
        query_text(factory, query),
    )
