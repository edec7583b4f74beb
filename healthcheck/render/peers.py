"""The JSON bodies of other health libraries, so dashboards and clients written for them keep
working after a move: healthcheckx's and Spring Boot Actuator's (which flask-management-endpoints
also speaks)."""

from __future__ import annotations

import json
from collections.abc import Callable

from ..jsonable import JSON, to_jsonable
from ..result import Report, Status

#: healthcheckx's three states.
HEALTHCHECKX_WORDS = {Status.PASS: "healthy", Status.WARN: "degraded", Status.FAIL: "unhealthy"}
#: Actuator knows UP and DOWN; a warning is still up (its reason stays in the component).
ACTUATOR_WORDS = {Status.PASS: "UP", Status.WARN: "UP", Status.FAIL: "DOWN"}


def render_healthcheckx(report: Report, details: bool = True) -> str:
    """``{"status": "healthy"|"degraded"|"unhealthy", "checks": [{"name", "status",
    "message", "duration_ms", "error"}]}``, as healthcheckx answers; without ``details`` the
    list is empty."""
    checks: list[JSON] = []
    if details:
        for result in report.results:
            text = _text(result.output)
            failed = result.status is Status.FAIL
            checks.append(
                {
                    "name": result.checker,
                    "status": HEALTHCHECKX_WORDS[result.status],
                    # healthcheckx's own checks put a failure's reason in "error" alone
                    "message": None if failed else text,
                    "duration_ms": result.response_time * 1000,
                    "error": text if failed else None,
                }
            )
    return json.dumps(to_jsonable({"status": HEALTHCHECKX_WORDS[report.status], "checks": checks}))


def _text(output: JSON) -> str | None:
    """healthcheckx's messages are strings: other outputs are given as JSON."""
    if output is None or isinstance(output, str):
        return output
    return json.dumps(output)


def render_actuator(report: Report, details: bool = True) -> str:
    """``{"status": "UP"|"DOWN", "components": {name: {"status", "details"}}}``, Spring Boot
    Actuator's health body; ``components`` only with ``details`` and at least one check."""
    document: dict[str, JSON] = {"status": ACTUATOR_WORDS[report.status]}
    if details and report.results:
        components: dict[str, JSON] = {}
        for result in report.results:
            # Names derived from callables may repeat: keep every reading.
            name, number = result.checker, 2
            while name in components:
                name, number = f"{result.checker}-{number}", number + 1
            components[name] = {
                "status": ACTUATOR_WORDS[result.status],
                "details": {"status": result.status.value, "output": result.output},
            }
        document["components"] = components
    return json.dumps(to_jsonable(document))


#: ``?format=`` name -> renderer(report, details).
RENDERERS: dict[str, Callable[[Report, bool], str]] = {
    "healthcheckx": render_healthcheckx,
    "actuator": render_actuator,
}
