"""FastAPI: an ``APIRouter`` whose routes appear in the OpenAPI schema with a response model
for each format.

.. code-block:: python

    app.include_router(health_router(health, environment), prefix="/ops")

Checks may take FastAPI dependencies: ``health.add_check(with_dependencies(check, app))``.
"""

# Optional[...] in the models: pydantic evaluates the annotations, and "X | None" fails on 3.9.
# ruff: noqa: UP007, UP045
from __future__ import annotations

import contextlib
import inspect
import itertools
import typing
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, Optional, Union

from .._optional import require

fastapi = require("fastapi", extra="fastapi")

from pydantic import BaseModel, ConfigDict  # noqa: E402 - after the friendly import check
from starlette.requests import Request as HTTPRequest  # noqa: E402
from starlette.responses import Response as HTTPResponse  # noqa: E402

from ..core import HealthCheck  # noqa: E402
from ..endpoints import (  # noqa: E402
    ENVIRONMENT_FORMATS,
    METRICS_FORMATS,
    Endpoints,
    Reply,
    Request,
    Route,
)
from ..environment import EnvironmentDump  # noqa: E402
from ..proxies import forwarded_from  # noqa: E402
from ._http import ScopeHeaders, parse_query, tail_of  # noqa: E402

__all__ = ["CheckResultModel", "HealthModel", "health_router", "with_dependencies"]


class CheckResultModel(BaseModel):
    """One check's result in the py-healthcheck JSON."""

    model_config = ConfigDict(extra="allow")

    checker: str
    output: Any = None
    passed: bool
    timestamp: float
    expires: float
    response_time: float
    status: Literal["pass", "warn", "fail"]
    observed_value: Optional[Union[float, str]] = None
    observed_unit: Optional[str] = None


class HealthModel(BaseModel):
    """The py-healthcheck JSON: the overall status word, and the details for callers who may
    see them (``results``, ``hostname``, ``timestamp``, custom sections)."""

    model_config = ConfigDict(extra="allow")

    status: Literal["success", "warning", "failure"]
    hostname: Optional[str] = None
    timestamp: Optional[float] = None
    results: Optional[list[CheckResultModel]] = None


class ErrorModel(BaseModel):
    error: str


#: application/health+json, flat (an inline schema: OpenAPI resolves no nested $defs there).
_HEALTH_JSON = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["pass", "warn", "fail"]},
        "version": {"type": "string"},
        "serviceId": {"type": "string"},
        "description": {"type": "string"},
        "checks": {"type": "object", "additionalProperties": {"type": "array"}},
    },
    "required": ["status"],
}
_TEXT = {"type": "string"}
#: Every method reaches the endpoints, which answer 405 but for GET and HEAD (HEAD answers as
#: GET does: only GET is in the schema).
_routers = itertools.count(1)
_OTHER_METHODS = ["HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def health_router(
    health: HealthCheck | None = None,
    environment: EnvironmentDump | None = None,
    *,
    tags: Sequence[str] = ("health",),
    dependencies: Sequence[Any] = (),
    **options: Any,
) -> Any:
    """An ``APIRouter`` serving the endpoints: ``app.include_router(health_router(health),
    prefix="/ops")``. ``dependencies`` run before every route (FastAPI's ``Depends``, e.g. an
    API key); ``options`` are :class:`~healthcheck.endpoints.Endpoints`' (``authorize``
    receives the Starlette request)."""
    endpoints = Endpoints(health, environment, **options)
    router = fastapi.APIRouter(tags=list(tags), dependencies=list(dependencies))
    # Operation ids are made before the router is included: each router's are its own, so
    # that two routers (one per prefix) make a valid document.
    number = next(_routers)
    mark = "" if number == 1 else f"_{number}"
    for route in endpoints.routes:
        _add(router, endpoints, route, route.path, f"{route.kind}: {route.path}", mark)
        base = route.path.rstrip("/")
        if route.by_name:
            _add(router, endpoints, route, f"{base}/{{check}}", f"one check by name: {base}", mark)
        if route.grouped:
            _add(router, endpoints, route, f"{base}/group/{{group}}", f"a group: {base}", mark)
    return router


