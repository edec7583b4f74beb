"""A real Prometheus scraping ``/metrics`` (OpenMetrics, and the text format by ``?format=``),
with the shipped alerting rules loaded and the Grafana dashboard's queries run against it; the
rules' own unit tests through ``promtool``."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.checks.conftest import private_server
from tests.e2e.conftest import ROOT, eventually, gunicorn_backend, program
from tests.http import get
from tests.servers import free_port

CONTRIB = ROOT / "contrib"
RULES = CONTRIB / "prometheus" / "alerts.yml"

CONFIG = """
global:
  scrape_interval: 500ms
  evaluation_interval: 500ms
rule_files:
  - {rules}
scrape_configs:
  - job_name: healthcheck
    authorization:
      credentials_file: {token_file}
    static_configs:
      - targets: ["127.0.0.1:{app_port}"]
  - job_name: healthcheck-text
    authorization:
      credentials_file: {token_file}
    params:
      format: [prometheus]
    static_configs:
      - targets: ["127.0.0.1:{app_port}"]
"""
#: The app lets only this token read /metrics, as it would for a Prometheus on another machine.
TOKEN = "prometheus-t0ken"  # noqa: S105 - the test app's


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url

    def api(self, path: str, **query: str) -> Any:
        reply = get(f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(query)}")
        data = json.loads(reply.body)
        assert data["status"] == "success", data
        return data["data"]

    def values(self, expr: str) -> dict[tuple[tuple[str, str], ...], float]:
        """The instant vector ``expr`` as {labels: value}, ``__name__`` left out."""
        return {
            tuple(sorted((k, v) for k, v in s["metric"].items() if k != "__name__")): float(
                s["value"][1]
            )
            for s in self.api("query", query=expr)["result"]
        }


def scraped_unit(prom: Prometheus, job: str) -> str:
    """The unit Prometheus recorded for the duration series scraped by ``job``."""
    (found,) = prom.api(
        "targets/metadata",
        match_target=f'{{job="{job}"}}',
        metric="healthcheck_check_duration_seconds",
    )
    unit: str = found["unit"]
    return unit


@contextmanager
def prometheus_scraping(folder: Path, app_port: int) -> Iterator[Prometheus]:
    binary = program("prometheus", "prometheus")
    port = free_port()
    config = folder / "prometheus.yml"
    token_file = folder / "token"
    token_file.write_text(TOKEN)
    config.write_text(CONFIG.format(rules=RULES, app_port=app_port, token_file=token_file))
    argv = [
        binary, f"--config.file={config}", f"--storage.tsdb.path={folder / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
    ]  # fmt: skip
    with private_server(argv, port, failed=pytest.fail):  # installed: a start failure is ours
        url = f"http://127.0.0.1:{port}"
        # The port opens before the storage and the API are ready (503 until then).
        eventually(lambda: get(url + "/-/ready").status == 200, 20, "prometheus ready")
        yield Prometheus(url)


def test_prometheus_scrapes_both_formats_and_follows_the_state(folder: Path) -> None:
    started = time.time()
    with (
        gunicorn_backend("a", folder, token=TOKEN) as app,
        prometheus_scraping(folder, app.port) as prom,
    ):
        failing = 'healthcheck_check_status{check="backend", state="fail"}'

        def scraped(value: float) -> bool:
            # /metrics runs nothing: the checks run when polled, by a load balancer say.
            get(app.url + "/healthcheck")
            found = prom.values(failing)
            jobs = {dict(labels)["job"]: v for labels, v in found.items()}
            return jobs == {"healthcheck": value, "healthcheck-text": value}

        eventually(lambda: scraped(0.0), 20, "both jobs to scrape a passing check")
        up = prom.values("up")
        assert set(up.values()) == {1.0}
        # Which format each job scraped: only OpenMetrics carries units (# UNIT lines).
        assert scraped_unit(prom, "healthcheck") == "seconds"
        assert scraped_unit(prom, "healthcheck-text") == ""
        durations = prom.values("healthcheck_check_duration_seconds")
        assert len(durations) == 2 and all(0 <= v < 2 for v in durations.values()), durations
        last_runs = prom.values("healthcheck_check_last_run_timestamp_seconds")
        assert len(last_runs) == 2, last_runs
        assert all(started - 1 <= v <= time.time() + 1 for v in last_runs.values()), last_runs
        observed = prom.values('healthcheck_check_observed_value{job="healthcheck"}')
        assert [(dict(k)["check"], dict(k)["unit"], v) for k, v in observed.items()] == [
            ("backend", "characters", 2.0)
        ]
        assert prom.values('healthcheck_status{job="healthcheck", state="pass"}')

        # Every query of the Grafana dashboard runs and finds series (while all pass: a
        # failure reports no observed value).
        dashboard = json.loads((CONTRIB / "grafana" / "healthcheck.json").read_text())
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                expr = target["expr"].replace("$job", ".*").replace("$instance", ".*")
                assert prom.api("query", query=expr)["result"], (panel["title"], expr)

        app.set("disk full")
        eventually(lambda: scraped(1.0), 10, "the failure in both jobs' series")
        overall = prom.values('healthcheck_status{job="healthcheck", state="fail"}')
        assert list(overall.values()) == [1.0]

        # The shipped rules loaded and evaluating; HealthCheckFailing pending (for: 5m).
        groups = prom.api("rules")["groups"]
        rules = {rule["name"]: rule for group in groups for rule in group["rules"]}
        assert set(rules) >= {"HealthCheckFailing", "HealthCheckFlapping", "HealthCheckStale"}
        assert all(rule["health"] == "ok" for rule in rules.values())
        eventually(
            lambda: any(
                a["labels"]["alertname"] == "HealthCheckFailing" and a["state"] == "pending"
                for a in prom.api("alerts")["alerts"]
            ),
            10,
            "HealthCheckFailing to be pending",
        )


def test_the_alerting_rules_pass_promtool() -> None:
    promtool = program("promtool", "prometheus")
    checked = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [promtool, "test", "rules", "alerts.test.yml"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=RULES.parent,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout
