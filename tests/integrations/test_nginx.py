"""A real nginx on the same host in front of each adapter, the most common deployment: every
request reaches the app from 127.0.0.1, and only the forwarding headers nginx writes tell a
local client from a remote one.

The remote client is played by the test telling nginx, through its realip module, that the
connection came from 203.0.113.9 (as an outer load balancer would): nginx then writes that
address into ``X-Real-IP`` and ``X-Forwarded-For`` as it does for any client.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from healthcheck import EnvironmentDump, HealthCheck
from tests.checks.conftest import private_server
from tests.http import get
from tests.servers import SERVERS, free_port

Serve = Callable[..., AbstractContextManager[str]]
INSTALL = "nginx not installed (apt-get install nginx)"
REMOTE = {"X-Outer-Client": "203.0.113.9"}

#: The same-host setup the README documents: the two forwarding headers, nothing else.
CONFIG = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port};
        # The test's stand-in for an outer load balancer (see the module's docstring).
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Outer-Client;
        location / {{
            proxy_pass {upstream};
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


def _nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(INSTALL)
        pytest.skip(INSTALL)
    return found


@contextmanager
def nginx_in_front_of(upstream: str) -> Iterator[str]:
    binary = _nginx_binary()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        config = Path(folder, "nginx.conf")
        config.write_text(CONFIG.format(folder=folder, port=port, upstream=upstream))
        with private_server([binary, "-p", folder, "-c", str(config), "-g", "daemon off;"], port):
            yield f"http://127.0.0.1:{port}"


@pytest.fixture(params=sorted(name for name in SERVERS if name != "memory"))
def serve(request: pytest.FixtureRequest) -> Serve:
    return SERVERS[request.param]


def test_a_remote_client_gets_no_details_and_no_environment(
    serve: Serve, failing: HealthCheck
) -> None:
    with serve(failing, EnvironmentDump()) as app, nginx_in_front_of(app) as proxy:
        health = get(proxy + "/healthcheck", headers=REMOTE)
        environment = get(proxy + "/environment", headers=REMOTE)
        by_name = get(proxy + "/healthcheck/queue", headers=REMOTE)
        bisect = get(proxy + "/healthcheck?exclude=queue", headers=REMOTE)
        # A remote client claiming to be local, in both headers nginx writes
        spoofed = get(
            proxy + "/environment",
            headers={**REMOTE, "X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"},
        )
    assert (health.status, health.json()) == (500, {"status": "failure"})
    assert environment.status == 403
    assert by_name.status == 404 and bisect.status == 403
    assert spoofed.status == 403


def test_with_trusted_proxies_the_real_client_address_is_used(
    serve: Serve, failing: HealthCheck
) -> None:
    # The default trusts a proxy on this machine: a local client through it is local.
    with serve(failing, EnvironmentDump()) as app, nginx_in_front_of(app) as proxy:
        local = get(proxy + "/healthcheck")
        environment = get(proxy + "/environment")
    if serve in (SERVERS["asgi"], SERVERS["fastapi"]):
        # Except under uvicorn, which puts the forwarded address in the scope itself: then a
        # proxy's word cannot be told from a forged one (README: trusted_proxies).
        assert local.json() == {"status": "failure"}
        assert environment.status == 403
    else:
        assert len(local.json()["results"]) == 2
        assert environment.status == 200
    # nginx not among the trusted proxies: what it forwards is not believed, so nobody
    # behind it is local; the app's own loopback callers still are.
    with serve(failing, EnvironmentDump(), trusted_proxies=["10.0.0.0/8"]) as app:
        with nginx_in_front_of(app) as proxy:
            behind = get(proxy + "/environment")
        direct = get(app + "/environment")
    assert behind.status == 403
    assert direct.status == 200
