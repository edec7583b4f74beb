"""Memory: how much of the machine's memory is in use (psutil)."""

from __future__ import annotations

from dataclasses import dataclass

import psutil

from .. import defaults
from ..result import Outcome
from ._base import BuiltinCheck, check_name, percent_limits, seconds, size, threshold_status

__all__ = ["MemoryCheck", "memory_check"]


@dataclass(frozen=True, eq=False)
class MemoryCheck(BuiltinCheck):
    """Compare the percentage of memory in use with the limits."""

    warn_percent: float | None
    fail_percent: float | None

    def __call__(self) -> Outcome:
        memory = psutil.virtual_memory()
        status = threshold_status(memory.percent, self.warn_percent, self.fail_percent)
        output = (
            f"{memory.percent:g}% used of {size(memory.total)} ({size(memory.available)} available)"
        )
        return Outcome(status, output, memory.percent, "%")


def memory_check(
    warn_percent: float | None = defaults.MEMORY_WARN_PERCENT,
    fail_percent: float | None = None,
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> MemoryCheck:
    """A checker that warns from ``warn_percent`` and fails from ``fail_percent`` of memory
    in use (``None``: never; by default it only warns); the percentage is its observed value.
    "In use" is psutil's: total less available, so reclaimable page cache counts as free."""
    warn, fail = percent_limits("memory_check", warn_percent, fail_percent)
    return MemoryCheck(
        check_name("memory_check", name, "memory"),
        seconds("memory_check", timeout),
        "memory",
        warn,
        fail,
    )
