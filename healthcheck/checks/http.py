"""HTTP: an upstream service's health endpoint, by status code and, when the body is a health
report, by the status it reports (standard library only)."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import defaults
from .._about import __version__
from .._credentials import basic_auth
from ..result import Outcome, Status, as_status
from ..scrub import is_secret_key
from ._base import BuiltinCheck, display_url, failure, redact, seconds, url_password

__all__ = ["HTTPCheck", "http_check", "reported_status"]

#: Only the start of a body is read: a health report is small, a misconfigured URL may not be.
_MAX_BODY = 1 << 20

_ACCEPT = "application/health+json, application/json;q=0.9, */*;q=0.1"

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
    """
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        shown = display_url(url) if isinstance(url, str) else repr(url)
        raise ValueError(f"not an http(s) URL: {shown}")
    rules = _rules(json_field, json_status)
    if isinstance(expect_status, int):  # expect_status=200: the one code meant
        expect_status = (expect_status,)
    if isinstance(expect_status, (str, bytes)) or not isinstance(expect_status, Container):
        raise TypeError(
            f"expect_status must be status codes (200, range(200, 400)), got {expect_status!r}"
        )
    given = dict(headers or {})
    odd = [
        name
        for name, value in given.items()
        if not (isinstance(name, str) and isinstance(value, str))
    ]
    if odd:
        raise TypeError(f"headers must map names to text values: {odd[0]!r}")
    sent = {"Accept": _ACCEPT, "User-Agent": f"healthcheck/{__version__}"}
    shown = display_url(url)  # user:***@ kept: the name stays what it was
    url, authorization = _credentials(url)
    if authorization is not None:  # urllib would take user:pw@ for part of the host name
        sent["Authorization"] = authorization
    sent.update(given)
    return HTTPCheck(
        name or shown, seconds(timeout), shown, url, expect_status, sent, json_field, rules
    )


def _credentials(url: str) -> tuple[str, str | None]:
    """``url`` without ``user:password@``, and the Basic ``Authorization`` they make."""
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # raises for one that is not a number
    except ValueError as exc:  # and urlsplit for an unclosed [IPv6
        raise ValueError(f"not a valid URL ({exc}): {display_url(url)}") from None
    if parts.username is None and parts.password is None:
        return url, None
    return basic_auth(parts)


def _rules(
    json_field: str, json_status: Mapping[str, Status | str] | None
) -> Mapping[str, Status] | None:
    """``json_status`` checked, with lower-case keys and states as :class:`Status`."""
    if not isinstance(json_field, str) or not json_field or "" in json_field.split("."):
        raise ValueError(f"json_field must be a key or a dotted path of keys, got {json_field!r}")
    if json_status is None:
        return None
    if not isinstance(json_status, Mapping) or not json_status:
        raise TypeError(
            "json_status must map each value of the field to pass, warn or fail, e.g. "
            "{'green': 'pass', 'yellow': 'warn', 'red': 'fail'}"
        )
    rules = {}
    for word, state in json_status.items():
        if not isinstance(word, str):
            raise TypeError(f"json_status: the values are strings, got {word!r}")
        try:
            rules[word.lower()] = as_status(state)
        except ValueError as exc:
            raise ValueError(f"json_status: {exc}") from None
    return rules
