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
import os
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType

from .check import Check


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


def install_drain_handler(
    set_draining: Callable[[], None], signum: int = signal.SIGTERM, delay: float = 0.0
) -> None:
    """On ``signum``: start draining, then after ``delay`` seconds let the signal do what it
    did before (by default, end the process). Call from the main thread."""
    previous = signal.getsignal(signum)

    def handler(received: int, frame: FrameType | None) -> None:
        set_draining()
        signal.signal(received, previous if previous is not None else signal.SIG_DFL)
        timer = threading.Timer(delay, os.kill, (os.getpid(), received))
        timer.daemon = True
        timer.start()

    signal.signal(signum, handler)
