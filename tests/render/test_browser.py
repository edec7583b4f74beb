"""The HTML pages in a real headless Chromium, served over loopback only.

Screenshots are kept in tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from healthcheck import EnvironmentDump, HealthCheck, Outcome, Report
from healthcheck.render.html import (
    CONTENT_SECURITY_POLICY,
    render_environment_html,
    render_html,
)

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
SCRIPT = "<script>document.title='pwned'</script>"
# Headless Chromium can be slow to start on a loaded CI runner.
BROWSER_TIMEOUT = 90


class Site:
    """Pages served from a ThreadingHTTPServer on 127.0.0.1, and the paths requested."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.requested: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requested.append(self.path)
                page = site.pages.get(self.path)
                body = (page or "not found").encode()
                self.send_response(200 if page is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()
        thread.join(10)


def browse(
    chromium: str, profile: Path, url: str, *action: str
) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with no network but loopback: no proxy, and every host name
    except 127.0.0.1 fails to resolve, so a page that needed the internet would show it."""
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-proxy-server",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        "--window-size=1200,900",
        *action,
        url,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT, check=False
    )


def failing_report() -> Report:
    health = HealthCheck()
    health.add_check(lambda: (True, "connected in 3 ms"), name="postgres", tags=["ready"])
    health.add_check(lambda: Outcome("warn", "disk 81% used", 81, "%"), name="disk", critical=False)
    health.add_check(lambda: (False, f"{SCRIPT} connection refused"), name="redis")
    health.add_check(lambda: (True, {"workers": 4, "queued": 0}), name="queue")
    return health.report()


def passing_report() -> Report:
    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="postgres")
    health.add_check(lambda: (True, "ok"), name="redis")
    return health.report()


def shoot(chromium: str, tmp_path: Path, site: Site, path: str, name: str) -> tuple[str, Path]:
    """Load ``path`` twice: once for the DOM, once for a screenshot kept as an artefact."""
    url = site.url + path
    dom = browse(chromium, tmp_path / "profile", url, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTIFACTS / f"{name}.png"
    png.unlink(missing_ok=True)
    shot = browse(chromium, tmp_path / "profile", url, f"--screenshot={png}")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert png.exists(), shot.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 5 * 1024  # a blank page compresses to far less
    # Only the page itself (and the favicon Chromium always asks for) was requested.
    assert set(site.requested) <= {path, "/favicon.ico"}
    assert site.requested.count(path) == 2
    return dom.stdout, png


def test_status_page_renders_in_chromium(chromium: str, tmp_path: Path, site: Site) -> None:
    report = failing_report()
    site.pages["/health"] = render_html(report, now=report.results[0].timestamp + 12)
    dom, _ = shoot(chromium, tmp_path, site, "/health", "status-failing")
    for name in ("postgres", "disk", "redis", "queue"):
        assert f"<bdi>{name}</bdi></th>" in dom
    for state in ("pass", "warn", "fail"):
        assert f'class="pill pill-{state}"' in dom
    assert 'class="banner banner-fail"' in dom and "Failing" in dom
    assert "12 s ago" in dom
    # The checker's <script> stayed text: it never ran (the title would say so) nor parsed.
    assert "<title>Health: fail</title>" in dom
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt; connection refused" in dom


def test_passing_status_page_renders_in_chromium(chromium: str, tmp_path: Path, site: Site) -> None:
    site.pages["/health"] = render_html(passing_report(), title="Orders API")
    dom, _ = shoot(chromium, tmp_path, site, "/health", "status-passing")
    assert 'class="banner banner-pass"' in dom and "Passing" in dom
    assert "<title>Orders API: pass</title>" in dom
    assert "fail" not in dom.split("<tbody>", 1)[1]


def test_environment_page_renders_in_chromium(chromium: str, tmp_path: Path, site: Site) -> None:
    data = json.loads(EnvironmentDump().run()[0])
    site.pages["/environment"] = render_environment_html(data)
    dom, _ = shoot(chromium, tmp_path, site, "/environment", "environment")
    for section in data:
        assert f'id="section-{section}"' in dom
    assert '<th scope="col">Package</th><th scope="col">Version</th>' in dom
    assert "<code>pytest</code>" in dom
