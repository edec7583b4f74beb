"""http_check against loopback HTTP servers: plain pages, health reports in each format
(including this library's own), a closed port and a silent listener."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from healthcheck import HealthCheck, Outcome, Status
from healthcheck.checks.http import http_check, reported_status
from tests.checks.conftest import (
    SilentListener,
    assert_fails_within,
    assert_no_leak,
    timed,
)
from tests.http import wsgi_server

pytest.importorskip("werkzeug")

Start = Callable[[str, list[tuple[str, str]]], Any]
PAGES: dict[str, tuple[str, str, object]] = {
    # path: (status line, content type, body)
    "/plain": ("200 OK", "text/plain", "fine"),
    "/redirect": ("302 Found", "text/plain", ""),
    "/teapot": ("418 I'm a teapot", "text/plain", "no"),
    "/py-warning": ("200 OK", "application/json", {"status": "warning", "results": []}),
    "/py-failure": ("500 Internal Server Error", "application/json", {"status": "failure"}),
    "/ietf-warn": ("200 OK", "application/health+json", {"status": "warn"}),
    "/ietf-pass": ("200 OK", "application/health+json", {"status": "pass"}),
    "/spring-down": (
        "503 Service Unavailable",
        "application/vnd.spring-boot.actuator.v3+json",
        {"status": "DOWN"},
    ),
    "/spring-up": ("200 OK", "application/json", {"status": "UP"}),
    "/odd-word": ("200 OK", "application/json", {"status": "sleepy"}),
    "/not-json": ("200 OK", "application/json", "{not json"),
    # Elasticsearch / OpenSearch _cluster/health
    "/es-green": ("200 OK", "application/json", {"cluster_name": "c", "status": "green"}),
    "/es-yellow": ("200 OK", "application/json", {"cluster_name": "c", "status": "yellow"}),
    "/es-red": ("200 OK", "application/json", {"cluster_name": "c", "status": "red"}),
    "/es-purple": ("200 OK", "application/json", {"status": "purple"}),
    "/nested": ("200 OK", "application/json", {"checks": {"db": {"ok": True}}}),
    "/nested-false": ("200 OK", "application/json", {"checks": {"db": {"ok": False}}}),
}


def app(environ: dict[str, Any], start: Start) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/secured":
        ok = environ.get("HTTP_AUTHORIZATION") == "Bearer t0ken-value"
        start("200 OK" if ok else "401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"ok" if ok else b"who are you"]
    if path == "/basic":  # user "elastic", password "pa:ss word"
        ok = environ.get("HTTP_AUTHORIZATION") == "Basic ZWxhc3RpYzpwYTpzcyB3b3Jk"
        start("200 OK" if ok else "401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"ok" if ok else b"who are you"]
    if path == "/deep":
        start("200 OK", [("Content-Type", "application/json")])
        return [b"[" * 100000 + b"]" * 100000]
    if path == "/health":
        body, code, headers = environ["health"].run()
        start(f"{code} X", list(headers.items()))
        return [body.encode()]
    status, content_type, body = PAGES[path]
    text = body if isinstance(body, str) else json.dumps(body)
    headers = [("Content-Type", content_type)]
    if path == "/redirect":
        headers.append(("Location", "/plain"))
    start(status, headers)
    return [text.encode()]


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[str, HealthCheck]]:
    """A server of the pages above, and at /health a HealthCheck the test can fill."""
    health = HealthCheck(success_ttl=0, failed_ttl=0)

    def with_health(environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        environ["health"] = health
        return app(environ, start)

    with wsgi_server(with_health) as base:
        yield base, health
    health.close()


@pytest.fixture
def base(upstream: tuple[str, HealthCheck]) -> str:
    return upstream[0]


def check(url: str, **options: Any) -> Outcome:
    return http_check(url, **options)()


@pytest.mark.parametrize(
    ("path", "status", "output"),
    [
        ("/plain", Status.PASS, "HTTP 200"),
        ("/redirect", Status.PASS, "HTTP 200"),  # followed
        ("/teapot", Status.FAIL, "HTTP 418"),
        ("/py-warning", Status.WARN, "HTTP 200, status 'warning'"),
        ("/py-failure", Status.FAIL, "HTTP 500, status 'failure'"),
        ("/ietf-warn", Status.WARN, "HTTP 200, status 'warn'"),
        ("/ietf-pass", Status.PASS, "HTTP 200, status 'pass'"),
        ("/spring-down", Status.FAIL, "HTTP 503, status 'DOWN'"),
        ("/spring-up", Status.PASS, "HTTP 200, status 'UP'"),
        ("/odd-word", Status.PASS, "HTTP 200"),
        ("/not-json", Status.PASS, "HTTP 200"),
    ],
)
def test_status_code_and_reported_status(base: str, path: str, status: Status, output: str) -> None:
    outcome = check(base + path)
    assert (outcome.status, outcome.output) == (status, output)


def test_expect_status_is_honoured(base: str) -> None:
    assert check(base + "/teapot", expect_status={418}).status is Status.PASS
    assert check(base + "/plain", expect_status={204}).status is Status.FAIL


def test_a_health_report_cannot_pass_a_bad_status_code(base: str) -> None:
    # /ietf-pass answers 200 "pass"; expecting only 204 makes the code fail, and the worse wins.
    assert check(base + "/ietf-pass", expect_status={204}).status is Status.FAIL


def test_upstream_healthcheck_warn_and_fail_map_through(
    upstream: tuple[str, HealthCheck],
) -> None:
    base, health = upstream
    state = {"value": (Status.PASS, "ok")}
    health.add_check(lambda: state["value"], name="dependency")
    assert check(base + "/health").status is Status.PASS
    state["value"] = (Status.WARN, "slow")
    outcome = check(base + "/health")
    assert (outcome.status, outcome.output) == (Status.WARN, "HTTP 200, status 'warning'")
    state["value"] = (Status.FAIL, "down")
    outcome = check(base + "/health")
    assert (outcome.status, outcome.output) == (Status.FAIL, "HTTP 500, status 'failure'")


def test_headers_are_sent_and_secret_ones_hidden(base: str) -> None:
    headers = {"Authorization": "Bearer t0ken-value"}
    checker = http_check(base + "/secured", headers=headers)
    assert checker().status is Status.PASS
    assert http_check(base + "/secured")().status is Status.FAIL
    assert "t0ken-value" not in repr(checker)


def test_name_and_repr_hide_credentials_and_query(base: str) -> None:
    checker = http_check("http://user:s3cr3t-pw@127.0.0.1:1/health?token=abc")
    assert checker.name == checker.__name__ == "http-127.0.0.1-1-health"
    assert checker.target == "http://user:***@127.0.0.1:1/health"
    outcome = checker()
    assert "s3cr3t-pw" not in f"{outcome} {checker!r}" and "abc" not in repr(checker)


def test_only_http_urls_are_taken() -> None:
    with pytest.raises(
        ValueError, match=r"^http_check url: .*, got 'file:///etc/passwd' \(scheme 'file'\)$"
    ):
        http_check("file:///etc/passwd")


def test_closed_port_fails_at_once(closed_port: int) -> None:
    result = timed(http_check(f"http://127.0.0.1:{closed_port}/", timeout=1))
    assert_fails_within(result, 1, "connection refused")


def test_silent_listener_fails_within_the_timeout(silent_port: int) -> None:
    result = timed(http_check(f"http://127.0.0.1:{silent_port}/", timeout=0.5))
    assert_fails_within(result, 0.5, "timed out")


def test_reported_status_reads_only_json_health_reports() -> None:
    assert reported_status(b'{"status": "fail"}', "application/health+json") == (
        Status.FAIL,
        "fail",
    )
    assert reported_status(b'{"status": "fail"}', "text/html") is None
    assert reported_status(b'["fail"]', "application/json") is None
    assert reported_status(b'{"status": 1}', "application/json") is None


def test_a_thousand_runs_leak_nothing(base: str) -> None:
    port = int(base.rsplit(":", 1)[1])
    assert_no_leak(http_check(base + "/plain"), port)


def test_failed_runs_leak_nothing(closed_port: int, silent_listener: SilentListener) -> None:
    assert_no_leak(http_check(f"http://127.0.0.1:{closed_port}/"), None)
    port = silent_listener.port
    checker = http_check(f"http://127.0.0.1:{port}/", timeout=0.05)
    assert_no_leak(checker, port, times=20, listener=silent_listener)


def sent_elsewhere(headers: dict[str, str]) -> dict[str, str]:
    """The headers a check sent on to another origin that the first one redirected it to."""
    seen: list[dict[str, str]] = []

    def elsewhere(environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        seen.append({k: v for k, v in environ.items() if k.startswith("HTTP_")})
        start("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    with wsgi_server(elsewhere) as other:

        def origin(environ: dict[str, Any], start: Start) -> Iterable[bytes]:
            start("302 Found", [("Location", other + "/landing")])
            return [b""]

        with wsgi_server(origin) as base:
            assert check(base + "/away", headers=headers).status is Status.PASS
    (received,) = seen
    return received


@pytest.mark.parametrize(
    "header",
    ["Authorization", "X-Api-Key", "X-JWT-Assertion", "X-Session-Id", "X-Credentials", "X-Pwd",
     "X-Sig", "X-DSN", "X-Hub-Signature"],
)  # fmt: skip
def test_credential_headers_are_not_sent_on_a_redirect_to_another_origin(header: str) -> None:
    """As requests does: a redirect to another host, port or scheme loses them."""
    received = sent_elsewhere({header: "s3cret-value", "X-Trace": "kept"})
    assert "s3cret-value" not in received.values()
    assert received["HTTP_X_TRACE"] == "kept"


def test_credentials_go_along_a_redirect_within_the_origin() -> None:
    def origin(environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/near":
            start("302 Found", [("Location", "/secured")])
            return [b""]
        return app(environ, start)

    with wsgi_server(origin) as base:
        near = check(base + "/near", headers={"Authorization": "Bearer t0ken-value"})
    assert near.status is Status.PASS  # /secured saw the token


@pytest.mark.parametrize("value", ["T", "UP", "200"])
def test_a_short_secret_header_value_does_not_mangle_the_output(base: str, value: str) -> None:
    outcome = check(base + "/spring-up", headers={"X-Api-Key": value})
    assert outcome.output == "HTTP 200, status 'UP'"


@pytest.mark.parametrize(
    ("location", "said"),
    [("ftp://127.0.0.1:9/x", "redirect to ftp:// refused"),
     ("file:///etc/passwd", "a redirect not followed")],
)  # fmt: skip
def test_a_redirect_to_another_scheme_than_http_fails(location: str, said: str) -> None:
    def origin(environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        start("302 Found", [("Location", location)])
        return [b""]

    with wsgi_server(origin) as base:
        outcome = check(base + "/away")
    assert outcome.status is Status.FAIL
    assert said in str(outcome.output)


# -- JSON rules ------------------------------------------------------------------------------

ES = {"green": "pass", "yellow": "warn", "red": "fail"}


@pytest.mark.parametrize(
    ("path", "status", "output"),
    [
        ("/es-green", Status.PASS, "HTTP 200, status 'green'"),
        ("/es-yellow", Status.WARN, "HTTP 200, status 'yellow'"),
        ("/es-red", Status.FAIL, "HTTP 200, status 'red'"),
        ("/es-purple", Status.FAIL, "HTTP 200, status 'purple' is none of green, yellow, red"),
        ("/plain", Status.FAIL, "HTTP 200, the body is not JSON"),
        ("/nested", Status.FAIL, "HTTP 200, no 'status' in the body"),
    ],
)
def test_json_rules_read_elasticsearch_style_health(
    upstream: tuple[str, HealthCheck], path: str, status: Status, output: str
) -> None:
    outcome = http_check(upstream[0] + path, json_status=ES)()
    assert (outcome.status, outcome.output) == (status, output)


def test_json_rules_follow_a_dotted_path_and_read_booleans(
    upstream: tuple[str, HealthCheck],
) -> None:
    rules = {"true": Status.PASS, "false": Status.FAIL}
    ok = http_check(upstream[0] + "/nested", json_field="checks.db.ok", json_status=rules)()
    bad = http_check(upstream[0] + "/nested-false", json_field="checks.db.ok", json_status=rules)()
    assert (ok.status, ok.output) == (Status.PASS, "HTTP 200, checks.db.ok 'true'")
    assert bad.status is Status.FAIL


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"json_status": {}}, ValueError, "^http_check json_status: expected a mapping of each"),
        (
            {"json_status": ["green"]},
            TypeError,
            "^http_check json_status: .* got \\['green'\\] \\(list\\)",
        ),
        ({"json_status": {"green": "fine"}}, ValueError, "'fine' is not a status"),
        (
            {"json_status": ES, "json_field": "a..b"},
            ValueError,
            "^http_check json_field: .*dotted path",
        ),
        (
            {"json_status": {"green": "passs"}},
            ValueError,
            "^http_check json_status: .*'passs' is not a status",
        ),
        ({"expect_status": "200"}, TypeError, "^http_check expect_status: .* got '200' \\(str\\)"),
        ({"expect_status": True}, TypeError, "^http_check expect_status: .* got True \\(bool\\)"),
        ({"expect_status": 999}, ValueError, "999 is no status code"),
        ({"expect_status": ()}, ValueError, "empty: no answer would pass"),
        (
            {"headers": {"Authorization": 5}},
            TypeError,
            "^http_check headers: .*\\(the value of 'Authorization' is of type int\\)$",
        ),
        ({"headers": {"X-Token": "a\r\nHost: evil"}}, ValueError, "breaks the line"),
        ({"headers": {"Bad Name": "x"}}, ValueError, "'Bad Name' is no header name"),
        ({"headers": [("Accept", "x")]}, TypeError, "^http_check headers: "),
    ],
)
def test_json_rules_are_checked_when_made(options: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        http_check("http://127.0.0.1:9/", **options)


def test_one_expected_status_code_may_be_a_number(upstream: tuple[str, HealthCheck]) -> None:
    assert http_check(upstream[0] + "/teapot", expect_status=418)().status is Status.PASS
    assert http_check(upstream[0] + "/plain", expect_status=418)().status is Status.FAIL


def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_shown(
    upstream: tuple[str, HealthCheck],
) -> None:
    base = upstream[0].replace("http://", "http://elastic:pa%3Ass%20word@")
    check = http_check(base + "/basic")
    outcome = check()
    assert (outcome.status, outcome.output) == (Status.PASS, "HTTP 200")
    assert "pa%3Ass" not in repr(check) and "pa:ss" not in repr(check)
    wrong = http_check(upstream[0].replace("http://", "http://elastic:nope@") + "/basic")()
    assert wrong.status is Status.FAIL and "401" in str(wrong.output)


def test_json_nested_past_the_parsers_depth_fails_cleanly(
    upstream: tuple[str, HealthCheck],
) -> None:
    plain = http_check(upstream[0] + "/deep")()
    ruled = http_check(upstream[0] + "/deep", json_status=ES)()
    assert plain.status is Status.PASS  # not a health report: the status code decides
    assert (ruled.status, ruled.output) == (Status.FAIL, "HTTP 200, the body is not JSON")


def test_a_malformed_url_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match=r"^http_check url: .*\(Invalid IPv6 URL\)$") as raised:
        http_check("http://u:s3cr3t-pw@[::1/x")
    assert "s3cr3t-pw" not in str(raised.value)
