"""The result model: states, what a checker may return, and what one run of it produced."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Optional, Union

from .check import Check
from .jsonable import JSON, to_jsonable

if TYPE_CHECKING:
    from .history import CheckHistory


class Status(str, enum.Enum):
    """The state of a check, or of a whole run. Ordered: ``PASS < WARN < FAIL``."""

    PASS = "pass"  # noqa: S105 - a state, not a password
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def worst(cls, statuses: Iterable[Status]) -> Status:
        """The most severe of ``statuses``; ``PASS`` for none."""
        return max(statuses, key=_RANK.__getitem__, default=cls.PASS)


_RANK = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}

#: A measurement a checker may report with its outcome (IETF ``observedValue``).
Observed = Optional[Union[int, float, str]]


@dataclass(frozen=True)
class Outcome:
    """What a checker may return instead of ``(bool, str)``: a state, an output and,
    optionally, an observed value with its unit (``Outcome("warn", "81% used", 81, "%")``)."""

    status: Status
    output: Any = ""
    observed_value: Observed = None
    observed_unit: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", as_status(self.status))


def as_status(value: object) -> Status:
    """A :class:`Status` from a Status, one of its values (``"warn"``) or a bool."""
    if isinstance(value, Status):
        return value
    if isinstance(value, bool):
        return Status.PASS if value else Status.FAIL
    if isinstance(value, str):
        try:
            return Status(value.lower())
        except ValueError:
            pass
    raise ValueError(f"not a status: {value!r} (use pass, warn, fail or a bool)")


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one checker run, as reported in the ``results`` list."""

    checker: str
    status: Status
    output: JSON
    timestamp: float
    expires: float
    response_time: float
    observed_value: Observed = None
    observed_unit: str | None = None
    #: Set when the run timed out rather than returned; the result is also a failure.
    timed_out: bool = field(default=False, compare=False)
    #: Set when a failure is reported as ``warn`` by flap damping or the grace period.
    damped: bool = field(default=False, compare=False)

    @property
    def passed(self) -> bool:
        """py-healthcheck's flag: true unless the check failed (a warning passes)."""
        return self.status is not Status.FAIL

    @cached_property
    def compat(self) -> dict[str, JSON]:
        """The JSON object for this result: py-healthcheck's fields plus ``status`` (built
        once, then shared); valid JSON as it is."""
        data: dict[str, JSON] = {
            "checker": self.checker,
            "output": self.output,
            "passed": self.passed,
            "timestamp": self.timestamp,
            "expires": self.expires,
            "response_time": self.response_time,
            "status": self.status.value,
        }
        if self.observed_value is not None:
            data["observed_value"] = to_jsonable(self.observed_value)  # nan becomes "nan"
        if self.observed_unit is not None:
            data["observed_unit"] = self.observed_unit
        return data


def interpret(value: Any) -> Outcome:
    """Read a checker's return value.

    Accepted: ``(bool, output)`` as in py-healthcheck, ``(Status, output)``, an
    :class:`Outcome`, or a bare bool. Anything else still gives a failed outcome whose output
    says what was wrong, so one odd checker never breaks a response.
    """
    if isinstance(value, Outcome):
        return Outcome(
            value.status, to_jsonable(value.output), value.observed_value, value.observed_unit
        )
    if isinstance(value, (bool, Status)):
        status = as_status(value)
        return Outcome(status, "ok" if status is Status.PASS else status.value)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        first, output = value
        # Truthiness for anything but a Status, as py-healthcheck did.
        status = first if isinstance(first, Status) else as_status(bool(first))
        return Outcome(status, to_jsonable(output))
    kind = type(value).__name__
    if isinstance(value, (tuple, list)):
        kind = f"a {len(value)}-item {kind}"
    return Outcome(Status.FAIL, f"checker returned {kind}; expected (bool, str)")


def effective_status(check: Check, status: Status) -> Status:
    """A check's weight in the overall status: a non-critical failure only warns."""
    return Status.WARN if status is Status.FAIL and not check.critical else status


@dataclass(frozen=True)
class Report:
    """One run: the checks selected, their results (same order) and the overall status."""

    checks: tuple[Check, ...]
    results: tuple[CheckResult, ...]
    #: One check asked for by name: the answer is its own state, so a failing non-critical
    #: check says "fail" (it only weighs as a warning in a run of several).
    named: bool = False
    #: Each check's history, same order; ``None`` for a check with none yet (or empty, when
    #: the report was made without them).
    histories: tuple[CheckHistory | None, ...] = ()
    #: For a report of every registered check: the overall state as the engine followed it,
    #: result by result, and since when it has held (exact, where histories only bound it).
    whole: tuple[Status, float] | None = None

    @cached_property
    def weights(self) -> tuple[Status, ...]:
        """What each result counts for in :attr:`status`."""
        if self.named:
            return tuple(r.status for r in self.results)
        return tuple(effective_status(c, r.status) for c, r in zip(self.checks, self.results))

    @cached_property
    def status(self) -> Status:
        return Status.worst(self.weights)

    def since(self, index: int) -> float | None:
        """When the state of the ``index``-th result began, if its history knows."""
        history = self.histories[index] if index < len(self.histories) else None
        if history is None:
            return None
        result = self.results[index]
        # A result that landed after this report's was read: this one's state held at least
        # since it was made.
        return history.since if history.status is result.status else result.timestamp

    @cached_property
    def overall_since(self) -> float | None:
        """Since when the overall state has held, at least: a failure since the earliest of
        the present failures began (each has lasted since); any other state since the last
        change of any check. ``None`` when a check has no history. Exact for a report of every
        check (see :attr:`whole`)."""
        if self.whole is not None and self.whole[0] is self.status:
            return self.whole[1]
        begun = [self.since(i) for i in range(len(self.results))]
        if not begun or any(moment is None for moment in begun):
            return None
        known = [moment for moment in begun if moment is not None]
        if self.status is Status.FAIL:
            return min(m for m, w in zip(known, self.weights) if w is Status.FAIL)
        return max(known)
