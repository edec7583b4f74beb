"""Redis: PING over a connection opened and closed on each run (redis-py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import (
    BuiltinCheck,
    check_name,
    checked_url,
    display_url,
    failure,
    refused,
    seconds,
    url_password,
)

if TYPE_CHECKING:
    import redis
    import redis.asyncio
    import redis.backoff
    import redis.retry
else:
    redis = require("redis", extra="redis")
    require("redis.asyncio", extra="redis")
    require("redis.connection", extra="redis")
    require("redis.backoff", extra="redis")
    require("redis.retry", extra="redis")

__all__ = ["AsyncRedisCheck", "RedisCheck", "async_redis_check", "redis_check"]


def _options(timeout: float) -> dict[str, Any]:
    # redis-py retries three times with backoff by default, which turns a 2 s budget into
    # many seconds; a health check wants the first answer.
    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": redis.retry.Retry(redis.backoff.NoBackoff(), 0),
    }


@dataclass(frozen=True, eq=False)
class RedisCheck(BuiltinCheck):
    """PING the server at ``url``."""

    url: str = field(repr=False)

    def __call__(self) -> Outcome:
        client = redis.Redis.from_url(self.url, **_options(self.timeout))
        try:
            client.ping()
        except (redis.RedisError, OSError) as exc:
            return failure(exc, [url_password(self.url)])
        finally:
            client.close()
        return Outcome(Status.PASS, "PONG")


@dataclass(frozen=True, eq=False)
class AsyncRedisCheck(BuiltinCheck):
    """PING the server at ``url`` with ``redis.asyncio``."""

    url: str = field(repr=False)

    async def __call__(self) -> Outcome:
        client = redis.asyncio.Redis.from_url(self.url, **_options(self.timeout))
        try:
            await client.ping()
        except (redis.RedisError, OSError) as exc:
            return failure(exc, [url_password(self.url)])
        finally:
            await client.aclose()
        return Outcome(Status.PASS, "PONG")


def redis_check(
    url: str = "redis://localhost:6379/0",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> RedisCheck:
    """A checker that PINGs Redis at ``url`` (``redis://``, ``rediss://`` or ``unix://``)."""
    return RedisCheck(*_settings("redis_check", url, name, timeout))


def async_redis_check(
    url: str = "redis://localhost:6379/0",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> AsyncRedisCheck:
    """:func:`redis_check` for event loops (``redis.asyncio``)."""
    return AsyncRedisCheck(*_settings("async_redis_check", url, name, timeout))


def _settings(
    factory: str, url: object, name: object, timeout: object
) -> tuple[str, float, str, str]:
    """The checker's name, timeout, target and URL, read as redis-py will read it."""
    expected = "a Redis URL (redis://, rediss:// or unix://)"
    example = "'redis://localhost:6379/0'"
    parts = checked_url(
        factory,
        url,
        schemes=("redis", "rediss", "unix"),
        expected=expected,
        example=example,
        host=False,
    )
    if parts.scheme == "unix" and not parts.path:
        raise refused(factory, "url", expected, example, url, "no socket path")
    if parts.scheme != "unix" and not parts.hostname:
        raise refused(factory, "url", expected, example, url, "no host")
    database = parts.path.strip("/")
    if parts.scheme != "unix" and database and not database.isdigit():
        note = f"database {database[:20]!r} is not a number"
        raise refused(factory, "url", expected, example, url, note)
    text = str(url)
    try:  # the database number and the options (?socket_timeout=1)
        redis.connection.parse_url(text)  # type: ignore[no-untyped-call]
    except ValueError as exc:
        raise refused(factory, "url", expected, example, url, str(exc)) from None
    return check_name(factory, name, "redis"), seconds(factory, timeout), display_url(text), text
