"""load_check on this machine: thresholds, periods and the observed value."""

from __future__ import annotations

import psutil
import pytest

from healthcheck import Status
from healthcheck.checks.load import load_check


@pytest.mark.parametrize("minutes", [1, 5, 15])
def test_reports_the_load_per_cpu(minutes: int) -> None:
    outcome = load_check(minutes=minutes, warn_per_cpu=None)()
    assert outcome.status is Status.PASS
    assert outcome.observed_unit == "per CPU"
    assert isinstance(outcome.observed_value, float) and outcome.observed_value >= 0
    assert outcome.output.startswith(f"{minutes}-minute load ")
    assert f"on {psutil.cpu_count()} CPUs" in outcome.output


@pytest.mark.parametrize(
    ("warn", "fail", "status"),
    [
        (0, 0, Status.FAIL),
        (0, None, Status.WARN),
        (None, None, Status.PASS),
        (1e6, 1e6, Status.PASS),
    ],
)
def test_thresholds(warn: float | None, fail: float | None, status: Status) -> None:
    assert load_check(warn, fail)().status is status


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="minutes"):
        load_check(minutes=10)
    with pytest.raises(ValueError, match="above"):
        load_check(3, 2)
