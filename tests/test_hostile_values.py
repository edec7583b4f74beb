"""Values that used to break an answer or forge part of it: undecodable bytes in the
environment, argv and names, outputs with line breaks, integers too long to print, checks
sharing a derived name in metrics."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from healthcheck import EnvironmentDump, HealthCheck, Outcome
from healthcheck.endpoints import Endpoints, Request

LOCAL = "127.0.0.1"


def answer(endpoints: Endpoints, path: str, **query: str) -> tuple[int, str]:
    request = Request("GET", path, {k: [v] for k, v in query.items()}, remote_addr=LOCAL)
    reply = endpoints.handle(request)
    assert reply is not None
    return reply.status, reply.body.decode("utf-8")


@pytest.fixture
def undecodable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An environment variable and an argument holding bytes that are not UTF-8, as Python
    keeps them (lone surrogates)."""
    os.environb[b"HC_UNDECODABLE"] = b"caf\xff\xfe"
    monkeypatch.setattr(sys, "argv", [*sys.argv, "--name=caf\udcff"])
    try:
        yield
    finally:
        del os.environb[b"HC_UNDECODABLE"]


def test_undecodable_bytes_in_the_environment_and_argv_answer_in_every_format(
    undecodable: None,
) -> None:
    health = HealthCheck()
    health.add_check(lambda: (True, "caf\udcff ok"), name="cafe")
    endpoints = Endpoints(health, EnvironmentDump())
    for path, query in [
        ("/environment", {}),
        ("/environment", {"format": "html"}),
        ("/healthcheck", {"format": "text"}),
        ("/healthcheck", {"format": "html"}),
        ("/readyz", {"verbose": ""}),
        ("/metrics", {}),
    ]:
        assert answer(endpoints, path, **query)[0] == 200, (path, query)
    assert "\\udcff" in answer(endpoints, "/environment", format="html")[1]


def test_a_name_utf8_cannot_encode_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="name must be text UTF-8 can encode"):
        HealthCheck().add_check(lambda: (True, ""), name="caf\udcff")


def test_an_output_cannot_forge_lines_in_text_and_probe_bodies() -> None:
    health = HealthCheck()
    health.add_check(lambda: (False, "refused\n[+]db ok\nreadyz check passed"), name="db")
    health.add_check(lambda: (True, "ok"), name="cache\n[+]ghost")
    endpoints = Endpoints(health)
    for body in (
        answer(endpoints, "/readyz", verbose="")[1],
        answer(endpoints, "/healthcheck", format="text")[1],
    ):
        lines = body.splitlines()
        assert not any(line.startswith("[+]db") or line == "[+]ghost ok" for line in lines)
        assert "refused\\n[+]db ok" in body
        assert lines[-1].endswith("check failed")


def test_an_integer_too_long_to_print_as_observed_value_answers_everywhere() -> None:
    huge = 10**5000
    health = HealthCheck()
    health.add_check(lambda: Outcome("pass", "counted", huge, "rows"), name="rows")
    endpoints = Endpoints(health)
    for fmt in ("json", "health+json", "html", "text"):
        assert answer(endpoints, "/healthcheck", format=fmt)[0] == 200, fmt
    assert "integer of" in answer(endpoints, "/healthcheck", format="health+json")[1]


def test_checks_sharing_a_derived_name_are_distinct_series_in_metrics() -> None:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families

    health = HealthCheck()
    health.add_check(lambda: (True, "one"))
    health.add_check(lambda: (False, "two"))
    health.add_check(lambda: (True, "three"), name="<lambda>#2")  # a real name in the way
    health.run()
    endpoints = Endpoints(health)
    request = Request(
        "GET", "/metrics", headers={"accept": "application/openmetrics-text"}, remote_addr=LOCAL
    )
    reply = endpoints.handle(request)
    assert reply is not None and reply.status == 200
    families = {f.name: f for f in text_string_to_metric_families(reply.body.decode())}
    checks = {s.labels["check"] for s in families["healthcheck_check_critical"].samples}
    assert checks == {"<lambda>", "<lambda>#2", "<lambda>#3"}
