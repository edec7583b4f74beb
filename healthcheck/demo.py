"""The demo app behind ``python -m healthcheck demo``: a few example checks on Flask or Tornado."""

from __future__ import annotations

import asyncio
import random
import shutil
import time
from typing import Any

from .core import HealthCheck
from .environment import EnvironmentDump


def disk_space() -> tuple[bool, str]:
    usage = shutil.disk_usage("/")
    free = usage.free / usage.total * 100
    return free > 5, f"{free:.1f}% free on /"


def flaky_upstream() -> tuple[bool, str]:
    # Fails about one run in three, to show a failure and its shorter cache life.
    if random.random() < 1 / 3:  # noqa: S311 - not cryptography
        raise ConnectionError("upstream refused the connection (simulated)")
    return True, "upstream answered"


def slow_database() -> tuple[bool, str]:
    time.sleep(0.2)
    return True, "query took 200 ms"


async def async_cache() -> tuple[bool, str]:
    await asyncio.sleep(0.05)
    return True, "async check answered"


def build() -> tuple[HealthCheck, EnvironmentDump]:
    """The demo's HealthCheck and EnvironmentDump."""
    health = HealthCheck(error_timeout=2, success_ttl=5, failed_ttl=2)
    health.add_check(disk_space, tags=["live"])
    health.add_check(flaky_upstream, critical=False, fail_after=2)
    health.add_check(slow_database)
    health.add_check(async_cache)
    health.add_section("application", {"name": "healthcheck demo"})
    environment = EnvironmentDump(application={"name": "healthcheck demo", "maintainer": "you"})
    return health, environment


def serve(framework: str, host: str, port: int) -> None:
    health, environment = build()
    base = f"http://{host}:{port}"
    print(f"healthcheck demo ({framework}) on {base}")
    print(f"  {base}/healthcheck   (JSON; a browser gets the status page; ?format=health+json)")
    print(f"  {base}/readyz?verbose  /livez  /startupz  /metrics  /environment")
    if framework == "flask":
        _serve_flask(health, environment, host, port)
    else:
        _serve_tornado(health, environment, host, port)


def _serve_flask(health: HealthCheck, environment: EnvironmentDump, host: str, port: int) -> None:
    from ._optional import require

    flask: Any = require("flask", extra="flask")
    from .integrations.flask import HealthCheckExtension

    app = flask.Flask("healthcheck-demo")
    HealthCheckExtension(app, health=health, environment=environment, metrics=_has_prometheus())
    app.run(host=host, port=port, threaded=True)


def _serve_tornado(health: HealthCheck, environment: EnvironmentDump, host: str, port: int) -> None:
    from .integrations.tornado import routes

    async def main() -> None:
        from tornado.web import Application

        app = Application(routes(health, environment, metrics=_has_prometheus()))
        app.listen(port, address=host)
        await asyncio.Event().wait()

    asyncio.run(main())


def _has_prometheus() -> bool:
    import importlib.util

    return importlib.util.find_spec("prometheus_client") is not None
