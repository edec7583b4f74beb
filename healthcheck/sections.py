"""Custom sections: named values or callables added to a response body."""

from __future__ import annotations

import inspect
import logging
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
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


def warn_if_misspelt(owner: Callable[..., Any], names: Iterable[str]) -> None:
    """Warn about each custom section whose name is one typing slip away from a parameter of
    ``owner``: ``HealthCheck(error_timout=2)`` is a section of the body, as py-healthcheck made
    it, and no time limit at all, which nobody meant."""
    parameters = [
        name
        for name, parameter in inspect.signature(owner).parameters.items()
        if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
    ]
    for name in names:
        meant = next((p for p in parameters if _one_slip(name, p)), None)
        if meant is not None:
            warnings.warn(
                f"{owner.__qualname__.partition('.')[0]}({name}=...) adds a custom section "
                f"named {name!r} to the body; did you mean {meant}=?",
                UserWarning,
                stacklevel=3,
            )


def _one_slip(typed: str, meant: str) -> bool:
    """Whether ``typed`` is ``meant`` with one letter missing, added, changed or two adjacent
    letters swapped, in other case, in the plural or with a unit after it (``error_timeout_s``),
    and not ``meant`` itself."""
    if typed == meant:
        return False
    typed = typed.lower()
    if typed in (meant, f"{meant}es") or typed.startswith(f"{meant}_"):
        return True
    if abs(len(typed) - len(meant)) > 1:
        return False
    if len(typed) == len(meant):
        different = [i for i, (a, b) in enumerate(zip(typed, meant)) if a != b]
        if len(different) == 1:
            return True
        first, *rest = different
        return (
            len(different) == 2
            and rest[0] == first + 1
            and typed[first] == meant[first + 1]
            and typed[first + 1] == meant[first]
        )
    shorter, longer = sorted((typed, meant), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
