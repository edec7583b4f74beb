"""The package's exceptions: one small tree under HealthCheckError."""

from __future__ import annotations

import re

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
            f"{module!r} is not installed; install it with: {_install_line(extra)}",
            name=module,
        )
        self.module = module
        self.extra = extra


def _install_line(extra: str) -> str:
    """``pip install`` of what ``extra`` installs (``'redis>=5.0.1'``), read from the installed
    metadata, since this distribution may not be on the index the user installs from."""
    from importlib import metadata

    try:
        requires = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:  # a source tree, not installed
        requires = []
    marker = re.compile(rf"""extra\s*==\s*["']{re.escape(extra)}["']""")
    wanted = [r.split(";")[0].strip() for r in requires if marker.search(r.partition(";")[2])]
    if not wanted:
        return f"pip install '{DISTRIBUTION}[{extra}]'"
    return f"pip install {' '.join(repr(r) for r in wanted)} (the {DISTRIBUTION}[{extra}] extra)"
