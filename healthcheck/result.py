"""The result model: what one run of one checker produced, and how its return value is read."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .jsonable import JSON, to_jsonable


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one checker run, as reported in the ``results`` list."""

    checker: str
    passed: bool
    output: JSON
    timestamp: float
    expires: float
    response_time: float
    #: Set when the run timed out rather than returned; the result is also a failure.
    timed_out: bool = field(default=False, compare=False)

    @cached_property
    def compat(self) -> dict[str, JSON]:
        """The py-healthcheck JSON object for this result (built once, then shared)."""
        return {
            "checker": self.checker,
            "output": self.output,
            "passed": self.passed,
            "timestamp": self.timestamp,
            "expires": self.expires,
            "response_time": self.response_time,
        }


def interpret(value: Any) -> tuple[bool, JSON]:
    """Read a checker's return value as ``(passed, output)``.

    The contract is a ``(bool, str)`` pair; anything else still gives a result, with an output
    that says what was wrong, so one odd checker never breaks a response.
    """
    if isinstance(value, bool):
        return value, "ok" if value else "failed"
    if isinstance(value, (tuple, list)) and len(value) == 2:
        passed, output = value
        return bool(passed), to_jsonable(output)
    if isinstance(value, (tuple, list)):
        return (
            False,
            f"checker returned a {len(value)}-item {type(value).__name__}; expected (bool, str)",
        )
    return False, f"checker returned {type(value).__name__}; expected (bool, str)"
