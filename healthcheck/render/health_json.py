"""``application/health+json``: the IETF draft "Health Check Response Format for HTTP APIs"
(draft-inadarei-api-health-check-06)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from ..build import BuildInfo
from ..check import Check
from ..jsonable import JSON, to_jsonable
from ..result import CheckResult, Report, Status

MEDIA_TYPE = "application/health+json"

#: The draft's default ``componentType``; a ``type:<name>`` tag overrides it.
DEFAULT_COMPONENT_TYPE = "component"
#: The measurement half of a ``component:measurement`` key; a ``measurement:<name>`` tag
#: overrides it.
DEFAULT_MEASUREMENT = "status"


def render_health_json(
    report: Report,
    *,
    build: BuildInfo | None = None,
    service_id: str | None = None,
    description: str | None = None,
    details: bool = True,
) -> str:
    """The report as compact health+json; with ``details=False`` only ``{"status": ...}``."""
    return json.dumps(
        to_jsonable(health_document(report, build, service_id, description, details)),
        separators=(",", ":"),
    )


def health_document(
    report: Report,
    build: BuildInfo | None = None,
    service_id: str | None = None,
    description: str | None = None,
    details: bool = True,
) -> dict[str, JSON]:
    """The health+json object before serialising; unset fields are omitted."""
    document: dict[str, JSON] = {"status": report.status.value}
    if not details:
        return document
    if build is not None:
        _put(document, "version", build.version)
        _put(document, "releaseId", build.release_id)
        if build.commit is not None:
            document["notes"] = [f"commit {build.commit}"]
    _put(document, "serviceId", service_id)
    _put(document, "description", description)
    if report.overall_since is not None:  # not in the draft: since when "status" has held
        document["since"] = rfc3339(report.overall_since)
    checks: dict[str, list[JSON]] = {}
    for index, (check, result) in enumerate(zip(report.checks, report.results)):
        # Names derived from callables may repeat; the draft's lists keep every reading.
        entry = check_object(check, result)
        since = report.since(index)
        if since is not None:  # not in the draft: when this state began (its "time" is now)
            entry["since"] = rfc3339(since)
        checks.setdefault(check_key(check), []).append(entry)
    document["checks"] = dict(checks)
    return document


def check_key(check: Check) -> str:
    """``"<name>:<measurement>"``; a name that already holds a colon is used as it is."""
    if ":" in check.name:
        return check.name
    return f"{check.name}:{_tag_value(check, 'measurement') or DEFAULT_MEASUREMENT}"


def check_object(check: Check, result: CheckResult) -> dict[str, JSON]:
    """One reading: componentType, observedValue/Unit, status, time and, unless it passed,
    output."""
    entry: dict[str, JSON] = {
        "componentType": _tag_value(check, "type") or DEFAULT_COMPONENT_TYPE,
    }
    _put(entry, "observedValue", result.observed_value)
    _put(entry, "observedUnit", result.observed_unit)
    entry["status"] = result.status.value
    entry["time"] = rfc3339(result.timestamp)
    # The draft: output SHOULD be omitted for "pass".
    if result.status is not Status.PASS and result.output not in (None, ""):
        output = result.output
        entry["output"] = (
            output if isinstance(output, str) else json.dumps(output, separators=(",", ":"))
        )
    return entry


def rfc3339(timestamp: float) -> str:
    """A Unix time as an RFC 3339 UTC date-time with milliseconds: ``2024-05-01T12:00:00.000Z``."""
    moment = datetime.fromtimestamp(timestamp, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _tag_value(check: Check, prefix: str) -> str | None:
    # Sorted, so a check tagged twice (type:a, type:b) always gets the same answer.
    for tag in sorted(check.tags):
        name, sep, value = tag.partition(":")
        if sep and name == prefix and value:
            return value
    return None


def _put(target: dict[str, JSON], key: str, value: JSON) -> None:
    if value is not None:
        target[key] = value
