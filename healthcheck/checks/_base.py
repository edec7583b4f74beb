"""What the built-in checks share: a name, a timeout, and failures told without secrets."""

from __future__ import annotations

import concurrent.futures
import decimal
import ipaddress
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import SplitResult, unquote, urlsplit

from .. import defaults
from ..result import Observed, Outcome, Status
from ..scrub import Scrubber, mask_url

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


def size(count: float) -> str:
    """A byte count for people: ``"7.6 GiB"``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"


# -- default names -----------------------------------------------------------------------------

#: A run of characters a default name never has.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(*parts: object) -> str:
    """A default check name made of ``parts``: usable as it is in ``/healthcheck/<name>`` and as
    the component of an ``application/health+json`` key, since it holds only ``A-Z a-z 0-9 .
    _ -``. Each run of other characters becomes one ``-``, accents are dropped, each part is
    trimmed of ``-`` and ``.`` and an empty one left out: ``slug("tcp", "127.0.0.1", 5432)``
    is ``"tcp-127.0.0.1-5432"``, ``slug("disk", "/var/lib")`` is ``"disk-var-lib"``; ``None``
    is left out too."""
    words = []
    for part in parts:
        if part is None:
            continue
        text = unicodedata.normalize("NFKD", str(part)).encode("ascii", "ignore").decode()
        word = _UNSAFE.sub("-", text).strip("-.")
        if word:
            words.append(word)
    return "-".join(words)


# -- arguments checked when a check is made ----------------------------------------------------

#: Masks what a value shown in an error may hold besides URL userinfo: ``password=...`` pairs
#: of a conninfo, tokens, ``--password`` options of a command line.
_SCRUBBER = Scrubber(mask=MASK)
#: The longest value an error shows (masked first, then cut: a cut never bares a secret).
_SHOWN = 120
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}")
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")
#: A host name (any script: it is IDNA-encoded) or an IP address (IPv6 with a zone too).
_HOST = re.compile(r"[\w.:%-]+")
#: A word's userinfo: from its first ``://`` (else its start, past quotes) to its last ``@`` (a
#: password may hold one left unencoded).
_USERINFO = re.compile(r"(?<!\S)(?P<keep>\S*?://|[\[({'\"]*)\S+(?=@)")


def _masked(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with URL userinfo masked whole (the user too: a token may be the user), with or
    without a scheme, and whatever else looks like a secret."""
    return _SCRUBBER.scrub_text(_hide_userinfo(redact(text, secrets)))


def _hide_userinfo(text: str) -> str:
    return _USERINFO.sub(lambda match: match.group("keep") + MASK, text)


def shown(value: object, secrets: Iterable[str | None] = ()) -> str:
    """``value`` as an error message shows what was given: its ``repr``, secrets masked, and
    cut short when long."""
    if isinstance(value, str):
        text = _masked(value, [url_password(value), *secrets])
        return repr(text if len(text) <= _SHOWN else f"{text[:_SHOWN]}...")
    if isinstance(value, (list, tuple)) and all(isinstance(word, str) for word in value):
        # A command line: ``--password x`` pairs masked as such.
        words = [_hide_userinfo(redact(word, secrets)) for word in value]
        text = repr(type(value)(_SCRUBBER.scrub_argv(words)))
    else:
        try:
            text = _masked(repr(value), secrets)
        except Exception:  # a repr that fails: its type says enough
            text = f"<{type(value).__name__}>"
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}..."


