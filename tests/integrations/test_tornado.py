"""Tornado: TornadoHandler on a real loopback server (tornado.testing.AsyncHTTPTestCase).

pytest-tornado is not used: its last release imports ``pkg_resources``, which current
setuptools no longer ships (see README, Development).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import tornado.web
from tornado.testing import AsyncHTTPTestCase, gen_test

from healthcheck import EnvironmentDump, HealthCheck, TornadoHandler

slow_started = threading.Event()


def passing() -> tuple[bool, str]:
    return True, "ok"


def failing() -> tuple[bool, str]:
    return False, "disk full"


def slow() -> tuple[bool, str]:
    slow_started.set()
    time.sleep(0.5)
    return True, "slow ok"


async def async_passing() -> tuple[bool, str]:
    await asyncio.sleep(0.01)
    return True, "async ok"


class Ping(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("pong")


class TornadoHandlerTest(AsyncHTTPTestCase):
    def get_app(self) -> tornado.web.Application:
        # Routes exactly as an application written for py-healthcheck declares them.
        passing_health = HealthCheck(checkers=[passing, async_passing])
        failing_health = HealthCheck(checkers=[passing, failing])
        slow_health = HealthCheck(checkers=[slow], success_ttl=0)
        return tornado.web.Application(
            [
                ("/healthcheck", TornadoHandler, dict(checker=passing_health)),
                (r"/healthcheck/(\w+)", TornadoHandler, dict(checker=passing_health)),
                ("/failing", TornadoHandler, dict(checker=failing_health)),
                ("/slow", TornadoHandler, dict(checker=slow_health)),
                ("/environment", TornadoHandler, dict(checker=EnvironmentDump(app={"v": 1}))),
                ("/ping", Ping),
            ]
        )

    def test_passing_checks_answer_200(self) -> None:
        response = self.fetch("/healthcheck")
        assert response.code == 200
        assert response.headers["Content-Type"] == "application/json"
        body = json.loads(response.body)
        assert body["status"] == "success"
        assert {r["output"] for r in body["results"]} == {"ok", "async ok"}

    def test_a_failing_check_answers_500(self) -> None:
        response = self.fetch("/failing")
        assert response.code == 500
        assert json.loads(response.body)["status"] == "failure"

    def test_a_url_group_selects_one_check(self) -> None:
        response = self.fetch("/healthcheck/async_passing")
        assert [r["checker"] for r in json.loads(response.body)["results"]] == ["async_passing"]
        assert self.fetch("/healthcheck/nope").code == 404

    def test_environment_dump(self) -> None:
        response = self.fetch("/environment")
        assert response.code == 200
        assert set(json.loads(response.body)) == {"os", "python", "process", "app"}

    @gen_test(timeout=10)
    async def test_a_slow_check_does_not_block_the_ioloop(self) -> None:
        slow_started.clear()
        finished: list[str] = []

        async def fetch(path: str) -> None:
            await self.http_client.fetch(self.get_url(path))
            finished.append(path)

        health = asyncio.ensure_future(fetch("/slow"))
        while not slow_started.is_set():
            await asyncio.sleep(0.01)
        await fetch("/ping")
        await health
        # /ping was answered while the slow check was still running.
        assert finished == ["/ping", "/slow"]


def test_routes_leave_no_reference_cycle_behind_a_request() -> None:
    # What the adapter keeps on Tornado's request refers back to it: left there, every
    # request would wait for the garbage collector (a tenth more CPU per request, measured).
    import gc

    from healthcheck import HealthCheck
    from tests.http import get
    from tests.servers import SERVERS

    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="db")
    with SERVERS["tornado"](health, None) as base:
        for path in ("/readyz", "/healthcheck/db"):
            get(base + path)  # warm: routes, kept replies
        gc.collect()
        gc.disable()
        try:
            for _ in range(40):
                assert get(base + "/readyz").status == 200
                assert get(base + "/healthcheck/db").status == 200
            unreachable = gc.collect()
        finally:
            gc.enable()
    health.close()
    assert unreachable < 40  # one cycle per request would leave hundreds
