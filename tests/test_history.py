"""Each check's history: the bounded ring of its last results, since when its state has held,
and the overall state's since, in every format that carries them."""

from __future__ import annotations

import json
import time

import pytest

from healthcheck import HealthCheck, Outcome, Status
from healthcheck.history import Histories
from healthcheck.integrations.wsgi import HealthWSGI
from healthcheck.render.health_json import render_health_json, rfc3339
from healthcheck.result import CheckResult


def result(status: Status, at: float) -> CheckResult:
    return CheckResult("c", status, "", at, at + 1, 0.0)


def test_the_ring_keeps_the_last_n_results_and_since_survives_them() -> None:
    histories = Histories(size=3)
    for at, status in enumerate([Status.FAIL, Status.PASS, Status.PASS, Status.PASS, Status.PASS]):
        histories.record("c", result(status, float(at)))
    history = histories.get("c")
    assert history is not None
    assert [m.timestamp for m in history.marks] == [2.0, 3.0, 4.0]
    assert history.since == 1.0  # the change fell out of the ring; when it happened did not
    assert history.changes == 0 and history.status is Status.PASS


def test_a_ring_of_one_keeps_only_the_latest() -> None:
    histories = Histories(size=1)
    histories.record("c", result(Status.PASS, 1.0))
    histories.record("c", result(Status.FAIL, 2.0))
    history = histories.get("c")
    assert history is not None and history.marks == ((2.0, Status.FAIL),)
    assert history.since == 2.0
    with pytest.raises(ValueError, match="at least one"):
        Histories(size=0)


def test_changes_count_flaps() -> None:
    histories = Histories()
    for at, ok in enumerate([True, False, True, False, False]):
        histories.record("c", result(Status.PASS if ok else Status.FAIL, float(at)))
    history = histories.get("c")
    assert history is not None and history.changes == 3 and history.since == 3.0


def flipping() -> tuple[HealthCheck, dict[str, bool]]:
    health = HealthCheck(success_ttl=0, failed_ttl=0)
    state = {"db": True, "cache": True}
    health.add_check(lambda: (state["db"], "db"), name="db")
    health.add_check(lambda: (state["cache"], "cache"), name="cache")
    health.add_check(lambda: Outcome("warn", "slow"), name="search", critical=False)
    return health, state


def test_overall_since_is_the_earliest_present_failure_then_the_last_change() -> None:
    health, state = flipping()
    first = health.report()
    assert first.overall_since == max(r.timestamp for r in first.results)  # warn since then
    state["db"] = False
    db_failed = health.report()
    state["cache"] = False
    both = health.report()
    assert both.status is Status.FAIL
    assert both.overall_since == db_failed.results[0].timestamp  # failing since db failed
    state["db"] = state["cache"] = True
    recovered = health.report()
    assert recovered.overall_since == recovered.results[1].timestamp  # the last to recover


def test_removed_checks_lose_their_history() -> None:
    health, _ = flipping()
    health.report()
    health.checkers = []
    health.add_check(lambda: (True, "again"), name="db")
    report = health.report()
    history = report.histories[0]
    assert history is not None and len(history.marks) == 1


def get(app: HealthWSGI, query: str, remote: str = "127.0.0.1") -> tuple[str, bytes]:
    started: list[str] = []
    environ = {"PATH_INFO": "/healthcheck", "QUERY_STRING": query, "REMOTE_ADDR": remote}
    body = b"".join(app(environ, lambda status, headers, *rest: started.append(status)))
    return started[0], body


def test_the_history_format_for_tools_and_what_an_outsider_sees_of_it() -> None:
    health, state = flipping()
    health.run()
    state["db"] = False
    app = HealthWSGI(health)
    status, body = get(app, "format=history")
    data = json.loads(body)
    assert status.startswith("500")
    assert data["status"] == "fail"
    db = data["checks"][0]
    assert db["checker"] == "db" and db["critical"] is True
    assert [m["status"] for m in db["history"]] == ["pass", "fail"]
    assert db["since"] == db["history"][-1]["timestamp"] == data["since"]
    assert data["checks"][2] | {"since": None, "history": None} == {
        "checker": "search", "critical": False, "status": "warn", "changes": 0,
        "since": None, "history": None,
    }  # fmt: skip
    # A client who may not see details gets the overall state and since when, nothing more.
    _, hidden = get(app, "format=history", remote="203.0.113.9")
    assert set(json.loads(hidden)) == {"status", "since"}


def test_since_is_in_compat_results_and_health_json_checks() -> None:
    health, state = flipping()
    health.run()
    state["db"] = False
    report = health.report()
    body = json.loads(health.run()[0])
    # cache has passed since its first result; the run() after ran it again, same since
    assert body["results"][1]["since"] == report.since(1) < report.results[1].timestamp
    document = json.loads(render_health_json(report))
    since = report.since(0)
    assert since is not None
    assert document["checks"]["db:status"][0]["since"] == rfc3339(since)


def test_the_whole_services_since_is_exact_not_the_last_change_of_any_check() -> None:
    health = HealthCheck(success_ttl=0, failed_ttl=0)
    state = {"a": "warn", "b": "warn"}
    health.add_check(lambda: Outcome(state["a"], "a"), name="a")
    health.add_check(lambda: Outcome(state["b"], "b"), name="b")
    began = health.report().results[0].timestamp
    state["b"] = "pass"  # one warning less: still warn, since the beginning
    report = health.report()
    assert report.status is Status.WARN and report.overall_since == began
    # A selection (no engine-followed whole) still bounds it from below.
    part = health.report(tags=None, exclude=["a"])
    assert part.overall_since == report.results[1].timestamp  # b has passed since then


def test_a_removed_checks_late_result_counts_nowhere() -> None:
    import threading

    from healthcheck import StatusChange

    release = threading.Event()
    health = HealthCheck(error_timeout=0.2)
    health.add_check(lambda: (not release.wait(5), "failed late"), name="slow")
    health.add_check(lambda: (True, "ok"), name="ok")
    assert health.report().results[0].timed_out  # its run goes on, in flight
    changes: list[StatusChange] = []
    health.checkers = []  # both removed ...
    health.add_check(lambda: (True, "ok"), name="ok")  # ... one added back
    assert health.report().status is Status.PASS
    health.add_listener(changes.append)
    release.set()  # the removed check's run lands now, failing
    time.sleep(0.3)
    health.flush_listeners(5)
    assert [c.check for c in changes] == []  # neither its state nor the whole's moved
    report = health.report()
    assert report.status is Status.PASS and report.histories[0] is not None
    assert len(report.histories[0].marks) == 1  # the new check's own, cached since


def test_two_built_in_checks_with_one_default_name_warn() -> None:
    from healthcheck.checks import disk_check

    health = HealthCheck()
    health.add_check(disk_check("/"))
    said = r"two checks are named 'disk-root' \(the second checks /root\)"
    with pytest.warns(UserWarning, match=said):
        health.add_check(disk_check("/root"))
    health.add_check(disk_check("/root"), name="disk-root-home")  # named: no warning


def test_the_command_line_reads_the_history_format() -> None:
    from healthcheck.cli import judge

    health, state = flipping()
    state["db"] = False
    status, body = get(HealthWSGI(health), "format=history")
    verdict = judge(int(status[:3]), body.decode(), "http://127.0.0.1/healthcheck")
    assert [(c.name, c.state) for c in verdict.checks] == [
        ("db", "fail"), ("cache", "pass"), ("search", "warn")
    ]  # fmt: skip
