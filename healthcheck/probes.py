"""Kubernetes-style probes: which checks each runs, draining, and the startup latch.

- liveness (``/livez``): only checks tagged ``live``; with none, it passes while the process
  can answer at all. Dependency checks do not belong here: a dead database must not get every
  replica restarted.
- readiness (``/readyz``): checks tagged ``ready`` and every check not tagged only for the
  other probes; fails while draining, so traffic moves away before the process exits.
- startup (``/startupz``): checks tagged ``startup``; once they have all passed, it passes for
  good without running them again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .check import Check
from .draining import server_draining
from .render.text import check_line, render_probe
from .result import CheckResult, Report, Status

if TYPE_CHECKING:
    from .answer import Response

TEXT_HEADERS = {"Content-Type": "text/plain; charset=utf-8"}
#: What a non-verbose probe says instead of a failure's output, as Kubernetes does.
REASON_WITHHELD = "reason withheld"


class Probe(str, enum.Enum):
    LIVE = "live"
    READY = "ready"
    STARTUP = "startup"

    @property
    def path(self) -> str:
        """The conventional route, e.g. ``readyz``."""
        return f"{self.value}z"


LIVE, READY, STARTUP = Probe.LIVE.value, Probe.READY.value, Probe.STARTUP.value
_OTHER_PROBES = frozenset({LIVE, STARTUP})


def probe_checks(probe: Probe, checks: Iterable[Check]) -> tuple[Check, ...]:
    """The checks ``probe`` runs."""
    if probe is Probe.READY:
        return tuple(c for c in checks if READY in c.tags or not (c.tags & _OTHER_PROBES))
    return tuple(c for c in checks if probe.value in c.tags)


class ProbeState:
    """What the probes answer from besides the checks: whether the process is draining, and
    whether startup has passed (latched: its checks are not run again)."""

    def __init__(self) -> None:
        self._draining = False
        self.started_up = False

    @property
    def draining(self) -> bool:
        """Set for this process (``set_draining``), or for the whole server it belongs to
        (gunicorn's master draining: see :mod:`healthcheck.integrations.gunicorn`)."""
        return self._draining or server_draining()

    @draining.setter
    def draining(self, value: bool) -> None:
        self._draining = value


def plan_probe(
    state: ProbeState,
    kind: Probe,
    checks: tuple[Check, ...] | None,
    name: str | None,
    exclude: Iterable[str],
    verbose: bool,
    details: bool,
) -> ProbePlan | Response:
    """What a probe runs (``checks``: those selected, ``None`` when the check ``name`` is not
    registered) and how it answers; a 404 response for an unknown check."""
    if checks is None:
        return f"no check named {name!r} in {kind.path}\n", 404, dict(TEXT_HEADERS)
    if kind is Probe.STARTUP and state.started_up:
        checks = ()  # latched: startup checks are not run again once they passed
    mode = "verbose" if verbose and details else "withheld" if details else "verdict"
    return ProbePlan(state, kind, checks, mode, complete=name is None and not exclude)


@dataclass(frozen=True)
class ProbePlan:
    """A probe about to run: its checks, and how it will answer."""

    state: ProbeState
    kind: Probe
    checks: tuple[Check, ...]
    #: verbose (reasons shown), withheld (lines, reasons withheld) or verdict (no lines)
    mode: str
    #: The whole probe ran (no check named, none excluded): only then may startup latch.
    complete: bool

    def respond(self, report: Report, failed_status: int) -> Response:
        """The probe's plain-text answer for ``report``, its checks' results."""
        kind = self.kind
        outcomes = [(r.checker, r.status, r.output) for r in report.results]
        status = report.status
        if kind is Probe.READY and self.state.draining:
            outcomes.append(("draining", Status.FAIL, "shutting down"))
            status = Status.FAIL
        lines = [
            check_line(name, state, output if self.mode == "verbose" else REASON_WITHHELD)
            for name, state, output in outcomes
        ]
        if kind is Probe.STARTUP and self.complete:
            if all(_really_passed(r) for r in report.results):
                self.state.started_up = True
        if self.mode == "verdict":
            lines = []
        code = failed_status if status is Status.FAIL else 200
        return (
            render_probe(kind.path, status, lines, self.mode == "verbose"),
            code,
            dict(TEXT_HEADERS),
        )


def _really_passed(result: CheckResult) -> bool:
    """Passed by its own account: a damped failure is not a pass, a reported warning is."""
    return result.status is Status.PASS or (result.status is Status.WARN and not result.damped)
