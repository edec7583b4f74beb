"""The app the end-to-end tests serve with gunicorn, as an operator would: the Flask extension's
routes, over one real check that reads a state file the test writes.

``E2E_NAME`` names the backend (``/whoami`` answers it, for telling which one a proxy chose),
``E2E_STATE`` is the file: ``ok`` passes, ``drain`` passes while the process drains (as after
a SIGTERM: readiness fails, liveness holds), ``slow`` warns, anything else fails with that
text. With ``E2E_DRAIN`` set, a real SIGTERM drains for that many seconds instead
(``drain_on_signal``). Every response says which worker process served it in ``X-Worker-Pid``.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from flask import Flask, Response

from healthcheck import HealthCheck, Outcome
from healthcheck.integrations.flask import HealthCheckExtension

NAME = os.environ.get("E2E_NAME", "app")
STATE = Path(os.environ.get("E2E_STATE", "state"))
#: The results live this long: a state change shows within it, in every worker.
TTL = float(os.environ.get("E2E_TTL", "0.2"))

health = HealthCheck(success_ttl=TTL, failed_ttl=TTL, error_timeout=2)


def state() -> str:
    try:
        return STATE.read_text().strip()
    except OSError as exc:
        return f"no state file: {exc.strerror}"


@health.checker(name="backend")
def backend() -> Outcome:
    now = state()
    if now in ("ok", "drain"):
        return Outcome("pass", f"{NAME} {now}", len(now), "characters")
    if now == "slow":
        return Outcome("warn", f"{NAME} answers slowly")
    return Outcome("fail", f"{NAME} says {now}")


def follow_draining() -> None:
    """Drain when the state file says so, as a SIGTERM handler would."""
    while True:
        health.set_draining(state() == "drain")
        threading.Event().wait(0.05)


DRAIN = os.environ.get("E2E_DRAIN")
if DRAIN is None:
    threading.Thread(target=follow_draining, name="e2e-drain", daemon=True).start()
else:
    health.drain_on_signal(signal.SIGTERM, delay=float(DRAIN))

app = Flask(__name__)
HealthCheckExtension(app, health=health, details="always")


@app.route("/whoami")
def whoami() -> str:
    return NAME


@app.after_request
def worker_pid(response: Response) -> Response:
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response
