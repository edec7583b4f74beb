"""The OpenTelemetry instrumentation, read back through the SDK's in-memory metric reader and
span exporter: durations, runs by outcome, states, and a span per check run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from healthcheck import HealthCheck, Outcome

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import StatusCode

from healthcheck.integrations.opentelemetry import instrument


@pytest.fixture
def instrumented() -> Iterator[tuple[HealthCheck, InMemoryMetricReader, InMemorySpanExporter]]:
    reader, exporter = InMemoryMetricReader(), InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    health = HealthCheck(success_ttl=0, failed_ttl=0, error_timeout=2)
    health.add_check(lambda: (True, "database ok"), name="database")
    health.add_check(lambda: Outcome("fail", "queue unreachable"), name="queue", critical=False)
    instrument(
        health,
        meter_provider=MeterProvider(metric_readers=[reader]),
        tracer_provider=tracer_provider,
    )
    yield health, reader, exporter
    health.close()


def points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    found: dict[str, list[Any]] = {}
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found.setdefault(metric.name, []).extend(metric.data.data_points)
    return found


def test_no_overall_state_before_every_check_has_run(
    instrumented: tuple[HealthCheck, InMemoryMetricReader, InMemorySpanExporter],
) -> None:
    _, reader, _ = instrumented
    assert "healthcheck.state" not in points(reader)


def test_runs_durations_states_and_spans(
    instrumented: tuple[HealthCheck, InMemoryMetricReader, InMemorySpanExporter],
) -> None:
    health, reader, exporter = instrumented
    instrument(health)  # again: counts nothing twice
    for _ in range(2):
        health.run()
    assert health.flush_listeners(5)
    found = points(reader)
    runs = {
        (p.attributes["healthcheck.check"], p.attributes["healthcheck.status"]): p.value
        for p in found["healthcheck.check.runs"]
    }
    assert runs == {("database", "pass"): 2, ("queue", "fail"): 2}
    durations = {p.attributes["healthcheck.check"]: p for p in found["healthcheck.check.duration"]}
    assert durations["database"].count == 2 and 0 <= durations["database"].sum < 1
    states = {
        (p.attributes["healthcheck.check"], p.attributes["healthcheck.state"]): p.value
        for p in found["healthcheck.check.state"]
    }
    assert states[("database", "pass")] == 1 and states[("queue", "fail")] == 1
    assert states[("queue", "pass")] == 0
    overall = {p.attributes["healthcheck.state"]: p.value for p in found["healthcheck.state"]}
    assert overall == {"pass": 0, "warn": 1, "fail": 0}  # a non-critical failure warns
    spans = exporter.get_finished_spans()
    assert sorted(s.name for s in spans) == ["healthcheck database"] * 2 + ["healthcheck queue"] * 2
    queue = next(s for s in spans if s.name == "healthcheck queue")
    assert queue.status.status_code is StatusCode.ERROR
    assert queue.status.description == "queue unreachable"
    assert queue.attributes["healthcheck.status"] == "fail"
    assert queue.start_time <= queue.end_time
    body = json.loads(health.run()[0])
    assert body["status"] == "warning"  # the instrumentation changes no answer


def test_a_listener_that_raises_reaches_no_request(caplog: pytest.LogCaptureFixture) -> None:
    health = HealthCheck(success_ttl=0, error_timeout=2)
    health.add_check(lambda: (True, "ok"), name="database")

    def broken(result: Any) -> None:
        raise RuntimeError("exporter down")

    health.add_result_listener(broken)
    assert health.run()[1] == 200
    assert health.flush_listeners(5)
    assert "result listener" in caplog.text and "exporter down" in caplog.text
    health.close()
