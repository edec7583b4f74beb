"""HTTP: an upstream service's health endpoint, by status code and, when the body is a health
report, by the status it reports (standard library only)."""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Collection, Container, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import defaults
from .._about import __version__
from .._credentials import basic_auth
from ..result import Outcome, Status, as_status
from ..scrub import is_secret_key
from ._base import (
    BuiltinCheck,
    Hidden,
    check_name,
    checked_url,
    display_url,
    failure,
    redact,
    refused,
    seconds,
    slug,
    url_password,
)

__all__ = ["HTTPCheck", "http_check", "make_http_check", "reported_status"]

#: Only the start of a body is read: a health report is small, a misconfigured URL may not be.
_MAX_BODY = 1 << 20

_ACCEPT = "application/health+json, application/json;q=0.9, */*;q=0.1"

#: A header's name (RFC 9110's token), and what its value must not hold.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_LINE_BREAK = re.compile(r"[\r\n\x00]")

# py-healthcheck (success/warning/failure), draft-inadarei-api-health-check (pass/warn/fail
# and ok/up/down/error), Spring Boot Actuator (UP/DOWN/OUT_OF_SERVICE).
_WORDS = {
    "success": Status.PASS,
    "pass": Status.PASS,
    "ok": Status.PASS,
    "up": Status.PASS,
    "warning": Status.WARN,
    "warn": Status.WARN,
    "failure": Status.FAIL,
    "fail": Status.FAIL,
    "error": Status.FAIL,
    "down": Status.FAIL,
    "out_of_service": Status.FAIL,
}


