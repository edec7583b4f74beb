"""The ``healthcheck`` command: probe a URL, run checks in-process, or start the demo.

Standard library only, so it works in slim images with neither curl nor requests: Docker
``HEALTHCHECK``, Kubernetes exec probes, cron, monit and Nagios.

Exit codes: 0 passing (warnings included), 1 failing, 2 unreachable, timed out or misused.
With ``--format nagios`` the plugin convention instead: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import socket
import sys
import threading
import urllib.error
import urllib.parse  # loaded by urllib.request anyway
import urllib.request
from collections.abc import Callable, Sequence

from .vocabulary import HEADLINES, PROBE_ENDINGS

TYPE_CHECKING = False  # typing itself is not imported: it costs the probe's start-up
if TYPE_CHECKING:
    from typing import Any, NoReturn

HEALTHY, UNHEALTHY, UNREACHABLE = 0, 1, 2
NAGIOS = {"pass": (0, "OK"), "warn": (1, "WARNING"), "fail": (2, "CRITICAL")}
NAGIOS_UNKNOWN = 3

# What each body's status word means, across our formats and py-healthcheck's.
_STATES = {
    "success": "pass", "pass": "pass", "ok": "pass", "up": "pass", "healthy": "pass",
    "warning": "warn", "warn": "warn", "degraded": "warn",
    "failure": "fail", "fail": "fail", "down": "fail", "error": "fail", "unhealthy": "fail",
    "out_of_service": "fail",
}  # fmt: skip
_MARKS = {"+": "pass", "!": "warn", "-": "fail"}
_WORDS = {"pass": "ok", "warn": "warn", "fail": "failed"}


class CheckLine:
    """One check in a verdict. A plain class: NamedTuple and dataclasses would import typing
    or dataclasses, which cost every probe's start-up more than the probe's own work."""

    __slots__ = ("name", "output", "seconds", "state")

    def __init__(
        self, name: str, state: str, output: str = "", seconds: float | None = None
    ) -> None:
        self.name, self.state, self.output, self.seconds = name, state, output, seconds

    def text(self) -> str:
        mark = {"pass": "+", "warn": "!", "fail": "-"}[self.state]
        line = f"[{mark}]{_printable(self.name)} {_WORDS[self.state]}"
        if self.state != "pass" and self.output:
            line += f": {_printable(self.output)}"
        return line + (f" ({self.seconds:.3f} s)" if self.seconds is not None else "")

    def as_dict(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in ("name", "state", "output", "seconds")}


class Verdict:
    """What a health answer says, whichever format it came in."""

    __slots__ = ("checks", "state", "summary")

    def __init__(self, state: str, summary: str, checks: list[CheckLine] | None = None) -> None:
        self.state = state  # pass, warn, fail
        self.summary = summary
        self.checks = checks or []


class Misuse(Exception):
    """A usage error: reported as one line on stderr, exit 2 (3 for Nagios)."""


class Unreachable(Exception):
    """No health answer at all: connection refused, timed out, DNS failure."""


# -- probe ------------------------------------------------------------------------------


def probe(
    url: str,
    timeout: float,
    headers: Sequence[str] = (),
    cacert: str | None = None,
    insecure: bool = False,
) -> Verdict:
    """GET ``url`` and judge the answer: the HTTP status, and the body when it is ours.

    ``timeout`` bounds the whole exchange, not each read: a server that trickles its answer a
    byte at a time is too slow, not healthy. A redirect is followed only within the same
    origin, at most 5 times (else the 3xx is the answer), so a redirect loop cannot hold the
    probe and ``headers`` (``"Name: value"``, e.g. a bearer token) go to no other host.
    ``cacert`` trusts the CAs in that PEM file for https, ``insecure`` any certificate."""
    target, shown, auth = _target(url)
    sent = {
        "Accept": "application/json, application/health+json;q=0.9, text/*;q=0.5, */*;q=0.1",
        "User-Agent": "healthcheck-probe",
    }
    if auth:
        sent["Authorization"] = auth
    sent.update(_headers(headers))
    handlers: list[Any] = [_SameOrigin]
    if cacert is not None or insecure:
        if not target.lower().startswith("https:"):
            raise Misuse("--cacert and --insecure are for https URLs")
        handlers.append(urllib.request.HTTPSHandler(context=_tls(cacert, insecure)))
    request = urllib.request.Request(target, headers=sent)  # noqa: S310 - checked above
    outcome: list[Any] = []

    def exchange() -> None:
        try:
            opener = urllib.request.build_opener(*handlers)
            with opener.open(request, timeout=timeout) as response:
                outcome.append((response.status, response.read(_MAX_BODY + 1)))
        except urllib.error.HTTPError as error:
            outcome.append((error.code, error.read(_MAX_BODY + 1)))
        except BaseException as error:  # reported by the caller, as one line
            outcome.append(error)

    # A daemon thread: one deadline for connecting, the headers and the body together.
    worker = threading.Thread(target=exchange, name="healthcheck-probe", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise Unreachable(f"{shown}: no answer within {timeout:g} s")
    got = outcome[0]
    if isinstance(got, BaseException):
        reason = getattr(got, "reason", got)
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise Unreachable(f"{shown}: no answer within {timeout:g} s") from got
        if _certificate_refused(reason):
            raise Unreachable(
                f"{shown}: {reason} (--cacert FILE trusts its CA, --insecure any certificate)"
            ) from got
        if isinstance(got, (urllib.error.URLError, OSError)):
            raise Unreachable(f"{shown}: {reason}") from got
        raise Misuse(f"cannot GET {shown}: {type(got).__name__}: {got}") from got
    code, body = got
    if len(body) > _MAX_BODY:  # cut, it could hide a failure: fail closed, not open
        return Verdict(
            "fail",
            f"{HEADLINES['fail']}: {shown} answered {code} with over 1 MiB, too much to judge",
            [],
        )
    return judge(code, body.decode("utf-8", "replace"), shown)


#: The largest answer the probe reads and judges.
_MAX_BODY = 1 << 20
#: What a header name may be made of (RFC 9110's token).
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _headers(given: Sequence[str]) -> dict[str, str]:
    """``--header "Name: value"`` arguments as headers. Values are never shown in errors:
    they are often credentials."""
    found: dict[str, str] = {}
    for item in given:
        name, colon, value = item.partition(":")
        name, value = name.strip(), value.strip()
        if not colon:  # what was given may be all value: not shown
            raise Misuse("--header must be 'Name: value' (no ':' in one of them)")
        if not name or not set(name) <= _TOKEN:
            shown = _printable(name[:40])
            raise Misuse(f"--header must be 'Name: value' with a valid name, got {shown!r}")
        if any(c in value for c in "\r\n\0"):
            raise Misuse(f"--header {name}: the value holds a line break or a NUL")
        found[name] = value  # urllib sends one of each name, whatever its case: the last
    return found


def _tls(cacert: str | None, insecure: bool) -> Any:
    import ssl

    if insecure:
        if cacert is not None:
            raise Misuse("--insecure trusts any certificate: --cacert is then pointless")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=cacert)
    except (OSError, ssl.SSLError) as exc:
        raise Misuse(f"--cacert {cacert}: cannot read CA certificates from it ({exc})") from None


def _certificate_refused(reason: object) -> bool:
    ssl = sys.modules.get("ssl")  # loaded if the URL was https at all
    return ssl is not None and isinstance(reason, ssl.SSLCertVerificationError)


class _SameOrigin(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only within the same scheme, host and port, at most 5 times; any
    other is not followed, and its 3xx is the answer."""

    max_redirections = max_repeats = 5  # then urllib gives up with the 3xx: a loop ends

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if _origin(newurl) != _origin(req.full_url):
            return None  # urllib then raises HTTPError with the 3xx: judged as such
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urllib.parse.urlsplit(url)
    try:
        return parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:  # a port that is not one: an origin of its own
        return parts.scheme.lower(), parts.hostname, -1


