"""The package's exceptions: one small tree under HealthCheckError."""

from __future__ import annotations

from ._about import DISTRIBUTION


class HealthCheckError(Exception):
    """Base class of every error this package raises on purpose."""


class DuplicateNameError(HealthCheckError, ValueError):
    """A section or check name is already taken."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f'The {kind} name "{name}" is already taken.')
        self.kind = kind
        self.name = name


class MissingDependencyError(HealthCheckError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"{module!r} is not installed; install it with: "
            f"pip install '{DISTRIBUTION}[{extra}]'",
            name=module,
        )
        self.module = module
        self.extra = extra
