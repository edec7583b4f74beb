"""Small helpers the adapters share."""

from __future__ import annotations

import http
import inspect
import logging
import re
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import ClassVar
from urllib.parse import unquote


def status_line(code: int) -> str:
    """``"503 Service Unavailable"``; codes without a standard phrase still get a line."""
    try:
        return f"{code} {http.HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"


def strip_prefix(path: str, prefix: str) -> str | None:
    """``path`` below ``prefix``, or ``None`` when it is not below it."""
    prefix = prefix.rstrip("/")
    if not prefix:
        return path
    if path == prefix or path.startswith(prefix + "/"):
        return path[len(prefix) :] or "/"
    return None


class QuietAccessLog(logging.Filter):
    """Drops access-log lines of health requests, so probes every few seconds do not drown
    the log; one filter on ``werkzeug`` and ``gunicorn.access`` serves every app.

    It reads the request the server logged (its method and path, from the record's arguments),
    never the formatted line: a client's User-Agent or Referer that reads like a health request
    must not hide its own request from the log.
    """

    LOGGERS = ("werkzeug", "gunicorn.access")
    _ANSI = re.compile(r"\x1b\[[0-9;]*m")
    _installed: ClassVar[QuietAccessLog | None] = None
    _install_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        super().__init__()
        # (prefix, quiet(path below it)) per app; bound methods are held weakly, so an app
        # thrown away (app factories, tests) does not stay checked for every line.
        self._sources: list[tuple[str, Callable[[], Callable[[str], bool] | None]]] = []

    @classmethod
    def quiet(cls, prefix: str, quiet: Callable[[str], bool]) -> QuietAccessLog:
        """Drop GET and HEAD lines of paths below ``prefix`` for which ``quiet(path)`` is true;
        installs the one filter on first use."""
        with cls._install_lock:
            if cls._installed is None:
                cls._installed = cls()
                for name in cls.LOGGERS:
                    logging.getLogger(name).addFilter(cls._installed)
            installed = cls._installed
        installed.add(prefix, quiet)
        return installed

    @classmethod
    def uninstall(cls) -> None:
        with cls._install_lock:
            installed, cls._installed = cls._installed, None
        if installed is not None:
            for name in cls.LOGGERS:
                logging.getLogger(name).removeFilter(installed)

    def add(self, prefix: str, quiet: Callable[[str], bool]) -> None:
        ref: Callable[[], Callable[[str], bool] | None]
        if inspect.ismethod(quiet):
            ref = weakref.WeakMethod(quiet)
        else:
            ref = lambda: quiet  # noqa: E731 - a strong reference with WeakMethod's shape
        self._sources = [*self._sources, (prefix, ref)]

    def filter(self, record: logging.LogRecord) -> bool:
        request = self._request(record)
        if request is None:
            return True  # not an access line we can read: keep it
        method, path = request
        if method not in ("GET", "HEAD"):
            return True
        alive = []
        quieted = False
        for prefix, ref in self._sources:
            quiet = ref()
            if quiet is None:
                continue
            alive.append((prefix, ref))
            below = strip_prefix(path, prefix)
            quieted = quieted or (below is not None and quiet(below))
        if len(alive) != len(self._sources):
            self._sources = alive
        return not quieted

    @classmethod
    def _request(cls, record: logging.LogRecord) -> tuple[str, str] | None:
        """The method and the path as the application saw them (decoded once)."""
        args = record.args
        if isinstance(args, Mapping):  # gunicorn: its atoms, m the method and U the path
            method, path = args.get("m"), args.get("U")
            if isinstance(method, str) and isinstance(path, str):
                # U is PATH_INFO: decoded already, its bytes as latin-1 (PEP 3333)
                return method, path.encode("latin-1", "replace").decode("utf-8", "replace")
            return None
        if record.name == "werkzeug" and isinstance(args, tuple) and args:
            # werkzeug: '"%s" %s %s' with the request line first, maybe in ANSI colours
            line = cls._ANSI.sub("", str(args[0])).split(" ")
            if len(line) == 3 and line[2].startswith("HTTP/"):
                return line[0], unquote(line[1].split("?", 1)[0])
        return None
