"""Checkers and HealthCheck set-ups shared by every target.

Runs inside a target's own virtualenv: ``import healthcheck`` is ours in bench/.venv-ours and
py-healthcheck 1.10.1 in bench/.venv-peer. Both have the same API, so one set-up serves both.
"""

from __future__ import annotations

import inspect
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from importlib import metadata
from typing import Any

import healthcheck
from healthcheck import HealthCheck

Outcome = tuple[bool, str]
Checker = Callable[[], Outcome]

JSON_HEADERS = {"Content-Type": "application/json"}

#: Scenario 6: how often background mode refreshes (and the peer's TTL standing in for it).
BACKGROUND_INTERVAL = 1.0
#: Scenario 6: how long the checker takes.
BACKGROUND_CHECK_SECONDS = 2.0
#: Scenario 4: how long the checker that keeps re-running takes.
SLOW_CHECK_SECONDS = 1.0

#: The app set-ups the HTTP scenarios serve (see :func:`build_health`).
SETUPS = ("cached", "slow", "background", "ten")
#: Scenario 2: how many trivial checks the faces are rendered from.
FACE_CHECKS = 10


def ok() -> Outcome:
    """The trivial passing check."""
    return True, "ok"


def sleeper(seconds: float, name: str) -> Checker:
    """A passing check that takes ``seconds``; named, as py-healthcheck reads ``__name__``."""

    def check() -> Outcome:
        time.sleep(seconds)
        return True, f"slept {seconds:g} s"

    check.__name__ = check.__qualname__ = name
    return check


class CountingSleeper:
    """A passing check that takes ``seconds`` and counts how often it was started."""

    def __init__(self, seconds: float, name: str = "counted") -> None:
        self.seconds = seconds
        self.calls = 0
        self._lock = threading.Lock()
        self.__name__ = name

    def __call__(self) -> Outcome:
        with self._lock:
            self.calls += 1
        time.sleep(self.seconds)
        return True, "ok"


class Hang:
    """A check that blocks on an Event until :meth:`release`, counting how often it started."""

    def __init__(self, name: str = "hangs") -> None:
        self.calls = 0
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.__name__ = name

    def __call__(self) -> Outcome:
        with self._lock:
            self.calls += 1
        self._released.wait()
        return True, "released"

    def release(self) -> None:
        self._released.set()


def has_background() -> bool:
    """Whether this ``healthcheck`` has background mode: ``HealthCheck(interval=...)`` as a
    real parameter (both packages would take an unknown keyword as a custom section) and
    ``start()``/``stop()``."""
    param = inspect.signature(HealthCheck.__init__).parameters.get("interval")
    named = param is not None and param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY)
    return (
        named
        and callable(getattr(HealthCheck, "start", None))
        and callable(getattr(HealthCheck, "stop", None))
    )


def build_health(setup: str) -> HealthCheck:
    """The HealthCheck behind ``/healthcheck`` for an HTTP scenario's ``setup``.

    ``cached``: one trivial check, default TTLs (scenario 1). ``slow``: a 1 s check that is
    never cached, so every request re-runs it (scenario 4). ``background``: a 2 s check,
    refreshed every second by background mode where it exists, else (the peer) cached for the
    same second, the nearest the peer has to that freshness (scenario 6). ``ten``: ten
    trivial checks, named ``c0``..``c9`` (scenario 2).
    """
    if setup == "cached":
        health = HealthCheck()
        health.add_check(ok)
    elif setup == "slow":
        health = HealthCheck(success_ttl=0, failed_ttl=0)
        health.add_check(sleeper(SLOW_CHECK_SECONDS, "slow_1s"))
    elif setup == "background":
        if has_background():
            health = HealthCheck(interval=BACKGROUND_INTERVAL)
        else:
            health = HealthCheck(success_ttl=BACKGROUND_INTERVAL)
        health.add_check(sleeper(BACKGROUND_CHECK_SECONDS, "slow_2s"))
    elif setup == "ten":
        health = HealthCheck()
        for number in range(FACE_CHECKS):
            health.add_check(named(ok, f"c{number}"))
    else:
        raise ValueError(f"unknown setup {setup!r}; expected one of {SETUPS}")
    return health


def named(func: Checker, name: str) -> Checker:
    """``func`` under another ``__name__`` (py-healthcheck names a check by it)."""

    def check() -> Outcome:
        return func()

    check.__name__ = check.__qualname__ = name
    return check


def bare_body() -> str:
    """The bare route's answer: json.dumps of a healthcheck-like dict, built per request."""
    now = time.time()
    return json.dumps(
        {
            "hostname": socket.gethostname(),
            "status": "success",
            "timestamp": now,
            "results": [
                {
                    "checker": "ok",
                    "output": "ok",
                    "passed": True,
                    "timestamp": now,
                    "expires": now + 27,
                    "response_time": 1e-06,
                }
            ],
        }
    )


def describe() -> dict[str, Any]:
    """Which healthcheck this interpreter imports, and the versions that matter."""
    versions = {}
    for dist in ("healthcheck", "py-healthcheck", "flask", "tornado", "gunicorn"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return {
        "module": healthcheck.__file__,
        "python": sys.version.split()[0],
        "versions": versions,
        "background": has_background(),
    }
