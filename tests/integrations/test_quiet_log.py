"""``quiet_access_log`` under a real gunicorn: health requests leave the access log, every
other request stays in it, whatever the client writes in its headers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import gunicorn

from tests.http import get
from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
NO_CONTROL_SOCKET = ["--no-control-socket"] if gunicorn.version_info >= (25, 1) else []

APP = textwrap.dedent(
    """
    from flask import Flask
    from healthcheck import EnvironmentDump, HealthCheck
    from healthcheck.integrations.flask import HealthCheckExtension

    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="database")
    app = Flask(__name__)
    HealthCheckExtension(
        app, health=health, environment=EnvironmentDump(), quiet_access_log=True
    )
    app.add_url_rule("/admin/delete", "delete", lambda: "deleted", methods=["GET", "POST"])
    app.add_url_rule("/<path:anything>", "fallback", lambda anything: f"app {anything}")
    app.add_url_rule("/readyz/<job>", "job", lambda job: f"job {job}")  # overlaps ours
    """
)


def test_quiet_access_log_under_gunicorn(tmp_path: Path) -> None:
    (tmp_path / "quiet_app.py").write_text(APP)
    log = tmp_path / "access.log"
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--access-logfile", str(log), *NO_CONTROL_SOCKET, "quiet_app:app",
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        assert get(f"{base}/healthcheck").status == 200
        assert get(f"{base}/readyz").status == 200
        forged = {"User-Agent": "GET /healthcheck HTTP/1.1", "Referer": "GET /livez HTTP"}
        assert get(f"{base}/admin/delete", headers=forged).body == b"deleted"
        assert get(f"{base}/admin/delete", headers=forged, method="POST").status == 200
        assert get(f"{base}/healthcheck/nope").status == 404
        assert get(f"{base}/environment").status == 200
        assert get(f"{base}/%2568ealthcheck").body == b"app %68ealthcheck"
        assert get(f"{base}/readyz/database").body == b"job database"  # the app's answer
    finally:
        server.terminate()
        server.wait(10)
    lines = log.read_text().splitlines()
    requests = [line.split('"')[1] for line in lines]
    assert requests == [
        "GET /admin/delete HTTP/1.1",
        "POST /admin/delete HTTP/1.1",
        "GET /healthcheck/nope HTTP/1.1",  # not a path the endpoints serve
        "GET /environment HTTP/1.1",  # who read the environment stays on record
        "GET /%2568ealthcheck HTTP/1.1",  # the app's, though it decodes twice to a health path
        "GET /readyz/database HTTP/1.1",  # answered by the app's own overlapping route
    ]
