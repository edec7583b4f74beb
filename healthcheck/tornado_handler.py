"""py-healthcheck's ``healthcheck.tornado_handler`` module path: re-exports
:class:`~healthcheck.integrations.tornado.TornadoHandler` (needs the ``tornado`` extra)."""

from __future__ import annotations

from .integrations.tornado import TornadoHandler as TornadoHandler

__all__ = ["TornadoHandler"]
