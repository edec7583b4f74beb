"""disk_check on this machine's real volumes: thresholds, observed value and bad paths."""

from __future__ import annotations

import psutil
import pytest

from healthcheck import HealthCheck, Status
from healthcheck.checks.disk import disk_check
from tests.checks.conftest import assert_no_leak


def test_reports_the_percentage_used(tmp_path: object) -> None:
    outcome = disk_check(str(tmp_path), warn_percent=100, fail_percent=100)()
    assert outcome.status is Status.PASS  # a volume this test can write to is not 100% full
    assert outcome.observed_unit == "%"
    assert outcome.observed_value == pytest.approx(psutil.disk_usage(str(tmp_path)).percent, abs=1)
    assert "% used of " in outcome.output and " free)" in outcome.output


@pytest.mark.parametrize(
    ("warn", "fail", "status"),
    [(0, 0, Status.FAIL), (0, 100, Status.WARN), (0, None, Status.WARN), (None, None, Status.PASS)],
)
def test_thresholds(warn: float | None, fail: float | None, status: Status) -> None:
    # Nothing is ever below 0% full, so a limit of 0 is always reached.
    assert disk_check("/", warn, fail)().status is status


def test_a_missing_path_fails_clearly() -> None:
    outcome = disk_check("/no/such/path")()
    assert outcome.status is Status.FAIL
    assert "No such file or directory" in outcome.output


@pytest.mark.parametrize(("warn", "fail"), [(-1, 90), (80, 101), (95, 90)])
def test_bad_limits_are_refused(warn: float, fail: float) -> None:
    with pytest.raises(ValueError):
        disk_check("/", warn, fail)


def test_warn_maps_through_health_check() -> None:
    health = HealthCheck()
    check = disk_check("/", warn_percent=0, fail_percent=None)
    health.add_check(check)
    body, code, _ = health.run()
    assert code == 200
    assert '"status": "warning"' in body and '"checker": "disk-root"' in body
    assert '"observed_unit": "%"' in body
    health.close()


def test_a_thousand_runs_leak_nothing() -> None:
    assert_no_leak(disk_check("/"), None)