class _CredentialsStayHome(urllib.request.HTTPRedirectHandler):
    """Follows redirects as urllib does, but only to http(s), and sends credential headers
    (``Authorization``, API keys, cookies) only to the origin they were given for, as
    ``requests`` does: a redirect to another host or scheme must not hand them over."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            # urllib would follow ftp:// too: an upstream could send the check anywhere.
            fp.close()
            raise urllib.error.URLError(f"a redirect to {newurl.partition(':')[0]}:// refused")
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(new.full_url) != _origin(req.full_url):
            for name in [name for name in new.headers if is_secret_key(name)]:
                del new.headers[name]
        return new


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # no port at all: no origin the credentials were given for
        return scheme, None, -1
    return scheme, parts.hostname, port or {"http": 80, "https": 443}.get(scheme)


# Health endpoints are internal: go straight to them, whatever *_proxy variables say.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _CredentialsStayHome)


def reported_status(body: bytes, content_type: str) -> tuple[Status, str] | None:
    """The status a JSON health report states, with its word; ``None`` for any other body."""
    if not (content_type.endswith("/json") or content_type.endswith("+json")):
        return None
    try:
        report = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return None
    word = report.get("status") if isinstance(report, dict) else None
    if not isinstance(word, str) or word.lower() not in _WORDS:
        return None
    return _WORDS[word.lower()], word


@dataclass(frozen=True, eq=False)
class HTTPCheck(BuiltinCheck):
    """GET ``url``; the worse of what its status code and its health report say."""

    url: str = field(repr=False)
    expect_status: Container[int]
    headers: Mapping[str, str] = field(repr=False)
    #: Where the body's state is (a dotted path) and what each of its values means; ``None``:
    #: the health report formats this module knows.
    json_field: str = "status"
    json_status: Mapping[str, Status] | None = None

    def __call__(self) -> Outcome:
        request = urllib.request.Request(self.url, headers=self.headers)  # noqa: S310 - http(s) only, checked by http_check
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                code, body, content_type = _read(response)
        except urllib.error.HTTPError as exc:  # a 4xx or 5xx still has a body worth reading
            with exc:
                code, body, content_type = _read(exc)
        except urllib.error.URLError as exc:
            cause = exc.reason if isinstance(exc.reason, BaseException) else exc
            return failure(cause, self._secrets())
        except (OSError, http.client.HTTPException) as exc:
            return failure(exc, self._secrets())
        statuses = [Status.PASS if code in self.expect_status else Status.FAIL]
        output = f"HTTP {code}"
        if 300 <= code < 400:  # one urllib would not follow (file://, a loop): not an answer
            statuses, output = [Status.FAIL], f"{output} (a redirect not followed)"
        if self.json_status is not None:
            state, said = self._by_rules(body)
            statuses.append(state)
            output += f", {said}"
        else:
            reported = reported_status(body, content_type)
            if reported is not None:
                statuses.append(reported[0])
                output += f", status {reported[1]!r}"
        return Outcome(Status.worst(statuses), redact(output, self._secrets()))

    def _by_rules(self, body: bytes) -> tuple[Status, str]:
        """The state ``json_status`` gives the value at ``json_field``; a body without one
        fails (an answer the rules cannot read is not a healthy one)."""
        rules = self.json_status or {}
        try:
            value: Any = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
            return Status.FAIL, "the body is not JSON"
        for key in self.json_field.split("."):
            if not isinstance(value, dict) or key not in value:
                return Status.FAIL, f"no {self.json_field!r} in the body"
            value = value[key]
        word = json.dumps(value) if isinstance(value, bool) else str(value)
        state = rules.get(word.lower())
        if state is None:
            known = ", ".join(rules)
            return Status.FAIL, f"{self.json_field} {word[:80]!r} is none of {known}"
        return state, f"{self.json_field} {word!r}"

    def _secrets(self) -> list[str | None]:
        hidden = [v for k, v in self.headers.items() if is_secret_key(k)]
        return [url_password(self.url), *hidden]


def _read(response: Any) -> tuple[int, bytes, str]:
    return response.status, response.read(_MAX_BODY), response.headers.get_content_type()


def http_check(
    url: str,
    *,
    expect_status: Container[int] | int = range(200, 400),
    headers: Mapping[str, str] | None = None,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
    json_field: str = "status",
    json_status: Mapping[str, Status | str] | None = None,
) -> HTTPCheck:
    """A checker that GETs ``url`` and passes when the status code is in ``expect_status``.

    When the body is a JSON health report (py-healthcheck's ``success``/``warning``/
    ``failure``, ``application/health+json``'s ``pass``/``warn``/``fail``, Spring Boot's
    ``UP``/``DOWN``), its status counts too: the worse of the two wins, so an upstream that
    answers 200 with ``"status": "warning"`` makes this check warn. ``headers`` (an
    ``Authorization`` token, say) are sent with the request, and the values of those whose
    names suggest a secret never shown. Proxy settings
    from the environment are ignored.

    ``json_status`` reads any JSON health answer instead: what each value of ``json_field``
    (a dotted path) means, e.g. Elasticsearch's ``_cluster/health``:
    ``json_status={"green": "pass", "yellow": "warn", "red": "fail"}``. Values are matched
    without regard to case; a body without the field, or with a value not listed, fails.

    Its name is by default made of the URL's scheme, host, port and path
    (``http-billing-8080-healthcheck``); user, password and query are never part of it.
    """
    return make_http_check(
        "http_check",
        url,
        expect_status=expect_status,
        headers=headers,
        name=name,
        timeout=timeout,
        json_field=json_field,
        json_status=json_status,
    )


_EXAMPLE = "'http://billing:8080/healthcheck'"


def make_http_check(
    factory: str,
    url: object,
    *,
    expect_status: object = range(200, 400),
    headers: object = None,
    name: object = None,
    timeout: object = defaults.CHECK_TIMEOUT,
    json_field: object = "status",
    json_status: object = None,
    default_name: str | None = None,
) -> HTTPCheck:
    """:func:`http_check`, its errors told as ``factory``'s."""
    parts = checked_url(
        factory,
        url,
        schemes=("http", "https"),
        expected="an http:// or https:// URL",
        example=_EXAMPLE,
    )
    given = str(url)
    shown = display_url(given)
    default = default_name or slug(
        parts.scheme, parts.hostname, parts.port, parts.path.replace("/", "-")
    )
    field = _json_field(factory, json_field)
    rules = _rules(factory, json_status)
    codes = _codes(factory, expect_status)
    sent = {"Accept": _ACCEPT, "User-Agent": f"healthcheck/{__version__}"}
    plain, authorization = basic_auth(parts)  # urllib would take user:pw@ for the host's
    if authorization is None:
        plain = given
    else:
        sent["Authorization"] = authorization
    sent.update(_headers(factory, headers))
    return HTTPCheck(
        check_name(factory, name, default),
        seconds(factory, timeout),
        shown,  # user:***@ kept: the target says whose credentials are sent
        plain,
        codes,
        sent,
        field,
        rules,
    )


