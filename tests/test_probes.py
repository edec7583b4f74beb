"""Kubernetes-style probes: liveness, readiness (and draining), startup (and its latch)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from healthcheck import HealthCheck, Status
from tests.conftest import Counter, FakeTimer

TEXT = "text/plain; charset=utf-8"


def counting(counter: Counter, value: Any = (True, "ok")) -> Callable[[], Any]:
    def check() -> Any:
        counter.hit()
        return value

    return check


def health_with(timer: FakeTimer, **options: Any) -> HealthCheck:
    """Every run() executes: no result is cached, so call counts show what a probe ran."""
    return HealthCheck(timer=timer, success_ttl=0, failed_ttl=0, **options)


# -- liveness ---------------------------------------------------------------------------------


def test_liveness_passes_without_live_checks_even_when_dependencies_fail(
    timer: FakeTimer, counter: Counter
) -> None:
    health = health_with(timer)
    health.add_check(counting(counter, (False, "connection refused")), name="db")
    health.add_check(counting(counter, (False, "down")), name="queue", tags=["ready"])
    body, code, headers = health.probe("live")
    assert (body, code) == ("ok", 200)
    assert headers["Content-Type"] == TEXT
    assert counter.calls == 0


def test_liveness_runs_only_checks_tagged_live(timer: FakeTimer) -> None:
    live, other = Counter(), Counter()
    health = health_with(timer)
    health.add_check(counting(live), name="loop", tags=["live"])
    health.add_check(counting(other), name="db")
    health.add_check(counting(other), name="migrations", tags=["startup"])
    body, code, _ = health.probe("live", verbose=True)
    assert code == 200
    assert body == "[+]loop ok\nlivez check passed\n"
    assert (live.calls, other.calls) == (1, 0)


def test_liveness_fails_when_a_live_check_fails(timer: FakeTimer) -> None:
    health = health_with(timer, failed_status=503)
    health.add_check(lambda: (False, "event loop stuck"), name="loop", tags=["live"])
    body, code, _ = health.probe("live")
    assert code == 503
    # Without ?verbose the reasons are withheld, as the Kubernetes API server does.
    assert body == "[-]loop failed: reason withheld\nlivez check failed\n"
    verbose, _, _ = health.probe("live", verbose=True)
    assert verbose == "[-]loop failed: event loop stuck\nlivez check failed\n"
    verdict, code, _ = health.probe("live", details=False)
    assert (verdict, code) == ("livez check failed\n", 503)


# -- readiness --------------------------------------------------------------------------------


def test_readiness_runs_ready_untagged_and_custom_tagged_checks(timer: FakeTimer) -> None:
    counters = {
        name: Counter()
        for name in ("ready", "untagged", "custom", "live_ready", "live", "startup", "both")
    }
    health = health_with(timer)
    health.add_check(counting(counters["ready"]), name="ready", tags=["ready"])
    health.add_check(counting(counters["untagged"]), name="untagged")
    health.add_check(counting(counters["custom"]), name="custom", tags=["storage"])
    health.add_check(counting(counters["live_ready"]), name="live_ready", tags=["live", "ready"])
    health.add_check(counting(counters["live"]), name="live", tags=["live"])
    health.add_check(counting(counters["startup"]), name="startup", tags=["startup"])
    health.add_check(counting(counters["both"]), name="both", tags=["live", "startup"])
    body, code, headers = health.probe("ready", verbose=True)
    assert code == 200
    assert headers["Content-Type"] == TEXT
    assert body == (
        "[+]ready ok\n[+]untagged ok\n[+]custom ok\n[+]live_ready ok\nreadyz check passed\n"
    )
    assert {n: c.calls for n, c in counters.items()} == {
        "ready": 1,
        "untagged": 1,
        "custom": 1,
        "live_ready": 1,
        "live": 0,
        "startup": 0,
        "both": 0,
    }


def test_readiness_passing_body_is_exactly_ok(timer: FakeTimer) -> None:
    health = health_with(timer)
    health.add_check(lambda: (True, "database ok"), name="db")
    assert health.probe("ready") == ("ok", 200, {"Content-Type": TEXT})


def test_readiness_fails_with_failed_status_when_a_check_fails(timer: FakeTimer) -> None:
    health = health_with(timer, failed_status=503)
    health.add_check(lambda: (True, "database ok"), name="db")
    health.add_check(lambda: (False, "connection refused"), name="queue", tags=["ready"])
    body, code, headers = health.probe("ready")
    assert code == 503
    assert headers["Content-Type"] == TEXT
    assert "[-]queue failed: reason withheld" in body.splitlines()
    assert body.endswith("readyz check failed\n")
    verbose, _, _ = health.probe("ready", verbose=True)
    assert "[-]queue failed: connection refused" in verbose.splitlines()


def test_verbose_lines_for_each_state(timer: FakeTimer) -> None:
    health = health_with(timer)
    health.add_check(lambda: (True, "database ok"), name="db")
    health.add_check(lambda: (Status.WARN, "hit rate 40%"), name="cache")
    health.add_check(lambda: (False, "connection refused"), name="queue")
    body, code, _ = health.probe("ready", verbose=True)
    assert code == 500
    assert body == (
        "[+]db ok\n"
        "[!]cache warn: hit rate 40%\n"
        "[-]queue failed: connection refused\n"
        "readyz check failed\n"
    )


def test_verbose_passing_with_a_warning(timer: FakeTimer) -> None:
    health = health_with(timer)
    health.add_check(lambda: (True, "database ok"), name="db")
    health.add_check(lambda: (Status.WARN, "hit rate 40%"), name="cache")
    body, code, _ = health.probe("ready", verbose=True)
    assert code == 200
    assert body == "[+]db ok\n[!]cache warn: hit rate 40%\nreadyz check passed with warnings\n"
    assert health.probe("ready")[:2] == ("ok", 200)


def test_a_failing_non_critical_check_does_not_fail_readiness(timer: FakeTimer) -> None:
    health = health_with(timer)
    health.add_check(lambda: (False, "503"), name="recommendations", critical=False)
    body, code, _ = health.probe("ready", verbose=True)
    assert code == 200
    # It passes, and says that not everything did.
    assert body == "[-]recommendations failed: 503\nreadyz check passed with warnings\n"


def test_exclude_skips_a_check(timer: FakeTimer) -> None:
    db, cache = Counter(), Counter()
    health = health_with(timer)
    health.add_check(counting(db, (False, "connection refused")), name="db")
    health.add_check(counting(cache), name="cache")
    body, code, _ = health.probe("ready", verbose=True, exclude=["db"])
    assert code == 200
    assert body == "[+]cache ok\nreadyz check passed\n"
    assert (db.calls, cache.calls) == (0, 1)


def test_check_runs_only_that_one(timer: FakeTimer) -> None:
    db, cache = Counter(), Counter()
    health = health_with(timer)
    health.add_check(counting(db), name="db")
    health.add_check(counting(cache, (False, "down")), name="cache")
    body, code, _ = health.probe("ready", check="db", verbose=True)
    assert code == 200
    assert body == "[+]db ok\nreadyz check passed\n"
    assert (db.calls, cache.calls) == (1, 0)


def test_check_not_in_the_probe_group_is_404(timer: FakeTimer, counter: Counter) -> None:
    health = health_with(timer)
    health.add_check(counting(counter), name="db")
    health.add_check(counting(counter), name="loop", tags=["live"])
    body, code, headers = health.probe("live", check="db")
    assert code == 404
    assert headers["Content-Type"] == TEXT
    assert "db" in body
    assert "livez" in body
    assert health.probe("ready", check="loop")[1] == 404
    assert health.probe("ready", check="nope")[1] == 404
    assert counter.calls == 0


def test_an_unknown_probe_kind_is_rejected(timer: FakeTimer) -> None:
    health = health_with(timer)
    with pytest.raises(ValueError):
        health.probe("healthy")


# -- draining ---------------------------------------------------------------------------------


def test_draining_fails_readiness_but_not_liveness(timer: FakeTimer) -> None:
    health = health_with(timer)
    health.add_check(lambda: (True, "database ok"), name="db")
    assert health.draining is False
    health.set_draining()
    assert health.draining is True

    body, code, _ = health.probe("ready")
    assert code == 500
    lines = body.splitlines()
    assert "[-]draining failed: reason withheld" in lines
    assert lines[-1] == "readyz check failed"

    verbose, _, _ = health.probe("ready", verbose=True)
    assert verbose == "[+]db ok\n[-]draining failed: shutting down\nreadyz check failed\n"

    assert health.probe("live") == ("ok", 200, {"Content-Type": TEXT})


def test_draining_fails_readiness_without_any_check(timer: FakeTimer) -> None:
    health = health_with(timer, failed_status=503)
    health.set_draining(True)
    body, code, _ = health.probe("ready", verbose=True)
    assert code == 503
    assert body == "[-]draining failed: shutting down\nreadyz check failed\n"


def test_set_draining_false_restores_readiness(timer: FakeTimer) -> None:
    health = health_with(timer)
    health.add_check(lambda: (True, "database ok"), name="db")
    health.set_draining()
    assert health.probe("ready")[1] == 500
    health.set_draining(False)
    assert health.draining is False
    assert health.probe("ready")[:2] == ("ok", 200)


# -- startup ----------------------------------------------------------------------------------


def test_startup_runs_startup_checks_until_they_pass_then_stops(timer: FakeTimer) -> None:
    migrations, other = Counter(), Counter()
    state = {"done": False}

    def migrated() -> tuple[bool, str]:
        migrations.hit()
        return state["done"], "migrations applied" if state["done"] else "migrating"

    health = health_with(timer)
    health.add_check(migrated, name="migrations", tags=["startup"])
    health.add_check(counting(other, (False, "down")), name="db")

    body, code, _ = health.probe("startup", verbose=True)
    assert code == 500
    assert body == "[-]migrations failed: migrating\nstartupz check failed\n"
    assert health.probe("startup")[1] == 500
    assert migrations.calls == 2

    state["done"] = True
    assert health.probe("startup")[:2] == ("ok", 200)
    assert migrations.calls == 3

    state["done"] = False  # would fail now, but startup has completed
    for _ in range(3):
        assert health.probe("startup")[:2] == ("ok", 200)
    assert health.probe("startup", verbose=True)[:2] == ("startupz check passed\n", 200)
    assert migrations.calls == 3
    assert other.calls == 0


def test_startup_without_startup_checks_passes(timer: FakeTimer, counter: Counter) -> None:
    health = health_with(timer)
    health.add_check(counting(counter, (False, "down")), name="db")
    assert health.probe("startup") == ("ok", 200, {"Content-Type": TEXT})
    assert counter.calls == 0


def test_startup_waits_for_all_of_its_checks(timer: FakeTimer) -> None:
    first, second = Counter(), Counter()
    health = health_with(timer)
    health.add_check(counting(first), name="config", tags=["startup"])
    health.add_check(counting(second, (False, "warming up")), name="cache", tags=["startup"])
    assert health.probe("startup")[1] == 500
    assert health.probe("startup")[1] == 500
    assert (first.calls, second.calls) == (2, 2)


def two_startup_checks(timer: FakeTimer, cache: Counter) -> HealthCheck:
    health = health_with(timer)
    health.add_check(lambda: (True, "loaded"), name="config", tags=["startup"])
    health.add_check(counting(cache, (False, "warming up")), name="cache", tags=["startup"])
    return health


def test_startup_probe_of_one_check_does_not_complete_startup(timer: FakeTimer) -> None:
    """Startup completes once *all* startup checks have passed; ``/startupz/config`` passing
    has not shown that."""
    cache = Counter()
    health = two_startup_checks(timer, cache)
    assert health.probe("startup", check="config")[:2] == ("ok", 200)
    body, code, _ = health.probe("startup", verbose=True)
    assert code == 500
    assert "[-]cache failed: warming up" in body.splitlines()
    assert cache.calls == 1


def test_startup_probe_excluding_a_check_does_not_complete_startup(timer: FakeTimer) -> None:
    cache = Counter()
    health = two_startup_checks(timer, cache)
    assert health.probe("startup", exclude=["cache"])[:2] == ("ok", 200)
    body, code, _ = health.probe("startup", verbose=True)
    assert code == 500
    assert "[-]cache failed: warming up" in body.splitlines()
    assert cache.calls == 1


def test_startup_check_by_name_after_startup_completed(timer: FakeTimer) -> None:
    """Once startup has completed, ``/startupz/<check>`` for a startup check still answers
    (passed), not 404 "no check named"."""
    health = health_with(timer)
    health.add_check(lambda: (True, "applied"), name="migrations", tags=["startup"])
    assert health.probe("startup")[:2] == ("ok", 200)
    assert health.probe("startup", check="migrations")[:2] == ("ok", 200)


def test_startup_does_not_complete_on_a_damped_failure(timer: FakeTimer) -> None:
    """During the grace period a failing startup check reports warn; it has not passed, so
    startup must not be latched as complete."""
    migrations = Counter()
    health = health_with(timer, grace_period=60)
    health.add_check(
        counting(migrations, (False, "migrating")), name="migrations", tags=["startup"]
    )
    health.probe("startup")
    timer.tick(60)
    body, code, _ = health.probe("startup", verbose=True)
    assert migrations.calls == 2
    assert code == 500
    assert body == "[-]migrations failed: migrating\nstartupz check failed\n"


# -- async ------------------------------------------------------------------------------------


def test_probe_async_gives_the_same_answers(timer: FakeTimer) -> None:
    startup = Counter()
    health = health_with(timer)
    health.add_check(lambda: (True, "database ok"), name="db")
    health.add_check(lambda: (Status.WARN, "hit rate 40%"), name="cache", tags=["ready"])
    health.add_check(lambda: (True, "loop ok"), name="loop", tags=["live"])
    health.add_check(counting(startup), name="migrations", tags=["startup"])

    async def failing() -> tuple[bool, str]:
        return False, "connection refused"

    health.add_check(failing, name="queue")

    async def answers() -> list[tuple[Any, int, dict[str, str]]]:
        return [
            await health.probe_async("live"),
            await health.probe_async("live", verbose=True),
            await health.probe_async("ready", verbose=True),
            await health.probe_async("ready", exclude=["queue"]),
            await health.probe_async("ready", check="db", verbose=True),
            await health.probe_async("ready", check="loop"),
            await health.probe_async("startup"),
            await health.probe_async("startup"),
        ]

    got = asyncio.run(answers())
    assert got == [
        ("ok", 200, {"Content-Type": TEXT}),
        ("[+]loop ok\nlivez check passed\n", 200, {"Content-Type": TEXT}),
        (
            "[+]db ok\n[!]cache warn: hit rate 40%\n[-]queue failed: connection refused\n"
            "readyz check failed\n",
            500,
            {"Content-Type": TEXT},
        ),
        ("ok", 200, {"Content-Type": TEXT}),
        ("[+]db ok\nreadyz check passed\n", 200, {"Content-Type": TEXT}),
        (got[5][0], 404, {"Content-Type": TEXT}),
        ("ok", 200, {"Content-Type": TEXT}),
        ("ok", 200, {"Content-Type": TEXT}),
    ]
    assert startup.calls == 1
    assert got[5][0] == health.probe("ready", check="loop")[0]


def test_probe_async_while_draining(timer: FakeTimer) -> None:
    health = health_with(timer)
    health.add_check(lambda: (True, "database ok"), name="db")
    health.set_draining()
    body, code, _ = asyncio.run(health.probe_async("ready", verbose=True))
    assert code == 500
    assert body == "[+]db ok\n[-]draining failed: shutting down\nreadyz check failed\n"
    assert asyncio.run(health.probe_async("live"))[:2] == ("ok", 200)


# -- drain_on_signal --------------------------------------------------------------------------

DRAIN_SCRIPT = textwrap.dedent(
    """
    import os
    import signal
    import time

    from healthcheck import HealthCheck

    signal.signal(signal.SIGUSR1, signal.SIG_DFL)  # what the drain handler hands back to
    health = HealthCheck()
    health.add_check(lambda: (True, "database ok"), name="db")
    health.drain_on_signal(signal.SIGUSR1, delay=0.5)
    print("before", health.probe("ready")[1], flush=True)
    os.kill(os.getpid(), signal.SIGUSR1)
    print("after", health.probe("ready")[1], health.probe("live")[1], flush=True)
    time.sleep(20)
    print("still alive", flush=True)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="needs SIGUSR1")
