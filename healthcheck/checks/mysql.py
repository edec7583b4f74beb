"""MySQL and MariaDB: ``SELECT 1``, or a query of yours, over a connection opened and closed on
each run (PyMySQL)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union
from urllib.parse import parse_qs, unquote

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import (
    BuiltinCheck,
    check_name,
    checked_url,
    display_url,
    failure,
    query_outcome,
    query_text,
    refused,
    seconds,
)

if TYPE_CHECKING:
    import pymysql
else:
    pymysql = require("pymysql", extra="mysql")

__all__ = ["MySQLCheck", "mysql_check"]

_SCHEMES = frozenset({"mysql", "mariadb", "mysql+pymysql", "mariadb+pymysql"})

#: ``None``: PyMySQL's default (TLS when the server offers it); ``False``: no TLS; a context:
#: TLS required, verified as that context says.
TLS = Union[ssl.SSLContext, bool, None]


@dataclass(frozen=True, eq=False)
class MySQLCheck(BuiltinCheck):
    """Connect with ``options`` and run ``query``."""

    options: dict[str, Any] = field(repr=False)
    query: str | None

    def __call__(self) -> Outcome:
        try:
            conn = pymysql.connect(**self.options)
        except (pymysql.MySQLError, OSError) as exc:
            return failure(exc, [self.options.get("password")])
        try:
            with conn.cursor() as cursor:
                cursor.execute(self.query or "SELECT 1")
                row = cursor.fetchone()
            # MariaDB prefixes its version with 5.5.5- for the sake of old MySQL clients.
            version = str(conn.get_server_info()).removeprefix("5.5.5-")  # type: ignore[no-untyped-call]
        except (pymysql.MySQLError, OSError) as exc:
            return failure(exc, [self.options.get("password")])
        finally:
            conn.close()
        if self.query is None:
            return Outcome(Status.PASS, f"server version {version}")
        return query_outcome(self.query, row[0] if row else None)


_EXPECTED = "a MySQL URL (mysql:// or mariadb://)"
_EXAMPLE = "'mysql://app:password@localhost:3306/app'"


def _options(dsn: object, timeout: float, tls: object) -> dict[str, Any]:
    """PyMySQL's connect() arguments from ``mysql://user:password@host:port/database``."""
    # The host may be left out for a socket: mysql://app@/app?unix_socket=/run/mysqld.sock
    parts = checked_url(
        "mysql_check",
        dsn,
        schemes=_SCHEMES,
        expected=_EXPECTED,
        example=_EXAMPLE,
        parameter="dsn",
        host=False,
    )
    query = parse_qs(parts.query)
    if not parts.hostname and "unix_socket" not in query:
        raise refused("mysql_check", "dsn", _EXPECTED, _EXAMPLE, dsn, "no host, and no unix_socket")
    if not (tls is None or isinstance(tls, (bool, ssl.SSLContext))):
        expected = "None, False or an ssl.SSLContext"
        raise refused(
            "mysql_check", "tls", expected, "ssl.create_default_context()", tls, wrong_type=True
        )
    options: dict[str, Any] = {
        "host": parts.hostname or "localhost",
        "port": parts.port or 3306,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")) or None,
        "connect_timeout": timeout,
        # Without these, a server that accepts the connection and never answers hangs the
        # check for as long as the kernel keeps the socket.
        "read_timeout": timeout,
        "write_timeout": timeout,
    }
    if "unix_socket" in query:
        options["unix_socket"] = query["unix_socket"][-1]
    if tls is False:
        options["ssl_disabled"] = True
    elif isinstance(tls, ssl.SSLContext):
        options["ssl"] = tls
    return options


def mysql_check(
    dsn: str = "mysql://root@localhost:3306/mysql",
    *,
    query: str | None = None,
    tls: TLS = None,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> MySQLCheck:
    """A checker that connects to MySQL or MariaDB at ``dsn``
    (``mysql://user:password@host:3306/db``, ``?unix_socket=/path`` for a socket) and runs
    ``SELECT 1``, or ``query``, whose first value is reported as the observed value.

    ``tls`` as in :data:`TLS`. PyMySQL's default builds a fresh TLS context, loading the
    system's CA certificates, on every connection (~30 ms of CPU): pass ``tls=False`` on a
    trusted network, or an ``ssl.SSLContext`` made once.
    """
    checked = seconds("mysql_check", timeout)
    options = _options(dsn, checked, tls)
    return MySQLCheck(
        check_name("mysql_check", name, "mysql"),
        checked,
        display_url(dsn),
        options,
        query_text("mysql_check", query),
    )
