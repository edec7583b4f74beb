"""etcd: its own ``/health`` endpoint, ``{"health": "true"}`` (standard library only)."""

from __future__ import annotations

from .. import defaults
from ._base import checked_url
from .http import HTTPCheck, make_http_check

__all__ = ["etcd_check"]


def etcd_check(
    url: str = "http://127.0.0.1:2379",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> HTTPCheck:
    """A checker that asks the etcd member at ``url`` (its client URL) for ``/health``: it
    passes when etcd says ``"health": "true"`` (a member without a quorum says false)."""
    checked_url(
        "etcd_check",
        url,
        schemes=("http", "https"),
        expected="an etcd client URL (http:// or https://)",
        example="'http://127.0.0.1:2379'",
    )
    return make_http_check(
        "etcd_check",
        url.rstrip("/") + "/health",
        json_field="health",
        json_status={"true": "pass", "false": "fail"},
        name=name,
        timeout=timeout,
        default_name="etcd",
    )
