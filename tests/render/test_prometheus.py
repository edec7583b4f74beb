"""Prometheus text and OpenMetrics output, read back with prometheus_client's own parsers."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

pytest.importorskip("prometheus_client")

from prometheus_client import REGISTRY
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families

from healthcheck import HealthCheck, MissingDependencyError, Outcome, Report
from healthcheck.render.prometheus import render_prometheus

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
Parser = Callable[[str], Iterable[Any]]


def mixed_report() -> Report:
    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="db")
    health.add_check(lambda: Outcome("warn", "81% used", 81, "%"), name="disk", critical=False)
    health.add_check(lambda: (False, "refused"), name="cache")
    return health.report()


def samples(text: str, parse: Parser = text_string_to_metric_families) -> Samples:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in parse(text)
        for s in family.samples
    }


def test_check_status_is_a_state_set() -> None:
    body, _ = render_prometheus(mixed_report())
    found = samples(body.decode())
    expected = {"db": "pass", "disk": "warn", "cache": "fail"}
    for check, current in expected.items():
        for state in ("pass", "warn", "fail"):
            key = ("healthcheck_check_status", (("check", check), ("state", state)))
            assert found[key] == (1.0 if state == current else 0.0), key


def test_duration_last_run_and_critical_per_check() -> None:
    report = mixed_report()
    found = samples(render_prometheus(report)[0].decode())
    for check, result in zip(report.checks, report.results):
        label = (("check", check.name),)
        assert found["healthcheck_check_duration_seconds", label] == pytest.approx(
            result.response_time
        )
        assert found["healthcheck_check_last_run_timestamp_seconds", label] == pytest.approx(
            result.timestamp
        )
        assert found["healthcheck_check_critical", label] == (1.0 if check.critical else 0.0)
    assert found["healthcheck_check_critical", (("check", "disk"),)] == 0.0


def test_overall_status_is_a_state_set() -> None:
    found = samples(render_prometheus(mixed_report())[0].decode())
    overall = {
        dict(labels)["state"]: value
        for (name, labels), value in found.items()
        if name == "healthcheck_status"
    }
    assert overall == {"pass": 0.0, "warn": 0.0, "fail": 1.0}


def test_families_are_gauges_with_help() -> None:
    families = {
        f.name: f
        for f in text_string_to_metric_families(render_prometheus(mixed_report())[0].decode())
    }
    assert set(families) == {
        "healthcheck_check_status",
        "healthcheck_check_duration_seconds",
        "healthcheck_check_last_run_timestamp_seconds",
        "healthcheck_check_last_change_timestamp_seconds",
        "healthcheck_check_critical",
        "healthcheck_check_observed_value",
        "healthcheck_status",
        "healthcheck_last_change_timestamp_seconds",
    }
    assert all(f.type == "gauge" and f.documentation for f in families.values())


def test_last_changes_are_timestamps_of_each_check_and_of_the_whole() -> None:
    health = HealthCheck(success_ttl=0, failed_ttl=0)
    up = {"db": True}
    health.add_check(lambda: (True, "ok"), name="cache")
    health.add_check(lambda: (up["db"], "x"), name="db")
    first = health.report()
    up["db"] = False
    report = health.report()
    found = samples(render_prometheus(report)[0].decode())
    changed = "healthcheck_check_last_change_timestamp_seconds"
    assert found[(changed, (("check", "cache"),))] == first.results[0].timestamp
    assert found[(changed, (("check", "db"),))] == report.results[1].timestamp
    whole = found[("healthcheck_last_change_timestamp_seconds", ())]
    assert whole == report.results[1].timestamp
    # A report with no history (made by hand) has no last change: no made-up sample.
    bare = render_prometheus(Report(report.checks, report.results))[0].decode()
    assert "last_change_timestamp_seconds{" not in bare and "\nhealthcheck_last_change" not in bare


def test_observed_numbers_are_gauges_with_their_unit() -> None:
    found = samples(render_prometheus(mixed_report())[0].decode())
    key = ("healthcheck_check_observed_value", (("check", "disk"), ("unit", "%")))
    assert found[key] == 81.0
    assert not any(name == "healthcheck_check_observed_value" and dict(labels)["check"] == "db"
                   for name, labels in found)  # fmt: skip


def test_the_collector_puts_the_latest_results_on_any_registry() -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from healthcheck.render.prometheus import HealthCheckCollector

    health = HealthCheck()
    health.add_check(lambda: (False, "refused"), name="cache")
    registry = CollectorRegistry()
    registry.register(HealthCheckCollector(health))
    before = samples(generate_latest(registry).decode())
    health.run()
    after = samples(generate_latest(registry).decode())
    key = ("healthcheck_check_status", (("check", "cache"), ("state", "fail")))
    assert key not in before and after[key] == 1.0
    # No overall state before the checks have results: a new process must not say "pass".
    assert not any(name == "healthcheck_status" for name, _ in before)
    assert after[("healthcheck_status", (("state", "fail"),))] == 1.0


def test_a_new_process_says_no_overall_state_over_http_either() -> None:
    from healthcheck.endpoints import Endpoints, Request

    health = HealthCheck()
    health.add_check(lambda: (False, "refused"), name="cache")
    endpoints = Endpoints(health)
    scrape = Request("GET", "/metrics", {"format": ["prometheus"]}, remote_addr="127.0.0.1")
    first = endpoints.handle(scrape)
    health.run()
    second = endpoints.handle(scrape)
    assert first is not None and second is not None
    assert "healthcheck_status{" not in first.body.decode()
    assert 'healthcheck_status{state="fail"} 1.0' in second.body.decode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10**400, float("inf")),
        (-(10**400), float("-inf")),
        (Decimal("12.5"), 12.5),
        (Decimal("1e400"), float("inf")),
        (Fraction(1, 4), 0.25),
    ],
)
def test_observed_values_of_any_number_type_are_samples(value: object, expected: float) -> None:
    health = HealthCheck()
    health.add_check(lambda: Outcome("pass", "ok", value, "s"), name="lag")  # type: ignore[arg-type]
    health.add_check(lambda: (True, "ok"), name="db")
    body = render_prometheus(health.report())[0].decode()
    found = samples(body)
    assert (
        found[("healthcheck_check_observed_value", (("check", "lag"), ("unit", "s")))] == expected
    )
    assert found[("healthcheck_status", (("state", "pass"),))] == 1.0  # the rest still there


def test_text_format_content_type() -> None:
    _, content_type = render_prometheus(mixed_report())
    assert content_type.startswith("text/plain; version=")


def test_openmetrics_body_and_content_type() -> None:
    body, content_type = render_prometheus(mixed_report(), openmetrics=True)
    assert content_type.startswith("application/openmetrics-text; version=")
    text = body.decode()
    assert text.endswith("# EOF\n")
    families = {f.name: f for f in parse_openmetrics(text)}
    assert families["healthcheck_check_duration_seconds"].unit == "seconds"
    found = samples(text, parse_openmetrics)
    assert found["healthcheck_status", (("state", "fail"),)] == 1.0
    assert found["healthcheck_check_status", (("check", "disk"), ("state", "warn"))] == 1.0


def test_awkward_check_names_are_escaped_and_read_back_intact() -> None:
    name = 'we"ird\\name\nline two'
    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name=name)
    body, _ = render_prometheus(health.report())
    text = body.decode()
    assert '\\"' in text and "\\n" in text and "\\\\" in text
    found = samples(text)
    assert found["healthcheck_check_status", (("check", name), ("state", "pass"))] == 1.0


def test_each_render_uses_a_fresh_registry() -> None:
    report = mixed_report()
    first, _ = render_prometheus(report)
    second, _ = render_prometheus(report)  # a shared registry would reject duplicates
    assert first == second
    assert REGISTRY.get_sample_value("healthcheck_status", {"state": "fail"}) is None


def test_no_checks_still_reports_the_overall_state() -> None:
    found = samples(render_prometheus(HealthCheck().report())[0].decode())
    assert found == {
        ("healthcheck_status", (("state", "pass"),)): 1.0,
        ("healthcheck_status", (("state", "warn"),)): 0.0,
        ("healthcheck_status", (("state", "fail"),)): 0.0,
    }


def test_without_prometheus_client_the_import_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # None: import fails
    monkeypatch.delitem(sys.modules, "healthcheck.render.prometheus")
    with pytest.raises(MissingDependencyError) as caught:
        importlib.import_module("healthcheck.render.prometheus")
    assert caught.value.extra == "prometheus"
    assert (
        "pip install 'prometheus_client>=0.17' (the healthcheck-endpoints[prometheus] extra)"
        in str(caught.value)
    )


def test_checks_never_run_in_this_process_do_not_hold_the_overall_state_back() -> None:
    # Only /readyz is polled (haproxy): a live-only check never runs, and the overall state is
    # still there for the dashboards and alerts.
    from healthcheck.endpoints import Endpoints, Request

    health = HealthCheck(error_timeout=2)
    health.add_check(lambda: (True, "database ok"), name="database")
    health.add_check(lambda: (True, "loop ok"), name="loop", tags=["live"])
    endpoints = Endpoints(health)
    health.probe("ready")
    scrape = Request("GET", "/metrics", {"format": ["prometheus"]}, remote_addr="127.0.0.1")
    reply = endpoints.handle(scrape)
    assert reply is not None
    assert 'healthcheck_status{state="pass"} 1.0' in reply.body.decode()