def _codes(factory: str, expect_status: object) -> Container[int]:
    """``expect_status`` checked: one status code, or a container of them."""
    expected = "an HTTP status code from 100 to 599, or a container of them"
    example = "200 or range(200, 400)"

    def no(note: str | None = None) -> ValueError | TypeError:
        return refused(factory, "expect_status", expected, example, expect_status, note)

    if isinstance(expect_status, int) and not isinstance(expect_status, bool):
        codes: Container[int] = (expect_status,)  # expect_status=200: the one code meant
    elif isinstance(expect_status, (str, bytes, bool)) or not isinstance(expect_status, Container):
        raise refused(factory, "expect_status", expected, example, expect_status, wrong_type=True)
    else:
        codes = expect_status
    if isinstance(codes, Collection):  # any other container is taken at its word
        if not codes:
            raise no("empty: no answer would pass")
        for code in codes:
            if isinstance(code, bool) or not isinstance(code, int):
                note = f"{code!r} is of type {type(code).__name__}"
                raise refused(
                    factory,
                    "expect_status",
                    expected,
                    example,
                    expect_status,
                    note,
                    wrong_type=True,
                )
            if not 100 <= code <= 599:
                raise no(f"{code} is no status code")
    return codes


def _headers(factory: str, headers: object) -> dict[str, str]:
    """``headers`` checked: names that are HTTP tokens, values of one line of text."""
    expected = "a mapping of header names to text values"
    example = "{'Authorization': 'Bearer <token>'}"
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):  # its values are never shown, even in an error
        raise refused(factory, "headers", expected, example, Hidden(headers), wrong_type=True)
    checked = {}
    for key, value in headers.items():
        # A value is never shown, even in an error: any header may carry a credential.
        one = {key: "***"}
        if not isinstance(key, str) or not isinstance(value, str):
            if isinstance(key, str):
                note = f"the value of {key!r} is of type {type(value).__name__}"
            else:
                note = f"the name {key!r} is of type {type(key).__name__}"
            raise refused(factory, "headers", expected, example, one, note, wrong_type=True)
        if not _TOKEN.fullmatch(key):
            raise refused(factory, "headers", expected, example, one, f"{key!r} is no header name")
        if _LINE_BREAK.search(value):
            note = f"the value of {key!r} breaks the line"
            raise refused(factory, "headers", expected, example, one, note)
        checked[key] = value
    return checked


def _json_field(factory: str, json_field: object) -> str:
    expected = "a key or a dotted path of keys"
    example = "'status' or 'checks.db.status'"
    if not isinstance(json_field, str):
        raise refused(factory, "json_field", expected, example, json_field, wrong_type=True)
    if not json_field or "" in json_field.split("."):
        raise refused(factory, "json_field", expected, example, json_field)
    return json_field


def _rules(factory: str, json_status: object) -> Mapping[str, Status] | None:
    """``json_status`` checked, with lower-case keys and states as :class:`Status`."""
    expected = "a mapping of each value of the field to pass, warn or fail"
    example = "{'green': 'pass', 'yellow': 'warn', 'red': 'fail'}"
    if json_status is None:
        return None
    if not isinstance(json_status, Mapping):
        raise refused(factory, "json_status", expected, example, json_status, wrong_type=True)
    if not json_status:
        raise refused(factory, "json_status", expected, example, json_status)
    rules = {}
    for word, state in json_status.items():
        if not isinstance(word, str):
            note = f"{word!r} is of type {type(word).__name__}"
            raise refused(
                factory, "json_status", expected, example, json_status, note, wrong_type=True
            )
        try:
            rules[word.lower()] = as_status(state)
        except ValueError:
            note = f"{state!r} is not a status"
            raise refused(factory, "json_status", expected, example, json_status, note) from None
    return rules
