"""Prefork servers fork workers after the app is imported: a HealthCheck that has run in the
parent must work in the child, whose helper threads did not come along."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

# Runs in a fresh interpreter: forking pytest itself would copy its threads too.
SCRIPT = textwrap.dedent(
    """
    import asyncio, json, os, sys, threading, time, warnings

    from healthcheck import HealthCheck

    warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads running

    async def async_pid():
        await asyncio.sleep(0)
        return True, str(os.getpid())

    changes = []
    foreground = HealthCheck(success_ttl=0, failed_ttl=0, error_timeout=5)
    foreground.add_check(lambda: (True, str(os.getpid())), name="sync")
    foreground.add_check(async_pid, name="async")
    foreground.add_listener(changes.append)
    background = HealthCheck(interval=0.05, error_timeout=5)
    background.add_check(lambda: (True, str(os.getpid())), name="sync")

    def outputs(health):
        return {r["checker"]: r["output"] for r in json.loads(health.run()[0])["results"]}

    # The parent uses every helper thread before forking.
    assert foreground.run()[1] == 200
    assert foreground.flush_listeners(5)
    deadline = time.monotonic() + 10
    while outputs(background)["sync"] != str(os.getpid()) and time.monotonic() < deadline:
        time.sleep(0.01)

    pid = os.fork()
    if pid == 0:
        changes.clear()
        report = {"pid": os.getpid(), "foreground": outputs(foreground)}
        state = {"up": False}
        foreground.add_check(lambda: (state["up"], "flips"), name="flips")
        foreground.run()
        state["up"] = True
        foreground.run()
        report["listener_flushed"] = foreground.flush_listeners(5)
        report["changes"] = sorted({c.check for c in changes if c.check})
        deadline = time.monotonic() + 10
        while outputs(background)["sync"] != str(os.getpid()) and time.monotonic() < deadline:
            time.sleep(0.01)
        report["background"] = outputs(background)
        print(json.dumps(report), flush=True)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))
    """
)


def test_a_forked_child_runs_checks_with_threads_of_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    child = str(report["pid"])
    # Sync and async checks ran in the child, not "timed out" waiting for the parent's threads.
    assert report["foreground"] == {"sync": child, "async": child}
    # Background mode started again in the child and its results come from there.
    assert report["background"] == {"sync": child}
    # Listeners are told of changes by a delivery thread of the child's own.
    assert report["listener_flushed"] is True
    assert "flips" in report["changes"]
