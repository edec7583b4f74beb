"""command_check running real commands: exit codes, Nagios plugin codes, output, and a time
limit that ends the command and what it started."""

from __future__ import annotations

import os
import sys
import time

import psutil
import pytest

from healthcheck import Status
from healthcheck.checks import command_check
from tests.checks.conftest import assert_fails_within, timed

SH = "/bin/sh"


def test_exit_0_passes_and_others_fail() -> None:
    passed = command_check([SH, "-c", "echo accepting connections"])()
    failed = command_check([SH, "-c", "echo no response >&2; exit 2"])()
    assert (passed.status, passed.output) == (Status.PASS, "exit 0: accepting connections")
    assert (failed.status, failed.output) == (Status.FAIL, "exit 2: no response")
    assert (passed.observed_value, failed.observed_value) == (0, 2)


@pytest.mark.parametrize(
    ("code", "status"), [(0, Status.PASS), (1, Status.WARN), (2, Status.FAIL), (3, Status.FAIL)]
)
def test_nagios_plugin_codes(code: int, status: Status) -> None:
    outcome = command_check([SH, "-c", f"echo 'DISK - 91% used'; exit {code}"], nagios=True)()
    assert (outcome.status, outcome.output) == (status, f"exit {code}: DISK - 91% used")


def test_the_time_limit_ends_the_command_and_what_it_started() -> None:
    marker = f"hc-sleep-{os.getpid()}"
    check = command_check([SH, "-c", f"sleep 30 & sleep 31; echo {marker}"], timeout=0.5)
    result = timed(check)
    assert_fails_within(result, 0.5, "no exit within 0.5 s")
    time.sleep(0.2)
    sleepers = [
        p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] in (["sleep", "30"],)
    ]
    assert not [p for p in sleepers if p.ppid() in (os.getpid(), 1) and p.is_running()]


def test_a_killed_command_fails() -> None:
    outcome = command_check([SH, "-c", "kill -9 $$"])()
    assert outcome.status is Status.FAIL and outcome.output == "killed by signal 9"


def test_only_the_first_line_of_output_is_kept() -> None:
    outcome = command_check([sys.executable, "-c", "print('first'); print('second' * 9000)"])()
    assert outcome.output == "exit 0: first"


def test_a_password_in_the_command_line_is_not_shown() -> None:
    check = command_check([SH, "-c", "exit 0", "--password=hunter2secret"])
    assert "hunter2secret" not in repr(check) and "hunter2secret" not in check.target


@pytest.mark.parametrize(
    ("argv", "error", "message"),
    [
        (
            "pg_isready -h db",
            TypeError,
            r"^command_check argv: .* such as \['pg_isready', '-h', 'db'\]",
        ),
        (["true"], TypeError, "^command_check nagios: expected True or False"),
        ([], ValueError, "^command_check argv: expected a list of arguments"),
        (["no-such-command-here"], ValueError, "not executable, or not on PATH"),
    ],
)
def test_what_cannot_run_is_refused_at_once(argv: object, error: type, message: str) -> None:
    options = {"nagios": "no"} if "nagios" in message else {}
    with pytest.raises(error, match=message):
        command_check(argv, **options)  # type: ignore[arg-type]


def test_a_chatty_command_does_not_fill_memory() -> None:
    before = psutil.Process().memory_info().rss
    result = timed(command_check(["yes", "spam"], timeout=0.5))
    grown = psutil.Process().memory_info().rss - before
    assert_fails_within(result, 0.5, "no exit within 0.5 s")
    assert grown < 100 * 2**20, grown  # it read gigabytes of "spam": kept only the start


def test_a_child_left_running_does_not_hold_the_check() -> None:
    marker = f"{os.getpid()}{time.monotonic_ns() % 100000}"
    check = command_check([SH, "-c", f"setsid sleep 9{marker} & echo started"], timeout=2)
    result = timed(check)
    assert result.outcome.output == "exit 0: started"
    assert result.elapsed < 2  # it exited at once: the sleep holding its pipes is not waited for
    for process in psutil.process_iter(["cmdline"]):
        if process.info["cmdline"] == ["sleep", f"9{marker}"]:
            process.kill()


def test_the_time_limit_also_ends_children_that_left_the_group() -> None:
    marker = f"8{os.getpid()}"
    check = command_check([SH, "-c", f"setsid sleep {marker} & sleep 30"], timeout=0.5)
    assert_fails_within(timed(check), 0.5, "no exit within 0.5 s")
    time.sleep(0.2)
    left = [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", marker]]
    assert not [p for p in left if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
