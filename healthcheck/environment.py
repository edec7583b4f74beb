"""EnvironmentDump: what the process runs on, with, and as; secrets masked."""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import math
import os
import platform
import sys
import threading
import time
from collections.abc import Callable, Hashable
from functools import partial
from importlib import metadata
from typing import Any

import psutil
from cachetools import TTLCache

from . import defaults
from .jsonable import JSON
from .scrub import DEFAULT as DEFAULT_SCRUBBER
from .scrub import Scrubber
from .sections import Sections, evaluate_section, warn_if_misspelt

logger = logging.getLogger("healthcheck")

Response = tuple[str, int, dict[str, str]]
BUILT_IN = ("os", "python", "process")


class EnvironmentDump:
    """Collects the ``os``, ``python`` and ``process`` sections plus the user's own.

    Same arguments and ``run()`` tuple as py-healthcheck's class of the same name.
    """

    def __init__(
        self,
        include_os: bool = True,
        include_python: bool = True,
        include_process: bool = True,
        *,
        scrubber: Scrubber | None = None,
        max_section: int | None = defaults.MAX_SECTION,
        refresh: float = defaults.ENVIRONMENT_REFRESH,
        timer: Callable[[], float] = time.monotonic,
        **custom_sections: Any,
    ) -> None:
        self.scrubber = scrubber or DEFAULT_SCRUBBER
        self.max_section = max_section
        self._sections = Sections()
        if isinstance(refresh, bool) or not isinstance(refresh, (int, float)):
            raise TypeError(f"refresh must be a number of seconds, got {refresh!r}")
        if not 0 <= refresh <= defaults.MAX_SECONDS:
            raise ValueError(f"refresh must be between 0 and {defaults.MAX_SECONDS:g} s")
        #: Each kept section's value and JSON text, until ``refresh`` seconds after reading it:
        #: reading the process and every package and masking the environment took over a
        #: millisecond per request, for figures that hardly change.
        self._kept: TTLCache[str, tuple[JSON, str]] = TTLCache(64, refresh or 1e-9, timer=timer)
        self._refresh = refresh
        self._kept_lock = threading.Lock()
        #: Bumped whenever a section is kept anew: equal generations, equal bodies.
        self._generation = 0
        self._timer = timer
        #: When each kept section was read, and when the first of them expires.
        self._stored: dict[str, float] = {}
        self._fresh_until = -math.inf
        self._built_in: set[str] = set()
        for name, include, section in (
            ("os", include_os, self.get_os),
            ("python", include_python, self.get_python),
            ("process", include_process, self.get_process),
        ):
            if include:
                self._sections.add(name, section)
                self._built_in.add(name)
        warn_if_misspelt(EnvironmentDump, custom_sections)
        for name, value in custom_sections.items():
            if name in self._sections:
                # py-healthcheck keeps its own section here; so do we, but say so.
                logger.warning("section %r is built in; the keyword argument is ignored", name)
                continue
            self.add_section(name, value)

    def add_section(self, name: str, func: Any) -> None:
        """Add a section: a value, or a callable evaluated on every request."""
        self._sections.add(name, func)
        self._built_in.discard(name)
        self._generation += 1

    # py-healthcheck's section methods: a subclass that overrides one changes its section.

    def get_os(self) -> JSON:
        return os_section()

    def get_python(self) -> JSON:
        return python_section()

    def get_process(self) -> JSON:
        return process_section(self.get_login())

    def get_login(self) -> str:
        return _user()

    def collect(self) -> dict[str, JSON]:
        """Every section, secrets masked (see :class:`Scrubber`): the built-in sections and
        plain values as read at most ``refresh`` seconds ago, your callables evaluated now."""
        return {name: self._section(name, value)[0] for name, value in self._sections.items()}

    @property
    def fresh(self) -> bool:
        """Whether :meth:`run` would answer without reading anything (nothing blocks)."""
        return self.version() is not None

    def version(self) -> Hashable | None:
        """A token equal between two calls exactly when :meth:`run` would answer the same
        body; ``None`` when it has to read or evaluate something."""
        generation = self._generation  # read first: a section kept meanwhile bumps it
        stored = self._stored
        if self._timer() >= self._fresh_until or len(stored) != len(self._sections):
            return None  # a section to read again, or one that is read on every request
        return generation

    def _kept_for(self, name: str, value: Any) -> tuple[JSON, str] | None:
        if callable(value) and name not in self._built_in:
            return None  # the user's callables run on every request, as in py-healthcheck
        with self._kept_lock:
            return self._kept.get(name)

    def _section(self, name: str, value: Any) -> tuple[JSON, str]:
        """A section's masked value and its JSON text, kept for ``refresh`` seconds unless
        it is one of the user's callables."""
        kept = self._kept_for(name, value)
        if kept is not None:
            return kept
        extra = {"scrubber": self.scrubber}
        evaluated = evaluate_section(name, value, extra)
        masked = self.scrubber.scrub_bounded(
            evaluated, self.max_section, partial(self._scrub, name), all_values=True
        )
        made = (masked, json.dumps(masked))
        if self._refresh and (name in self._built_in or not callable(value)):
            with self._kept_lock:
                self._kept[name] = made
                self._generation += 1
                self._stored[name] = self._timer()
                self._fresh_until = min(self._stored.values()) + self._refresh
        return made

    def _scrub(self, name: str, value: JSON) -> JSON:
        scrubber = self.scrubber
        scrubbed = scrubber.scrub(value)
        if name == "process" and isinstance(scrubbed, dict):
            # The environment and the command line are where secrets live: in mask-all mode
            # their values go entirely; the figures beside them stay.
            return {
                key: scrubber.scrub_values(item) if key in ("environ", "argv") else item
                for key, item in scrubbed.items()
            }
        if name in BUILT_IN:
            # Keys here name packages and fields (a package called "keyring" hides nothing).
            return scrubber.scrub(value, by_key=False)
        return scrubber.scrub_values(value)

    def run(self) -> Response:
        """Evaluate every section; returns ``(body, 200, headers)``."""
        parts = (
            f"{json.dumps(name)}: {self._section(name, value)[1]}"
            for name, value in self._sections.items()
        )
        return "{" + ", ".join(parts) + "}", 200, dict(defaults.JSON_HEADERS)

    async def run_async(self) -> Response:
        """:meth:`run` on a worker thread, so an event loop keeps serving meanwhile (at once
        when every section is kept)."""
        if self.fresh:
            return self.run()
        return await asyncio.to_thread(self.run)