def _add(
    router: Any, endpoints: Endpoints, route: Route, path: str, summary: str, mark: str
) -> None:
    async def serve(request: HTTPRequest) -> HTTPResponse:
        return await _serve(endpoints, request, path)

    operation = f"{route.kind}{path.replace('/', '_').replace('{', '').replace('}', '')}{mark}"
    router.add_api_route(
        path,
        serve,
        methods=["GET"],
        response_class=fastapi.Response,
        responses=_responses(route),
        summary=summary,
        operation_id=operation,
        openapi_extra={"parameters": [*_path_parameters(path), *_query_parameters(route)]},
    )
    router.add_api_route(
        path,
        serve,
        methods=_OTHER_METHODS,
        response_class=fastapi.Response,
        include_in_schema=False,
        operation_id=f"{operation}_other",
    )


def _path_parameters(path: str) -> list[dict[str, Any]]:
    """The path's parameter, for the schema (the endpoints read the path themselves)."""
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in ("check", "group")
        if f"{{{name}}}" in path
    ]


def _query_parameters(route: Route) -> list[dict[str, Any]]:
    """The query parameters a route reads, for the schema (the endpoints parse them)."""
    if route.kind == "environment":
        return [_query("format", "json or html")]
    if route.kind == "metrics":
        return [_query("format", "prometheus or openmetrics")]
    found = [
        _query("verbose", "with the details: one line (or entry) per check"),
        _query("exclude", "leave out these checks (comma-separated or repeated)"),
    ]
    if route.kind == "healthcheck":
        formats = "json, health+json, text, html, healthcheckx or actuator"
        found += [_query("format", formats), _query("tag", "only checks with one of these tags")]
    return found


