"""tests/e2e/app.py's check served by ``HealthASGI`` under uvicorn, for the drain tests: the
same state file, ``E2E_DRAIN`` seconds of draining on SIGTERM (``drain_on_signal``),
``E2E_WARMUP`` runs the checks at import, ``X-Worker-Pid`` on every response."""

from __future__ import annotations

import os
import signal
from typing import Any

from healthcheck.integrations.asgi import HealthASGI
from tests.e2e.app import health

if os.environ.get("E2E_WARMUP"):  # checks run once at import, before the server starts
    health.run()
health.drain_on_signal(signal.SIGTERM, delay=float(os.environ.get("E2E_DRAIN", "0")))
served = HealthASGI(health, details="always")


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    async def stamped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            pid = str(os.getpid()).encode()
            message = {**message, "headers": [*message.get("headers", []), (b"x-worker-pid", pid)]}
        await send(message)

    await served(scope, receive, stamped)