def os_section() -> dict[str, JSON]:
    return {"platform": sys.platform, "name": os.name, "uname": list(platform.uname())}


def python_section() -> dict[str, JSON]:
    info = sys.version_info
    return {
        "version": sys.version,
        "executable": sys.executable,
        "pythonpath": list(sys.path),
        "version_info": {
            "major": info.major,
            "minor": info.minor,
            "micro": info.micro,
            "releaselevel": info.releaselevel,
            "serial": info.serial,
        },
        "packages": installed_packages(),
    }


def installed_packages() -> dict[str, JSON]:
    """Name -> version of every installed distribution, sorted by name; read again at most
    every :data:`defaults.PACKAGES_TTL` seconds (reading every package's metadata takes tens
    of milliseconds, and packages do not change under a running process)."""
    global _packages
    now = time.monotonic()
    kept = _packages
    if kept is not None and now < kept[0]:
        return dict(kept[1])
    found: dict[str, JSON] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:  # a broken install can leave a distribution without metadata
            found.setdefault(name, dist.version)
    packages = dict(sorted(found.items(), key=lambda item: item[0].lower()))
    _packages = (now + defaults.PACKAGES_TTL, packages)
    return dict(packages)


#: When the kept list of packages expires (time.monotonic), and the list.
_packages: tuple[float, dict[str, JSON]] | None = None


def process_section(user: str | None = None) -> dict[str, JSON]:
    data: dict[str, JSON] = {
        "argv": list(sys.argv),
        "cwd": os.getcwd(),
        "user": _user() if user is None else user,
        "pid": os.getpid(),
        "environ": dict(os.environ),  # scrubbed in EnvironmentDump.collect
    }
    try:
        data.update(_process_figures())
    except psutil.Error as exc:  # e.g. AccessDenied under a hardened kernel
        data["figures_error"] = f"{type(exc).__name__}: {exc}"
    return data


def _process_figures() -> dict[str, JSON]:
    proc = psutil.Process()
    with proc.oneshot():
        memory = proc.memory_info()
        cpu = proc.cpu_times()
        started = proc.create_time()
        fds = proc.num_fds() if hasattr(proc, "num_fds") else proc.num_handles()  # type: ignore[attr-defined,unused-ignore]
        return {
            "memory": {"rss": memory.rss, "vms": memory.vms},
            "cpu_times": {"user": cpu.user, "system": cpu.system},
            "num_threads": proc.num_threads(),
            "num_fds": fds,
            "start_time": started,
            "uptime": round(time.time() - started, 3),
        }


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container uid with no passwd entry and no $USER
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"
