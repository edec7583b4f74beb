"""Flask: an extension in the framework's own idiom.

health_ext = HealthCheckExtension(health=health, environment=environment)
health_ext.init_app(app)        # or HealthCheckExtension(app, health=...)
"""

from __future__ import annotations

from typing import Any

from .._optional import require

flask = require("flask", extra="flask")

from werkzeug.routing import BaseConverter  # noqa: E402 - after the friendly import check

from ..core import HealthCheck  # noqa: E402
from ..endpoints import Endpoints, Request  # noqa: E402
from ..environment import EnvironmentDump  # noqa: E402
from ._http import EnvironHeaders, QuietAccessLog, parse_query, strip_prefix, wsgi_peer  # noqa: E402


class HealthCheckExtension:
    """Registers a Blueprint serving ``/healthcheck``, ``/environment``, the probes
    (``/livez``, ``/readyz``, ``/startupz``) and ``/metrics`` below ``prefix``.

    ``options`` are :class:`~healthcheck.endpoints.Endpoints`' (``authorize`` receives
    ``flask.request``). ``quiet_access_log`` keeps these routes out of werkzeug's and
    gunicorn's access logs.
    """

    def __init__(
        self,
        app: Any = None,
        *,
        health: HealthCheck | None = None,
        environment: EnvironmentDump | None = None,
        prefix: str = "",
        name: str = "healthcheck",
        quiet_access_log: bool = False,
        **options: Any,
    ) -> None:
        self.endpoints = Endpoints(health, environment, **options)
        self.prefix = prefix.rstrip("/")
        self.name = name
        self.quiet_access_log = quiet_access_log
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Any) -> None:
        blueprint = flask.Blueprint(self.name, __name__, url_prefix=self.prefix or None)
        names: set[str] = set()
        for number, route in enumerate(self.endpoints.routes):
            # The default routes keep their kind as endpoint name: url_for("healthcheck.readyz")
            name = route.kind if route.kind not in names else f"{route.kind}_{number}"
            names.add(name)
            rule = route.path
            blueprint.add_url_rule(rule, name, self._view, **_RULE)
            if route.by_name:
                rule = f"{route.path.rstrip('/')}/<{_CheckName.NAME}:check>"
                blueprint.add_url_rule(rule, f"{name}_check", self._view, **_RULE)
            if route.grouped:
                rule = f"{route.path.rstrip('/')}/group/<{_CheckName.NAME}:group>"
                blueprint.add_url_rule(rule, f"{name}_group", self._view, **_RULE)
        app.url_map.converters.setdefault(_CheckName.NAME, _CheckName)
        app.register_blueprint(blueprint)
        app.extensions[self.name] = self
        if self.quiet_access_log:
            QuietAccessLog.install()

    def _view(self, check: str | None = None, group: str | None = None) -> Any:
        # The request itself, not the proxy: each attribute read through flask.request costs a
        # context lookup, and this view is on the hot path of every probe.
        request = flask.request._get_current_object()
        method, full_path = request.method, request.path
        path = strip_prefix(full_path, self.prefix) or full_path if self.prefix else full_path
        if self.quiet_access_log:
            matched = self.endpoints.match(path)
            # Who read the environment dump stays on record.
            if matched is not None and matched[0].kind != "environment":
                QuietAccessLog.mark(method, full_path)
        asked = Request(
            method=method,
            path=path,
            query=parse_query(request.query_string),
            headers=EnvironHeaders(request.environ),
            remote_addr=wsgi_peer(request.environ),
            native=request,
        )
        reply = self.endpoints.handle(asked)
        if reply is None:  # a name no check has: the answer for an unknown check
            reply = self.endpoints.not_found(path, method, asked)
        # Werkzeug sets the body's length itself: one header fewer to copy and check (and a
        # list is the form it copies fastest).
        length = reply.headers.pop("Content-Length")
        headers = list(reply.headers.items())
        response = flask.Response(reply.body, status=reply.status, headers=headers)
        if method == "HEAD":  # GET's length, not the empty body's
            response.headers["Content-Length"] = length
        return response


#: Every method reaches the endpoints, which answer 405 for all but GET and HEAD (with the
#: headers of their other answers, and alike for every check name).
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
#: How each health rule is registered: /healthcheck/ answers as on the other adapters, with
#: no redirect, and so does /healthcheck//db (werkzeug would redirect it to a check's path,
#: where every other adapter answers 404).
_RULE: dict[str, Any] = {"methods": _METHODS, "strict_slashes": False, "merge_slashes": False}


class _CheckName(BaseConverter):
    """The ``<check>`` of a health route, tried after every converter of the application's
    own (a larger weight): where one of the app's routes overlaps ``<path>/<check>``, as
    ``/status/<job_id>`` does ``/status/<check>``, the app's route answers, whatever the order
    of registration."""

    NAME = "healthcheck_name"
    weight = 1000
