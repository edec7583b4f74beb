"""The status page in a real Chromium (driven by Playwright), served by the real WSGI adapter on
loopback: layout facts read from the DOM at a phone's and a desktop's width, the favicon, the
refresh that waits while the page is hidden, the view of a client who may not see details, and
the README's screenshot script."""

from __future__ import annotations

import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from healthcheck import HealthCheck, Outcome
from tests.servers import wsgi_app_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--no-proxy-server", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


def many_checks(failing_at: int = 25) -> HealthCheck:
    """25 checks registered with the failing one last: the page must still show it first."""
    health = HealthCheck()
    for number in range(1, 26):
        name = f"service-{number:02d}-with-a-rather-long-name"
        if number == failing_at:
            health.add_check(lambda: (False, "connection refused " * 8), name="payments-gateway")
        elif number == 10:
            health.add_check(lambda: Outcome("warn", "disk 85% used", 85, "%"), name="disk-data")
        else:
            health.add_check(lambda: (True, {"latency_ms": 3, "pool": "12/50"}), name=name)
    return health


LAYOUT = """() => {
  const rows = [...document.querySelectorAll('table.checks tbody tr')];
  const first = rows[0].getBoundingClientRect();
  const banner = document.querySelector('.banner').getBoundingClientRect();
  return {
    firstRow: rows[0].querySelector('th').textContent,
    firstRowTop: first.top,
    bannerText: document.querySelector('.banner').textContent,
    bannerBottom: banner.bottom,
    scrollWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    widest: Math.max(...[...document.querySelectorAll('main *')]
                     .map(e => e.getBoundingClientRect().right)),
    favicon: document.querySelector('link[rel=icon]').href.slice(0, 25),
  };
}"""


@pytest.mark.parametrize("width", [400, 1280])
def test_the_failing_check_is_first_on_the_first_screen_and_nothing_overflows(
    browser: Any, width: int
) -> None:
    with wsgi_app_server(many_checks(), None) as base:
        page = browser.new_page(viewport={"width": width, "height": 800})
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(base + "/healthcheck?format=html")
        facts = page.evaluate(LAYOUT)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"status-{width}.png"))
        page.close()
    assert facts["firstRow"] == "payments-gateway"
    assert "Failing: payments-gateway" in facts["bannerText"]
    assert facts["firstRowTop"] < 800  # on the first screen, without scrolling
    assert facts["scrollWidth"] <= facts["viewport"]  # no sideways scrolling
    assert facts["widest"] <= facts["viewport"]
    # The favicon is inline: the page is the only request (no /favicon.ico 404 per refresh).
    assert facts["favicon"] == "data:image/svg+xml,%3Csvg"
    assert requested == [base + "/healthcheck?format=html"]


# Lets a test hide or show the page: headless Chromium's own page is always "visible".
VISIBILITY = """
window.__visibility = 'visible';
Object.defineProperty(document, 'visibilityState', {get: () => window.__visibility});
"""


def test_the_page_refreshes_while_seen_and_waits_while_hidden(browser: Any) -> None:
    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="db")
    with wsgi_app_server(health, None, refresh=1) as base:
        context = browser.new_context()
        context.add_init_script(VISIBILITY)
        page = context.new_page()
        fetched: list[str] = []
        page.on("request", lambda request: fetched.append(request.url))
        page.goto(base + "/healthcheck?format=html")
        page.wait_for_timeout(2600)
        assert len(fetched) >= 2  # the page, then at least one refresh a second later
        page.evaluate("window.__visibility = 'hidden'")
        hidden_at = len(fetched)
        page.wait_for_timeout(3000)
        assert len(fetched) <= hidden_at + 1  # none while hidden (one may have been under way)
        settled = len(fetched)
        page.evaluate(
            "window.__visibility = 'visible'; document.dispatchEvent(new Event('visibilitychange'))"
        )
        page.wait_for_timeout(500)
        assert len(fetched) > settled  # shown again, overdue: refreshed at once
        assert page.locator("table.checks").count() == 1
        context.close()


def proxy_error(route: Any) -> None:
    """A proxy in front answers its own error page while the service restarts."""
    route.fulfill(
        status=502, content_type="text/html", body="<html><body>502 Bad Gateway</body></html>"
    )


def hang(route: Any) -> None:
    """A request that is never answered (the refresh gives it up after 5 s)."""


@pytest.mark.parametrize(("outage", "wait"), [(proxy_error, 2500), (hang, 7000)],
                         ids=["proxy-502", "hung-request"])  # fmt: skip
def test_a_failed_refresh_keeps_the_page_says_so_and_recovers(
    browser: Any, outage: Any, wait: int
) -> None:
    health = HealthCheck(success_ttl=0, failed_ttl=0)
    state = {"up": True}
    health.add_check(lambda: (state["up"], "refused" if not state["up"] else "ok"), name="db")
    with wsgi_app_server(health, None, refresh=1) as base:
        page = browser.new_page()
        url = base + "/healthcheck?format=html"
        page.goto(url)
        page.route(url, outage)
        page.wait_for_timeout(wait)
        assert page.locator("table.checks").count() == 1  # the last good page stays
        note = page.locator("#stale")
        assert note.is_visible() and "Could not refresh" in note.inner_text()
        page.unroute(url)
        state["up"] = False
        page.wait_for_timeout(2500)
        assert not page.locator("#stale").is_visible()  # refreshing again
        assert "Failing: db" in page.locator(".banner").inner_text()
        assert page.title() == "Health: fail"
        page.close()


@pytest.mark.parametrize("width", [1280, 2560])
def test_long_names_and_outputs_stay_inside_the_card(browser: Any, width: int) -> None:
    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="payments_gateway_primary_region_eu_west_1_" * 2)
    health.add_check(lambda: (False, "x" * 3000), name="n" * 400)
    with wsgi_app_server(health, None) as base:
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(base + "/healthcheck?format=html")
        facts = page.evaluate("""() => {
          const card = document.querySelector('.card').getBoundingClientRect();
          const last = [...document.querySelectorAll('thead th')].pop().getBoundingClientRect();
          return {card: card.right, lastColumn: last.right,
                  page: document.documentElement.scrollWidth, viewport: window.innerWidth};
        }""")
        page.close()
    assert facts["page"] <= facts["viewport"]
    assert facts["lastColumn"] <= facts["card"] + 1  # "Critical" in view, not past the card


def test_a_client_who_may_not_see_details_is_told_how_to(browser: Any) -> None:
    with wsgi_app_server(many_checks(), None, authorize=lambda request: False) as base:
        page = browser.new_page(viewport={"width": 400, "height": 800})
        page.goto(base + "/healthcheck?format=html")
        hint = page.locator(".hint").inner_text()
        has_table = page.locator("table").count()
        page.close()
    assert has_table == 0
    assert "hidden from this client" in hint and "sign in" in hint


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_readme_screenshot_script_makes_both_pictures(browser: Any, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "screenshot.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    wide, narrow = tmp_path / "status-page.png", tmp_path / "status-page-narrow.png"
    assert png_size(wide)[0] == 1280 and png_size(narrow)[0] == 400
    assert wide.stat().st_size > 20_000  # a page, not a blank
    # The README shows the committed picture.
    readme = (ROOT / "README.rst").read_text()
    assert ".. image:: docs/status-page.png" in readme
    assert (ROOT / "docs" / "status-page.png").exists()
