"""memory_check on this machine: thresholds and the observed value."""

from __future__ import annotations

import pytest

from healthcheck import Status
from healthcheck.checks.memory import memory_check


def test_reports_the_percentage_used() -> None:
    check = memory_check()
    outcome = check()
    assert check.__name__ == "memory"
    assert outcome.observed_unit == "%"
    assert isinstance(outcome.observed_value, float) and 0 < outcome.observed_value < 100
    assert "% used of " in outcome.output and "available)" in outcome.output


@pytest.mark.parametrize(
    ("warn", "fail", "status"),
    [
        (0, 0, Status.FAIL),
        (0, 100, Status.WARN),
        (100, 100, Status.PASS),
        (None, None, Status.PASS),
    ],
)
def test_thresholds(warn: float | None, fail: float | None, status: Status) -> None:
    assert memory_check(warn, fail)().status is status


def test_by_default_it_never_fails() -> None:
    assert memory_check().fail_percent is None


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="above"):
        memory_check(95, 90)
