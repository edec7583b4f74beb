"""The apps of the "beyond one process" scenarios (9-11), run inside a target's virtualenv.

    gunicorn -w 4 "workers:make_counted_app()"      # BENCH_KIND ours|peer, BENCH_SHARE, ...
    gunicorn -w 2 --threads 2 -k gthread "workers:make_busy_app()"   # MANAGEMENT_PORT
    python workers.py hold|run                       # scenario 11's two processes

Every checker run is counted in Redis (127.0.0.1:6379, spoken to over a bare socket so that the
peer's virtualenv needs no driver): ``RPUSH <BENCH_RUNS> <unix time>``.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response

REDIS = ("127.0.0.1", 6379)


def redis(*words: str) -> bytes:
    """One Redis command; its raw reply."""
    command = f"*{len(words)}\r\n" + "".join(f"${len(w.encode())}\r\n{w}\r\n" for w in words)
    with socket.create_connection(REDIS, timeout=5) as connection:
        connection.sendall(command.encode())
        return connection.recv(65536)


def count_run() -> None:
    redis("RPUSH", os.environ["BENCH_RUNS"], repr(time.time()))


def state() -> str:
    try:
        return Path(os.environ["BENCH_STATE"]).read_text().strip()
    except OSError:
        return "missing"


def checker() -> tuple[bool, str]:
    count_run()
    now = state()
    return now == "ok", f"state {now}"


def make_counted_app() -> Flask:
    """``/healthcheck`` the py-healthcheck way (``health.run()``), ours or the peer's, over one
    counted checker; ours shares results through ``BENCH_SHARE`` when it is set."""
    from healthcheck import HealthCheck

    ttl = float(os.environ.get("BENCH_TTL", "10"))
    options: dict[str, Any] = {"success_ttl": ttl, "failed_ttl": ttl}
    if os.environ.get("BENCH_KIND") == "ours":
        options.update(error_timeout=5, share=os.environ.get("BENCH_SHARE") or None)
    health = HealthCheck(**options)
    health.add_check(checker)
    app = Flask(__name__)

    def view() -> Any:
        body, status, headers = health.run()
        return Response(body, status, {**headers, "X-Worker-Pid": str(os.getpid())})

    app.add_url_rule("/healthcheck", view_func=view)
    app.add_url_rule("/_bench/info", view_func=lambda: json.dumps({"module": "workers"}))
    return app


def make_busy_app() -> Any:
    """Every request to the app takes ``BENCH_SLOW`` seconds; the health endpoints answer in
    the app (HealthWSGI around it) and on a management port (``MANAGEMENT_PORT``)."""
    from healthcheck import HealthCheck
    from healthcheck.integrations.wsgi import HealthWSGI
    from healthcheck.management import InFlight, serve_management

    slow = float(os.environ.get("BENCH_SLOW", "2"))

    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ.get("PATH_INFO") == "/_bench/info":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"module": "workers"}']
        time.sleep(slow)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"done"]

    health = HealthCheck(success_ttl=1, failed_ttl=1, error_timeout=1)
    in_flight = InFlight(application, limit=int(os.environ.get("BENCH_THREADS", "2")))
    health.add_check(in_flight.check, name="saturation", tags=["ready"], shared=False)
    port = int(os.environ["MANAGEMENT_PORT"])
    serve_management(health, port=port, reuse_port=True)
    return HealthWSGI(health, app=in_flight)


def shared_process(role: str) -> int:
    """Scenario 11: ``hold`` runs a check that hangs (until killed) holding the shared lock;
    ``run`` runs the same check, which returns at once. Each run is counted."""
    from healthcheck import HealthCheck

    health = HealthCheck(error_timeout=float(os.environ.get("BENCH_TIMEOUT", "2")),
                         share=os.environ["BENCH_SHARE"])  # fmt: skip

    def hanging() -> tuple[bool, str]:
        count_run()
        if role == "hold":
            time.sleep(3600)
        return True, f"run by {os.getpid()}"

    health.add_check(hanging, name="hanging")
    print("ready", flush=True)
    sys.stdin.readline()
    body = json.loads(health.run()[0])
    print(json.dumps(body["results"][0]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(shared_process(sys.argv[1]))
