"""The view serving every health route: the Django request in, the endpoints' reply out."""

from __future__ import annotations

from typing import Any

from ..._optional import require
from ...endpoints import Request
from ...integrations._http import parse_query
from . import conf

http: Any = require("django.http", extra="django")
csrf: Any = require("django.views.decorators.csrf", extra="django")


@csrf.csrf_exempt  # type: ignore[untyped-decorator] # every method reaches the endpoints: 405 but for GET/HEAD
def serve(request: Any, path: str) -> Any:
    endpoints = conf.endpoints()
    asked = Request(
        method=request.method or "GET",
        path="/" + path,
        query=parse_query(request.META.get("QUERY_STRING", "").encode("latin-1", "replace")),
        headers=request.headers,  # Django's: looked up by any case
        remote_addr=request.META.get("REMOTE_ADDR"),
        native=request,
    )
    reply = endpoints.handle(asked)
    if reply is None:  # a name no check has: the answer for an unknown check
        reply = endpoints.not_found("/" + path, asked.method, asked)
    response = http.HttpResponse(reply.body, status=reply.status)
    for name, value in reply.headers.items():
        response[name] = value
    return response
