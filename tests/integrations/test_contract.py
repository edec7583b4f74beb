"""One contract, every adapter: the same endpoint tests against Flask, WSGI, Tornado and
ASGI, each on a real server on a loopback port."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from healthcheck import EnvironmentDump, HealthCheck
from tests.conftest import Counter
from tests.http import Reply, get
from tests.servers import SERVERS
from tests.test_core import eventually

Serve = Callable[..., AbstractContextManager[str]]


@pytest.fixture(params=sorted(SERVERS))
def serve(request: pytest.FixtureRequest) -> Serve:
    return SERVERS[request.param]


@pytest.fixture
def health(counter: Counter) -> Iterator[HealthCheck]:
    def database() -> tuple[bool, str]:
        counter.hit()
        return True, "database ok"

    health = HealthCheck()
    health.add_check(database)
    health.add_check(lambda: (True, "cache ok"), name="cache", tags=["live"])
    yield health
    health.close()


def fetch(base: str, path: str, accept: str | None = None, method: str = "GET") -> Reply:
    return get(base + path, headers={"Accept": accept} if accept else None, method=method)


def test_passing_checks_answer_200_with_the_compat_json(serve: Serve, health: HealthCheck) -> None:
    with serve(health, None) as base:
        reply = fetch(base, "/healthcheck")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["Cache-Control"] == "no-store"
    body = reply.json()
    assert body["status"] == "success"
    assert [r["checker"] for r in body["results"]] == ["database", "cache"]


def test_a_failure_answers_with_the_failure_status(serve: Serve, failing: HealthCheck) -> None:
    # A peer's FastAPI adapter returned a tuple and answered 200 here.
    with serve(failing, None) as base:
        reply = fetch(base, "/healthcheck")
    assert reply.status == 500
    assert reply.json()["status"] == "failure"


def test_head_answers_like_get_without_a_body(serve: Serve, failing: HealthCheck) -> None:
    with serve(failing, None) as base:
        head = fetch(base, "/healthcheck", method="HEAD")
        ready = fetch(base, "/readyz", method="HEAD")
    assert (head.status, head.body) == (500, b"")
    assert head.headers["Content-Type"] == "application/json"
    assert (ready.status, ready.body) == (500, b"")


def test_one_check_by_name_and_an_unknown_name(serve: Serve, health: HealthCheck) -> None:
    with serve(health, None) as base:
        one = fetch(base, "/healthcheck/cache")
        unknown = fetch(base, "/healthcheck/nope")
    assert [r["checker"] for r in one.json()["results"]] == ["cache"]
    assert unknown.status == 404


def test_an_unknown_name_answers_as_run_and_probe_do(
    serve: Serve, health: HealthCheck, request: pytest.FixtureRequest
) -> None:
    # One 404 for an unknown check, whichever way it is asked for. Tornado's routes() leave
    # names no check has to the application (its own 404 page, or its own route).
    with serve(health, None) as base:
        check = fetch(base, "/healthcheck/nope")
        probe = fetch(base, "/readyz/nope")
    if "tornado" in request.node.name:
        assert (check.status, probe.status) == (404, 404)
        return
    body, status, _ = health.run("nope")
    assert (check.status, status) == (404, 404)
    assert {k: v for k, v in check.json().items() if k != "timestamp"} == {
        k: v for k, v in json.loads(body).items() if k != "timestamp"
    }
    assert (probe.status, probe.body.decode()) == (404, health.probe("ready", check="nope")[0])


@pytest.mark.parametrize(
    ("accept", "query", "media_type"),
    [
        ("application/health+json", "", "application/health+json"),
        (None, "?format=health+json", "application/health+json"),
        ("text/plain", "", "text/plain"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "", "text/html"),
        (None, "?format=html", "text/html"),
        ("*/*", "", "application/json"),
    ],
)
def test_the_format_follows_accept_or_the_query(
    serve: Serve, failing: HealthCheck, accept: str | None, query: str, media_type: str
) -> None:
    with serve(failing, None) as base:
        reply = fetch(base, "/healthcheck" + query, accept)
    assert reply.status == 500
    assert reply.headers["Content-Type"].startswith(media_type)
    assert reply.headers["Cache-Control"] == "no-store"  # kept by no cache: nothing to vary
    assert "Vary" not in reply.headers
    text = reply.body.decode()
    if media_type == "application/health+json":
        assert reply.json()["status"] == "fail"
        assert "queue:status" in reply.json()["checks"] or any(
            key.startswith("queue") for key in reply.json()["checks"]
        )
    elif media_type == "text/plain":
        assert "[+]database ok" in text and "[-]queue failed: queue unreachable" in text
    else:
        assert "queue unreachable" in text


def test_an_unknown_format_is_a_clear_400(serve: Serve, health: HealthCheck) -> None:
    with serve(health, None) as base:
        reply = fetch(base, "/healthcheck?format=yaml")
    assert reply.status == 400
    assert "yaml" in reply.json()["error"]


def test_probes(serve: Serve, failing: HealthCheck) -> None:
    failing.add_check(lambda: (True, "alive"), name="heartbeat", tags=["live"])
    with serve(failing, None) as base:
        live = fetch(base, "/livez")
        ready = fetch(base, "/readyz?verbose")
        ready_one = fetch(base, "/readyz/database")
        ready_excluding = fetch(base, "/readyz?exclude=queue")
        startup = fetch(base, "/startupz")
        failing.set_draining()
        draining = fetch(base, "/readyz?exclude=queue&verbose")
    assert (live.status, live.body) == (200, b"ok")
    assert ready.status == 500
    assert "[-]queue failed: queue unreachable" in ready.body.decode()
    assert "readyz check failed" in ready.body.decode()
    assert (ready_one.status, ready_one.body) == (200, b"ok")
    assert ready_excluding.status == 200
    assert startup.status == 200
    assert draining.status == 500
    assert "[-]draining failed" in draining.body.decode()


def test_the_environment_is_served_to_local_callers(serve: Serve, health: HealthCheck) -> None:
    environment = EnvironmentDump(application={"name": "shop"})
    with serve(health, environment) as base:
        data = fetch(base, "/environment")
        page = fetch(base, "/environment?format=html")
    assert data.status == 200
    assert data.json()["application"] == {"name": "shop"}
    assert {"os", "python", "process"} <= set(data.json())
    assert page.status == 200 and "shop" in page.body.decode()


def test_unauthorised_callers_see_only_the_overall_status(
    serve: Serve, failing: HealthCheck
) -> None:
    seen: list[Any] = []

    def deny(request: Any) -> bool:
        seen.append(request)
        return False

    options = {"authorize": deny, "details": "when_authorized"}
    with serve(failing, EnvironmentDump(), **options) as base:
        health = fetch(base, "/healthcheck")
        health_json = fetch(base, "/healthcheck", "application/health+json")
        ready = fetch(base, "/readyz?verbose")
        environment = fetch(base, "/environment")
        metrics = fetch(base, "/metrics")
    assert (health.status, health.json()) == (500, {"status": "failure"})
    assert (health_json.status, health_json.json()) == (500, {"status": "fail"})
    assert ready.status == 500 and "queue" not in ready.body.decode()
    assert environment.status == 403
    assert metrics.status == 403
    assert seen and all(native is not None for native in seen)


def test_authorised_callers_see_everything(serve: Serve, failing: HealthCheck) -> None:
    options = {"authorize": lambda request: True, "details": "when_authorized"}
    with serve(failing, EnvironmentDump(), **options) as base:
        health = fetch(base, "/healthcheck")
        environment = fetch(base, "/environment")
    assert len(health.json()["results"]) == 2
    assert environment.status == 200


def test_details_never_and_a_disabled_environment(serve: Serve, failing: HealthCheck) -> None:
    options = {"details": "never", "environment_details": "never"}
    with serve(failing, EnvironmentDump(), **options) as base:
        health = fetch(base, "/healthcheck")
        environment = fetch(base, "/environment")
    assert health.json() == {"status": "failure"}
    assert environment.status == 404


def test_cache_control_max_age_follows_the_cache(serve: Serve, health: HealthCheck) -> None:
    with serve(health, None, cache_control="max-age", details="always") as base:
        reply = fetch(base, "/healthcheck")
    directive, _, seconds = reply.headers["Cache-Control"].partition("=")
    assert directive == "max-age"
    assert 0 <= int(seconds) <= 27
    assert reply.headers["Vary"] == "Accept"  # what a cache keeps differs by format


def test_a_body_that_depends_on_the_caller_is_private_to_shared_caches(
    serve: Serve, health: HealthCheck
) -> None:
    # A reverse proxy's cache keyed on the URL would otherwise serve an authorised caller's
    # details to the next anonymous one.
    with serve(health, None, cache_control="max-age", details="when_authorized") as base:
        replies = [fetch(base, "/healthcheck"), fetch(base, "/healthcheck?format=health+json")]
    for reply in replies:
        directives = [d.strip() for d in reply.headers["Cache-Control"].split(",")]
        assert directives[0] == "private"
        assert directives[1].startswith("max-age=")


def test_metrics_are_served_from_cached_results(
    serve: Serve, health: HealthCheck, counter: Counter
) -> None:
    with serve(health, None) as base:
        fetch(base, "/healthcheck")
        runs = counter.calls
        first = fetch(base, "/metrics")
        fetch(base, "/metrics")
    assert first.status == 200
    assert 'healthcheck_check_status{check="database",state="pass"} 1.0' in first.body.decode()
    assert counter.calls == runs  # scrapes never run checks


def test_other_methods_and_paths(serve: Serve, health: HealthCheck) -> None:
    with serve(health, None) as base:
        post = fetch(base, "/healthcheck", method="POST")
        missing = fetch(base, "/nothing-here")
    assert post.status == 405
    assert missing.status == 404


def test_the_compat_body_is_exactly_what_run_gives(serve: Serve, health: HealthCheck) -> None:
    with serve(health, None) as base:
        reply = fetch(base, "/healthcheck")
    expected = json.loads(health.run()[0])
    assert reply.json()["results"] == expected["results"]


def test_background_mode_answers_pending_then_the_landed_results(
    serve: Serve, release: threading.Event
) -> None:
    def database() -> tuple[bool, str]:
        release.wait(30)
        return True, "database ok"

    health = HealthCheck(interval=3600)
    health.add_check(database)
    try:
        with serve(health, None) as base:
            pending = fetch(base, "/healthcheck")  # answered while the check still runs
            release.set()
            assert eventually(lambda: fetch(base, "/healthcheck").status == 200)
            landed = fetch(base, "/healthcheck")
    finally:
        health.close()
    assert pending.status == 500
    assert pending.json()["results"][0]["output"].startswith("pending:")
    assert landed.json()["results"][0]["output"] == "database ok"


# -- routes the user names ---------------------------------------------------------------


def test_paths_rename_and_leave_out_routes(serve: Serve, health: HealthCheck) -> None:
    paths = {"healthcheck": "/health", "livez": "/health/liveness", "readyz": None}
    with serve(health, EnvironmentDump(), paths=paths, prefix="/ops") as base:
        whole = fetch(base, "/ops/health")
        live = fetch(base, "/ops/health/liveness")
        one = fetch(base, "/ops/health/database")
        gone = [fetch(base, f"/ops/{path}").status for path in ("healthcheck", "readyz")]
        environment = fetch(base, "/ops/environment")
    assert whole.status == 200
    assert [r["checker"] for r in whole.json()["results"]] == ["database", "cache"]
    # The exact path wins over "/health" + a check named "liveness".
    assert (live.status, live.body) == (200, b"ok")
    assert [r["checker"] for r in one.json()["results"]] == ["database"]
    assert gone == [404, 404]
    assert environment.status == 200


def test_one_adapter_serves_several_health_checks(
    serve: Serve, health: HealthCheck, failing: HealthCheck
) -> None:
    from healthcheck.endpoints import Route

    routes = [
        Route("/health/liveness", health, format="actuator"),
        Route("/health/readiness", failing, format="actuator"),
        Route("/status", failing, format="healthcheckx"),
        Route("/ready", failing, "readyz"),
    ]
    with serve(None, None, routes=routes) as base:
        live = fetch(base, "/health/liveness")
        ready = fetch(base, "/health/readiness")
        status = fetch(base, "/status")
        asked = fetch(base, "/status?format=json")
        one = fetch(base, "/status/database")
        probe = fetch(base, "/ready")
        default = fetch(base, "/healthcheck")
    assert live.status == 200
    assert live.json()["status"] == "UP"
    assert set(live.json()["components"]) == {"database", "cache"}
    assert ready.status == 500
    assert ready.json()["components"]["queue"]["status"] == "DOWN"
    assert status.status == 500
    assert status.json()["status"] == "unhealthy"
    assert [c["name"] for c in status.json()["checks"]] == ["database", "queue"]
    assert asked.json()["status"] == "failure"  # ?format= still chooses
    assert one.status == 200
    assert one.json() == {**one.json(), "status": "healthy"}
    assert probe.status == 500
    assert probe.body.decode().endswith("readyz check failed\n")
    assert default.status == 404  # only the routes asked for


def test_a_route_at_the_prefix_itself(serve: Serve, health: HealthCheck) -> None:
    from healthcheck.endpoints import Route

    with serve(None, None, prefix="/health", routes=[Route("/", health)]) as base:
        whole = fetch(base, "/health")
        one = fetch(base, "/health/cache")
        unknown = fetch(base, "/health/nope")
    assert whole.status == 200
    assert whole.json()["status"] == "success"
    assert [r["checker"] for r in one.json()["results"]] == ["cache"]
    assert unknown.status == 404


def test_a_trailing_slash_answers_as_without_it(serve: Serve, health: HealthCheck) -> None:
    with serve(health, None) as base:
        replies = [fetch(base, path) for path in ("/healthcheck/", "/readyz/database/", "/livez/")]
    assert [reply.status for reply in replies] == [200, 200, 200]
    assert [r["checker"] for r in replies[0].json()["results"]] == ["database", "cache"]
    assert replies[1].body == b"ok"


def test_non_ascii_check_names_and_paths(serve: Serve) -> None:
    from urllib.parse import quote

    from healthcheck.endpoints import Route

    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="datenbank-ü")
    try:
        with serve(None, None, routes=[Route("/gesundheit-ü", health)]) as base:
            whole = fetch(base, quote("/gesundheit-ü"))
            one = fetch(base, quote("/gesundheit-ü/datenbank-ü"))
    finally:
        health.close()
    assert whole.status == 200
    assert [r["checker"] for r in one.json()["results"]] == ["datenbank-ü"]


def test_unknown_names_below_a_route_are_not_served(serve: Serve, health: HealthCheck) -> None:
    with serve(health, None) as base:
        replies = [fetch(base, path) for path in ("/healthcheck/nope", "/readyz/nope")]
    assert [reply.status for reply in replies] == [404, 404]


def test_head_sends_the_length_get_would(serve: Serve, health: HealthCheck) -> None:
    with serve(health, None) as base:
        ready = fetch(base, "/readyz", method="HEAD")
        for path in ("/healthcheck", "/healthcheck/cache"):
            got, head = fetch(base, path), fetch(base, path, method="HEAD")
            assert head.body == b""
            # The timestamp's digits vary from one answer to the next (1796047459.438 and
            # 1796047459.4383457): lengths may differ by a few bytes, never by a body.
            assert abs(int(head.headers["Content-Length"]) - len(got.body)) <= 8, path
    assert (ready.body, ready.headers["Content-Length"]) == (b"", "2")  # GET's "ok"


def test_head_of_an_error_answers_like_get_without_a_body(
    serve: Serve, health: HealthCheck
) -> None:
    with serve(health, EnvironmentDump()) as base:
        for path in ("/healthcheck?format=bogus", "/environment?format=bogus"):
            got, head = fetch(base, path), fetch(base, path, method="HEAD")
            assert (head.status, head.body) == (got.status, b"") == (400, b""), path
            assert head.headers["Content-Length"] == str(len(got.body)), path


def test_one_check_by_name_answers_with_its_own_state(serve: Serve) -> None:
    """A failing non-critical check only warns in the whole; asked for by name, it fails."""
    from healthcheck.endpoints import Route

    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="database")
    health.add_check(lambda: (False, "lagging"), name="replica", critical=False)
    try:
        routes = [Route("/actuator/health", health, format="actuator")]
        with serve(health, None, routes=routes) as base:
            whole = fetch(base, "/healthcheck")
            one = fetch(base, "/healthcheck/replica")
            probe = fetch(base, "/readyz/replica")
            component = fetch(base, "/actuator/health/replica")
    finally:
        health.close()
    assert (whole.status, whole.json()["status"]) == (200, "warning")
    assert (one.status, one.json()["status"]) == (500, "failure")
    assert probe.status == 500
    assert (component.status, component.json()["status"]) == (500, "DOWN")


# -- behind a proxy: who counts as local --------------------------------------------------

REMOTE = {"X-Forwarded-For": "203.0.113.9"}  # a remote client, as a local proxy forwards it


def test_a_remote_client_behind_a_local_proxy_learns_only_the_overall_state(
    serve: Serve, failing: HealthCheck
) -> None:
    with serve(failing, EnvironmentDump()) as base:
        health = get(base + "/healthcheck", headers=REMOTE)
        page = get(base + "/healthcheck?format=html", headers=REMOTE)
        environment = get(base + "/environment", headers=REMOTE)
        metrics = get(base + "/metrics", headers=REMOTE)
        local = get(base + "/healthcheck", headers={"X-Forwarded-For": "127.0.0.1"})
    assert (health.status, health.json()) == (500, {"status": "failure"})
    assert page.status == 500 and "queue" not in page.body.decode()
    assert environment.status == 403 and metrics.status == 403
    if serve in (SERVERS["asgi"], SERVERS["fastapi"]):
        # uvicorn takes the client from X-Forwarded-For itself: the adapter cannot tell a
        # local proxy's word from a forged one (README: trusted_proxies), so no details.
        assert local.json() == {"status": "failure"}
    else:
        assert len(local.json()["results"]) == 2  # a local client through the proxy


def test_check_names_cannot_be_probed_nor_failures_bisected_without_details(
    serve: Serve, failing: HealthCheck
) -> None:
    with serve(failing, None) as base:
        known = get(base + "/healthcheck/queue", headers=REMOTE)
        unknown = get(base + "/healthcheck/no-such-check", headers=REMOTE)
        probe = get(base + "/readyz/queue", headers=REMOTE)
        bisect = get(base + "/healthcheck?exclude=queue", headers=REMOTE)
        ready = get(base + "/readyz?exclude=queue", headers=REMOTE)
        mine = get(base + "/healthcheck?exclude=queue")
    answers = {(r.status, r.body) for r in (known, unknown, probe)}
    assert len(answers) == 1  # not served: the same answer whether the name exists or not
    assert known.status == 404
    assert bisect.status == ready.status == 403  # and no bisecting which check fails
    assert mine.status == 200  # an authorised caller still excludes


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9"},
        {"X-Forwarded-For": "unknown"},
    ],
)
def test_forwarding_headers_that_do_not_name_a_local_client_are_not_local(
    serve: Serve, health: HealthCheck, headers: dict[str, str]
) -> None:
    with serve(health, EnvironmentDump()) as base:
        assert get(base + "/environment", headers=headers).status == 403


def test_without_trusted_proxies_forwarding_headers_are_never_believed(
    serve: Serve, health: HealthCheck
) -> None:
    spoofed = {"X-Forwarded-For": "127.0.0.1"}
    with serve(health, EnvironmentDump(), trusted_proxies=()) as base:
        assert get(base + "/environment", headers=spoofed).status == 403
        assert get(base + "/environment").status == 200  # the loopback peer itself


def test_tornado_xheaders_do_not_make_a_remote_client_local(failing: HealthCheck) -> None:
    """With ``xheaders=True`` Tornado's remote_ip is whatever X-Real-IP says; the endpoints
    judge the socket peer and every forwarding header instead."""
    from tests.servers import tornado_server

    spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "127.0.0.1"}
    with tornado_server(failing, EnvironmentDump(), xheaders=True) as base:
        assert get(base + "/environment", headers=spoofed).status == 403
        assert get(base + "/healthcheck", headers=spoofed).json() == {"status": "failure"}
        assert get(base + "/environment").status == 200


def test_every_answer_says_nosniff_and_pages_allow_only_their_own_styles_and_script(
    serve: Serve, failing: HealthCheck
) -> None:
    import base64
    import hashlib
    import re

    with serve(failing, EnvironmentDump()) as base:
        answers = [
            get(base + path)
            for path in ("/healthcheck", "/readyz", "/metrics", "/healthcheck?format=nope",
                         "/healthcheck?format=html", "/environment?format=html")
        ]  # fmt: skip
    assert all(a.headers["X-Content-Type-Options"] == "nosniff" for a in answers)

    def sha256(text: str) -> str:
        return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"

    status_page = answers[4].body.decode()
    (refresh,) = re.findall(r"<script[^>]*>(.*?)</script>", status_page, re.DOTALL)
    for page in answers[4:6]:
        policy = page.headers["Content-Security-Policy"]
        assert policy.startswith("default-src 'none';")
        (style,) = re.findall(r"<style>(.*?)</style>", page.body.decode(), re.DOTALL)
        assert sha256(style) in policy
        # The status page's one script (its refresh) is allowed by its hash, nothing else.
        assert f"script-src {sha256(refresh)};" in policy
    assert "<script" not in answers[5].body.decode()


@pytest.mark.parametrize("method", ["POST", "PUT", "OPTIONS", "DELETE"])
def test_other_methods_cannot_probe_check_names_either(
    serve: Serve, failing: HealthCheck, method: str
) -> None:
    with serve(failing, None) as base:
        known = get(base + "/healthcheck/queue", headers=REMOTE, method=method)
        unknown = get(base + "/healthcheck/no-such-check", headers=REMOTE, method=method)
        probe = get(base + "/readyz/queue", headers=REMOTE, method=method)
        mine = get(base + "/healthcheck/queue", method=method)
    assert len({(r.status, r.body) for r in (known, unknown, probe)}) == 1
    assert known.status == 404
    assert (mine.status, mine.headers["Allow"]) == (405, "GET, HEAD")
    assert mine.headers["X-Content-Type-Options"] == "nosniff"


def test_metrics_answer_the_format_the_query_asks_for(serve: Serve, failing: HealthCheck) -> None:
    with serve(failing, None) as base:
        get(base + "/healthcheck")
        openmetrics = get(base + "/metrics?format=openmetrics")
        unknown = get(base + "/metrics?format=nope")
    assert openmetrics.headers["Content-Type"].startswith("application/openmetrics-text")
    assert openmetrics.body.rstrip().endswith(b"# EOF")
    assert unknown.status == 400


# -- groups and ?tag= ---------------------------------------------------------------------


@pytest.fixture
def grouped() -> Iterator[HealthCheck]:
    health = HealthCheck()
    health.add_check(lambda: (True, "database ok"), name="database", tags=["backends"])
    health.add_check(lambda: (False, "queue down"), name="queue", tags=["backends"])
    health.add_check(lambda: (True, "disk ok"), name="disk", tags=["host"])
    health.add_group("storage", checks=["database", "disk"])
    health.add_group("backends", tags=["backends"])
    yield health
    health.close()


def test_a_group_answers_at_its_route_in_every_format(serve: Serve, grouped: HealthCheck) -> None:
    with serve(grouped, None) as base:
        storage = fetch(base, "/healthcheck/group/storage")
        backends = fetch(base, "/healthcheck/group/backends")
        text = fetch(base, "/healthcheck/group/backends?format=text")
        health_json = fetch(base, "/healthcheck/group/storage", "application/health+json")
        head = fetch(base, "/healthcheck/group/backends", method="HEAD")
    assert storage.status == 200
    assert [r["checker"] for r in storage.json()["results"]] == ["database", "disk"]
    assert backends.status == 500
    assert [r["checker"] for r in backends.json()["results"]] == ["database", "queue"]
    assert text.status == 500 and "queue" in text.body.decode()
    assert "disk" not in text.body.decode()
    assert set(health_json.json()["checks"]) == {"database:status", "disk:status"}
    assert (head.status, head.body) == (500, b"")


def test_an_unknown_group_is_not_ours(serve: Serve, grouped: HealthCheck) -> None:
    with serve(grouped, None) as base:
        reply = fetch(base, "/healthcheck/group/nope")
    assert reply.status == 404
    assert b"nope" not in reply.body  # nothing about which groups exist


def test_tag_selects_and_an_unknown_tag_is_an_error(serve: Serve, grouped: HealthCheck) -> None:
    with serve(grouped, None) as base:
        host = fetch(base, "/healthcheck?tag=host")
        both = fetch(base, "/healthcheck?tag=host&tag=backends")
        typo = fetch(base, "/healthcheck?tag=hots")
        probe = fetch(base, "/readyz?tag=host")
    assert host.status == 200
    assert [r["checker"] for r in host.json()["results"]] == ["disk"]
    assert both.status == 500 and len(both.json()["results"]) == 3
    assert typo.status == 400
    assert typo.json() == {"error": "no check is tagged 'hots'", "tags": ["backends", "host"]}
    assert probe.status == 400


@pytest.mark.parametrize("path", ["/healthcheck", "/healthcheck/cache", "/readyz", "/metrics"])
def test_the_authorize_hook_is_asked_once_per_request(
    serve: Serve, health: HealthCheck, path: str
) -> None:
    # A hook may introspect a token, query a database or write an audit line: once per
    # request, on the first request of a path too (routing a name asks who calls as well).
    asked: list[int] = []
    lock = threading.Lock()

    def authorize(native: Any) -> bool:
        with lock:
            asked.append(1)
        return True

    with serve(health, None, authorize=authorize) as base:
        for count in (1, 2, 3):
            assert fetch(base, path).status == 200
            assert len(asked) == count


@pytest.mark.parametrize(
    ("path", "options"),
    [
        ("/healthcheck?exclude=cache", {}),
        ("/healthcheck/database", {}),
        ("/healthcheck", {"cache_control": "max-age", "details": "always"}),
    ],
)
def test_a_callable_section_and_the_timestamp_are_fresh_on_every_kept_json_face(
    serve: Serve, health: HealthCheck, path: str, options: dict[str, Any]
) -> None:
    # "a section's callable runs on every request": a reply whose body is made per request
    # (a callable section, a custom handler) is never handed out again as it was.
    counted = iter(range(1, 100))
    health.add_section("workers", lambda: next(counted))
    with serve(health, None, **options) as base:
        bodies = [fetch(base, path).json() for _ in range(3)]
    assert [body["workers"] for body in bodies] == sorted({body["workers"] for body in bodies})
    assert len({body["workers"] for body in bodies}) == 3
    assert len({body["timestamp"] for body in bodies}) == 3


def _raw_get(base: str, path: str, lines: list[str]) -> str:
    """A GET with exactly these header lines, repeated names kept as separate lines (as a
    proxy that adds its own X-Forwarded-For line after the client's sends them)."""
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        head = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        sock.sendall((head + "".join(f"{line}\r\n" for line in lines) + "\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data.split(b"\r\n\r\n", 1)[-1].decode("utf-8", "replace")


@pytest.mark.parametrize("server", sorted(name for name in SERVERS if name != "memory"))
@pytest.mark.parametrize(
    "lines",
    [
        ["X-Forwarded-For: 127.0.0.1", "X-Forwarded-For: 203.0.113.9"],
        ["X-Real-IP: ::1", "X-Real-IP: 203.0.113.9"],
        ["Forwarded: for=127.0.0.2", "Forwarded: for=203.0.113.9"],
    ],
)
def test_a_header_sent_twice_is_one_list_on_every_adapter(
    server: str, failing: HealthCheck, lines: list[str]
) -> None:
    # The second line is the local proxy's: the client it names is remote, whatever the first
    # line (the client's own) claims. (Real servers only: joining lines is a server's job.)
    with SERVERS[server](failing, None) as base:
        body = _raw_get(base, "/healthcheck", lines)
    assert json.loads(body) == {"status": "failure"}


def test_a_doubled_slash_before_a_check_name_is_no_route_on_any_adapter(
    serve: Serve, health: HealthCheck
) -> None:
    # werkzeug would redirect /healthcheck//cache to /healthcheck/cache (308) for Flask alone.
    with serve(health, None) as base:
        reply = fetch(base, "/healthcheck//cache")
    assert reply.status == 404
    assert "Location" not in reply.headers
