"""py-healthcheck's ``healthcheck.timeout`` module path: the ``timeout`` decorator.

py-healthcheck's decorator used ``SIGALRM``, which only works in the main thread, so under a
threaded server every decorated call failed. This one runs the call on a helper thread and
stops waiting after ``seconds``; it works in any thread. Python cannot kill a thread, so a call
that overruns goes on in the background until it returns by itself; its result is dropped.
"""

from __future__ import annotations

import builtins
import contextvars
import errno
import functools
import math
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["TimeoutError", "timeout"]

F = TypeVar("F", bound=Callable[..., Any])

#: py-healthcheck's default message: the system's text for ``ETIME`` ("Timer expired").
DEFAULT_MESSAGE = os.strerror(getattr(errno, "ETIME", errno.ETIMEDOUT))


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

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return _call_with_deadline(func, args, kwargs, seconds, error_message)

        return wrapper  # type: ignore[return-value]  # same signature as func

    return decorator


def _call_with_deadline(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    seconds: float,
    error_message: str,
) -> Any:
    outcome: list[tuple[bool, Any]] = []
    context = contextvars.copy_context()  # the call sees the caller's context variables

    def target() -> None:
        try:
            outcome.append((True, context.run(func, *args, **kwargs)))
        except BaseException as exc:  # handed to the caller, who decides
            outcome.append((False, exc))

    name = f"healthcheck-timeout-{getattr(func, '__name__', 'call')}"
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    thread.join(seconds)
    if not outcome:
        raise TimeoutError(error_message)
    returned, value = outcome[0]
    if returned:
        return value
    try:
        raise value
    finally:
        del value  # no reference cycle through the traceback
