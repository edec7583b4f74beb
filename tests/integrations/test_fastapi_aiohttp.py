"""What FastAPI and aiohttp users get beyond the contract every adapter passes: the routes in
FastAPI's OpenAPI schema with a model for each format, checks with FastAPI dependencies,
router dependencies, and aiohttp's sub-applications. Real servers on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

from healthcheck import HealthCheck
from tests.http import get
from tests.servers import aiohttp_serving, uvicorn_serving

fastapi = pytest.importorskip("fastapi")
web = pytest.importorskip("aiohttp.web")

from healthcheck.integrations.fastapi import health_router, with_dependencies  # noqa: E402


@pytest.fixture
def health() -> Iterator[HealthCheck]:
    health = HealthCheck(error_timeout=2)
    health.add_check(lambda: (True, "database ok"), name="database", tags=["ready"])
    health.add_group("backends", checks=["database"])
    yield health
    health.close()


def test_the_routes_are_in_the_openapi_schema_with_a_model_per_format(
    health: HealthCheck,
) -> None:
    app = fastapi.FastAPI()
    app.include_router(health_router(health), prefix="/ops")
    with uvicorn_serving(app) as base:
        schema = get(base + "/openapi.json").json()
        served = get(base + "/ops/healthcheck")
    from openapi_spec_validator import validate

    validate(schema)  # a valid OpenAPI document: every path parameter declared
    paths = schema["paths"]
    assert {
        "/ops/healthcheck",
        "/ops/healthcheck/{check}",
        "/ops/healthcheck/group/{group}",
        "/ops/livez",
        "/ops/readyz/{check}",
        "/ops/metrics",
    } <= set(paths)
    operation = paths["/ops/healthcheck"]["get"]
    assert list(paths["/ops/healthcheck"]) == ["get"]  # HEAD and the 405s stay out of it
    ok = operation["responses"]["200"]["content"]
    assert set(ok) == {"application/json", "application/health+json", "text/plain", "text/html"}
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/HealthModel"}
    model = schema["components"]["schemas"]["HealthModel"]
    assert model["properties"]["status"]["enum"] == ["success", "warning", "failure"]
    assert {"200", "400", "403", "404", "500"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} == {"verbose", "exclude", "format", "tag"}
    assert ok["application/health+json"]["schema"]["properties"]["status"]["enum"] == [
        "pass",
        "warn",
        "fail",
    ]
    assert served.status == 200 and served.json()["results"][0]["checker"] == "database"


def test_two_routers_make_one_valid_document(health: HealthCheck) -> None:
    from openapi_spec_validator import validate

    app = fastapi.FastAPI()
    app.include_router(health_router(health), prefix="/internal")
    app.include_router(health_router(health, details="never"), prefix="/public")
    validate(app.openapi())  # no operation id twice


def test_router_dependencies_guard_every_route(health: HealthCheck) -> None:
    def api_key(x_api_key: Annotated[str, fastapi.Header()] = "") -> None:
        if x_api_key != "k3y":
            raise fastapi.HTTPException(status_code=401, detail="no key")

    app = fastapi.FastAPI()
    app.include_router(health_router(health, dependencies=[fastapi.Depends(api_key)]))
    with uvicorn_serving(app) as base:
        refused = get(base + "/healthcheck")
        allowed = get(base + "/readyz", headers={"X-API-Key": "k3y"})
    assert refused.status == 401
    assert allowed.status == 200 and allowed.body == b"ok"


# Checks and their dependencies live at module level, as in an application: their string
# annotations (from __future__ import annotations) evaluate against the module's names.
EVENTS: list[str] = []


def settings() -> dict[str, str]:
    return {"dsn": "postgresql://db/app"}


async def session(
    config: Annotated[dict[str, str], fastapi.Depends(settings)],
) -> AsyncIterator[str]:
    EVENTS.append("open")
    yield f"session to {config['dsn']}"
    EVENTS.append("close")


async def database(db: Annotated[str, fastapi.Depends(session)]) -> tuple[bool, str]:
    return True, db


def user_agent(user_agent: Annotated[str, fastapi.Header()]) -> str:
    return user_agent


def needs_the_request(agent: Annotated[str, fastapi.Depends(user_agent)]) -> tuple[bool, str]:
    return True, agent


def test_a_check_takes_fastapi_dependencies_overrides_and_yield_included() -> None:
    EVENTS.clear()
    app = fastapi.FastAPI()
    health = HealthCheck(success_ttl=0)
    health.add_check(with_dependencies(database, app))
    body = json.loads(health.run()[0])
    assert body["results"][0]["output"] == "session to postgresql://db/app"
    assert body["results"][0]["checker"] == "database"
    assert EVENTS == ["open", "close"]  # the yield dependency is closed after the check
    app.dependency_overrides[settings] = lambda: {"dsn": "sqlite://"}
    assert json.loads(health.run()[0])["results"][0]["output"] == "session to sqlite://"
    health.close()


def test_a_dependency_that_needs_the_request_is_refused_at_once() -> None:
    with pytest.raises(TypeError, match="'user_agent': parameter 'user_agent' is not a Depends"):
        with_dependencies(needs_the_request)


def test_aiohttp_sub_application_at_a_prefix(health: HealthCheck) -> None:
    from healthcheck.integrations.aiohttp import health_app

    async def home(request: Any) -> Any:
        return web.Response(text="shop")

    def make() -> Any:
        app = web.Application()
        app.router.add_get("/", home)
        app.add_subapp("/ops", health_app(health, details="always"))
        return app

    with aiohttp_serving(make) as base:
        whole = get(base + "/ops/healthcheck")
        one = get(base + "/ops/healthcheck/database")
        group = get(base + "/ops/healthcheck/group/backends")
        head = get(base + "/ops/readyz", method="HEAD")
        home_page = get(base + "/")
    assert whole.status == 200 and whole.json()["results"][0]["checker"] == "database"
    assert [r["checker"] for r in one.json()["results"]] == ["database"]
    assert group.status == 200
    assert (head.status, head.body, head.headers["Content-Length"]) == (200, b"", "2")
    assert home_page.body == b"shop"
