"""Tornado: TornadoHandler on a real server (pytest-tornado's loopback http_server)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
import tornado.web

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


@pytest.fixture
def app() -> tornado.web.Application:
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


@pytest.mark.gen_test
async def test_passing_checks_answer_200(http_client, base_url) -> None:
    response = await http_client.fetch(f"{base_url}/healthcheck")
    assert response.code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = json.loads(response.body)
    assert body["status"] == "success"
    assert {r["output"] for r in body["results"]} == {"ok", "async ok"}


@pytest.mark.gen_test
async def test_a_failing_check_answers_500(http_client, base_url) -> None:
    response = await http_client.fetch(f"{base_url}/failing", raise_error=False)
    assert response.code == 500
    assert json.loads(response.body)["status"] == "failure"


@pytest.mark.gen_test
async def test_a_url_group_selects_one_check(http_client, base_url) -> None:
    response = await http_client.fetch(f"{base_url}/healthcheck/async_passing")
    assert [r["checker"] for r in json.loads(response.body)["results"]] == ["async_passing"]
    missing = await http_client.fetch(f"{base_url}/healthcheck/nope", raise_error=False)
    assert missing.code == 404


@pytest.mark.gen_test
async def test_environment_dump(http_client, base_url) -> None:
    response = await http_client.fetch(f"{base_url}/environment")
    assert response.code == 200
    assert set(json.loads(response.body)) == {"os", "python", "process", "app"}


@pytest.mark.gen_test(timeout=10)
async def test_a_slow_check_does_not_block_the_ioloop(http_client, base_url) -> None:
    slow_started.clear()
    finished: list[str] = []

    async def fetch(path: str) -> None:
        await http_client.fetch(f"{base_url}{path}")
        finished.append(path)

    health = asyncio.ensure_future(fetch("/slow"))
    while not slow_started.is_set():
        await asyncio.sleep(0.01)
    await fetch("/ping")
    await health
    # /ping was answered while the slow check was still running.
    assert finished == ["/ping", "/slow"]
