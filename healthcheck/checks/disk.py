"""Disk: how full the volume holding a path is (psutil)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import psutil

from .. import defaults
from ..result import Outcome
from ._base import (
    BuiltinCheck,
    check_name,
    failure,
    in_thread,
    percent_limits,
    refused,
    seconds,
    size,
    slug,
    threshold_status,
)

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
    path: str | os.PathLike[str] = "/",
    warn_percent: float | None = defaults.DISK_WARN_PERCENT,
    fail_percent: float | None = defaults.DISK_FAIL_PERCENT,
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> DiskCheck:
    """A checker that warns from ``warn_percent`` and fails from ``fail_percent`` of the
    volume holding ``path`` in use (``None``: never); the percentage is its observed value.
    Its name is by default ``disk-`` and the path (``disk-root`` for ``/``, ``disk-var-lib``)."""
    where = _path(path)
    warn, fail = percent_limits("disk_check", warn_percent, fail_percent)
    default = slug("disk", slug(where) or "root")
    return DiskCheck(
        check_name("disk_check", name, default),
        seconds("disk_check", timeout),
        where,
        where,
        warn,
        fail,
    )


def _path(path: object) -> str:
    expected = "a path on the volume to check"
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise refused("disk_check", "path", expected, "'/var/lib'", path, wrong_type=True)
    where = os.fspath(path)
    if not where or "\x00" in where:
        raise refused("disk_check", "path", expected, "'/var/lib'", path)
    return where
