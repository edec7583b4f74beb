"""Disk: how full the volume holding a path is (psutil)."""

from __future__ import annotations

from dataclasses import dataclass

import psutil

from .. import defaults
from ..result import Outcome
from ._base import BuiltinCheck, failure, in_thread, percent_limits, seconds, size, threshold_status

__all__ = ["DiskCheck", "disk_check"]


@dataclass(frozen=True, eq=False)
class DiskCheck(BuiltinCheck):
    """Compare the percentage of ``path``'s volume in use with the limits."""

    path: str
    warn_percent: float | None
    fail_percent: float | None

    def __call__(self) -> Outcome:
        try:
            # statvfs() cannot be interrupted, and hangs on an unreachable network mount.
            usage = in_thread(
                lambda: psutil.disk_usage(self.path), self.timeout, "healthcheck-disk"
            )
        except OSError as exc:  # TimeoutError included
            return failure(exc)
        status = threshold_status(usage.percent, self.warn_percent, self.fail_percent)
        output = f"{usage.percent:g}% used of {size(usage.total)} ({size(usage.free)} free)"
        return Outcome(status, output, usage.percent, "%")


def disk_check(
    path: str = "/",
    warn_percent: float | None = defaults.DISK_WARN_PERCENT,
    fail_percent: float | None = defaults.DISK_FAIL_PERCENT,
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> DiskCheck:
    """A checker that warns from ``warn_percent`` and fails from ``fail_percent`` of the
    volume holding ``path`` in use (``None``: never); the percentage is its observed value."""
    warn, fail = percent_limits(warn_percent, fail_percent)
    return DiskCheck(name or f"disk:{path}", seconds(timeout), path, path, warn, fail)
