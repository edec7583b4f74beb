"""Small helpers the adapters share."""

from __future__ import annotations

import http
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote


def status_line(code: int) -> str:
    """``"503 Service Unavailable"``; codes without a standard phrase still get a line."""
    line = _lines.get(code)
    if line is None:
        try:
            line = f"{code} {http.HTTPStatus(code).phrase}"
        except ValueError:
            line = f"{code} Unknown"
        _lines[code] = line
    return line


_lines: dict[int, str] = {}


_NO_QUERY: Mapping[str, Sequence[str]] = MappingProxyType({})


def parse_query(raw: bytes) -> Mapping[str, Sequence[str]]:
    """A query string's parameters (blank ones kept; UTF-8, undecodable bytes replaced), read
    only: the same few query strings come again and again (probes), so each is parsed once."""
    return _parse_query(raw) if raw else _NO_QUERY


@lru_cache(maxsize=256)
def _parse_query(raw: bytes) -> Mapping[str, Sequence[str]]:
    parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return MappingProxyType({name: tuple(values) for name, values in parsed.items()})


def wsgi_peer(environ: Mapping[str, object]) -> str | None:
    """The socket peer of a WSGI request, even where werkzeug's ProxyFix has replaced
    ``REMOTE_ADDR`` with a forwarded address: the endpoints judge forwarding themselves."""
    original = environ.get("werkzeug.proxy_fix.orig")
    if isinstance(original, Mapping) and "REMOTE_ADDR" in original:
        environ = original
    peer = environ.get("REMOTE_ADDR")
    return peer if isinstance(peer, str) else None


class EnvironHeaders:
    """A request's headers, read from the WSGI environ when asked for (by lower-case name:
    cheaper than a framework's case-insensitive mapping, on every probe's path)."""

    __slots__ = ("_environ",)

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self._environ = environ

    def get(self, name: str, /) -> str | None:
        value = self._environ.get(_environ_names.get(name) or _environ_name(name))
        return value if isinstance(value, str) else None


class ScopeHeaders:
    """An ASGI request's headers, read from the scope's list when asked for: the endpoints
    look at one or two of them, so decoding every one would be wasted."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def get(self, name: str, /) -> str | None:
        wanted = name.lower().encode("latin-1")
        # Servers send names in lower case; others may not. A header sent twice counts as one
        # comma-separated list (RFC 9110), as WSGI servers and Tornado join them: a proxy's
        # own X-Forwarded-For line must not hide behind a client's.
        values = [value.decode("latin-1") for key, value in self._raw if key.lower() == wanted]
        return ", ".join(values) if values else None


class MultiHeaders:
    """A framework's multi-valued headers (aiohttp's, Starlette's: ``getall``), each name's
    lines joined into one list as :class:`ScopeHeaders` does: their own ``get`` returns the
    first line only, the one a client may have written before a proxy's."""

    __slots__ = ("_headers",)

    def __init__(self, headers: Any) -> None:
        self._headers = headers

    def get(self, name: str, /) -> str | None:
        values = self._headers.getall(name, None)
        return ", ".join(values) if values else None


def _environ_name(name: str) -> str:
    key = _environ_names[name] = "HTTP_" + name.upper().replace("-", "_")
    return key


#: Header name -> its environ key: the same few are asked for on every request.
_environ_names: dict[str, str] = {}


def strip_prefix(path: str, prefix: str) -> str | None:
    """``path`` below ``prefix``, or ``None`` when it is not below it."""
    prefix = prefix.rstrip("/")
    if not prefix:
        return path
    if path == prefix or path.startswith(prefix + "/"):
        return path[len(prefix) :] or "/"
    return None


class QuietAccessLog(logging.Filter):
    """Drops the access-log line of each health request an adapter answered, so probes every
    few seconds do not drown the log; one filter on ``werkzeug`` and ``gunicorn.access``.

    The adapter marks the request it answers (:meth:`mark`); the server logs it afterwards on
    the same thread, and the line whose method and path (from the record's arguments, as the
    server parsed them) are the marked ones is dropped. So a request the application served
    stays in the log even when its path looks like ours, and so does one whose User-Agent or
    Referer reads like a health request.
    """

    LOGGERS = ("werkzeug", "gunicorn.access")
    _ANSI = re.compile(r"\x1b\[[0-9;]*m")
    _installed: ClassVar[QuietAccessLog | None] = None
    _install_lock: ClassVar[threading.Lock] = threading.Lock()
    _marks = threading.local()

    @classmethod
    def install(cls) -> None:
        """Attach the one filter, once."""
        with cls._install_lock:
            if cls._installed is None:
                cls._installed = cls()
                for name in cls.LOGGERS:
                    logging.getLogger(name).addFilter(cls._installed)

    @classmethod
    def uninstall(cls) -> None:
        with cls._install_lock:
            installed, cls._installed = cls._installed, None
        if installed is not None:
            for name in cls.LOGGERS:
                logging.getLogger(name).removeFilter(installed)

    @classmethod
    def mark(cls, method: str, path: str) -> None:
        """The request this thread is answering is a health request: drop its access line."""
        cls._marks.request = (method, path)

    def filter(self, record: logging.LogRecord) -> bool:
        request = self._request(record)
        if request is None:
            return True  # not an access line we can read: keep it
        marked = getattr(self._marks, "request", None)
        self._marks.request = None  # one line per request: a mark never outlives it
        return request[0] not in ("GET", "HEAD") or marked != request

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


def tail_of(path: str, template: str) -> str:
    """The end of ``path`` that the route ``template`` (``/healthcheck/{check}``) matched: as
    many segments as it has. Where a router is mounted or included (the prefix) differs
    between frameworks and their versions; what the template matched does not."""
    count = sum(1 for segment in template.split("/") if segment)
    if not count:
        return "/"
    parts = [segment for segment in path.rstrip("/").split("/")]
    return "/" + "/".join(parts[-count:])
