"""py-healthcheck's ``healthcheck.timeout`` module path: the ``timeout`` decorator.

py-healthcheck's decorator used ``SIGALRM``, which only works in the main thread, so under a
threaded server every decorated call failed. This one runs the call on a helper thread and
stops waiting after ``seconds``; it works in any thread. Python cannot kill a thread, so a call
that overruns goes on in the background until it returns by itself; its result is dropped.
Each such call keeps its thread (and whatever it opened) until then, so give the blocking
calls inside a timeout of their own (a socket timeout, a driver's connect and read timeouts):
a warning is logged as overrunning calls of one function pile up. No call is refused on
their account: a call to a backend that answers is never failed for another that hangs.
"""

from __future__ import annotations

import builtins
import contextvars
import errno
import functools
import logging
import math
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["TimeoutError", "timeout"]

F = TypeVar("F", bound=Callable[..., Any])

#: py-healthcheck's default message: the system's text for ``ETIME`` ("Timer expired").
DEFAULT_MESSAGE = os.strerror(getattr(errno, "ETIME", errno.ETIMEDOUT))
#: A warning is logged when this many calls of one function are overrunning, and again at
#: each doubling (8, 16, 32, ...), so a pile-up shows in the log without flooding it.
WARN_OVERRUNNING = 8

logger = logging.getLogger("healthcheck")


class TimeoutError(builtins.TimeoutError):
    """Raised when a call decorated with :func:`timeout` overruns. Also a built-in
    ``TimeoutError``, so ``except TimeoutError`` catches it whichever name is in scope."""


def timeout(seconds: float = 2, error_message: str = DEFAULT_MESSAGE) -> Callable[[F], F]:
    """Decorator: the call raises :class:`TimeoutError` (``error_message``) when it takes longer
    than ``seconds``; ``0`` means no limit, as with py-healthcheck's ``signal.alarm(0)``.

    The decorated function's own exceptions reach the caller unchanged.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"timeout() needs a number of seconds, got {seconds!r}")
    if math.isnan(seconds) or seconds < 0 or seconds > threading.TIMEOUT_MAX:
        raise ValueError(
            f"timeout() needs seconds between 0 and {threading.TIMEOUT_MAX:g}, got {seconds!r}"
        )

    def decorator(func: F) -> F:
        if not seconds:
            return func
        deadline = _Deadline(func, seconds, error_message)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return deadline.call(args, kwargs)

        return wrapper  # type: ignore[return-value]  # same signature as func

    return decorator


class _Deadline:
    """Calls of one decorated function, each on a helper thread, waited for ``seconds``."""

    def __init__(self, func: Callable[..., Any], seconds: float, error_message: str) -> None:
        self.func = func
        self.seconds = seconds
        self.error_message = error_message
        self.name = f"healthcheck-timeout-{getattr(func, '__name__', 'call')}"
        self._lock = threading.Lock()
        self._overrunning = 0

    def call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        outcome: list[tuple[bool, Any]] = []
        state = {"done": False, "abandoned": False}
        context = contextvars.copy_context()  # the call sees the caller's context variables

        def target() -> None:
            try:
                outcome.append((True, context.run(self.func, *args, **kwargs)))
            except BaseException as exc:  # handed to the caller, who decides
                outcome.append((False, exc))
            finally:
                with self._lock:
                    state["done"] = True
                    if state["abandoned"]:
                        self._overrunning -= 1

        thread = threading.Thread(target=target, name=self.name, daemon=True)
        thread.start()
        thread.join(self.seconds)
        with self._lock:
            if not state["done"]:
                state["abandoned"] = True
                self._overrunning += 1
                overrunning = self._overrunning
        if not state["abandoned"]:
            return _returned(outcome[0])
        if overrunning >= WARN_OVERRUNNING and overrunning & (overrunning - 1) == 0:
            logger.warning(
                "%d calls of %s are still running past their %g s timeout, each holding a "
                "thread; give the blocking calls inside a timeout of their own",
                overrunning,
                getattr(self.func, "__qualname__", self.name),
                self.seconds,
            )
        raise TimeoutError(self.error_message)


def _returned(outcome: tuple[bool, Any]) -> Any:
    returned, value = outcome
    if returned:
        return value
    try:
        raise value
    finally:
        del value  # no reference cycle through the traceback
