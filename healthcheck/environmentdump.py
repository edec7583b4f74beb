"""py-healthcheck's ``healthcheck.environmentdump`` module path: re-exports
:class:`~healthcheck.EnvironmentDump`."""

from __future__ import annotations

from .environment import EnvironmentDump as EnvironmentDump

__all__ = ["EnvironmentDump"]
