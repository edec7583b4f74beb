"""Draining on a signal: readiness fails at once, the signal ends the process a little later.

``drain_on_signal()`` is for a process that serves on its own (uvicorn, Tornado, a plain
server; each of uvicorn's ``--workers``). Servers install their own signal handlers after the
app is imported (uvicorn when it starts serving), which replaces ours: so at each answer from
the main thread the process looks, and puts ours back around the server's.

Under gunicorn a worker's SIGTERM does not tell a stop from a reload (HUP), a scale-down
(TTOU) or an upgrade: the master's does. There, :mod:`healthcheck.integrations.gunicorn`
drains on the master's SIGTERM, and every process of the server reads that from one shared
flag (:func:`shared_flag`), made before the workers are forked.
"""

from __future__ import annotations

import logging
import mmap
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

logger = logging.getLogger("healthcheck")


class DrainSignal:
    """On ``signum``: call ``set_draining()``, then after ``delay`` seconds let the signal do
    what it did before (by default, end the process). Create from the main thread."""

    def __init__(self, set_draining: Callable[[], None], signum: int, delay: float) -> None:
        self.signum = signum
        self.delay = delay
        self._set_draining = set_draining
        self._previous: Any = None
        #: The very object installed: looking whether it is still there costs one call.
        self._installed = self._handle
        #: Whether the signal came (then there is nothing more to look after).
        self.fired = False
        self._warned = False
        self._install()

    def _install(self) -> None:
        previous = signal.getsignal(self.signum)
        drain = getattr(previous, "__self__", None)
        if isinstance(drain, DrainSignal):  # ours, installed before: replace it, not chain it
            previous = drain._previous
        self._previous = previous
        signal.signal(self.signum, self._installed)

    def _handle(self, received: int, frame: FrameType | None) -> None:
        previous = self._previous
        signal.signal(received, previous if previous is not None else signal.SIG_DFL)
        self.fired = True
        self._set_draining()
        timer = threading.Timer(self.delay, os.kill, (os.getpid(), received))
        timer.daemon = True
        timer.start()

    def watch(self) -> None:
        """At each answer: if a server has replaced the handler since, put it back around the
        server's (only the main thread can; from another, say once how to do it instead)."""
        if self.fired or signal.getsignal(self.signum) is self._installed:
            return
        if threading.current_thread() is threading.main_thread():
            self._install()
            return
        if not self._warned:
            self._warned = True
            logger.warning(
                "drain_on_signal(%s): the server replaced the handler in process %d, which "
                "answers from other threads, where Python cannot install it again; under "
                "gunicorn use healthcheck.integrations.gunicorn.drain_on_shutdown instead",
                signal.Signals(self.signum).name,
                os.getpid(),
            )


class SharedFlag:
    """One byte of memory shared with the processes forked after it is made."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, 1)  # anonymous and shared: children see writes

    def set(self) -> None:
        self._memory[0] = 1

    def is_set(self) -> bool:
        return self._memory[0] == 1


_shared: SharedFlag | None = None


def shared_flag() -> SharedFlag:
    """The server-wide "draining" flag, made at the first call (before the workers fork)."""
    global _shared
    if _shared is None:
        _shared = SharedFlag()
    return _shared


def server_draining() -> bool:
    """Whether the server this process belongs to is draining (see :func:`shared_flag`)."""
    return _shared is not None and _shared.is_set()


def under_gunicorn() -> bool:
    """Whether this process is (or will fork) a gunicorn worker."""
    import sys

    return "gunicorn.arbiter" in sys.modules
