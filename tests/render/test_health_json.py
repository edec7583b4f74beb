"""The application/health+json body (draft-inadarei-api-health-check-06)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from healthcheck import BuildInfo, HealthCheck, Outcome, Report, Status
from healthcheck.render.health_json import MEDIA_TYPE, render_health_json, rfc3339


def mixed_report() -> Report:
    health = HealthCheck()
    health.add_check(lambda: (True, "connected"), name="db", tags=["type:datastore"])
    health.add_check(
        lambda: Outcome(Status.WARN, "81% used", 81, "%"),
        name="disk",
        tags=["measurement:utilization", "type:system"],
    )
    health.add_check(lambda: (False, "connection refused"), name="cache")
    return health.report()


def body(report: Report, **options: Any) -> dict[str, Any]:
    return json.loads(render_health_json(report, **options))


def test_media_type_is_the_drafts() -> None:
    assert MEDIA_TYPE == "application/health+json"


def test_top_level_status_is_the_overall_state() -> None:
    assert body(mixed_report())["status"] == "fail"
    health = HealthCheck()
    health.add_check(lambda: Outcome("warn", "slow"), name="api")
    assert body(health.report())["status"] == "warn"


def test_a_non_critical_failure_only_warns_overall_but_fails_its_own_entry() -> None:
    health = HealthCheck()
    health.add_check(lambda: (False, "down"), name="search", critical=False)
    data = body(health.report())
    assert data["status"] == "warn"
    assert data["checks"]["search:status"][0]["status"] == "fail"


def test_checks_are_keyed_component_colon_measurement_with_a_list_each() -> None:
    checks = body(mixed_report())["checks"]
    assert list(checks) == ["db:status", "disk:utilization", "cache:status"]
    assert all(isinstance(entries, list) and len(entries) == 1 for entries in checks.values())


def test_a_name_that_already_holds_a_colon_is_the_key() -> None:
    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="postgres:connections")
    assert list(body(health.report())["checks"]) == ["postgres:connections"]


def test_repeated_derived_names_share_one_key_with_every_reading() -> None:
    def ping() -> tuple[bool, str]:
        return True, "ok"

    def other() -> tuple[bool, str]:
        return False, "down"

    other.__name__ = "ping"
    health = HealthCheck(checkers=[ping, other])
    entries = body(health.report())["checks"]["ping:status"]
    assert [e["status"] for e in entries] == ["pass", "fail"]


def test_component_type_comes_from_a_type_tag_or_defaults_to_component() -> None:
    checks = body(mixed_report())["checks"]
    assert checks["db:status"][0]["componentType"] == "datastore"
    assert checks["disk:utilization"][0]["componentType"] == "system"
    assert checks["cache:status"][0]["componentType"] == "component"


def test_observed_value_and_unit_only_when_the_result_has_them() -> None:
    checks = body(mixed_report())["checks"]
    disk = checks["disk:utilization"][0]
    assert (disk["observedValue"], disk["observedUnit"]) == (81, "%")
    assert "observedValue" not in checks["db:status"][0]
    assert "observedUnit" not in checks["db:status"][0]


def test_output_is_omitted_for_pass_and_kept_otherwise() -> None:
    checks = body(mixed_report())["checks"]
    assert "output" not in checks["db:status"][0]
    assert checks["disk:utilization"][0]["output"] == "81% used"
    assert checks["cache:status"][0]["output"] == "connection refused"


def test_structured_output_becomes_a_json_string() -> None:
    health = HealthCheck()
    health.add_check(lambda: (False, {"errors": 3}), name="queue")
    output = body(health.report())["checks"]["queue:status"][0]["output"]
    assert json.loads(output) == {"errors": 3}


def test_time_is_rfc3339_utc_of_the_result_timestamp() -> None:
    report = mixed_report()
    entry = body(report)["checks"]["db:status"][0]
    assert entry["time"].endswith("Z")
    parsed = datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0
    assert abs(parsed.timestamp() - report.results[0].timestamp) < 0.001


def test_rfc3339_format() -> None:
    assert rfc3339(0) == "1970-01-01T00:00:00.000Z"
    assert rfc3339(1714564800.25) == "2024-05-01T12:00:00.250Z"


def test_build_info_maps_to_version_release_id_and_a_commit_note() -> None:
    data = body(
        mixed_report(),
        build=BuildInfo(version="1.4.2", commit="abc123", release_id="r-77"),
        service_id="f03e522f-1f44-4062-9b55-9587f91c9c41",
        description="orders API",
    )
    assert data["version"] == "1.4.2"
    assert data["releaseId"] == "r-77"
    assert data["notes"] == ["commit abc123"]
    assert data["serviceId"] == "f03e522f-1f44-4062-9b55-9587f91c9c41"
    assert data["description"] == "orders API"


def test_unset_fields_are_omitted() -> None:
    data = body(mixed_report(), build=BuildInfo(version="2.0"))
    assert data["version"] == "2.0"
    for absent in ("releaseId", "notes", "serviceId", "description"):
        assert absent not in data
    assert set(body(mixed_report())) == {"status", "since", "checks"}
    bare = mixed_report()
    assert set(body(type(bare)(bare.checks, bare.results))) == {"status", "checks"}


def test_since_when_the_status_has_held_is_top_level() -> None:
    report = mixed_report()
    since = report.overall_since
    assert since is not None and body(report)["since"] == rfc3339(since)


def test_without_details_only_the_status() -> None:
    text = render_health_json(
        mixed_report(), build=BuildInfo(version="1"), service_id="x", details=False
    )
    assert json.loads(text) == {"status": "fail"}


def test_no_checks_is_a_pass_with_an_empty_checks_object() -> None:
    assert body(HealthCheck().report()) == {"status": "pass", "checks": {}}


def test_the_body_is_compact_json() -> None:
    text = render_health_json(mixed_report(), description="a b")
    assert text == json.dumps(json.loads(text), separators=(",", ":"))
