"""A registered checker: the callable and how to run and count it."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Checker = Callable[[], Any]


def checker_name(func: Callable[..., Any]) -> str:
    """A readable name for any callable: a function, a partial, a bound method or an object."""
    while isinstance(func, functools.partial):
        func = func.func
    name = getattr(func, "__name__", None)
    return name if isinstance(name, str) else type(func).__name__


def is_async_checker(func: Callable[..., Any]) -> bool:
    call = getattr(type(func), "__call__", None)  # noqa: B004 - an object's async __call__
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(call)


@dataclass(frozen=True, eq=False)
class Check:
    """A registered checker. Identity is the cache key, so equal names never collide."""

    func: Checker
    name: str
    #: Seconds; ``None`` falls back to the HealthCheck's ``error_timeout``.
    timeout: float | None = None
    #: A failing non-critical check makes the whole run ``warn``, not ``fail``.
    critical: bool = True
    tags: frozenset[str] = frozenset()
    #: Flap damping: report ``fail`` only from the ``fail_after``-th consecutive failure, and
    #: only once failing for ``warn_for`` seconds; ``warn`` until then.
    fail_after: int = 1
    warn_for: float = 0.0
    #: With ``share=``, whether other processes take up its result; ``False`` for a check
    #: about the process itself (its busy threads, its memory), which each runs on its own.
    shared: bool = True
    #: 1 for the first check made with its name in a HealthCheck, 2 for the second...: what
    #: tells checks of one name apart when results are shared.
    instance: int = 1
    #: What the checker says it checks (a built-in check's ``target``), scrubbed: shown
    #: under its name.
    target: str | None = None

    #: Whether the checker is awaited (worked out once, when registered, not on a first run).
    is_async: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_async", is_async_checker(self.func))
