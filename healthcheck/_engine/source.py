"""Where a HealthCheck's results come from: runs on demand or background mode, one interface."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..check import Check
from ..result import CheckResult
from .cache import Timer


class ReportSource(Protocol):
    """A source of results: the engine (on demand, cached) or the background runner."""

    @property
    def timer(self) -> Timer:
        """The clock ``fresh_until`` answers on."""

    @property
    def generation(self) -> int:
        """Bumped whenever a result it holds changes: equal generations, equal results."""

    def fresh_until(self, checks: Sequence[Check]) -> float:
        """Until when (``timer`` clock) its results for ``checks`` stay the ones it gives."""

    def results(self, checks: Sequence[Check]) -> list[CheckResult]:
        """A result for each of ``checks``, running what must run; blocks."""

    async def results_async(self, checks: Sequence[Check]) -> list[CheckResult]:
        """:meth:`results` for async servers, never blocking the running loop."""
