"""Route tables: what ``paths=`` and ``routes=`` accept, and the clear errors for the rest."""

from __future__ import annotations

import json
from typing import Any

import pytest

from healthcheck import EnvironmentDump, HealthCheck
from healthcheck.endpoints import KINDS, Endpoints, Request, Route

from .conftest import Counter


@pytest.fixture
def health() -> HealthCheck:
    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="db")
    return health


def paths_of(endpoints: Endpoints) -> dict[str, str]:
    return {route.path: route.kind for route in endpoints.routes}


def test_the_default_table(health: HealthCheck) -> None:
    assert paths_of(Endpoints(health, EnvironmentDump())) == {f"/{kind}": kind for kind in KINDS}
    assert "/metrics" not in paths_of(Endpoints(health, metrics=False))
    assert paths_of(Endpoints(None, EnvironmentDump())) == {"/environment": "environment"}


def test_paths_rename_and_drop(health: HealthCheck) -> None:
    endpoints = Endpoints(
        health, paths={"healthcheck": "/health/", "metrics": None, "startupz": "/z/start"}
    )
    assert paths_of(endpoints) == {
        "/health": "healthcheck",
        "/livez": "livez",
        "/readyz": "readyz",
        "/z/start": "startupz",
    }


def test_matching(health: HealthCheck) -> None:
    endpoints = Endpoints(
        health, paths={"healthcheck": "/h", "livez": "/h/live"}, routes=[Route("/", health)]
    )
    match = endpoints.match
    assert match("/h") == (endpoints.routes[0], None)
    assert match("/h/") == (endpoints.routes[0], None)
    assert match("/h/db")[1] == "db"  # type: ignore[index]
    assert match("/h/live")[0].kind == "livez"  # type: ignore[index]
    assert match("/h/live/db")[1] == "db"  # type: ignore[index]
    assert match("/metrics/x") is None  # metrics takes no check name
    assert match("/h/db/extra") is None
    assert match("/")[0].path == "/"  # type: ignore[index]
    assert match("/db") == (match("/")[0], "db")  # type: ignore[index]
    # Only registered names: the rest of the paths below a route are not ours.
    assert match("/anything") is None
    assert match("/h/nope") is None


def test_an_environment_route_and_a_probe_route(health: HealthCheck) -> None:
    dump = EnvironmentDump(include_os=False, include_python=False, include_process=False)
    endpoints = Endpoints(
        routes=[Route("/info", dump), Route("/up", health, "livez")],
        environment_details="always",
    )
    info = endpoints.handle(Request("GET", "/info"))
    up = endpoints.handle(Request("GET", "/up"))
    assert info is not None and (info.status, info.body) == (200, b"{}")
    assert up is not None and (up.status, up.body) == (200, b"ok")
    assert endpoints.handle(Request("GET", "/info/x")) is None


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"paths": {"health": "/h"}}, ValueError, "unknown route 'health'"),
        ({"paths": {"healthcheck": "h"}}, ValueError, "starting with '/'"),
        ({"paths": {"healthcheck": 5}}, ValueError, "starting with '/'"),
        ({"paths": {"healthcheck": "/a//b"}}, ValueError, "plain segments"),
        ({"paths": {"healthcheck": "/a?b"}}, ValueError, "plain segments"),
        ({"paths": {"healthcheck": "/<check>"}}, ValueError, "plain segments"),
        ({"paths": {"healthcheck": "/a/../b"}}, ValueError, "plain segments"),
        ({"paths": {"healthcheck": "/."}}, ValueError, "plain segments"),
        ({"paths": {"healthcheck": "/a%20b"}}, ValueError, "plain segments"),
        ({"paths": {"healthcheck": "/x\x00y"}}, ValueError, "control characters"),
        ({"paths": {"healthcheck": "/x\x1b[31m"}}, ValueError, "control characters"),
        ({"paths": {"healthcheck": "/x\u202ey"}}, ValueError, "control characters"),
        ({"paths": {"healthcheck": "/livez"}}, ValueError, "two routes on /livez"),
        ({"routes": ["/health"]}, TypeError, "Route objects"),
    ],
)
def test_bad_tables_are_refused_with_the_reason(
    health: HealthCheck, options: dict[str, Any], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words.replace("?", r"\?")):
        Endpoints(health, **options)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        (("/x", object()), {}, TypeError, "HealthCheck or an EnvironmentDump"),
        (("/x", "health"), {}, TypeError, "not str"),
        (("/x", None), {"kind": "environment"}, TypeError, "not NoneType"),
        (("/x",), {"kind": "live"}, ValueError, "kind must be one of"),
        (("/x",), {"kind": "environment"}, ValueError, "kind must be one of"),
        (("/x",), {"format": "xml"}, ValueError, "format must be one of"),
        (("/x",), {"kind": "readyz", "format": "json"}, ValueError, "format must be one of"),
        (("x",), {}, ValueError, "starting with '/'"),
    ],
)
def test_bad_routes_are_refused_with_the_reason(
    health: HealthCheck,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    words: str,
) -> None:
    if len(args) == 1:
        args = (*args, health)
    with pytest.raises(error, match=words):
        Route(*args, **kwargs)


