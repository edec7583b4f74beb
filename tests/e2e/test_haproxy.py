"""haproxy with ``option httpchk`` in front of two apps: a failing one leaves rotation within
``fall`` checks and comes back after ``rise``; a draining one leaves while it stays alive."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import eventually, gunicorn_backend, haproxy_in_front
from tests.http import get

#: haproxy checks every 200 ms, 2 to fall and 2 to rise; the apps' results live 0.2 s. A state
#: change shows in haproxy within (TTL + fall x inter) ~ 0.6 s: this is the slack over it.
WITHIN = 5.0


def test_a_failing_server_leaves_rotation_and_comes_back(folder: Path) -> None:
    with gunicorn_backend("a", folder) as a, gunicorn_backend("b", folder) as b:
        with haproxy_in_front(folder, [a, b]) as proxy:
            eventually(lambda: proxy.states() == {"a": "UP", "b": "UP"}, WITHIN, "both up")
            assert set(proxy.served_by()) == {"a", "b"}

            a.set("database unreachable")
            eventually(lambda: proxy.states()["a"] == "DOWN", WITHIN, "a out of rotation")
            assert set(proxy.served_by()) == {"b"}  # traffic only to the healthy one
            assert proxy.states()["b"] == "UP"

            a.set("ok")
            eventually(lambda: proxy.states()["a"] == "UP", WITHIN, "a back in rotation")
            assert set(proxy.served_by()) == {"a", "b"}


def test_a_draining_server_leaves_rotation_while_it_stays_alive(folder: Path) -> None:
    with gunicorn_backend("a", folder) as a, gunicorn_backend("b", folder) as b:
        with haproxy_in_front(folder, [a, b], path="/readyz") as proxy:
            eventually(lambda: proxy.states() == {"a": "UP", "b": "UP"}, WITHIN, "both up")

            a.set("drain")
            eventually(lambda: proxy.states()["a"] == "DOWN", WITHIN, "draining a out")
            assert set(proxy.served_by()) == {"b"}
            assert get(a.url + "/livez").status == 200  # alive: finishing its requests
            assert get(a.url + "/readyz").status != 200