def _query(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


def _responses(route: Route) -> dict[int | str, dict[str, Any]]:
    """What each status of ``route`` can carry, by media type, for the OpenAPI schema."""
    if route.kind == "metrics":
        content = {media: {"schema": _TEXT} for media in METRICS_FORMATS.values()}
        return {
            200: {"description": "Prometheus or OpenMetrics text", "content": content},
            403: {"model": ErrorModel, "description": "For callers with the details only"},
        }
    if route.kind == "environment":
        content = {media: {"schema": _TEXT} for media in ENVIRONMENT_FORMATS.values()}
        content["application/json"] = {"schema": {"type": "object"}}
        return {
            200: {"description": "The environment dump", "content": content},
            403: {"model": ErrorModel, "description": "For authorised callers only"},
        }
    if route.kind != "healthcheck":
        text = {"text/plain": {"schema": _TEXT}}
        return {
            200: {"description": "ok, or one line per check with ?verbose", "content": text},
            500: {"description": "a check failed (failed_status)", "content": text},
            404: {"description": "No check of that name", "content": text},
        }
    formats: dict[str, dict[str, Any]] = {
        "application/health+json": {"schema": _HEALTH_JSON},
        "text/plain": {"schema": _TEXT},
        "text/html": {"schema": _TEXT},
    }
    return {
        200: {"model": HealthModel, "description": "Healthy (warnings too)", "content": formats},
        500: {"model": HealthModel, "description": "A critical check failed", "content": formats},
        400: {"model": ErrorModel, "description": "An unknown format or tag"},
        403: {"model": ErrorModel, "description": "?exclude= or ?tag= without the details"},
        404: {"model": ErrorModel, "description": "No check or group of that name"},
    }


async def _serve(endpoints: Endpoints, request: HTTPRequest, template: str) -> HTTPResponse:
    below = tail_of(request.url.path, template)
    client = request.client
    peer = client.host if client else None
    # Read as HealthASGI reads them: each name's lines joined (Starlette's get() gives the
    # first line only, maybe a client's before a proxy's).
    headers = ScopeHeaders(request.scope.get("headers", ()))
    # As in HealthASGI: an address the server took from a forwarding header is no peer.
    if peer is not None and forwarded_from(peer, headers):
        peer = None
    asked = Request(
        method=request.method,
        path=below,
        query=parse_query(request.scope.get("query_string", b"")),
        headers=headers,
        remote_addr=peer,
        native=request,
    )
    reply = await endpoints.handle_async(asked)
    if reply is None:  # a name no check has: the answer for an unknown check
        reply = endpoints.not_found(asked.path, asked.method, asked)
    return _response(reply)


def _response(reply: Reply) -> HTTPResponse:
    return HTTPResponse(content=reply.body, status_code=reply.status, headers=reply.headers)


# -- checks with FastAPI dependencies ----------------------------------------------------------


def with_dependencies(check: Callable[..., Any], app: Any = None) -> Callable[[], Awaitable[Any]]:
    """``check`` with its ``Depends(...)`` parameters given, as FastAPI would give them to a
    path operation: sub-dependencies, ``yield`` dependencies (closed after the check) and the
    ``app``'s ``dependency_overrides``. Dependencies of a check cannot ask for the request
    (there is none): that is an error here, not at run time."""
    _check_dependable(check, [])
    overrides = getattr(app, "dependency_overrides", {}) if app is not None else {}

    async def checker() -> Any:
        async with contextlib.AsyncExitStack() as stack:
            value = await _call(check, overrides, stack, {})
        return value

    checker.__name__ = getattr(check, "__name__", type(check).__name__)
    return checker


def _parameters(func: Callable[..., Any]) -> list[tuple[str, inspect.Parameter, Any]]:
    """Each parameter of ``func`` with its annotation evaluated (``from __future__ import
    annotations`` leaves strings, where ``Annotated[X, Depends(...)]`` would go unseen)."""
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:  # an annotation that does not evaluate: take them as written
        hints = {}
    parameters = inspect.signature(func).parameters.items()
    return [(name, p, hints.get(name, p.annotation)) for name, p in parameters]


def _check_dependable(func: Callable[..., Any], seen: list[Callable[..., Any]]) -> None:
    for name, parameter, annotation in _parameters(func):
        depends = _depends(parameter, annotation)
        if depends is None:
            if parameter.default is inspect.Parameter.empty:
                raise TypeError(
                    f"{getattr(func, '__name__', func)!r}: parameter {name!r} is not a "
                    f"Depends(...): a check has no request to take it from"
                )
            continue
        dependency = depends.dependency or getattr(annotation, "__origin__", None)
        if dependency is not None and dependency not in seen:
            _check_dependable(dependency, [*seen, dependency])


def _depends(parameter: inspect.Parameter, annotation: Any) -> Any:
    default = parameter.default
    if isinstance(default, fastapi.params.Depends):
        return default
    for extra in getattr(annotation, "__metadata__", ()):  # Annotated[X, Depends()]
        if isinstance(extra, fastapi.params.Depends):
            return extra
    return None


async def _call(
    func: Callable[..., Any],
    overrides: dict[Any, Any],
    stack: contextlib.AsyncExitStack,
    cache: dict[Any, Any],
) -> Any:
    func = overrides.get(func, func)
    arguments = {}
    for name, parameter, annotation in _parameters(func):
        depends = _depends(parameter, annotation)
        if depends is None:
            continue
        dependency = depends.dependency
        if dependency is None:  # Annotated[Thing, Depends()]: the annotation is the callable
            dependency = annotation.__origin__
        key = overrides.get(dependency, dependency)
        if depends.use_cache and key in cache:
            arguments[name] = cache[key]
            continue
        value = await _call(dependency, overrides, stack, cache)
        cache[key] = value
        arguments[name] = value
    if inspect.isasyncgenfunction(func):
        return await stack.enter_async_context(contextlib.asynccontextmanager(func)(**arguments))
    if inspect.isgeneratorfunction(func):
        return stack.enter_context(contextlib.contextmanager(func)(**arguments))
    result = func(**arguments)
    return await result if inspect.isawaitable(result) else result