def _target(url: str) -> tuple[str, str, str | None]:
    """``url`` without its user and password, the same for messages (password hidden), and
    the Basic ``Authorization`` header they make. A malformed URL is a usage error."""
    import urllib.parse

    if not url.lower().startswith(("http://", "https://")):
        # Only the scheme: the rest may hold a password or a token.
        scheme = _printable(url.partition(":")[0][:16]) if ":" in url else "none"
        raise Misuse(f"not an http(s) URL (scheme: {scheme})")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise Misuse("the URL contains spaces or control characters; percent-encode them")
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.port == 0:  # .port raises for one that is not a number or above 65535
            raise ValueError("port 0")
        host = parts.hostname
    except ValueError as exc:
        raise Misuse(f"not a valid URL ({exc})") from None
    if not host:
        raise Misuse("the URL names no host")
    from ._credentials import basic_auth

    target, authorization = basic_auth(parts)
    netloc = parts.netloc.rpartition("@")[2]
    # Every query value hidden: an api key goes by many names (?k=, ?apikey=, ?code=).
    query = "&".join(
        f"{name}=***" if sep else "***" if name else ""
        for pair in parts.query.split("&")
        for name, sep, _ in [pair.partition("=")]
    )
    # Path parameters (;jsessionid=...) hidden too.
    path = "/".join(
        seg.partition(";")[0] + (";***" if ";" in seg else "") for seg in parts.path.split("/")
    )
    parts = parts._replace(path=path, query=query, fragment="")  # what messages show
    if authorization is None:
        return target, urllib.parse.urlunsplit(parts), None
    # A user name alone may be a token (https://TOKEN@host): shown masked as well.
    shown_netloc = f"{parts.username}:***@{netloc}" if parts.password else f"***@{netloc}"
    shown = urllib.parse.urlunsplit(parts._replace(netloc=shown_netloc))
    return target, shown, authorization


