"""Health-check and environment endpoints for Python web apps.

A drop-in replacement for py-healthcheck: ``from healthcheck import HealthCheck,
EnvironmentDump, TornadoHandler``.
"""

from __future__ import annotations

from ._about import __version__ as __version__

TYPE_CHECKING = False  # typing itself is not imported: it costs the probe's start-up
if TYPE_CHECKING:
    from typing import Any

    from ._engine.runner import basic_exception_handler as basic_exception_handler
    from ._engine.runner import traceback_exception_handler as traceback_exception_handler
    from .build import BuildInfo as BuildInfo
    from .check import Check as Check
    from .core import HealthCheck as HealthCheck
    from .endpoints import Route as Route
    from .environment import EnvironmentDump as EnvironmentDump
    from .exceptions import DuplicateNameError as DuplicateNameError
    from .exceptions import HealthCheckError as HealthCheckError
    from .exceptions import MissingDependencyError as MissingDependencyError
    from .integrations.tornado import TornadoHandler as TornadoHandler
    from .listeners import LoggingListener as LoggingListener
    from .listeners import StatusChange as StatusChange
    from .probes import Probe as Probe
    from .render.compat import json_failed_handler as json_failed_handler
    from .render.compat import json_success_handler as json_success_handler
    from .result import CheckResult as CheckResult
    from .result import Outcome as Outcome
    from .result import Report as Report
    from .result import Status as Status
    from .scrub import Scrubber as Scrubber

# Imported when first used, so that `healthcheck probe` (a Docker HEALTHCHECK every few
# seconds) loads only the standard library, not the whole package.
_HOMES = {
    "BuildInfo": ".build",
    "Check": ".check",
    "CheckResult": ".result",
    "DuplicateNameError": ".exceptions",
    "EnvironmentDump": ".environment",
    "HealthCheck": ".core",
    "HealthCheckError": ".exceptions",
    "LoggingListener": ".listeners",
    "MissingDependencyError": ".exceptions",
    "Outcome": ".result",
    "Probe": ".probes",
    "Report": ".result",
    "Route": ".endpoints",
    "Scrubber": ".scrub",
    "Status": ".result",
    "StatusChange": ".listeners",
    "TornadoHandler": ".integrations.tornado",
    "basic_exception_handler": "._engine.runner",
    "json_failed_handler": ".render.compat",
    "json_success_handler": ".render.compat",
    "traceback_exception_handler": "._engine.runner",
}


def __getattr__(name: str) -> Any:
    if name == "__all__":  # for `import *`, worked out when first asked for (not by the probe)
        return _all()
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'healthcheck' has no attribute {name!r}")
    from importlib import import_module

    try:
        value = getattr(import_module(home, __name__), name)
    except ImportError as exc:
        if name != "TornadoHandler":
            raise
        # Tornado is optional. An AttributeError, so hasattr() says False as with
        # py-healthcheck; the message still names the extra.
        raise AttributeError(f"TornadoHandler is not available: {exc}") from exc
    globals()[name] = value  # looked up once
    return value


def _all() -> list[str]:
    from importlib.util import find_spec

    # As in py-healthcheck, `import *` works without Tornado.
    names = [n for n in sorted(_HOMES) if n != "TornadoHandler" or find_spec("tornado") is not None]
    globals()["__all__"] = names
    return names


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
