"""Flap damping and the startup grace period: when a failure is reported as ``warn``."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from ..check import Check
from ..result import CheckResult, Status
from .cache import Timer


@dataclass
class _History:
    failures: int = 0
    failing_since: float | None = None


class Damper:
    """Turns a fresh ``fail`` into ``warn`` while a check's damping (``fail_after``,
    ``warn_for``) or the grace period after start-up says it is too early to fail."""

    def __init__(self, timer: Timer, grace_period: float = 0.0) -> None:
        self._timer = timer
        self._grace_until = timer() + grace_period
        self._history: dict[Check, _History] = {}
        self._lock = threading.Lock()

    def after_fork(self) -> None:
        self._lock = threading.Lock()  # another thread may have held it at the fork

    def forget(self, checks: Iterable[Check]) -> None:
        """Checks no longer registered: their counts go with them."""
        with self._lock:
            for check in checks:
                self._history.pop(check, None)

    def apply(self, check: Check, result: CheckResult, repeat: bool = False) -> CheckResult:
        """Record ``result`` in the check's history; return it, damped if need be.

        Failures are counted per execution: ``repeat`` marks a second word on one already
        counted (a timed-out execution that returned later), which is judged but not counted.
        """
        now = self._timer()
        with self._lock:
            history = self._history.setdefault(check, _History())
            if result.status is not Status.FAIL:
                history.failures, history.failing_since = 0, None
                return result
            if not repeat or history.failures == 0:
                history.failures += 1
            if history.failing_since is None:
                history.failing_since = now
            failing_for = now - history.failing_since
            failures = history.failures
        reasons = []
        waits = []  # seconds until each reason that time alone ends runs out
        if failures < check.fail_after:
            reasons.append(f"failure {failures} of {check.fail_after} before failing")
        if failing_for < check.warn_for:
            reasons.append(f"failing for {failing_for:g} s of {check.warn_for:g} s before failing")
            waits.append(check.warn_for - failing_for)
        if now < self._grace_until:
            reasons.append("in the startup grace period")
            waits.append(self._grace_until - now)
        if not reasons:
            return result
        output = result.output
        if isinstance(output, str):
            output = f"{output} (warn: {'; '.join(reasons)})"
        expires = result.expires
        if len(waits) == len(reasons):
            # Only time keeps this failure a warning: cached longer, it would still say "warn"
            # once it should fail.
            expires = min(expires, result.timestamp + max(waits))
        return dataclasses.replace(
            result, status=Status.WARN, output=output, damped=True, expires=expires
        )
