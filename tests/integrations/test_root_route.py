"""A route at ``/`` in front of an application takes the health paths only: every other path,
and every method on it, stays the application's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from healthcheck import HealthCheck, Route
from tests.http import get, wsgi_server
from tests.servers import tornado_app_server


@pytest.fixture
def health() -> Iterator[HealthCheck]:
    health = HealthCheck()
    health.add_check(lambda: (True, "database ok"), name="database")
    yield health
    health.close()


def test_wsgi(health: HealthCheck) -> None:
    from healthcheck.integrations.wsgi import HealthWSGI

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"app {environ['REQUEST_METHOD']} {environ['PATH_INFO']}".encode()]

    with wsgi_server(HealthWSGI(health, app=app, paths={"healthcheck": "/"})) as base:
        root = get(f"{base}/")
        check = get(f"{base}/database")
        login = get(f"{base}/login")
        post = get(f"{base}/login", method="POST")
    assert root.json()["status"] == "success"
    assert [r["checker"] for r in check.json()["results"]] == ["database"]
    assert (login.status, login.body) == (200, b"app GET /login")
    assert (post.status, post.body) == (200, b"app POST /login")


def test_tornado(health: HealthCheck) -> None:
    import tornado.web

    from healthcheck.integrations.tornado import routes

    class Page(tornado.web.RequestHandler):
        def get(self, *args: Any) -> None:
            self.write(f"app {self.request.path}")

        post = get

    app = tornado.web.Application(
        [*routes(routes=[Route("/", health)]), (r"/login", Page), (r"/(.*)", Page)]
    )
    with tornado_app_server(app) as base:
        root = get(f"{base}/")
        check = get(f"{base}/database")
        login = get(f"{base}/login")
        post = get(f"{base}/login", method="POST")
        other = get(f"{base}/about")
    assert root.json()["status"] == "success"
    assert [r["checker"] for r in check.json()["results"]] == ["database"]
    assert (login.status, login.body) == (200, b"app /login")
    assert (post.status, post.body) == (200, b"app /login")
    assert other.body == b"app /about"


@pytest.mark.parametrize("extension_first", [True, False])
def test_flask_the_app_s_overlapping_routes_answer(
    health: HealthCheck, extension_first: bool
) -> None:
    from flask import Flask

    from healthcheck.integrations.flask import HealthCheckExtension

    app = Flask(__name__)

    def register_app_routes() -> None:
        app.add_url_rule("/status/<job_id>", "job", lambda job_id: f"job {job_id}")
        app.add_url_rule("/<slug>", "page", lambda slug: f"page {slug}")

    if not extension_first:
        register_app_routes()
    HealthCheckExtension(
        app, health=health, paths={"healthcheck": "/status"}, routes=[Route("/", health)]
    )
    if extension_first:
        register_app_routes()
    with wsgi_server(app) as base:
        status = get(f"{base}/status")
        job = get(f"{base}/status/1234")
        page = get(f"{base}/about")
        readyz = get(f"{base}/readyz/database")
        root = get(f"{base}/")
    assert status.json()["status"] == "success"
    assert (job.status, job.body) == (200, b"job 1234")
    assert (page.status, page.body) == (200, b"page about")
    assert (readyz.status, readyz.body) == (200, b"ok")  # no app route overlaps it
    assert root.json()["status"] == "success"


def test_wsgi_takes_a_path_info_of_decoded_text_at_its_word(health: HealthCheck) -> None:
    """Not every server follows PEP 3333's latin-1 PATH_INFO; text beyond latin-1 is passed
    on to the application untouched rather than failing every request."""
    from healthcheck.integrations.wsgi import HealthWSGI

    seen: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"app"]

    wrapped = HealthWSGI(health, app=app)
    statuses: list[str] = []
    body = wrapped(
        {"PATH_INFO": "/wiki/€", "REQUEST_METHOD": "GET"}, lambda s, h: statuses.append(s)
    )
    assert (list(body), seen, statuses) == ([b"app"], ["/wiki/€"], ["200 OK"])


REMOTE = {"X-Forwarded-For": "203.0.113.9"}  # a remote client behind a local proxy


def test_for_a_remote_client_every_path_below_the_root_is_the_application_s(
    health: HealthCheck,
) -> None:
    """A caller who may not ask about checks by name gets the application's page for every
    name, a check's or not: names stay unsaid, and the application's pages stay its own."""
    import tornado.web

    from healthcheck.integrations.tornado import routes
    from healthcheck.integrations.wsgi import HealthWSGI

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"app {environ['REQUEST_METHOD']} {environ['PATH_INFO']}".encode()]

    class Page(tornado.web.RequestHandler):
        def get(self, *args: Any) -> None:
            self.write(f"app {self.request.method} {self.request.path}")

        post = get

    tornado_app = tornado.web.Application([*routes(routes=[Route("/", health)]), (r"/(.*)", Page)])
    with wsgi_server(HealthWSGI(health, app=app, paths={"healthcheck": "/"})) as wsgi:
        with tornado_app_server(tornado_app) as tornado_base:
            for base in (wsgi, tornado_base):
                for method, path in [("POST", "/login"), ("GET", "/favicon.ico"),
                                     ("GET", "/database"), ("POST", "/database")]:  # fmt: skip
                    reply = get(base + path, headers=REMOTE, method=method)
                    assert (reply.status, reply.body) == (200, f"app {method} {path}".encode())
                assert get(base + "/", headers=REMOTE).json() == {"status": "success"}
