"""Small helpers the adapters share."""

from __future__ import annotations

import http
import logging
import re
from collections.abc import Callable, Mapping
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
    """Drops access-log lines for the health routes, so probes every few seconds do not
    drown the log. Attach to ``werkzeug`` and ``gunicorn.access``.

    It reads the request the server logged (its method and path, from the record's arguments),
    never the formatted line: a client's User-Agent or Referer that reads like a health request
    must not hide its own request from the log.
    """

    LOGGERS = ("werkzeug", "gunicorn.access")
    _ANSI = re.compile(r"\x1b\[[0-9;]*m")

    def __init__(self, prefix: str, served: Callable[[str], object]) -> None:
        super().__init__()
        self._prefix = prefix
        #: ``served(path below the prefix)``: truthy for a path the endpoints answer.
        self._served = served

    def filter(self, record: logging.LogRecord) -> bool:
        request = self._request(record)
        if request is None:
            return True  # not an access line we can read: keep it
        method, path = request
        if method not in ("GET", "HEAD"):
            return True
        below = strip_prefix(unquote(path.split("?", 1)[0]), self._prefix)
        return below is None or not self._served(below)

    @classmethod
    def _request(cls, record: logging.LogRecord) -> tuple[str, str] | None:
        args = record.args
        if isinstance(args, Mapping):  # gunicorn: its atoms, m the method and U the path
            method, path = args.get("m"), args.get("U")
            if isinstance(method, str) and isinstance(path, str):
                # PEP 3333: PATH_INFO holds the URL's bytes as latin-1; they are UTF-8.
                return method, path.encode("latin-1", "replace").decode("utf-8", "replace")
            return None
        if record.name == "werkzeug" and isinstance(args, tuple) and args:
            # werkzeug: '"%s" %s %s' with the request line first, maybe in ANSI colours
            line = cls._ANSI.sub("", str(args[0])).split(" ")
            if len(line) == 3 and line[2].startswith("HTTP/"):
                return line[0], line[1]
        return None

    def install(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).addFilter(self)
