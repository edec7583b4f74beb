"""haproxy running contrib/haproxy/haproxy.cfg (``option httpchk GET /readyz``, its ``fall`` and
``rise``) in front of two apps: a failing one leaves rotation after ``fall`` failed checks and
comes back after ``rise`` passing ones; one drained by a real SIGTERM leaves while it stays
alive, then ends."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.e2e.conftest import (
    Haproxy,
    eventually,
    gunicorn_backend,
    haproxy_in_front,
    haproxy_setting,
)
from tests.http import get

#: haproxy checks this often here (the file says 2 s); the apps' results live TTL seconds.
INTER = 0.3
TTL = 0.2
FALL, RISE = haproxy_setting("fall"), haproxy_setting("rise")
#: What haproxy's and the machine's scheduling may add to a transition.
SLACK = 1.5


def seconds_until(proxy: Haproxy, server: str, state: str) -> float:
    """Seconds until haproxy's stats show ``server`` in ``state``."""
    start = time.monotonic()
    eventually(
        lambda: proxy.states()[server] == state,
        TTL + (FALL + RISE) * INTER + SLACK,
        f"{server} {state}",
    )
    return time.monotonic() - start


def test_a_failing_server_leaves_after_fall_checks_and_returns_after_rise(folder: Path) -> None:
    assert FALL >= 2 and RISE >= 2  # else no lower bound below tells anything
    with gunicorn_backend("a", folder, ttl=TTL) as a, gunicorn_backend("b", folder, ttl=TTL) as b:
        with haproxy_in_front(folder, [a, b], inter_ms=int(INTER * 1000)) as proxy:
            eventually(lambda: proxy.states() == {"a": "UP", "b": "UP"}, 10, "both up")
            assert set(proxy.served_by()) == {"a", "b"}
            # The file forwards the client's address: the app does not take haproxy's for it.
            assert get(proxy.url + "/forwarded").body == b"127.0.0.1"

            a.set("database unreachable")
            took = seconds_until(proxy, "a", "DOWN")
            # FALL failed checks INTER apart: not at the first one, and no later than the last
            # (once the cached success has expired).
            assert (FALL - 1) * INTER - 0.1 <= took <= TTL + FALL * INTER + SLACK, took
            row = proxy.stats()["a"]
            assert (row["check_status"], row["check_code"]) == ("L7STS", "500"), row
            assert set(proxy.served_by()) == {"b"}  # traffic only to the healthy one
            assert proxy.states()["b"] == "UP"

            a.set("ok")
            took = seconds_until(proxy, "a", "UP")
            assert (RISE - 1) * INTER - 0.1 <= took <= TTL + RISE * INTER + SLACK, took
            assert set(proxy.served_by()) == {"a", "b"}


def test_a_server_drained_by_sigterm_leaves_rotation_while_it_stays_alive(folder: Path) -> None:
    drain = TTL + FALL * INTER + SLACK + 3  # long enough to look at it while it drains
    with (
        gunicorn_backend("a", folder, ttl=TTL, drain=drain) as a,
        gunicorn_backend("b", folder, ttl=TTL) as b,
    ):
        with haproxy_in_front(folder, [a, b], inter_ms=int(INTER * 1000)) as proxy:
            eventually(lambda: proxy.states() == {"a": "UP", "b": "UP"}, 10, "both up")
            get(a.url + "/readyz")  # the worker has answered: its drain handler is in place
            assert a.process is not None
            sent = time.monotonic()
            a.process.send_signal(signal.SIGTERM)

            took = seconds_until(proxy, "a", "DOWN")
            assert took <= FALL * INTER + SLACK, took
            assert set(proxy.served_by()) == {"b"}
            assert time.monotonic() - sent < drain  # all this while a was draining:
            assert get(a.url + "/livez").status == 200  # alive, finishing its requests
            assert get(a.url + "/readyz").status == 500
            assert a.process.wait(drain + 10) == 0
