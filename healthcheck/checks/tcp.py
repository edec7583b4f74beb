"""TCP: open a connection to a host and port, and close it (standard library)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

from .. import defaults
from ..result import Outcome, Status
from ._base import BuiltinCheck, check_name, failure, host_name, port_number, seconds, slug

__all__ = ["AsyncTCPCheck", "TCPCheck", "async_tcp_check", "tcp_check"]


@dataclass(frozen=True, eq=False)
class TCPCheck(BuiltinCheck):
    """Connect to ``host``:``port``."""

    host: str
    port: int

    def __call__(self) -> Outcome:
        try:
            socket.create_connection((self.host, self.port), timeout=self.timeout).close()
        except socket.timeout:  # TimeoutError from Python 3.10 on, an OSError before
            return Outcome(Status.FAIL, f"no connection within {self.timeout:g} s")
        except OSError as exc:
            return failure(exc)
        return Outcome(Status.PASS, f"connected to {self.target}")


@dataclass(frozen=True, eq=False)
class AsyncTCPCheck(BuiltinCheck):
    """:class:`TCPCheck` on the event loop."""

    host: str
    port: int

    async def __call__(self) -> Outcome:
        try:
            connecting = asyncio.open_connection(self.host, self.port)
            _, writer = await asyncio.wait_for(connecting, self.timeout)
        except asyncio.TimeoutError:
            return Outcome(Status.FAIL, f"no connection within {self.timeout:g} s")
        except OSError as exc:
            return failure(exc)
        writer.close()
        await writer.wait_closed()
        return Outcome(Status.PASS, f"connected to {self.target}")


def _settings(
    factory: str, host: object, port: object, name: object, timeout: object
) -> tuple[str, float, str, str, int]:
    """The checker's name, timeout and target (``host:port``, ``[host]:port`` for IPv6), host
    and port, each checked."""
    host = host_name(factory, host)
    port = port_number(factory, port)
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    default = slug("tcp", host, port)
    return check_name(factory, name, default), seconds(factory, timeout), target, host, port


def tcp_check(
    host: str, port: int, *, name: str | None = None, timeout: float = defaults.CHECK_TIMEOUT
) -> TCPCheck:
    """A checker that passes when a TCP connection to ``host``:``port`` opens; its name is by
    default ``tcp-<host>-<port>``."""
    return TCPCheck(*_settings("tcp_check", host, port, name, timeout))


def async_tcp_check(
    host: str, port: int, *, name: str | None = None, timeout: float = defaults.CHECK_TIMEOUT
) -> AsyncTCPCheck:
    """:func:`tcp_check` for event loops."""
    return AsyncTCPCheck(*_settings("async_tcp_check", host, port, name, timeout))
