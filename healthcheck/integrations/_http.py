"""Small helpers the adapters share."""

from __future__ import annotations

import http
import logging
import re
from collections.abc import Iterable


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
    drown the log. Attach to ``werkzeug`` and ``gunicorn.access``."""

    LOGGERS = ("werkzeug", "gunicorn.access")

    def __init__(self, prefix: str, paths: Iterable[str]) -> None:
        super().__init__()
        names = "|".join(re.escape(p.rstrip("/")) for p in paths)
        self._pattern = re.compile(
            rf'"(?:GET|HEAD) {re.escape(prefix.rstrip("/"))}(?:{names})(?:[/?][^" ]*)? HTTP'
        )

    def filter(self, record: logging.LogRecord) -> bool:
        return not self._pattern.search(record.getMessage())

    def install(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).addFilter(self)
