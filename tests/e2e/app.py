"""The app the end-to-end tests serve with gunicorn, as an operator would: the Flask extension's
routes, over one real check that reads a state file the test writes.

``E2E_NAME`` names the backend (``/whoami`` answers it, for telling which one a proxy chose),
``E2E_STATE`` is the file: ``ok`` passes, ``slow`` warns, anything else fails with that text.
``E2E_INTERVAL`` runs the check in background mode, ``E2E_TOKEN`` guards the details (draining
is gunicorn's configuration: see conftest.gunicorn_backend). Every response says which worker
process served it in ``X-Worker-Pid``.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

from healthcheck import HealthCheck, Outcome
from healthcheck.integrations.flask import HealthCheckExtension

NAME = os.environ.get("E2E_NAME", "app")
STATE = Path(os.environ.get("E2E_STATE", "state"))
#: The results live this long: a state change shows within it, in every worker.
TTL = float(os.environ.get("E2E_TTL", "0.2"))

#: Background mode's interval, if set (``E2E_INTERVAL``).
INTERVAL = float(os.environ["E2E_INTERVAL"]) if "E2E_INTERVAL" in os.environ else None

#: ``E2E_SHARE``: the directory through which the workers share results; ``E2E_RUNS``: a file
#: the check appends a line to at every run, for counting runs across workers.
SHARE = os.environ.get("E2E_SHARE")
RUNS = os.environ.get("E2E_RUNS")

health = HealthCheck(
    success_ttl=TTL, failed_ttl=TTL, error_timeout=2, interval=INTERVAL, share=SHARE
)


def state() -> str:
    try:
        return STATE.read_text().strip()
    except OSError as exc:
        return f"no state file: {exc.strerror}"


@health.checker(name="backend")
def backend() -> Outcome:
    if RUNS:
        with open(RUNS, "a") as runs:  # one short append: whole lines, whatever the workers
            runs.write(f"{os.getpid()}\n")
    now = state()
    if now == "ok":
        return Outcome("pass", f"{NAME} ok", len(now), "characters")
    if now == "slow":
        return Outcome("warn", f"{NAME} answers slowly")
    return Outcome("fail", f"{NAME} says {now}")


if os.environ.get("E2E_WORKER_DRAIN"):  # what not to do under gunicorn: it says so
    health.drain_on_signal(signal.SIGTERM, delay=5)

#: With ``E2E_TOKEN``, details only for ``Authorization: Bearer <token>`` (a remote poller's
#: way in), even from loopback; without, for everyone.
TOKEN = os.environ.get("E2E_TOKEN")


def authorize(request: Any) -> bool:
    return request.headers.get("Authorization") == f"Bearer {TOKEN}"


app = Flask(__name__)
if TOKEN is None:
    HealthCheckExtension(app, health=health, details="always")
else:
    HealthCheckExtension(app, health=health, authorize=authorize)


@app.route("/forwarded")
def forwarded() -> str:
    """The client address a proxy in front forwarded, if any."""
    return request.headers.get("X-Forwarded-For", "")


@app.route("/whoami")
def whoami() -> str:
    return NAME


@app.after_request
def worker_pid(response: Response) -> Response:
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response
