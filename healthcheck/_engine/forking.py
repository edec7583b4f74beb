"""Prefork servers (gunicorn ``--preload``, uWSGI without ``lazy-apps``) fork their workers
after the app is imported. Only the forking thread lives on in a child, so the helper threads a
``HealthCheck`` started (check workers, its event loop, background mode, listeners) would be
counted on there and never answer: each registered object forgets them in the child."""

from __future__ import annotations

import os
import weakref
from typing import Protocol


class Forkable(Protocol):
    def _after_fork(self) -> None: ...


_registered: weakref.WeakSet[Forkable] = weakref.WeakSet()


def reset_after_fork(obj: Forkable) -> None:
    """Call ``obj._after_fork()`` in every child forked from now on, while ``obj`` lives."""
    _registered.add(obj)


def _in_child() -> None:
    for obj in list(_registered):
        obj._after_fork()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_in_child)
