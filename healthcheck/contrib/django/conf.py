"""The ``HEALTHCHECK`` setting, and the HealthCheck and endpoints it makes (once).

.. code-block:: python

    HEALTHCHECK = {
        # Your HealthCheck ("module.attribute"), or one made of Django's own checks:
        "HEALTH": None,
        # Which Django checks that one has (tagged "ready"): every database alias, every cache
        # alias, unapplied migrations; also "storage" (the default file storage answers).
        "CHECKS": ["databases", "caches", "migrations"],
        # A Celery app ("module.attribute"): its workers answer a ping (tagged "ready").
        "CELERY_APP": None,
        # Who sees the details: called with the Django request ("module.attribute" or a
        # callable); without it, callers from this machine.
        "AUTHORIZE": None,
        # The endpoints' options (details, environment_details, trusted_proxies, paths, ...).
        "ENDPOINTS": {},
        # Serve /environment (to authorised callers).
        "ENVIRONMENT": True,
    }
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib import import_module
from typing import Any

from ..._optional import require
from ...core import HealthCheck
from ...endpoints import Endpoints
from ...environment import EnvironmentDump

django_conf: Any = require("django.conf", extra="django")
django_exceptions: Any = require("django.core.exceptions", extra="django")

_KEYS = ("HEALTH", "CHECKS", "CELERY_APP", "AUTHORIZE", "ENDPOINTS", "ENVIRONMENT")
_CHECKS = ("databases", "caches", "migrations", "storage")
_lock = threading.Lock()
_made: dict[str, Any] = {}


def setting() -> dict[str, Any]:
    """``settings.HEALTHCHECK``, checked: a dict of known keys."""
    value = getattr(django_conf.settings, "HEALTHCHECK", {})
    if not isinstance(value, dict):
        raise _improper(f"must be a dict, got {type(value).__name__}")
    unknown = sorted(set(value) - set(_KEYS))
    if unknown:
        raise _improper(f"unknown key {unknown[0]!r}; the keys are {', '.join(_KEYS)}")
    return value


def health() -> HealthCheck:
    """The project's HealthCheck (made once)."""
    with _lock:
        if "health" not in _made:
            _made["health"] = _make_health(setting())
        made: HealthCheck = _made["health"]
        return made


def endpoints() -> Endpoints:
    """The endpoints serving it (made once)."""
    with _lock:
        if "endpoints" not in _made:
            config = setting()
            given = config.get("ENDPOINTS") or {}
            if not isinstance(given, dict):
                raise _improper(f"ENDPOINTS: a dict of options, got {type(given).__name__}")
            options = dict(given)
            authorize = config.get("AUTHORIZE")
            if authorize is not None:
                options["authorize"] = _callable("AUTHORIZE", authorize)
            serve_environment = config.get("ENVIRONMENT", True)
            if not isinstance(serve_environment, bool):
                raise _improper(f"ENVIRONMENT: True or False, got {serve_environment!r}")
            environment = EnvironmentDump() if serve_environment else None
            made = _made.get("health") or _make_health(config)
            _made["health"] = made
            try:
                _made["endpoints"] = Endpoints(made, environment, **options)
            except (TypeError, ValueError) as exc:
                raise _improper(f"ENDPOINTS: {exc}") from None
        endpoints_: Endpoints = _made["endpoints"]
        return endpoints_


def forget() -> None:
    """Make them again from the settings at the next use (tests that change the settings)."""
    with _lock:
        _made.clear()


def _make_health(config: dict[str, Any]) -> HealthCheck:
    given = config.get("HEALTH")
    if given is not None:
        mixed = [key for key in ("CHECKS", "CELERY_APP") if config.get(key) is not None]
        if mixed:  # they would be ignored: say so
            raise _improper(
                f"{mixed[0]} makes checks of a HealthCheck of our own, and HEALTH gives "
                f"yours: add them to yours (healthcheck.checks) and leave {mixed[0]} out"
            )
        found = _object("HEALTH", given)
        if not isinstance(found, HealthCheck):
            raise _improper(f"HEALTH: {given!r} is a {type(found).__name__}, not a HealthCheck")
        return found
    from ...checks import django as checks

    made = HealthCheck(error_timeout=5)
    wanted = config.get("CHECKS", ["databases", "caches", "migrations"])
    if not isinstance(wanted, (list, tuple)) or not all(isinstance(w, str) for w in wanted):
        raise _improper(f"CHECKS: a list of {', '.join(_CHECKS)}, got {wanted!r}")
    twice = sorted({name for name in wanted if list(wanted).count(name) > 1})
    if twice:
        raise _improper(f"CHECKS: {twice[0]!r} is listed twice")
    for name in wanted:
        if name == "databases":
            for database in checks.django_database_checks():
                made.add_check(database, tags=["ready"])
        elif name == "caches":
            for cache in checks.django_cache_checks():
                made.add_check(cache, tags=["ready"])
        elif name == "migrations":
            made.add_check(checks.django_migrations_check(), tags=["ready"])
        elif name == "storage":
            made.add_check(checks.django_storage_check(), tags=["ready"])
        else:
            raise _improper(f"CHECKS: unknown check {name!r}; known: {', '.join(_CHECKS)}")
    celery_app = config.get("CELERY_APP")
    if celery_app is not None:
        from ...checks.celery import celery_check

        try:
            check = celery_check(_object("CELERY_APP", celery_app))
        except (TypeError, ValueError) as exc:
            raise _improper(f"CELERY_APP: {exc}") from None
        made.add_check(check, tags=["ready"])
    return made


def _object(key: str, value: Any) -> Any:
    """``value``, or what the dotted path ``value`` names."""
    if not isinstance(value, str):
        return value
    module, _, attribute = value.replace(":", ".").rpartition(".")
    if not module:
        raise _improper(f"{key}: expected 'module.attribute', got {value!r}")
    try:
        return getattr(import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise _improper(f"{key}: cannot import {value!r}: {exc}") from None


def _callable(key: str, value: Any) -> Callable[[Any], bool]:
    found = _object(key, value)
    if not callable(found):
        raise _improper(f"{key}: {value!r} is not callable")
    call: Callable[[Any], bool] = found
    return call


def _improper(message: str) -> Exception:
    error: Exception = django_exceptions.ImproperlyConfigured(f"HEALTHCHECK: {message}")
    return error