def test_drain_on_signal_drains_then_lets_the_signal_end_the_process() -> None:
    done = subprocess.run(
        [sys.executable, "-c", DRAIN_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.splitlines() == ["before 200", "after 500 200"], done.stderr
    assert done.returncode == -signal.SIGUSR1, done.stderr


@pytest.mark.skipif(not hasattr(signal, "SIGUSR2"), reason="needs SIGUSR2")
def test_an_answer_puts_the_drain_handler_back_over_a_servers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What uvicorn does when it starts serving: install a handler of its own. The next answer
    from the main thread puts ours back around it; from another thread it cannot, and says so
    once. Installed twice, the handler replaces itself rather than draining twice."""
    original = signal.getsignal(signal.SIGUSR2)
    servers: list[int] = []
    try:
        health = HealthCheck(error_timeout=2)
        health.add_check(lambda: (True, "database ok"), name="db")
        health.drain_on_signal(signal.SIGUSR2, delay=0)
        health.drain_on_signal(signal.SIGUSR2, delay=0)  # again: not a chain of two drains
        signal.signal(signal.SIGUSR2, lambda signum, frame: servers.append(signum))
        for _ in range(2):
            worker = threading.Thread(target=health.probe, args=("ready",))
            worker.start()
            worker.join()
        assert caplog.text.count("cannot install it again") == 1
        assert not health.draining
        assert health.probe("ready")[1] == 200  # the main thread: ours goes back on
        signal.raise_signal(signal.SIGUSR2)
        assert health.draining and health.probe("ready")[1] == 500
        deadline = time.monotonic() + 10
        while not servers and time.monotonic() < deadline:
            time.sleep(0.01)  # then the signal goes on to the server's handler
        time.sleep(0.2)
        assert servers == [signal.SIGUSR2]  # once: our two installs did not chain
    finally:
        signal.signal(signal.SIGUSR2, original)


@pytest.mark.parametrize(
    ("delay", "error"), [(-1, ValueError), (float("nan"), ValueError), ("10", TypeError)]
)
def test_drain_on_shutdown_refuses_a_delay_that_is_not_one(delay: object, error: type) -> None:
    from healthcheck.integrations.gunicorn import drain_on_shutdown

    with pytest.raises(error, match="delay"):
        drain_on_shutdown(delay)  # type: ignore[arg-type]
