"""Prometheus text and OpenMetrics exposition of a report, through ``prometheus_client``."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .._optional import require

require("prometheus_client", extra="prometheus")

# After the friendly import check.
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest  # noqa: E402
from prometheus_client.metrics_core import GaugeMetricFamily, Metric  # noqa: E402
from prometheus_client.openmetrics import exposition as om_exposition  # noqa: E402

from ..result import Report, Status  # noqa: E402

if TYPE_CHECKING:
    from ..core import HealthCheck

#: OpenMetrics 1.0, which every Prometheus since 2.5 scrapes.
OPENMETRICS_CONTENT_TYPE: str = om_exposition.CONTENT_TYPE_LATEST


def render_prometheus(
    report: Report, *, openmetrics: bool = False, complete: bool = True
) -> tuple[bytes, str]:
    """The report as ``(body, content type)``: Prometheus text, or OpenMetrics if asked.
    ``complete``: whether every registered check has a result in it (see ReportCollector)."""
    # A registry per call: the report is a snapshot, and the global one holds other metrics.
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ReportCollector(report, complete=complete))
    if openmetrics:
        return _openmetrics_latest(registry), OPENMETRICS_CONTENT_TYPE
    return generate_latest(registry), CONTENT_TYPE_LATEST


class ReportCollector:
    """A custom collector yielding one report's gauges. Unless ``complete``, no overall state:
    a new process none of whose checks has run yet must not say "pass". (Checks that never
    run in a process, a live check where only /readyz is polled, do not hold it back.)"""

    def __init__(self, report: Report, *, complete: bool = True) -> None:
        self.report = report
        self.complete = complete

    def collect(self) -> Iterator[Metric]:
        status = GaugeMetricFamily(
            "healthcheck_check_status",
            "The state of each check: 1 for the current state, 0 for the others.",
            labels=["check", "state"],
        )
        duration = GaugeMetricFamily(
            "healthcheck_check_duration_seconds",
            "How long the check's last run took.",
            labels=["check"],
            unit="seconds",
        )
        last_run = GaugeMetricFamily(
            "healthcheck_check_last_run_timestamp_seconds",
            "When the check last ran, in seconds since the Unix epoch.",
            labels=["check"],
            unit="seconds",
        )
        changed = GaugeMetricFamily(
            "healthcheck_check_last_change_timestamp_seconds",
            "When the check entered its present state (as far as this process has seen), in "
            "seconds since the Unix epoch.",
            labels=["check"],
            unit="seconds",
        )
        critical = GaugeMetricFamily(
            "healthcheck_check_critical",
            "1 if a failure of the check fails the whole run, 0 if it only warns.",
            labels=["check"],
        )
        observed = GaugeMetricFamily(
            "healthcheck_check_observed_value",
            "The number a check reported with its result (disk %, queue length...), with its "
            "unit as a label.",
            labels=["check", "unit"],
        )
        report = self.report
        names = _unique([check.name for check in report.checks])
        for index, (name, check, result) in enumerate(zip(names, report.checks, report.results)):
            _add_states(status, [name], result.status)
            duration.add_metric([name], result.response_time)
            last_run.add_metric([name], result.timestamp)
            since = report.since(index)
            if since is not None:
                changed.add_metric([name], since)
            critical.add_metric([name], 1.0 if check.critical else 0.0)
            value = result.observed_value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                observed.add_metric([name, result.observed_unit or ""], _float(value))
        overall = GaugeMetricFamily(
            "healthcheck_status",
            "The overall state: 1 for the current state, 0 for the others.",
            labels=["state"],
        )
        overall_changed = GaugeMetricFamily(
            "healthcheck_last_change_timestamp_seconds",
            "Since when the overall state has held, at least, in seconds since the Unix epoch.",
            unit="seconds",
        )
        if self.complete:
            _add_states(overall, [], report.status)
            if report.overall_since is not None:
                overall_changed.add_metric([], report.overall_since)
        yield from (status, duration, last_run, changed, critical, observed, overall)
        yield overall_changed


class HealthCheckCollector:
    """The gauges of ``health``'s latest results (nothing is run), for your own registry:
    ``prometheus_client.REGISTRY.register(HealthCheckCollector(health))`` puts them on the
    application's ``/metrics`` beside its other metrics."""

    def __init__(self, health: HealthCheck) -> None:
        self.health = health

    def collect(self) -> Iterator[Metric]:
        report = self.health.last_report()
        return ReportCollector(report, complete=bool(report.results)).collect()


def _float(value: int | float) -> float:
    """``value`` as a sample: an int too large for a float is infinite, not an error that
    would fail the whole scrape."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _unique(names: list[str]) -> list[str]:
    """Label values, one per check: checks sharing a derived name (two lambdas, as
    py-healthcheck allows) are told apart as ``<lambda>``, ``<lambda>#2``, since two series
    with the same labels make a scrape fail (OpenMetrics) or lose one of them."""
    real, taken, unique = set(names), set(), []
    for name in names:
        label, number = name, 1
        while label in taken or (number > 1 and label in real):
            number += 1
            label = f"{name}#{number}"
        taken.add(label)
        unique.append(label)
    return unique


def _add_states(family: GaugeMetricFamily, labels: list[str], current: Status) -> None:
    for state in Status:
        family.add_metric([*labels, state.value], 1.0 if state is current else 0.0)


def _openmetrics_latest(registry: CollectorRegistry) -> bytes:
    body: bytes = om_exposition.generate_latest(registry)  # type: ignore[no-untyped-call]
    return body
