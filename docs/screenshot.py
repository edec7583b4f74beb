"""Take the README's pictures of the status page: ``python3 docs/screenshot.py [--out DIR]``.

A service in the middle of an outage, served by the real WSGI adapter on a loopback port and
photographed in the system's Chromium at a desktop's and a phone's width.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's healthcheck, installed or not

from healthcheck import HealthCheck, Outcome  # noqa: E402
from healthcheck.integrations.wsgi import HealthWSGI  # noqa: E402

#: (file name, viewport width) of each picture.
PICTURES = (("status-page.png", 1280), ("status-page-narrow.png", 400))


def scene(rounds: int = 24, pause: float = 0.05) -> HealthCheck:
    """Thirteen checks after ``rounds`` runs: payments down for the last third, the queue
    flapping, a disk filling up, the rest steady."""
    health = HealthCheck(success_ttl=0, failed_ttl=0, error_timeout=2)
    now = {"round": 0}

    def payments() -> tuple[bool, str]:
        up = now["round"] < rounds * 2 // 3
        return up, "200 OK in 41 ms" if up else "connect to payments.internal:443 timed out"

    def queue() -> tuple[bool, str]:
        ok = now["round"] % 5 != 3
        return ok, "312 messages waiting" if ok else "consumer lag 41 s"

    def disk() -> Outcome:
        used = 78 + now["round"] // 6
        return Outcome("warn" if used >= 80 else "pass", f"{used}% of 200 GiB used", used, "%")

    from healthcheck.checks import disk_check

    health.add_check(payments, name="payments")
    health.add_check(queue, name="orders-queue", critical=False)
    health.add_check(disk, name="disk-data", critical=False)
    for name, output in [
        ("postgresql", "PostgreSQL 15.19, 12 connections"),
        ("redis", "PONG in 0.4 ms"),
        ("auth-api", "200 OK in 18 ms"),
        ("search", "cluster green, 3 nodes"),
        ("smtp", "220 mail.internal ESMTP"),
        ("object-store", "bucket reachable"),
        ("cache-hit-rate", "93%"),
        ("migrations", "all applied"),
        ("certificates", "expires in 61 days"),
    ]:
        health.add_check(lambda output=output: (True, output), name=name)
    health.add_check(disk_check("/", warn_percent=99, fail_percent=100))  # a target, under its name
    for number in range(rounds):
        now["round"] = number
        health.report()
        time.sleep(pause)
    return health


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def served(app: object) -> Iterator[str]:
    """``app`` on a free loopback port, as its base URL."""
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def photograph(url: str, out: Path) -> list[Path]:
    """Each of PICTURES of the page at ``url``, whole page, into ``out``."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    out.mkdir(parents=True, exist_ok=True)
    made = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            for name, width in PICTURES:
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(url)
                page.screenshot(path=str(out / name), full_page=True)
                page.close()
                made.append(out / name)
        finally:
            browser.close()
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where the PNGs go")
    args = parser.parse_args(argv)
    health = scene()
    # Refresh off: the picture must not reload under the camera.
    with served(HealthWSGI(health, refresh=0)) as base:
        for path in photograph(base + "/healthcheck?format=html", args.out):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
