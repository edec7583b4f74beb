"""NATS: connect, flush (a PING/PONG round trip) and close (nats-py, which is async only)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import (
    BuiltinCheck,
    check_name,
    checked_url,
    display_url,
    failure,
    seconds,
    url_password,
)

if TYPE_CHECKING:
    import nats.aio.client
    import nats.errors
else:
    nats = require("nats", extra="nats")
    require("nats.aio.client", extra="nats")
    require("nats.errors", extra="nats")

__all__ = ["AsyncNATSCheck", "NATSCheck", "async_nats_check", "nats_check"]

_ErrorCallback = Callable[[Exception], Awaitable[None]]


@dataclass(frozen=True, eq=False)
class AsyncNATSCheck(BuiltinCheck):
    """Connect to the NATS server at ``url``, flush and close."""

    url: str = field(repr=False)

    async def __call__(self) -> Outcome:
        errors: list[Exception] = []

        async def record(exc: Exception) -> None:  # instead of nats-py's logging of each error
            errors.append(exc)

        client = nats.aio.client.Client()
        try:
            # A bound on the whole, since nats-py retries a refused server by itself.
            await asyncio.wait_for(self._round_trip(client, record), self.timeout)
        except asyncio.TimeoutError:
            cause = f" (last error: {errors[-1]!r})" if errors else ""
            return Outcome(Status.FAIL, f"no answer within {self.timeout:g} s{cause}")
        except (nats.errors.Error, OSError) as exc:
            # "no servers available" says less than the error that led to it.
            return failure(errors[-1] if errors else exc, [url_password(self.url)])
        finally:
            await client.close()
        # str() of nats-py's ServerVersion is "<nats server v2.10.1>".
        return Outcome(Status.PASS, str(client.connected_server_version).strip("<>"))

    async def _round_trip(self, client: nats.aio.client.Client, record: _ErrorCallback) -> None:
        await client.connect(
            self.url,
            name="healthcheck",
            connect_timeout=self.timeout,  # type: ignore[arg-type]  # int in its hints
            allow_reconnect=False,
            # nats-py reads 0 as "retry forever"; 1 gives up after a second refusal.
            max_reconnect_attempts=1,
            reconnect_time_wait=0,
            error_cb=record,
        )
        await client.flush(timeout=self.timeout)  # type: ignore[arg-type]  # int in its hints


@dataclass(frozen=True, eq=False)
class NATSCheck(BuiltinCheck):
    """:class:`AsyncNATSCheck` for the thread pool: each run on an event loop of its own."""

    url: str = field(repr=False)

    def __call__(self) -> Outcome:
        return asyncio.run(AsyncNATSCheck(self.name, self.timeout, self.target, self.url)())


def nats_check(
    url: str = "nats://localhost:4222",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> NATSCheck:
    """A checker that connects to NATS at ``url`` (``nats://user:password@host:4222``,
    ``tls://`` for TLS), flushes and closes; it runs its own event loop on its thread."""
    return NATSCheck(*_settings("nats_check", url, name, timeout))


def async_nats_check(
    url: str = "nats://localhost:4222",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> AsyncNATSCheck:
    """:func:`nats_check` for event loops."""
    return AsyncNATSCheck(*_settings("async_nats_check", url, name, timeout))


def _settings(
    factory: str, url: object, name: object, timeout: object
) -> tuple[str, float, str, str]:
    checked_url(
        factory,
        url,
        schemes=("nats", "tls", "ws", "wss"),
        expected="a NATS URL (nats://, or tls:// for TLS)",
        example="'nats://localhost:4222'",
    )
    text = str(url)
    return check_name(factory, name, "nats"), seconds(factory, timeout), display_url(text), text
