"""tests/e2e/app.py's check served by ``HealthASGI`` under uvicorn, for the drain tests: the
same state file, ``E2E_DRAIN`` seconds of draining on SIGTERM, ``X-Worker-Pid`` on every
response."""

from __future__ import annotations

import os
from typing import Any

from healthcheck.integrations.asgi import HealthASGI
from tests.e2e.app import health

served = HealthASGI(health, details="always")


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    async def stamped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            pid = str(os.getpid()).encode()
            message = {**message, "headers": [*message.get("headers", []), (b"x-worker-pid", pid)]}
        await send(message)

    await served(scope, receive, stamped)
