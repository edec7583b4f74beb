"""py-healthcheck's ``healthcheck.healthcheck`` module path, kept for code written against it.

The class and the handlers live elsewhere in this package; this module only re-exports them
and keeps ``check_reduce``, the fold py-healthcheck's ``run()`` used to combine results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._engine.runner import basic_exception_handler as basic_exception_handler
from .core import HealthCheck as HealthCheck
from .render.compat import json_failed_handler as json_failed_handler
from .render.compat import json_success_handler as json_success_handler

__all__ = [
    "HealthCheck",
    "basic_exception_handler",
    "check_reduce",
    "json_failed_handler",
    "json_success_handler",
]


def check_reduce(passed: bool, result: Mapping[str, Any]) -> Any:
    """``functools.reduce(check_reduce, results, True)``: true while every result passed.

    Returns what py-healthcheck returned: ``passed and result.get("passed")``, so a result
    without ``passed`` folds to ``None``, which is falsy."""
    return passed and result.get("passed")
