"""Tornado: ``("/healthcheck", TornadoHandler, dict(checker=health))``."""

from __future__ import annotations

from typing import Any

from .._optional import require

require("tornado", extra="tornado")

from tornado.web import RequestHandler  # noqa: E402 - after the friendly import check

from ..core import HealthCheck  # noqa: E402
from ..environment import EnvironmentDump  # noqa: E402


class TornadoHandler(RequestHandler):
    """Serves a :class:`HealthCheck` or an :class:`EnvironmentDump` without blocking the IOLoop.

    Sync checkers run on the check thread pool and async ones on the IOLoop, so other handlers
    keep answering while a slow check runs. A URL group, as in ``r"/healthcheck/(\\w+)"``,
    selects one check by name.
    """

    checker: HealthCheck | EnvironmentDump

    def initialize(self, checker: HealthCheck | EnvironmentDump) -> None:
        self.checker = checker

    async def get(self, check: str | None = None, *args: Any) -> None:
        if isinstance(self.checker, HealthCheck):
            body, status, headers = await self.checker.run_async(check)
        else:
            body, status, headers = await self.checker.run_async()
        self.set_status(status)
        for name, value in headers.items():
            self.set_header(name, value)
        self.finish(body)
