"""OpenTelemetry: each check's runs, durations and state as OTel metrics, and a span per check
run when a tracer provider is set. ``instrument(health)``, with the global providers or your
own.

Metrics (attributes ``healthcheck.check`` and ``healthcheck.status``):

- ``healthcheck.check.duration`` (histogram, s): how long each run took;
- ``healthcheck.check.runs`` (counter): runs, by outcome;
- ``healthcheck.check.state`` (gauge): 1 for each check's current state, 0 for the others;
- ``healthcheck.state`` (gauge): the same for the overall state, once a check has run.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from .._optional import require

require("opentelemetry", extra="opentelemetry")

from opentelemetry import metrics, trace  # noqa: E402 - after the friendly import check

from .._about import __version__  # noqa: E402
from ..core import HealthCheck  # noqa: E402
from ..result import CheckResult, Status  # noqa: E402

__all__ = ["instrument"]

_SCOPE = "healthcheck"
#: The HealthChecks instrumented already: a second instrument() would count every run twice.
_instrumented: weakref.WeakSet[HealthCheck] = weakref.WeakSet()


def instrument(
    health: HealthCheck, *, meter_provider: Any = None, tracer_provider: Any = None
) -> None:
    """Record ``health``'s results from now on: the metrics above through ``meter_provider``
    (default: the global one), and a span per check run through ``tracer_provider`` (default:
    the global one; none is made while tracing is off). Results are recorded on the listeners'
    thread, never on a request's. A second call for the same ``health`` changes nothing.
    Series are by check name: give checks that share a derived name (two lambdas) names of
    their own."""
    if health in _instrumented:
        return
    _instrumented.add(health)
    meter = metrics.get_meter(_SCOPE, __version__, meter_provider=meter_provider)
    tracer = trace.get_tracer(_SCOPE, __version__, tracer_provider=tracer_provider)
    duration = meter.create_histogram(
        "healthcheck.check.duration", unit="s", description="How long each run of a check took."
    )
    runs = meter.create_counter(
        "healthcheck.check.runs", unit="{run}", description="Runs of each check, by outcome."
    )

    def check_states(options: Any) -> Iterable[Any]:
        report = health.last_report()
        for result in report.results:
            yield from _states({"healthcheck.check": result.checker}, result.status)

    def overall_state(options: Any) -> Iterable[Any]:
        report = health.last_report()
        if report.results:  # no "pass" from a process none of whose checks has run
            yield from _states({}, report.status)

    meter.create_observable_gauge(
        "healthcheck.check.state",
        callbacks=[check_states],
        description="1 for each check's current state, 0 for the others.",
    )
    meter.create_observable_gauge(
        "healthcheck.state",
        callbacks=[overall_state],
        description="1 for the overall state, 0 for the others.",
    )

    def record(result: CheckResult) -> None:
        attributes = {
            "healthcheck.check": result.checker,
            "healthcheck.status": result.status.value,
        }
        duration.record(result.response_time, attributes)
        runs.add(1, attributes)
        # The span of the run, after the fact: from its start to when its result was made.
        end = int(result.timestamp * 1e9)
        span = tracer.start_span(
            f"healthcheck {result.checker}",
            start_time=end - int(result.response_time * 1e9),
            attributes={**attributes, "healthcheck.timed_out": result.timed_out},
        )
        if result.status is Status.FAIL:
            span.set_status(trace.Status(trace.StatusCode.ERROR, str(result.output)[:256]))
        span.end(end_time=end)

    health.add_result_listener(record)


def _states(attributes: dict[str, str], current: Status) -> Iterable[Any]:
    for state in Status:
        value = 1 if state is current else 0
        yield metrics.Observation(value, {**attributes, "healthcheck.state": state.value})