def test_dots_inside_a_segment_are_plain() -> None:
    health = HealthCheck()
    assert Route("/.well-known/health", health).path == "/.well-known/health"
    assert Route("/v1.2/health..x", health).path == "/v1.2/health..x"


def test_an_environment_dump_serves_only_the_environment() -> None:
    with pytest.raises(ValueError, match="kind 'environment'"):
        Route("/x", EnvironmentDump(), "healthcheck")


def test_joiners_that_words_need_are_plain() -> None:
    health = HealthCheck()
    persian = "/\u0633\u0644\u0627\u0645\u200c\u062f\u0646\u06cc\u0627"  # salam-donya
    assert Route(persian, health).path == persian
    assert Route("/👩\u200d💻", health).path == "/👩\u200d💻"


def test_a_face_is_rendered_once_per_set_of_results(
    health: HealthCheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthcheck.render import health_json

    renders = count_calls(monkeypatch, health_json, "render_health_json")
    endpoints = Endpoints(health)
    request = Request("GET", "/healthcheck", {"format": ["health+json"]})
    bodies = [endpoints.handle(request) for _ in range(3)]
    assert len(renders) == 1
    assert len({reply.body for reply in bodies if reply is not None}) == 1
    health.clear_cache()  # new results: a new rendering
    endpoints.handle(request)
    assert len(renders) == 2


def test_metrics_are_rendered_once_per_set_of_results(
    health: HealthCheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthcheck.render import prometheus

    renders = count_calls(monkeypatch, prometheus, "render_prometheus")
    endpoints = Endpoints(health)
    health.run()
    scrape = Request("GET", "/metrics", remote_addr="127.0.0.1")
    bodies = {reply.body for reply in (endpoints.handle(scrape) for _ in range(3)) if reply}
    assert (len(renders), len(bodies)) == (1, 1)
    health.clear_cache()
    health.run()  # new results: the next scrape renders again
    endpoints.handle(scrape)
    assert len(renders) == 2


def count_calls(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Replace ``module.name`` with a wrapper that appends to the returned list per call."""
    calls: list[int] = []
    real = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_probe_is_answered_once_per_set_of_results(
    health: HealthCheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    health.run()  # results to keep answers by
    probes = count_calls(monkeypatch, health, "probe")
    endpoints = Endpoints(health)
    request = Request("GET", "/readyz")
    replies = [endpoints.handle(request) for _ in range(3)]
    assert len(probes) == 1
    assert {(r.status, r.body) for r in replies if r is not None} == {(200, b"ok")}
    health.clear_cache()  # new results: answered afresh
    endpoints.handle(request)
    assert len(probes) == 2


def test_a_kept_readiness_answer_follows_draining_at_once(health: HealthCheck) -> None:
    endpoints = Endpoints(health)
    request = Request("GET", "/readyz")
    first = endpoints.handle(request)
    health.set_draining()
    draining = endpoints.handle(request)
    health.set_draining(False)
    again = endpoints.handle(request)
    assert [r.status for r in (first, draining, again) if r is not None] == [200, 500, 200]


def test_a_kept_reply_is_not_changed_by_the_replies_made_from_it(health: HealthCheck) -> None:
    endpoints = Endpoints(health)
    head = endpoints.handle(Request("HEAD", "/livez"))
    get = endpoints.handle(Request("GET", "/livez"))
    assert head is not None and get is not None
    assert (head.body, get.body) == (b"", b"ok")
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == "2"
    get.headers["X-Changed"] = "yes"
    assert "X-Changed" not in (endpoints.handle(Request("GET", "/livez")) or get).headers


def test_one_check_by_name_keeps_its_body_and_updates_its_timestamp(
    health: HealthCheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthcheck.render import compat

    name = "db"
    templates = count_calls(monkeypatch, compat, "BodyTemplate")
    monkeypatch.setattr("healthcheck.answer.BodyTemplate", compat.BodyTemplate)
    endpoints = Endpoints(health)
    request = Request("GET", f"/healthcheck/{name}", remote_addr="127.0.0.1")
    first, second = (endpoints.handle(request) for _ in range(2))
    assert first is not None and second is not None
    assert len(templates) == 1
    stamps = [json.loads(reply.body)["timestamp"] for reply in (first, second)]
    assert stamps[0] <= stamps[1]
    assert json.loads(first.body)["results"] == json.loads(second.body)["results"]


def test_the_environment_reply_is_kept_until_a_section_is_read_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from .conftest import FakeTimer

    timer = FakeTimer()
    environment = EnvironmentDump(refresh=10, timer=timer)
    monkeypatch.setenv("APP_STAGE", "first")
    environment.run()  # the sections read and kept
    runs = count_calls(monkeypatch, environment, "run")
    endpoints = Endpoints(None, environment, environment_details="always")
    request = Request("GET", "/environment")
    first = [endpoints.handle(request) for _ in range(3)]
    monkeypatch.setenv("APP_STAGE", "second")
    timer.tick(10)  # the sections are read again: a new reply
    later = endpoints.handle(request)

    assert len(runs) == 2
    stages = [json.loads(r.body)["process"]["environ"]["APP_STAGE"] for r in [*first, later] if r]
    assert stages == ["first", "first", "first", "second"]


def test_an_environment_with_a_callable_section_is_answered_afresh_each_time() -> None:
    calls = Counter()
    environment = EnvironmentDump(include_os=False, include_python=False, include_process=False)
    environment.add_section("calls", calls.hit)
    endpoints = Endpoints(None, environment, environment_details="always")
    bodies = [endpoints.handle(Request("GET", "/environment")) for _ in range(3)]
    assert [json.loads(r.body)["calls"] for r in bodies if r] == [1, 2, 3]


def test_a_kept_reply_follows_a_settings_change(health: HealthCheck) -> None:
    # A reply kept for a set of results was made with the settings of its time.
    endpoints = Endpoints(health, details="always")
    request = Request("GET", "/healthcheck", {"format": ["health+json"]})
    health.run()
    before = endpoints.handle(request)
    health.success_status = 299
    after = endpoints.handle(request)
    health.add_section("team", "web")
    compat = endpoints.handle(Request("GET", "/healthcheck/db"))
    assert before is not None and after is not None and compat is not None
    assert (before.status, after.status) == (200, 299)
    assert json.loads(compat.body)["team"] == "web"


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (Request("POST", "/healthcheck"), 405),
        (Request("GET", "/healthcheck", {"format": ["nope"]}), 400),
        (Request("GET", "/metrics", remote_addr="203.0.113.9"), 403),
    ],
)
def test_error_answers_carry_the_same_cache_headers(
    health: HealthCheck, request_: Request, status: int
) -> None:
    reply = Endpoints(health, details="when_authorized").handle(request_)
    assert reply is not None and reply.status == status
    assert reply.headers["Cache-Control"] == "no-store"
    assert "Vary" not in reply.headers  # stored by no cache: nothing to vary


def test_the_404_for_an_unknown_check_carries_the_same_cache_headers(health: HealthCheck) -> None:
    reply = Endpoints(health).not_found("/healthcheck/nope")
    assert reply.status == 404
    assert reply.headers["Cache-Control"] == "no-store"
    assert "Vary" not in reply.headers


def test_a_probe_stays_kept_while_a_check_it_does_not_read_has_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A startup check runs once (the probe latches); its result expires, and nothing runs it
    # again. /livez reads only the live checks: its answer must stay kept regardless.
    from .conftest import FakeTimer

    timer = FakeTimer()
    health = HealthCheck(timer=timer)
    health.add_check(lambda: (True, "migrated"), name="migrations", tags=["startup"])
    health.add_check(lambda: (True, "alive"), name="loop", tags=["live"])
    endpoints = Endpoints(health)
    assert endpoints.handle(Request("GET", "/startupz")).status == 200  # type: ignore[union-attr]
    timer.tick(30)  # every result expired; the startup one will never run again
    probes = count_calls(monkeypatch, health, "probe")
    replies = [endpoints.handle(Request("GET", "/livez")) for _ in range(6)]
    health.close()
    assert {r.status for r in replies if r is not None} == {200}
    assert len(probes) <= 2  # the run that refreshed the live check, then kept


@pytest.mark.parametrize(
    ("refresh", "error"),
    [(0.5, ValueError), (-1, ValueError), (float("nan"), ValueError), ("10", TypeError),
     (None, TypeError), (True, TypeError)],
)  # fmt: skip
def test_refresh_is_checked_when_the_endpoints_are_made(refresh: object, error: type) -> None:
    from healthcheck.endpoints import Endpoints

    with pytest.raises(error, match="refresh must be"):
        Endpoints(HealthCheck(), refresh=refresh)  # type: ignore[arg-type]
    assert Endpoints(HealthCheck(), refresh=0).refresh == 0
    assert Endpoints(HealthCheck(), refresh=2.4).refresh == 2


def test_a_check_by_name_is_served_while_registered_and_again_once_added_back(
    health: HealthCheck,
) -> None:
    endpoints = Endpoints(health)
    request = Request("GET", "/healthcheck/db", remote_addr="127.0.0.1")
    hidden = Request("GET", "/healthcheck/db", remote_addr="203.0.113.9")
    first = endpoints.handle(request)
    assert first is not None and first.status == 200
    # The same request signature from a caller who may not see details: not served here.
    assert endpoints.handle(hidden) is None
    del health.checkers[0]
    assert not health.has_check("db")
    assert endpoints.handle(request) is None  # the application's path now: no stale reply
    health.add_check(lambda: (False, "down"), name="db")
    again = endpoints.handle(request)
    assert again is not None and again.status == 500
    assert json.loads(again.body)["results"][0]["output"] == "down"
    assert endpoints.handle(hidden) is None


def test_callers_with_and_without_details_get_their_own_answer_at_one_signature(
    health: HealthCheck,
) -> None:
    endpoints = Endpoints(health)
    for _ in range(2):  # the second time from what each kind of caller was given before
        local = endpoints.handle(Request("GET", "/healthcheck", {"format": ["text"]},
                                         remote_addr="127.0.0.1"))  # fmt: skip
        remote = endpoints.handle(Request("GET", "/healthcheck", {"format": ["text"]},
                                          remote_addr="203.0.113.9"))  # fmt: skip
        assert local is not None and remote is not None
        assert b"db" in local.body and b"db" not in remote.body


def test_a_request_keeps_the_shape_adapters_rely_on() -> None:
    # Adapter writers rewrite requests (a mount point stripped) and may pickle them.
    import dataclasses
    import pickle

    request = Request("GET", "/healthcheck")
    assert pickle.loads(pickle.dumps(request)) == request  # noqa: S301 - our own bytes
    moved = dataclasses.replace(request, path="/readyz")
    assert (moved.method, moved.path) == ("GET", "/readyz")
    assert request != ("GET", "/healthcheck")


def test_a_check_taken_out_of_the_checkers_list_and_put_back_counts_again() -> None:
    from healthcheck.render.prometheus import render_prometheus

    health = HealthCheck(failed_ttl=0)

    def db() -> tuple[bool, str]:
        return True, "ok"

    def cache() -> tuple[bool, str]:
        return False, "cache down"

    health.add_check(db)
    health.add_check(cache)
    health.run()
    health.checkers.remove(cache)
    health.checkers.append(cache)  # py-healthcheck's live list: the same checker, back
    assert health.run()[1] == 500
    report = health.last_report()
    assert [check.name for check in report.checks] == ["db", "cache"]
    assert report.status.value == "fail"
    body, _ = render_prometheus(report, openmetrics=False, complete=True)
    assert b'healthcheck_check_status{check="cache",state="fail"} 1' in body
    assert b'healthcheck_status{state="fail"} 1' in body


def test_an_async_authorize_hook_is_refused_and_an_awaitable_answer_is_no(
    health: HealthCheck, caplog: pytest.LogCaptureFixture
) -> None:
    async def nobody(native: Any) -> bool:
        return False

    with pytest.raises(TypeError, match="authorize must be a plain function"):
        Endpoints(health, authorize=nobody)

    class Sneaky:  # an object whose __call__ hands back a coroutine all the same
        def __call__(self, native: Any) -> Any:
            return nobody(native)

    endpoints = Endpoints(health, EnvironmentDump(), authorize=Sneaky())
    reply = endpoints.handle(Request("GET", "/environment", native=object()))
    assert reply is not None and reply.status == 403
    assert "returned an awaitable" in caplog.text


def test_a_copied_request_asks_the_hook_again(health: HealthCheck) -> None:
    import copy

    answers = iter([True, False])
    endpoints = Endpoints(health, EnvironmentDump(), authorize=lambda native: next(answers))
    request = Request("GET", "/environment", native=object())
    first = endpoints.handle(request)
    second = endpoints.handle(copy.copy(request))
    assert first is not None and second is not None
    assert (first.status, second.status) == (200, 403)


def test_a_new_max_section_reaches_the_answers_kept(health: HealthCheck) -> None:
    health.success_ttl = 60
    health.add_section("big", "x" * 3000)
    endpoints = Endpoints(health)
    asked = Request("GET", "/healthcheck", {"exclude": ["nothing-such"]}, remote_addr="127.0.0.1")
    for _ in range(2):  # the second from the answers kept
        assert len(json.loads(health.run()[0])["big"]) == 3000
        reply = endpoints.handle(asked)
        assert reply is not None and len(json.loads(reply.body)["big"]) == 3000
    health.max_section = 50
    cut = json.loads(health.run()[0])["big"]
    assert cut.startswith("x" * 50) and "truncated" in cut and len(cut) < 200
    reply = endpoints.handle(asked)
    assert reply is not None and json.loads(reply.body)["big"] == cut