def refused(
    factory: str,
    parameter: str,
    expected: str,
    example: str,
    got: object,
    note: str | None = None,
    *,
    wrong_type: bool = False,
    secrets: Iterable[str | None] = (),
) -> ValueError | TypeError:
    """The error every built-in check's factory raises, when it is called, for an argument it
    cannot use: ``"redis_check url: expected a Redis URL ... such as 'redis://localhost:6379/0',
    got 'http://localhost' (scheme 'http')"``. ``example`` is shown as written (Python, so
    quote strings); ``got`` as :func:`shown` (URL userinfo, passwords and ``secrets`` never),
    followed by ``note`` (masked too) or, for a ``TypeError`` (``wrong_type``), its type."""
    if isinstance(got, str):  # a driver's note may repeat the password bare
        secrets = [*secrets, url_password(got), *userinfo_parts(got)]
    said = shown(got, secrets)
    if wrong_type and not note:
        said += f" ({got.kind if isinstance(got, Hidden) else type(got).__name__})"
    if note:  # on one line: a driver's message may end with a line break
        said += f" ({_masked(' '.join(note.split()), secrets)})"
    message = f"{factory} {parameter}: expected {expected} such as {example}, got {said}"
    return TypeError(message) if wrong_type else ValueError(message)


class Hidden:
    """What an error shows instead of a value that may hold secrets (header values, a command
    line): its type, and what may be said of it."""

    def __init__(self, value: object, said: str = "not shown") -> None:
        self.kind = type(value).__name__
        self.said = said

    def __repr__(self) -> str:
        return f"<{self.kind}: {self.said}>"


def userinfo_parts(url: str) -> list[str]:
    """What a driver's message may repeat of ``url``'s userinfo when it holds an unencoded
    ``/``, ``?``, ``#``, ``@`` or brackets (urlsplit then finds no password): the userinfo,
    what follows its first ``:``, and each piece between those characters, as written and
    %-decoded."""
    _, separator, rest = url.partition("://")
    if not separator or "@" not in rest:
        return []
    userinfo = rest.rpartition("@")[0]
    pieces = [userinfo, userinfo.partition(":")[2], *re.split(r"[/?#:@\[\]]", userinfo)]
    return [*pieces, *(unquote(piece) for piece in pieces)]


def check_name(factory: str, name: object, default: str) -> str:
    """The check's name: ``name`` as given, or ``default`` (a :func:`slug`) when ``None``."""
    if name is None:
        return default
    if not isinstance(name, str):
        raise refused(factory, "name", "a name", "'database'", name, wrong_type=True)
    if not name.strip():
        raise refused(factory, "name", "a name", "'database'", name)
    return name


