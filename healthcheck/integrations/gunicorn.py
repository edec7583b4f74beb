"""gunicorn: drain on the master's SIGTERM, the one that means the server is stopping; remove
the shared results' directory when it stops.

.. code-block:: python

    # gunicorn.conf.py
    from healthcheck.integrations.gunicorn import drain_on_shutdown

    when_ready = drain_on_shutdown(10)
    graceful_timeout = 30

A worker's own SIGTERM cannot tell a stop from a reload (HUP), a scale-down (TTOU) or the end
of an upgrade (WINCH): gunicorn sends it for all of them. The master's SIGTERM is a stop. On it
the master sets a flag every worker reads (shared memory, made before they are forked), so
``/readyz`` fails in all of them while they go on serving; ``delay`` seconds later (or at a
second SIGTERM) gunicorn stops as it always does. SIGINT and SIGQUIT stop at once, as before.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..draining import shared_flag

__all__ = ["drain_on_shutdown", "remove_share_on_exit"]


def drain_on_shutdown(delay: float = 10.0) -> Callable[[Any], None]:
    """A ``when_ready`` hook for gunicorn.conf.py: on the master's SIGTERM, every worker's
    readiness fails for ``delay`` seconds before gunicorn stops. Call the hook it returns from
    a ``when_ready`` of your own if you have one."""
    if isinstance(delay, bool) or not isinstance(delay, (int, float)):
        raise TypeError(f"delay must be a number of seconds, got {delay!r}")
    if not (math.isfinite(delay) and delay >= 0):
        raise ValueError(f"delay must be 0 or more seconds, got {delay!r}")

    def when_ready(server: Any) -> None:
        flag = shared_flag()  # in the master, before any worker is forked
        stop = server.handle_term

        def handle_term() -> None:
            if flag.is_set():  # the second SIGTERM: ours after the delay, or an operator's
                stop()
                return
            flag.set()
            server.log.info("healthcheck: readiness fails; stopping in %g s", delay)
            timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGTERM))
            timer.daemon = True
            timer.start()

        server.handle_term = handle_term

    return when_ready


def remove_share_on_exit(directory: str | os.PathLike[str]) -> Callable[[Any], None]:
    """An ``on_exit`` hook for gunicorn.conf.py: what the workers shared results through
    (``HealthCheck(share=...)``) is removed when gunicorn stops, so that nothing is left behind:
    the files healthcheck makes there, then the directory if that leaves it empty (anything
    else in it stays). Not at the end of an upgrade (USR2), whose new master goes on using it."""
    if not isinstance(directory, (str, os.PathLike)) or not os.fspath(directory):
        raise TypeError(f"directory must be a path, got {directory!r}")
    path = Path(os.path.abspath(os.path.expanduser(os.fspath(directory))))

    def on_exit(server: Any) -> None:
        # As gunicorn decides whether to unlink its sockets: not while an upgrade's other
        # master (the new one, or the old one not yet gone) goes on.
        if getattr(server, "reexec_pid", 0) or getattr(server, "master_pid", 0):
            return
        for pattern in ("*.lock", "*.json", "*.tmp", "generation"):
            for made in path.glob(pattern):
                with contextlib.suppress(OSError):
                    made.unlink()
        with contextlib.suppress(OSError):
            path.rmdir()  # only if empty: nothing of anyone else's goes

    return on_exit
