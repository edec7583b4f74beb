"""SQLAlchemy: ``SELECT 1``, or a query of yours, on a connection from the application's own
engine and pool (sync and asyncio engines)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import BuiltinCheck, check_name, failure, query_outcome, query_text, refused, seconds

if TYPE_CHECKING:
    import sqlalchemy
    import sqlalchemy.exc
    import sqlalchemy.ext.asyncio
else:
    sqlalchemy = require("sqlalchemy", extra="sqlalchemy")
    require("sqlalchemy.exc", extra="sqlalchemy")
    require("sqlalchemy.ext.asyncio", extra="sqlalchemy")

__all__ = ["AsyncSQLAlchemyCheck", "SQLAlchemyCheck", "async_sqlalchemy_check", "sqlalchemy_check"]


def _statement(query: str | None) -> sqlalchemy.Executable:
    # select(literal(1)) rather than the text "SELECT 1": each dialect renders it its own way
    # (Oracle needs FROM DUAL).
    return sqlalchemy.select(sqlalchemy.literal(1)) if query is None else sqlalchemy.text(query)


def _outcome(engine: sqlalchemy.Engine, query: str | None, value: object) -> Outcome:
    if query is None:
        return Outcome(Status.PASS, f"{engine.dialect.name}: {engine.pool.status()}")
    return query_outcome(query, value)


@dataclass(frozen=True, eq=False)
class SQLAlchemyCheck(BuiltinCheck):
    """Check out a connection from ``engine``'s pool, run ``query`` and give it back."""

    engine: sqlalchemy.Engine = field(repr=False)
    query: str | None

    def __call__(self) -> Outcome:
        try:
            with self.engine.connect() as conn:
                value = conn.scalar(_statement(self.query))
        except sqlalchemy.exc.SQLAlchemyError as exc:
            return failure(getattr(exc, "orig", None) or exc, [self.engine.url.password])
        return _outcome(self.engine, self.query, value)


@dataclass(frozen=True, eq=False)
class AsyncSQLAlchemyCheck(BuiltinCheck):
    """:class:`SQLAlchemyCheck` for an ``AsyncEngine``."""

    engine: sqlalchemy.ext.asyncio.AsyncEngine = field(repr=False)
    query: str | None

    async def __call__(self) -> Outcome:
        try:
            async with self.engine.connect() as conn:
                value = await conn.scalar(_statement(self.query))
        except sqlalchemy.exc.SQLAlchemyError as exc:
            return failure(getattr(exc, "orig", None) or exc, [self.engine.url.password])
        return _outcome(self.engine.sync_engine, self.query, value)


def sqlalchemy_check(
    engine: sqlalchemy.Engine,
    *,
    query: str | None = None,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> SQLAlchemyCheck:
    """A checker that runs ``SELECT 1`` (or ``query``: its first value is reported, and
    ``false`` fails) on a connection from ``engine``'s pool: no new connection per run.

    The engine's own connect and pool timeouts apply at the driver level (set them with
    ``create_engine(..., pool_timeout=2, connect_args={...})``); ``timeout`` is the
    checker's, for ``add_check``.
    """
    factory = "sqlalchemy_check"
    if not isinstance(engine, sqlalchemy.Engine):
        expected = "a SQLAlchemy Engine (an AsyncEngine: async_sqlalchemy_check)"
        example = "create_engine('postgresql+psycopg://app@localhost/app')"
        raise refused(factory, "engine", expected, example, engine, wrong_type=True)
    target = engine.url.render_as_string(hide_password=True)
    return SQLAlchemyCheck(
        check_name(factory, name, "sqlalchemy"),
        seconds(factory, timeout),
        target,
        engine,
        query_text(factory, query),
    )


def async_sqlalchemy_check(
    engine: sqlalchemy.ext.asyncio.AsyncEngine,
    *,
    query: str | None = None,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> AsyncSQLAlchemyCheck:
    """:func:`sqlalchemy_check` for an ``AsyncEngine``; run it on the loop the engine serves
    (``HealthCheck.run_async``), as async drivers tie connections to their loop."""
    factory = "async_sqlalchemy_check"
    if not isinstance(engine, sqlalchemy.ext.asyncio.AsyncEngine):
        expected = "a SQLAlchemy AsyncEngine (an Engine: sqlalchemy_check)"
        example = "create_async_engine('postgresql+psycopg://app@localhost/app')"
        raise refused(factory, "engine", expected, example, engine, wrong_type=True)
    target = engine.url.render_as_string(hide_password=True)
    return AsyncSQLAlchemyCheck(
        check_name(factory, name, "sqlalchemy"),
        seconds(factory, timeout),
        target,
        engine,
        query_text(factory, query),
    )
