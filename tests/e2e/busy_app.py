"""An app whose every request takes SLOW seconds, with the health endpoints both in the app and
on a management listener (port from MANAGEMENT_PORT), and a readiness check of saturation."""

from __future__ import annotations

import os
import time
from typing import Any

from healthcheck import EnvironmentDump, HealthCheck
from healthcheck.integrations.wsgi import HealthWSGI
from healthcheck.management import InFlight, serve_management

SLOW = float(os.environ.get("SLOW", "2"))
THREADS = int(os.environ.get("THREADS", "2"))


def slow(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    time.sleep(SLOW)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"done\n"]


health = HealthCheck(success_ttl=0.2, failed_ttl=0.2, error_timeout=1)
in_flight = InFlight(slow, limit=THREADS)
health.add_check(in_flight.check, name="saturation", tags=["ready"], shared=False)
# The in-app route: waits for a free thread like any request.
app = HealthWSGI(health, app=in_flight)
# Each worker (no --preload) listens on the same port; the kernel spreads connections. With
# --preload, this runs in the master. /environment tells which process answered.
management = serve_management(
    health, EnvironmentDump(), port=int(os.environ["MANAGEMENT_PORT"]), reuse_port=True
)
