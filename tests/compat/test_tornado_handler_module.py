"""``healthcheck.tornado_handler``: routes written for py-healthcheck, on a real server."""

from __future__ import annotations

import json

import tornado.web
from tornado.testing import AsyncHTTPTestCase

import healthcheck
from healthcheck.environmentdump import EnvironmentDump
from healthcheck.healthcheck import HealthCheck
from healthcheck.tornado_handler import TornadoHandler


def passing() -> tuple[bool, str]:
    return True, "ok"


def failing() -> tuple[bool, str]:
    return False, "queue full"


def test_the_module_exports_the_package_s_handler() -> None:
    assert TornadoHandler is healthcheck.TornadoHandler


class PyHealthcheckRoutesTest(AsyncHTTPTestCase):
    def get_app(self) -> tornado.web.Application:
        health = HealthCheck(checkers=[passing, failing], failed_status=503, version="3")
        return tornado.web.Application(
            [
                ("/healthcheck", TornadoHandler, dict(checker=health)),
                (r"/healthcheck/(\w+)", TornadoHandler, dict(checker=health)),
                ("/environment", TornadoHandler, dict(checker=EnvironmentDump(app={"v": 1}))),
            ]
        )

    def test_the_whole_run(self) -> None:
        response = self.fetch("/healthcheck")
        assert response.code == 503
        assert response.headers["Content-Type"] == "application/json"
        data = json.loads(response.body)
        assert data["status"] == "failure"
        assert data["version"] == "3"
        assert {r["checker"] for r in data["results"]} == {"passing", "failing"}

    def test_one_check_by_name_from_the_url_group(self) -> None:
        response = self.fetch("/healthcheck/passing")
        assert response.code == 200
        assert [r["checker"] for r in json.loads(response.body)["results"]] == ["passing"]

    def test_head_sends_the_length_get_would(self) -> None:
        got = self.fetch("/healthcheck/passing")
        head = self.fetch("/healthcheck/passing", method="HEAD")
        assert (head.code, head.body) == (200, b"")
        # The timestamp's digits vary from one answer to the next (1796047459.438 and
        # 1796047459.4383457): lengths may differ by a few bytes, never by a body.
        assert abs(int(head.headers["Content-Length"]) - len(got.body)) <= 8

    def test_the_environment(self) -> None:
        response = self.fetch("/environment")
        assert response.code == 200
        assert json.loads(response.body)["app"] == {"v": 1}


def test_without_tornado_the_package_imports_and_hasattr_says_false() -> None:
    """As with py-healthcheck: `import *` works and feature detection says False; the
    attribute's error still names the extra to install."""
    import subprocess
    import sys

    script = (
        "import sys; sys.modules['tornado'] = None\n"
        "from healthcheck import *\n"
        "import healthcheck\n"
        "print(hasattr(healthcheck, 'TornadoHandler'), 'TornadoHandler' in healthcheck.__all__)\n"
        "try:\n"
        "    healthcheck.TornadoHandler\n"
        "except AttributeError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    first, second = done.stdout.splitlines()
    assert first == "False False"
    assert "pip install 'tornado>=6.2' (the healthcheck-endpoints[tornado] extra)" in second
