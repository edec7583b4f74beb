"""Load: the system load average per CPU (psutil)."""

from __future__ import annotations

from dataclasses import dataclass

import psutil

from .. import defaults
from ..result import Outcome
from ._base import BuiltinCheck, seconds, threshold_status

__all__ = ["LoadCheck", "load_check"]

_PERIODS = {1: 0, 5: 1, 15: 2}  # minutes -> index in getloadavg()


@dataclass(frozen=True, eq=False)
class LoadCheck(BuiltinCheck):
    """Compare the load average over ``minutes``, divided by the CPU count, with the limits."""

    minutes: int
    warn_per_cpu: float | None
    fail_per_cpu: float | None

    def __call__(self) -> Outcome:
        load = psutil.getloadavg()[_PERIODS[self.minutes]]
        cpus = psutil.cpu_count() or 1
        per_cpu = round(load / cpus, 2)
        status = threshold_status(per_cpu, self.warn_per_cpu, self.fail_per_cpu)
        output = f"{self.minutes}-minute load {load:.2f} on {cpus} CPUs ({per_cpu:g} per CPU)"
        return Outcome(status, output, per_cpu, "per CPU")


def load_check(
    warn_per_cpu: float | None = defaults.LOAD_WARN_PER_CPU,
    fail_per_cpu: float | None = None,
    *,
    minutes: int = 5,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> LoadCheck:
    """A checker that warns from ``warn_per_cpu`` and fails from ``fail_per_cpu`` of load
    average per CPU over 1, 5 or 15 ``minutes`` (``None``: never; by default it only warns);
    the load per CPU is its observed value."""
    if minutes not in _PERIODS:
        raise ValueError(f"minutes must be 1, 5 or 15, got {minutes!r}")
    if warn_per_cpu is not None and fail_per_cpu is not None and warn_per_cpu > fail_per_cpu:
        raise ValueError(f"warn_per_cpu {warn_per_cpu} is above fail_per_cpu {fail_per_cpu}")
    return LoadCheck(
        name or "load",
        seconds(timeout),
        f"{minutes}-minute load",
        minutes,
        warn_per_cpu,
        fail_per_cpu,
    )
