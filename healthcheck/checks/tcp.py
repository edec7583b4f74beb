"""TCP: open a connection to a host and port, and close it (standard library)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

from .. import defaults
from ..result import Outcome, Status
from ._base import BuiltinCheck, failure, seconds

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


def _target(host: str, port: int) -> str:
    """``host:port`` as shown; a clear error for a host or port that cannot be one."""
    if not isinstance(host, str) or not host.strip():
        raise ValueError(f"host must be a host name or address, got {host!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"port must be a number from 1 to 65535, got {port!r}")
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def tcp_check(
    host: str, port: int, *, name: str | None = None, timeout: float = defaults.CHECK_TIMEOUT
) -> TCPCheck:
    """A checker that passes when a TCP connection to ``host``:``port`` opens."""
    target = _target(host, port)
    return TCPCheck(name or f"tcp:{target}", seconds(timeout), target, host, port)


def async_tcp_check(
    host: str, port: int, *, name: str | None = None, timeout: float = defaults.CHECK_TIMEOUT
) -> AsyncTCPCheck:
    """:func:`tcp_check` for event loops."""
    target = _target(host, port)
    return AsyncTCPCheck(name or f"tcp:{target}", seconds(timeout), target, host, port)
