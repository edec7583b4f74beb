"""DNS: resolve a name with the system's resolver (standard library)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any

from .. import defaults
from ..result import Outcome, Status
from ._base import BuiltinCheck, check_name, failure, host_name, in_thread, seconds, slug

__all__ = ["AsyncDNSCheck", "DNSCheck", "async_dns_check", "dns_check"]

_SHOWN = 5  # addresses named in the output; the rest are counted

_AddrInfo = list[tuple[Any, ...]]


def _outcome(host: str, infos: _AddrInfo) -> Outcome:
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    shown = ", ".join(addresses[:_SHOWN])
    more = f" and {len(addresses) - _SHOWN} more" if len(addresses) > _SHOWN else ""
    return Outcome(Status.PASS, f"{host} -> {shown}{more}", len(addresses), "addresses")


@dataclass(frozen=True, eq=False)
class DNSCheck(BuiltinCheck):
    """Resolve ``host``."""

    host: str

    def __call__(self) -> Outcome:
        # If the resolver outlives our timeout, its thread is left to the resolver's own.
        try:
            infos = in_thread(
                lambda: socket.getaddrinfo(self.host, None, type=socket.SOCK_STREAM),
                self.timeout,
                "healthcheck-dns",
            )
        except TimeoutError:
            return Outcome(Status.FAIL, f"no answer for {self.host} within {self.timeout:g} s")
        except (OSError, UnicodeError) as exc:
            return failure(exc)
        return _outcome(self.host, infos)


@dataclass(frozen=True, eq=False)
class AsyncDNSCheck(BuiltinCheck):
    """:class:`DNSCheck` on the event loop (its default executor runs the resolver)."""

    host: str

    async def __call__(self) -> Outcome:
        loop = asyncio.get_running_loop()
        try:
            resolving = loop.getaddrinfo(self.host, None, type=socket.SOCK_STREAM)
            infos = await asyncio.wait_for(resolving, self.timeout)
        except asyncio.TimeoutError:
            return Outcome(Status.FAIL, f"no answer for {self.host} within {self.timeout:g} s")
        except (OSError, UnicodeError) as exc:
            return failure(exc)
        return _outcome(self.host, infos)


def _settings(
    factory: str, host: object, name: object, timeout: object
) -> tuple[str, float, str, str]:
    host = host_name(factory, host, "'example.org'")
    default = slug("dns", host)
    return check_name(factory, name, default), seconds(factory, timeout), host, host


def dns_check(
    host: str, *, name: str | None = None, timeout: float = defaults.CHECK_TIMEOUT
) -> DNSCheck:
    """A checker that passes when ``host`` resolves; the addresses are its output and their
    number its observed value. Its name is by default ``dns-<host>``."""
    return DNSCheck(*_settings("dns_check", host, name, timeout))


def async_dns_check(
    host: str, *, name: str | None = None, timeout: float = defaults.CHECK_TIMEOUT
) -> AsyncDNSCheck:
    """:func:`dns_check` for event loops."""
    return AsyncDNSCheck(*_settings("async_dns_check", host, name, timeout))
