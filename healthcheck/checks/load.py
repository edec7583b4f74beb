"""Load: the system load average per CPU (psutil)."""

from __future__ import annotations

from dataclasses import dataclass

import psutil

from .. import defaults
from ..result import Outcome
from ._base import BuiltinCheck, check_name, limits, refused, seconds, threshold_status

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
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise refused("load_check", "minutes", "1, 5 or 15", "5", minutes, wrong_type=True)
    if minutes not in _PERIODS:
        raise refused("load_check", "minutes", "1, 5 or 15", "5", minutes)
    warn, fail = limits(
        "load_check",
        ("warn_per_cpu", "fail_per_cpu"),
        warn_per_cpu,
        fail_per_cpu,
        what="a load average per CPU from 0",
        examples=("2", "4"),
    )
    return LoadCheck(
        check_name("load_check", name, "load"),
        seconds("load_check", timeout),
        f"{minutes}-minute load",
        minutes,
        warn,
        fail,
    )