def judge(code: int, body: str, url: str) -> Verdict:
    checks, word = parse_body(body)
    what = f"{url} answered {code}"
    if 300 <= code < 400:  # a redirect not followed: to another origin, or one too many
        what += " (a redirect not followed: another origin, or more than 5)"
    if not 200 <= code < 300:
        state = "fail"
    else:  # a status word we do not know is not a healthy one
        state = "pass" if word is None else _STATES.get(word, "fail")
        if state == "pass" and any(c.state != "pass" for c in checks):
            state = "warn"  # the server calls it healthy, but not every check passes
    return Verdict(state, _summary(state, what, checks), checks)


def parse_body(body: str) -> tuple[list[CheckLine], str | None]:
    """The checks and the overall status word of one of our bodies; nothing for others."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return _parse_text(body)
    if not isinstance(data, dict):
        return [], None
    word = str(data.get("status", "")).lower() or None
    return _json_checks(data), word


def _json_checks(data: dict[str, Any]) -> list[CheckLine]:
    checks = []
    for result in data.get("results") or []:  # py-healthcheck JSON
        if isinstance(result, dict):
            state = _STATES.get(str(result.get("status", "")).lower())
            if state is None:
                state = "pass" if result.get("passed") else "fail"
            seconds = result.get("response_time")
            checks.append(
                CheckLine(
                    str(result.get("checker", "?")),
                    state,
                    _text(result.get("output")),
                    float(seconds) if isinstance(seconds, (int, float)) else None,
                )
            )
    detail = data.get("checks")
    if isinstance(detail, dict):  # application/health+json
        for key, entries in detail.items():
            for entry in entries if isinstance(entries, list) else [entries]:
                if isinstance(entry, dict):
                    state = _STATES.get(str(entry.get("status", "")).lower(), "fail")
                    checks.append(CheckLine(str(key), state, _text(entry.get("output"))))
    elif isinstance(detail, list):  # healthcheckx, or our ?format=history
        for entry in detail:
            if isinstance(entry, dict):
                state = _STATES.get(str(entry.get("status", "")).lower(), "fail")
                ms = entry.get("duration_ms")
                seconds = ms / 1000 if isinstance(ms, (int, float)) else None
                name = str(entry.get("name", entry.get("checker", "?")))
                message = _text(entry.get("message"))
                checks.append(CheckLine(name, state, message, seconds))
    components = data.get("components")
    if isinstance(components, dict):  # Spring Boot Actuator
        for key, entry in components.items():
            if isinstance(entry, dict):
                more = entry.get("details")
                more = more if isinstance(more, dict) else {}
                word = str(more.get("status") or entry.get("status", "")).lower()
                state = _STATES.get(word, "fail")
                checks.append(CheckLine(str(key), state, _text(more.get("output"))))
    return checks


def _parse_text(body: str) -> tuple[list[CheckLine], str | None]:
    """Kubernetes-style ``ok`` / ``[+]name ok`` / ``readyz check failed`` bodies."""
    checks, word = [], None
    for line in body.splitlines():
        line = line.strip()
        if len(line) > 3 and line[0] == "[" and line[2] == "]" and line[1] in _MARKS:
            name, _, rest = line[3:].partition(" ")
            output = rest.partition(": ")[2]
            checks.append(CheckLine(name, _MARKS[line[1]], output))
        elif line.endswith(PROBE_ENDINGS["fail"]):
            word = "fail"
        elif line.endswith(PROBE_ENDINGS["warn"]):
            word = word or "warn"
        elif line in ("ok", "OK") or line.endswith(PROBE_ENDINGS["pass"]):
            word = word or "pass"
    return checks, word


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value) if value is not None else ""


def _summary(state: str, what: str, checks: Sequence[CheckLine]) -> str:
    word = HEADLINES[state]
    if not checks:
        return f"{word}: {what}"
    failing = [c.name for c in checks if c.state != "pass"]
    counts = ", ".join(
        f"{sum(c.state == s for c in checks)} {s}"
        for s in ("pass", "warn", "fail")
        if any(c.state == s for c in checks)
    )
    tail = f"; not passing: {', '.join(failing)}" if failing else ""
    number = f"{len(checks)} check{'' if len(checks) == 1 else 's'}"
    return f"{word}: {what}, {number} ({counts}){tail}"


# -- run --------------------------------------------------------------------------------


def run_in_process(
    target: str,
    check: str | None,
    tags: list[str],
    timeout: float,
    exclude: Sequence[str] = (),
    group: str | None = None,
) -> Verdict:
    """Import ``MODULE:ATTR``, a HealthCheck, and run its checks here (``check`` only, or those
    tagged one of ``tags``, or ``group``'s, less those named in ``exclude``)."""
    return run_checks(load(target), target, check, tags, timeout, exclude, group)


def run_checks(
    health: Any,
    target: str,
    check: str | None = None,
    tags: Sequence[str] = (),
    timeout: float = 30.0,
    exclude: Sequence[str] = (),
    group: str | None = None,
) -> Verdict:
    """Run the checks of ``health`` (a HealthCheck, called ``target`` in messages) here, within
    ``timeout`` seconds: :func:`run_in_process`'s work, for any HealthCheck."""
    import logging

    # A failing check's traceback goes to the log, which here is the operator's terminal:
    # the verdict says what failed, on one line.
    logger = logging.getLogger("healthcheck")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    unknown = [name for name in exclude if not health.has_check(name)]
    if unknown:  # a misspelt name would leave the check in, unnoticed
        raise Misuse(f"--exclude: {target} has no check named {unknown[0]!r}")
    if group is not None and group not in health.groups:
        known = ", ".join(sorted(health.groups)) or "none"
        raise Misuse(f"{target} has no group named {group!r} (its groups: {known})")
    health.stop()  # one-shot: run the checks now, not in background mode
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["report"] = health.report(
                check, tags=list(tags) or None, exclude=exclude, group=group
            )
        except BaseException as exc:  # reported on the main thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="healthcheck-cli", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise Unreachable(f"{target}: the checks did not finish within {timeout:g} s")
    error = outcome.get("error")
    if isinstance(error, LookupError):
        if check is None or not health.has_check(check):  # an empty group says so itself
            raise Misuse(
                f"{target}: {error.args[0]}"
                if check is None
                else f"{target} has no check named {check!r}"
            )
        raise Misuse(f"nothing to check: the selection leaves no check of {target}")
    if error is not None:
        raise Misuse(f"{target}: running the checks failed: {type(error).__name__}: {error}")
    report = outcome["report"]
    if tags and not report.results and not (group or exclude or check):
        raise Misuse(f"{target} has no check tagged {', '.join(map(repr, tags))}")
    if (check or tags or group or exclude) and not report.results:
        raise Misuse(f"nothing to check: the selection leaves no check of {target}")
    checks = [
        CheckLine(r.checker, r.status.value, _text(r.output), r.response_time)
        for r in report.results
    ]
    state = report.status.value
    return Verdict(state, _summary(state, f"{target} ran in-process", checks), checks)


def listing(health: Any, fmt: str) -> str:
    """The checks of ``health`` as text (one line each) or JSON, without running them."""
    checks = [
        {
            "name": check.name,
            "critical": check.critical,
            "timeout": check.timeout if check.timeout is not None else health.error_timeout or None,
            "tags": sorted(check.tags),
        }
        for check in health.checks
    ]
    if fmt == "json":
        return json.dumps(checks)
    if not checks:
        return "no checks"
    lines = []
    for item in checks:
        timeout = f"{item['timeout']:g} s" if item["timeout"] else "no time limit"
        kind = "critical" if item["critical"] else "non-critical"
        tags = f", tags: {', '.join(item['tags'])}" if item["tags"] else ""
        lines.append(f"{_printable(item['name'])} ({kind}, {timeout}{_printable(tags)})")
    return "\n".join(lines)


def load(target: str) -> Any:
    from .core import HealthCheck

    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise Misuse(f"expected MODULE:ATTR, e.g. myapp.health:health, got {target!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as python -m does: the user's own modules
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # a broken module is a usage problem here, not a crash
        from .scrub import DEFAULT  # its message may quote a DSN

        message = DEFAULT.scrub_text(f"{type(exc).__name__}: {exc}")
        raise Misuse(f"cannot import {module_name!r}: {message}") from exc
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise Misuse(f"{module_name!r} has no attribute {attribute!r}") from None
    if not isinstance(obj, HealthCheck):
        raise Misuse(f"{target} is a {type(obj).__name__}, not a HealthCheck")
    return obj


# -- output -----------------------------------------------------------------------------


def render(verdict: Verdict, fmt: str, verbose: bool) -> tuple[str, int]:
    """The text to print and the exit code."""
    if fmt == "nagios":
        code, word = NAGIOS[verdict.state]
        timed = [c for c in verdict.checks if c.seconds is not None and math.isfinite(c.seconds)]
        labels = _perf_labels([c.name for c in timed])
        perfdata = " ".join(f"{label}={c.seconds:.6f}s;;;0" for label, c in zip(labels, timed))
        # "|" starts performance data, on any line of a plugin's output: never from a name.
        line = f"HEALTHCHECK {word} - {_printable(verdict.summary).replace('|', '/')}"
        lines = [f"{line} | {perfdata}" if perfdata else line]
        if verbose:
            lines += [c.text().replace("|", "/") for c in verdict.checks]
        return "\n".join(lines), code
    code = UNHEALTHY if verdict.state == "fail" else HEALTHY
    if fmt == "json":
        data = {
            "status": verdict.state,
            "summary": verdict.summary,
            "checks": [c.as_dict() for c in verdict.checks],
        }
        return json.dumps(data), code
    lines = [_printable(verdict.summary)]
    if verbose:
        lines += [c.text() for c in verdict.checks]
    return "\n".join(lines), code


def _printable(text: str) -> str:
    """``text`` on one line with no control characters: what a server sends must not move
    the operator's terminal or forge a Nagios status line."""
    return "".join(
        c if c.isprintable() else "\\n" if c == "\n" else f"\\x{ord(c):02x}" for c in text
    )


def _perf_labels(names: Sequence[str]) -> list[str]:
    """Nagios performance data labels, one per name and each its own: printable characters
    only (no line break in any Unicode spelling, no "|" or "=", which end a label), quoted when
    they hold spaces, single quotes doubled; a repeated one numbered (``db``, ``db#2``)."""
    labels, taken = [], set()
    for name in names:
        base = "".join(c if c.isprintable() and c not in "|=" else "_" for c in name) or "_"
        label, number = base, 1
        while label in taken:
            number += 1
            label = f"{base}#{number}"
        taken.add(label)
        labels.append(
            "'" + label.replace("'", "''") + "'" if any(c in label for c in " '") else label
        )
    return labels


# -- the command ------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line, no usage dump: scripts read the exit code and a person the line.
        # As a Nagios plugin (--format nagios anywhere on the line), misuse is UNKNOWN.
        if _NAGIOS_ASKED:
            print(f"HEALTHCHECK UNKNOWN - {_printable(message)}")
            self.exit(NAGIOS_UNKNOWN, f"{self.prog}: {message} (see --help)\n")
        self.exit(UNREACHABLE, f"{self.prog}: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="healthcheck",
        description="Probe a health endpoint, run checks in-process, or start the demo.",
        epilog="Exit codes: 0 passing (warnings included), 1 failing, 2 unreachable or misused "
        "(Nagios format: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).",
    )
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    probe_cmd = commands.add_parser(
        "probe",
        help="GET a health URL and exit 0, 1 or 2",
        description="GET URL; exit 0 for a 2xx answer whose body is not failing, 1 for a "
        "failing answer (another status included), 2 when the service is unreachable or too "
        "slow.",
    )
    probe_cmd.add_argument("url", metavar="URL")
    probe_cmd.add_argument(
        "--timeout",
        type=_positive,
        default=5.0,
        metavar="S",
        help="seconds to wait for the answer (default 5)",
    )
    probe_cmd.add_argument(
        "--header",
        "-H",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header too, e.g. 'Authorization: Bearer ...' (repeatable)",
    )
    probe_cmd.add_argument(
        "--cacert", metavar="FILE", help="trust the CA certificates in this PEM file (https)"
    )
    probe_cmd.add_argument(
        "--insecure", action="store_true", help="accept any certificate (https; testing only)"
    )
    run_cmd = commands.add_parser(
        "run",
        help="import a HealthCheck (MODULE:ATTR) and run its checks here",
        description="Import MODULE:ATTR, a HealthCheck, and run its checks in this process.",
    )
    run_cmd.add_argument("target", metavar="MODULE:ATTR")
    run_cmd.add_argument("--check", metavar="NAME", help="run only the check with this name")
    run_cmd.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="T",
        help="run only checks with this tag (repeatable)",
    )
    run_cmd.add_argument("--group", metavar="NAME", help="run only the checks of this group")
    run_cmd.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="NAME",
        help="leave out the check with this name (repeatable)",
    )
    run_cmd.add_argument(
        "--timeout",
        type=_positive,
        default=30.0,
        metavar="S",
        help="give up after this many seconds (default 30)",
    )
    for sub in (probe_cmd, run_cmd):
        sub.add_argument(
            "--format",
            choices=("text", "json", "nagios"),
            default="text",
            help="text (default), json, or a Nagios plugin status line",
        )
        sub.add_argument("--verbose", "-v", action="store_true", help="one line per check")
    list_cmd = commands.add_parser(
        "list",
        help="import a HealthCheck (MODULE:ATTR) and list its checks",
        description="Import MODULE:ATTR, a HealthCheck, and list its checks (name, whether "
        "critical, time limit, tags) without running them.",
    )
    list_cmd.add_argument("target", metavar="MODULE:ATTR")
    list_cmd.add_argument("--format", choices=("text", "json"), default="text")
    demo = commands.add_parser("demo", help="start the demo app", description="Start the demo app.")
    demo.add_argument("--framework", choices=("flask", "tornado"), default="flask")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=5000)
    return parser


