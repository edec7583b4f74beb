"""Draining on a signal: readiness fails at once, the signal ends the process a little later.

A prefork server installs its own signal handlers in each worker after forking it (gunicorn's
worker does, and with ``--preload`` the app, and so ``drain_on_signal()``, ran in the master
before that), which replaces ours. So a forked worker installs it again, wrapping the
server's, the first time it answers from its main thread; a worker that answers only from
other threads (gunicorn's gthread) cannot, and says once in the log how to do it instead.
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
        #: Set in a forked child: look at the next answer whether the server replaced us.
        self.pending = False
        self._install()

    def _install(self) -> None:
        self._previous = signal.getsignal(self.signum)
        signal.signal(self.signum, self._handle)

    def _handle(self, received: int, frame: FrameType | None) -> None:
        self._set_draining()
        previous = self._previous
        signal.signal(received, previous if previous is not None else signal.SIG_DFL)
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
