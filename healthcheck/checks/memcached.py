"""memcached: ``version`` over a connection opened and closed on each run (pymemcache)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import BuiltinCheck, check_name, checked_url, failure, seconds

if TYPE_CHECKING:  # pymemcache ships no type information
    import pymemcache  # type: ignore[import-untyped]
    import pymemcache.client.base  # type: ignore[import-untyped]
    import pymemcache.exceptions  # type: ignore[import-untyped]
else:
    pymemcache = require("pymemcache", extra="memcached")
    require("pymemcache.client.base", extra="memcached")
    require("pymemcache.exceptions", extra="memcached")

__all__ = ["MemcachedCheck", "memcached_check"]


@dataclass(frozen=True, eq=False)
class MemcachedCheck(BuiltinCheck):
    """Ask the server at ``host``:``port`` for its version."""

    host: str
    port: int

    def __call__(self) -> Outcome:
        client = pymemcache.client.base.Client(
            (self.host, self.port), connect_timeout=self.timeout, timeout=self.timeout
        )
        try:
            version = client.version()
        except (pymemcache.exceptions.MemcacheError, OSError) as exc:
            return failure(exc)
        finally:
            client.close()
        text = version.decode("ascii", "replace") if isinstance(version, bytes) else version
        return Outcome(Status.PASS, f"memcached {text}")


def memcached_check(
    url: str = "memcache://127.0.0.1:11211",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> MemcachedCheck:
    """A checker that asks memcached at ``url`` (``memcache://host:port``, port 11211 by
    default) for its version."""
    parts = checked_url(
        "memcached_check",
        url,
        schemes=("memcache", "memcached"),
        expected="a memcache://host:port URL",
        example="'memcache://127.0.0.1:11211'",
    )
    host, port = str(parts.hostname), parts.port or 11211
    return MemcachedCheck(
        check_name("memcached_check", name, "memcached"),
        seconds("memcached_check", timeout),
        f"memcache://{host}:{port}",
        host,
        port,
    )