def number(value: object) -> bool:
    """Whether ``value`` is an int or a float (``True`` is not a number here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def seconds(factory: str, timeout: object) -> float:
    """``timeout`` as a float: a number of seconds above zero, at most a year."""
    expected = f"a number of seconds above 0, at most {defaults.MAX_SECONDS:g}"
    if not number(timeout):
        raise refused(factory, "timeout", expected, "2", timeout, wrong_type=True)
    try:
        value = float(timeout)  # type: ignore[arg-type]  # a number, checked above
    except OverflowError:  # 10**400
        raise refused(factory, "timeout", expected, "2", timeout) from None
    if not (math.isfinite(value) and 0 < value <= defaults.MAX_SECONDS):
        raise refused(factory, "timeout", expected, "2", timeout)
    return value


def flag(factory: str, parameter: str, value: object) -> bool:
    """``value`` if it is ``True`` or ``False`` (the string ``"false"`` would be true)."""
    if not isinstance(value, bool):
        raise refused(factory, parameter, "True or False", "True", value, wrong_type=True)
    return value


def limits(
    factory: str,
    names: tuple[str, str],
    warn: object,
    fail: object,
    *,
    what: str,
    examples: tuple[str, str],
    upper: float | None = None,
) -> tuple[float | None, float | None]:
    """``(warn, fail)``: each ``None`` (never) or a finite number from 0 (to ``upper``), and
    warn no higher than fail."""
    checked: list[float | None] = []
    for parameter, value, example in zip(names, (warn, fail), examples):
        if value is None:
            checked.append(None)
            continue
        if not number(value):
            expected = f"{what} (or None)"
            raise refused(factory, parameter, expected, example, value, wrong_type=True)
        limit = float(value)  # type: ignore[arg-type]  # a number, checked above
        if not (math.isfinite(limit) and limit >= 0 and (upper is None or limit <= upper)):
            raise refused(factory, parameter, what, example, value)
        checked.append(limit)
    low, high = checked
    if low is not None and high is not None and low > high:
        note = f"above {names[1]} {fail}"
        expected = f"{what} no higher than {names[1]}"
        raise refused(factory, names[0], expected, examples[0], warn, note)
    return low, high


def percent_limits(factory: str, warn: object, fail: object) -> tuple[float | None, float | None]:
    """``(warn_percent, fail_percent)``: each ``None`` or 0-100, and warn no higher than fail."""
    names = ("warn_percent", "fail_percent")
    what = "a percentage from 0 to 100"
    return limits(factory, names, warn, fail, what=what, examples=("80", "90"), upper=100)


def query_text(factory: str, query: object) -> str | None:
    """A custom query: ``None`` (the check's own) or SQL text."""
    expected = "SQL text (or None)"
    example = "'SELECT count(*) FROM jobs'"
    if query is not None and not isinstance(query, str):
        raise refused(factory, "query", expected, example, query, wrong_type=True)
    if query is not None and not query.strip():
        raise refused(factory, "query", expected, example, query)
    return query


def url_scheme(url: str) -> str | None:
    """The scheme of ``url``, in lower case; ``None`` when it has no ``scheme://``."""
    scheme, separator, _ = url.strip().partition("://")
    return scheme.lower() if separator and _SCHEME.fullmatch(scheme) else None


def checked_url(
    factory: str,
    url: object,
    *,
    schemes: Collection[str],
    expected: str,
    example: str,
    parameter: str = "url",
    host: bool = True,
    split: bool = True,
) -> SplitResult:
    """``url`` split, once it is a URL of one of ``schemes`` with a valid port (if any) and,
    unless ``host=False``, a host; with ``split=False`` (``host1:port,host2:port``, which the
    driver reads) only its scheme is checked."""

    def no(note: str | None = None) -> ValueError | TypeError:
        return refused(factory, parameter, expected, example, url, note)

    if not isinstance(url, str):
        raise refused(factory, parameter, expected, example, url, wrong_type=True)
    if not url.strip():
        raise no()
    if _SPACE.search(url):
        raise no("a space or a control character in it")
    scheme = url_scheme(url)
    if scheme is None:
        raise no("no scheme://")
    if scheme not in schemes:
        raise no(f"scheme {scheme!r}")
    try:
        parts = urlsplit(url)
        # Raises for one that is not a number from 0 to 65535 (and urlsplit for an unclosed
        # [IPv6).
        port = parts.port if split else None
    except ValueError as exc:
        raise no(str(exc)) from None
    if not split:
        return parts
    if port == 0:
        raise no("port 0")
    if host and not parts.hostname:
        raise no("no host")
    return parts


def host_name(factory: str, host: object, example: str = "'db.internal'") -> str:
    """``host``: a host name (IDNA-encodable) or an IP address, without a scheme or a port."""
    expected = "a host name or an IP address"

    def no(note: str | None = None) -> ValueError | TypeError:
        return refused(factory, "host", expected, example, host, note)

    if not isinstance(host, str):
        raise refused(factory, "host", expected, example, host, wrong_type=True)
    if not host:
        raise no()
    if "://" in host:
        raise no("a URL: give its host name alone")
    if not _HOST.fullmatch(host):
        raise no("a character no host name has")
    if ":" in host:  # only an IPv6 address has one
        try:
            ipaddress.IPv6Address(host.partition("%")[0])
        except ValueError:
            raise no("not an IPv6 address; a port is given apart") from None
        return host
    try:
        host.encode("idna")
    except UnicodeError as exc:
        empty = "label empty" in str(exc)
        raise no("a label empty or too long" if empty else "not a valid host name") from None
    return host


def port_number(factory: str, port: object, example: str = "5432") -> int:
    """``port``: a whole number from 1 to 65535."""
    expected = "a port number from 1 to 65535"
    if isinstance(port, bool) or not isinstance(port, int):
        raise refused(factory, "port", expected, example, port, wrong_type=True)
    if not 0 < port < 65536:
        raise refused(factory, "port", expected, example, port)
    return port
