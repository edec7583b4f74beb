"""The app that test_prefork.py serves with gunicorn ``--preload``: built, and run once, in the
master at import time, before gunicorn forks its workers.

``PREFORK_MODE``: ``foreground`` (the default; no caching, so every request runs the checks in
the worker that serves it) or ``background`` (``HealthCheck(interval=...)``, with the interval
from ``PREFORK_INTERVAL``, 0.2 s by default). Every checker answers the pid of the process it ran
in, and every response carries the pid of the worker that served it in ``X-Worker-Pid``.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

from flask import Flask, Response

from healthcheck import HealthCheck

MODE = os.environ.get("PREFORK_MODE", "foreground")
INTERVAL = float(os.environ.get("PREFORK_INTERVAL", "0.2"))

if MODE == "background":
    health = HealthCheck(interval=INTERVAL, error_timeout=5)
elif MODE == "foreground":
    health = HealthCheck(success_ttl=0, failed_ttl=0, error_timeout=5)
else:
    raise ValueError(f"PREFORK_MODE must be foreground or background, not {MODE!r}")


def sync_pid() -> tuple[bool, str]:
    return True, str(os.getpid())


async def async_pid() -> tuple[bool, str]:
    await asyncio.sleep(0)
    return True, str(os.getpid())


health.add_check(sync_pid)
health.add_check(async_pid)


def outputs() -> dict[str, str]:
    body = json.loads(health.run()[0])
    return {result["checker"]: result["output"] for result in body["results"]}


# Before the fork: use the check threads and the event loop (foreground), or start background
# mode and wait for its first round, so that the master holds results of its own.
first = outputs()
deadline = time.monotonic() + 10
while set(first.values()) != {str(os.getpid())} and time.monotonic() < deadline:
    time.sleep(0.01)
    first = outputs()
if set(first.values()) != {str(os.getpid())}:
    raise RuntimeError(f"the master's own run did not pass: {first}")

app = Flask(__name__)
app.add_url_rule("/healthcheck", view_func=lambda: health.run())


@app.after_request
def worker_pid(response: Response) -> Response:
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response
