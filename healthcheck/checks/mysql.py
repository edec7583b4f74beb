"""MySQL and MariaDB: ``SELECT 1``, or a query of yours, over a connection opened and closed on
each run (PyMySQL)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union
from urllib.parse import parse_qs, unquote, urlsplit

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import (
    BuiltinCheck,
    display_url,
    failure,
    query_outcome,
    query_text,
    seconds,
    wrong_scheme,
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


def _options(dsn: str, timeout: float, tls: TLS) -> dict[str, Any]:
    """PyMySQL's connect() arguments from ``mysql://user:password@host:port/database``."""
    parts = urlsplit(dsn)
    if parts.scheme not in _SCHEMES:
        raise wrong_scheme("a MySQL", dsn, "mysql://user:password@host:3306/db")
    query = parse_qs(parts.query)
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
    timeout = seconds(timeout)
    options = _options(dsn, timeout, tls)
    return MySQLCheck(name or "mysql", timeout, display_url(dsn), options, query_text(query))
