"""Custom sections: named values or callables added to a response body."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .exceptions import DuplicateNameError
from .jsonable import JSON, to_jsonable

logger = logging.getLogger("healthcheck")


class Sections:
    """Named sections, each a value or a callable evaluated on every request.

    A callable that raises yields ``{"error": ...}`` in its place, so one broken section never
    breaks the response.
    """

    def __init__(self, kind: str = "section") -> None:
        self._kind = kind
        self._items: dict[str, Any] = {}

    def add(self, name: str, value: Any) -> None:
        if name in self._items:
            raise DuplicateNameError(self._kind, name)
        self._items[name] = value

    @property
    def dynamic(self) -> bool:
        """True when some section must be evaluated per request."""
        return any(callable(v) for v in self._items.values())

    def items(self) -> Iterator[tuple[str, Any]]:
        """Each section's name and its value or callable, in order."""
        return iter(list(self._items.items()))

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def evaluate(self, log_extra: Mapping[str, Any] | None = None) -> dict[str, JSON]:
        """Every section's value now; ``log_extra`` goes with the log record of one that
        raises (the owner's scrubber)."""
        return {
            name: evaluate_section(name, value, log_extra) for name, value in self._items.items()
        }


def evaluate_section(
    name: str, value: Any | Callable[[], Any], log_extra: Mapping[str, Any] | None = None
) -> JSON:
    if callable(value):
        try:
            value = value()
        except Exception as exc:
            logger.exception("section %r raised", name, extra=log_extra)
            return {"error": f"{type(exc).__name__}: {exc}"}
    return to_jsonable(value)