class _Version(argparse.Action):
    """``--version``: this package's name and version, and a warning when py-healthcheck is
    installed too (both install the ``healthcheck`` package, so one overwrote the other)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from importlib import metadata

        from ._about import DISTRIBUTION, __version__

        print(f"{DISTRIBUTION} {__version__}")
        try:
            peer: str | None = metadata.version("py-healthcheck")
        except metadata.PackageNotFoundError:
            peer = None
        if peer is not None:
            print(
                f"warning: py-healthcheck {peer} is installed too; both provide the "
                f"'healthcheck' package, so one overwrote the other: pip uninstall "
                f"py-healthcheck, then reinstall {DISTRIBUTION} from its clone or wheel",
                file=sys.stderr,
            )
        damaged = _damaged_files(DISTRIBUTION)
        if damaged:
            print(
                f"error: {len(damaged)} files of {DISTRIBUTION} are missing or not its own "
                f"({', '.join(damaged[:3])}, ...): reinstall it from its clone or wheel with "
                f"pip install --force-reinstall PATH",
                file=sys.stderr,
            )
        parser.exit(UNHEALTHY if damaged else HEALTHY)


def _damaged_files(distribution: str) -> list[str]:
    """The installed ``.py`` files of ``distribution`` that are gone or differ from what it
    installed (py-healthcheck installed after us overwrites some; uninstalled, deletes them)."""
    import base64
    import hashlib
    from importlib import metadata

    try:
        files = metadata.files(distribution) or []
    except metadata.PackageNotFoundError:  # run from a source tree, not installed
        return []
    damaged = []
    for file in files:
        if file.suffix != ".py" or file.hash is None or file.hash.mode != "sha256":
            continue
        try:
            data = file.read_binary()
        except OSError:
            damaged.append(str(file))
            continue
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        if digest != file.hash.value:
            damaged.append(str(file))
    return sorted(damaged)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 86400 seconds: {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    global _NAGIOS_ASKED
    for stream in (sys.stdout, sys.stderr):
        # A daemon's locale may not be UTF-8 (monit, Nagios under LANG=C or ISO-8859-1): a
        # check name it cannot encode is escaped, never a traceback and a wrong exit code.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    words = list(sys.argv[1:] if argv is None else argv)
    _NAGIOS_ASKED = "--format=nagios" in words or any(
        a == "--format" and b == "nagios" for a, b in zip(words, words[1:])
    )
    args = _parser().parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    if args.command == "list":
        return conclude(lambda: listing(load(args.target), args.format), "text", False)
    if args.command == "probe":
        return conclude(
            lambda: probe(args.url, args.timeout, args.header, args.cacert, args.insecure),
            args.format,
            args.verbose,
        )
    return conclude(
        lambda: run_in_process(
            args.target, args.check, args.tag, args.timeout, args.exclude, args.group
        ),
        args.format,
        args.verbose,
    )


def conclude(produce: Callable[[], Verdict | str], fmt: str, verbose: bool) -> int:
    """Print what ``produce()`` gives (a verdict in ``fmt``, or text as it is) and return the
    exit code; a misuse or an unreachable service as one line, never a traceback."""
    try:
        return _conclude(produce, fmt, verbose)
    except BrokenPipeError:  # `healthcheck list ... | head -1`: the reader has what it wanted
        # Python would print a traceback flushing stdout at exit: point it nowhere instead.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return HEALTHY


def _conclude(produce: Callable[[], Verdict | str], fmt: str, verbose: bool) -> int:
    nagios = fmt == "nagios"
    try:
        verdict = produce()
    except Misuse as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        if nagios:  # a plugin's one line on stdout, for Nagios to show
            print(f"HEALTHCHECK UNKNOWN - {_printable(str(exc)).replace('|', '/')}")
            return NAGIOS_UNKNOWN
        return UNREACHABLE
    except Unreachable as exc:
        if nagios:
            print(f"HEALTHCHECK CRITICAL - unreachable: {exc}")
            return NAGIOS["fail"][0]
        print(f"unreachable: {exc}", file=sys.stderr)
        return UNREACHABLE
    if isinstance(verdict, str):
        print(verdict, flush=True)
        return HEALTHY
    text, code = render(verdict, fmt, verbose)
    print(text, flush=True)
    return code


#: Whether the command line asks for the Nagios format, for errors found before it is parsed.
_NAGIOS_ASKED = False


def _demo(args: argparse.Namespace) -> int:
    from . import demo
    from .exceptions import MissingDependencyError

    try:
        demo.serve(args.framework, args.host, args.port)
    except (MissingDependencyError, OSError) as exc:  # an extra missing, a port in use
        print(f"healthcheck: {exc}", file=sys.stderr)
        return UNREACHABLE
    except KeyboardInterrupt:
        return HEALTHY
    return HEALTHY
