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
        return False, "upstream refused the connection (simulated)"
    return True, "upstream answered"


def slow_database() -> tuple[bool, str]:
    time.sleep(0.2)
    return True, "query took 200 ms"


async def async_cache() -> tuple[bool, str]:
    await asyncio.sleep(0.05)
    return True, "async check answered"


#: Seconds of every minute the critical "payments" check fails (from second 40 on): the page,
#: the probes and /metrics show a real failure and a recovery without waiting long.
OUTAGE = 20


def payments() -> tuple[bool, str]:
    second = time.localtime().tm_sec
    if second >= 60 - OUTAGE:
        return False, f"payments gateway down (simulated: {60 - second} s to go this minute)"
    return True, f"payments gateway up (a simulated outage in {60 - OUTAGE - second} s)"


#: The real services the demo checks when they are up: (name, port, factory, URL).
SERVICES = (
    ("redis", 6379, "redis_check", "redis://127.0.0.1:6379/0"),
    ("postgresql", 5432, "postgresql_check", "postgresql://postgres@127.0.0.1:5432/postgres"),
)


def build(services: bool = True) -> tuple[HealthCheck, EnvironmentDump, list[str]]:
    """The demo's HealthCheck and EnvironmentDump, and what it says about the real services:
    each one that answers on this machine is checked for real."""
    health = HealthCheck(error_timeout=2, success_ttl=5, failed_ttl=2)
    health.add_check(disk_space, tags=["live"])
    health.add_check(payments)
    health.add_check(flaky_upstream, critical=False, fail_after=2)
    health.add_check(slow_database)
    health.add_check(async_cache)
    notes = []
    for name, port, factory, url in SERVICES if services else ():
        note = _real_service(health, name, port, factory, url)
        notes.append(note)
    health.add_section("application", {"name": "healthcheck demo"})
    environment = EnvironmentDump(application={"name": "healthcheck demo", "maintainer": "you"})
    return health, environment, notes


def _real_service(health: HealthCheck, name: str, port: int, factory: str, url: str) -> str:
    import importlib
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.3).close()
    except OSError:
        return f"  {name}: nothing on 127.0.0.1:{port}, not checked (start it to see a real one)"
    try:
        check = getattr(importlib.import_module("healthcheck.checks"), factory)(url, timeout=1)
    except ImportError as exc:  # its driver's extra is not installed
        return f"  {name}: up on 127.0.0.1:{port}, not checked ({exc})"
    # Not critical: a server that wants a password here would keep the page red, and the
    # payments outage is what the demo shows.
    health.add_check(check, critical=False)
    first = check()
    if first.status.value == "fail":
        return f"  {name}: checked on 127.0.0.1:{port}, failing for now: {first.output}"
    return f"  {name}: checked for real on 127.0.0.1:{port}"


def serve(framework: str, host: str, port: int) -> None:
    """Serve the demo until interrupted; a port in use is an OSError saying so."""
    _check_port(host, port)
    health, environment, notes = build()
    base = f"http://{host}:{port}"
    print(f"healthcheck demo ({framework}) on {base}")
    print(f"  {base}/healthcheck   (JSON; a browser gets the status page; ?format=health+json)")
    print(f"  {base}/readyz?verbose  /livez  /startupz  /metrics  /environment")
    print(f"  'payments' fails {OUTAGE} s of every minute: watch the page turn red and back")
    for note in notes:
        print(note)
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


def _check_port(host: str, port: int) -> None:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(f"cannot serve on {host}:{port}: {exc.strerror}; try --port") from None
