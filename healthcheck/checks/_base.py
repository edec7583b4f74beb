"""What the built-in checks share: a name, a timeout, and failures told without secrets."""

from __future__ import annotations

import concurrent.futures
import decimal
import math
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import SplitResult, unquote, urlsplit

from ..result import Observed, Outcome, Status
from ..scrub import mask_url

T = TypeVar("T")

MASK = "***"


@dataclass(frozen=True, eq=False)
class BuiltinCheck:
    """A built-in checker: call it for an :class:`Outcome`.

    ``name`` is also its ``__name__``, which ``add_check`` uses when not given one; ``timeout``
    (seconds) bounds the driver's connect and socket waits; ``target`` is what it checks, with
    credentials masked.
    """

    name: str
    timeout: float
    target: str

    @property
    def __name__(self) -> str:
        return self.name


def seconds(timeout: float) -> float:
    """``timeout`` as a float, or ``ValueError`` unless it is a finite number above zero."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    return float(timeout)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with URL passwords and each of ``secrets`` masked."""
    text = mask_url(text, MASK)
    for secret in secrets:
        # Three characters or fewer could be any word of the message ("OK"); not a secret.
        if secret and len(secret) > 3:
            # Where it stands alone: a one-letter header value must not turn HTTP into H*P.
            alone = rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])"
            text = re.sub(alone, lambda _: MASK, text)
    return text


def describe(exc: BaseException) -> str:
    """``"ConnectionRefusedError: [Errno 111] Connection refused"``; the class name alone when
    the message is empty (a bare ``TimeoutError()``)."""
    message = str(exc).strip()
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def failure(exc: BaseException, secrets: Iterable[str | None] = ()) -> Outcome:
    """A failed outcome saying what went wrong, never what the password is."""
    return Outcome(Status.FAIL, redact(describe(exc), secrets))


def url_password(url: str) -> str | None:
    """The decoded password of ``url``, to be masked wherever a driver might repeat it."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


def display_url(url: str) -> str:
    """``url`` as shown in reprs and names: password masked, query and fragment dropped (they
    may hold tokens)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}:{MASK}@{host}"
    return SplitResult(parts.scheme, netloc, parts.path, "", "").geturl()


def observed(value: object) -> Observed:
    """A query's first value as an observed value: numbers and short strings, else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, decimal.Decimal):  # NUMERIC, AVG(), extract(epoch ...)
        return float(value)
    if isinstance(value, str) and len(value) <= 200:
        return value
    return None


def query_outcome(query: str, value: object) -> Outcome:
    """The outcome of a custom query whose first column of the first row is ``value``:
    ``False`` fails, anything else passes and is reported as the observed value."""
    if value is False:
        return Outcome(Status.FAIL, f"{query!r} returned false")
    return Outcome(Status.PASS, f"{query!r} returned {value}", observed(value))


def threshold_status(value: float, warn: float | None, fail: float | None) -> Status:
    """``FAIL`` from ``fail`` up, ``WARN`` from ``warn`` up, else ``PASS``; ``None`` never."""
    if fail is not None and value >= fail:
        return Status.FAIL
    if warn is not None and value >= warn:
        return Status.WARN
    return Status.PASS


def in_thread(func: Callable[[], T], timeout: float, name: str) -> T:
    """``func()`` on a daemon thread of its own, for system calls that take no timeout
    (getaddrinfo, statvfs on a hung NFS mount); ``TimeoutError`` when it is not done in
    ``timeout`` seconds, leaving the thread to finish when the system call does."""
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        try:
            future.set_result(func())
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        raise TimeoutError(f"no answer within {timeout:g} s") from None


def percent_limits(warn: float | None, fail: float | None) -> tuple[float | None, float | None]:
    """``(warn, fail)`` checked: each ``None`` or within 0-100, and warn no higher than fail."""
    for what, value in (("warn_percent", warn), ("fail_percent", fail)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise TypeError(f"{what} must be a number or None, got {value!r}")
        if value is not None and not 0 <= value <= 100:
            raise ValueError(f"{what} must be between 0 and 100, got {value!r}")
    if warn is not None and fail is not None and warn > fail:
        raise ValueError(f"warn_percent {warn} is above fail_percent {fail}")
    return warn, fail


def size(count: float) -> str:
    """A byte count for people: ``"7.6 GiB"``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"


def query_text(query: object) -> str | None:
    """A custom query checked: ``None`` or SQL text."""
    if query is not None and not isinstance(query, str):
        raise TypeError(f"query must be SQL text, got {query!r}")
    return query


def wrong_scheme(what: str, url: object, example: str) -> ValueError:
    """The error for a URL that is not ``what``'s: its scheme said as it was given (or that it
    has none), the URL's other parts (credentials) never."""
    if not isinstance(url, str):
        return ValueError(f"not {what} URL ({example}): got {type(url).__name__}")
    scheme, separator, _ = url.partition("://")
    given = f"scheme {scheme[:20]!r}" if separator and scheme else "no scheme"
    return ValueError(f"not {what} URL ({example}): {given}")
