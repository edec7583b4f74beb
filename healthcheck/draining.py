"""Draining on a signal: readiness fails at once, the signal ends the process a little later.

Servers install their own signal handlers after the app is imported: gunicorn's workers (with
``--preload`` the app, and so ``drain_on_signal()``, ran in the master before), uvicorn when it
starts serving. That replaces ours, so ours is put back, wrapping the server's, the first time
the process answers from its main thread; a process that answers only from other threads
(gunicorn's gthread) cannot, and says once in the log how to do it instead.

A server that replaces its workers (gunicorn's HUP reload) sends them the same SIGTERM as one
that stops, but keeps listening itself: then there is nothing to drain, and the signal goes on
to the server's handler at once.
"""

from __future__ import annotations

import logging
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
        #: Look at the next answer whether a server replaced the handler (set again in a
        #: forked child).
        self.pending = True
        self._install()

    def _install(self) -> None:
        self._previous = signal.getsignal(self.signum)
        signal.signal(self.signum, self._handle)

    def _handle(self, received: int, frame: FrameType | None) -> None:
        previous = self._previous
        signal.signal(received, previous if previous is not None else signal.SIG_DFL)
        if _replaced_not_stopped():
            os.kill(os.getpid(), received)  # a reload: the server's handler, now
            return
        self._set_draining()
        timer = threading.Timer(self.delay, os.kill, (os.getpid(), received))
        timer.daemon = True
        timer.start()

    def after_fork(self) -> None:
        self.pending = True

    def rearm(self) -> None:
        """In a forked worker, when it answers: install the handler again, over the server's,
        if the server replaced it."""
        self.pending = False
        if signal.getsignal(self.signum) == self._handle:
            return
        if threading.current_thread() is threading.main_thread():
            self._install()
            return
        name = signal.Signals(self.signum).name
        logger.warning(
            "drain_on_signal(%s): the server replaced the handler in worker %d after forking "
            "it, and this worker answers from other threads, where Python cannot install it "
            "again; call drain_on_signal() in the server's worker start hook (gunicorn: "
            "post_worker_init in gunicorn.conf.py)",
            name,
            os.getpid(),
        )


def _replaced_not_stopped() -> bool:
    """Whether this process's parent still listens on an address this process listens on: a
    server replacing its workers, not one stopping (gunicorn closes its listeners before it
    signals the workers to stop)."""
    import psutil

    try:
        me = psutil.Process()
        parent = me.parent()
        if parent is None:
            return False
        ours = _listening(me)
        return bool(ours) and not ours.isdisjoint(_listening(parent))
    except (psutil.Error, OSError):  # not allowed to look: drain, as asked
        return False


def _listening(process: Any) -> set[Any]:
    import psutil

    listing = getattr(process, "net_connections", None) or process.connections
    return {c.laddr for c in listing(kind="inet") if c.status == psutil.CONN_LISTEN}
