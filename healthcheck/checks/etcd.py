"""etcd: its own ``/health`` endpoint, ``{"health": "true"}`` (standard library only)."""

from __future__ import annotations

from .. import defaults
from .http import HTTPCheck, http_check

__all__ = ["etcd_check"]


def etcd_check(
    url: str = "http://127.0.0.1:2379",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> HTTPCheck:
    """A checker that asks the etcd member at ``url`` (its client URL) for ``/health``: it
    passes when etcd says ``"health": "true"`` (a member without a quorum says false)."""
    return http_check(
        url.rstrip("/") + "/health",
        json_field="health",
        json_status={"true": "pass", "false": "fail"},
        name=name or "etcd",
        timeout=timeout,
    )
