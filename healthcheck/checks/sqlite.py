"""SQLite: open the database file (never create it) and read from it (standard library)."""

from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
from dataclasses import dataclass

from .. import defaults
from ..result import Outcome, Status
from ._base import (
    BuiltinCheck,
    check_name,
    failure,
    query_outcome,
    query_text,
    refused,
    seconds,
)

__all__ = ["SQLiteCheck", "sqlite_check"]


@dataclass(frozen=True, eq=False)
class SQLiteCheck(BuiltinCheck):
    """Open ``path`` read-write (a missing file fails: SQLite would create an empty one) and
    run ``query``; ``timeout`` is how long to wait for a lock another process holds."""

    path: str
    query: str | None

    def __call__(self) -> Outcome:
        uri = f"file:{urllib.parse.quote(self.path)}?mode=rw"
        try:
            connection = sqlite3.connect(uri, uri=True, timeout=self.timeout)
        except sqlite3.Error as exc:
            return failure(exc)
        # A query that runs past the time limit is interrupted (SQLite asks this every
        # thousand steps of its virtual machine): it must not hold a core after the check.
        deadline = time.monotonic() + self.timeout
        connection.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
        try:
            # Reads the file's header: a file that is not a database, or one locked past the
            # timeout, fails here.
            version = connection.execute("PRAGMA schema_version").fetchone()[0]
            if self.query is None:
                return Outcome(Status.PASS, f"schema version {version}")
            row = connection.execute(self.query).fetchone()
        except sqlite3.Error as exc:
            return failure(exc)
        finally:
            connection.close()
        return query_outcome(self.query, row[0] if row else None)


def sqlite_check(
    path: str | os.PathLike[str],
    *,
    query: str | None = None,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> SQLiteCheck:
    """A checker that opens the SQLite database at ``path`` and reads its schema version, then
    runs ``query`` if given, interrupted at ``timeout``; its first value is the observed value.
    SQLite has no booleans: a comparison gives 0 or 1, an observed value like any other, so
    unlike the PostgreSQL and MySQL checks a "false" does not fail this one."""
    where = _path(path)
    return SQLiteCheck(
        check_name("sqlite_check", name, "sqlite"),
        seconds("sqlite_check", timeout),
        where,
        where,
        query_text("sqlite_check", query),
    )


def _path(path: object) -> str:
    expected = "the path of a database file"
    example = "'/srv/app/app.db'"
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise refused("sqlite_check", "path", expected, example, path, wrong_type=True)
    where = os.fspath(path)
    if not where or "\x00" in where:
        raise refused("sqlite_check", "path", expected, example, path)
    if where == ":memory:":
        note = "a new, empty database each time"
        raise refused("sqlite_check", "path", expected, example, path, note)
    return where
