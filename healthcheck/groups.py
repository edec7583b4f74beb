"""Named groups of checks, served at their own route, like Spring Boot's health groups and
ASP.NET Core's predicates: ``health.add_group("backends", tags=["db"], checks=["payments"])``
answers at ``/healthcheck/group/backends``, ``run(group="backends")`` and the CLI's
``--group``."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .check import Check


@dataclass(frozen=True)
class Group:
    """The checks carrying one of ``tags``, and those named in ``checks``."""

    name: str
    tags: frozenset[str] = frozenset()
    checks: frozenset[str] = frozenset()

    def __contains__(self, check: Check) -> bool:
        return check.name in self.checks or not self.tags.isdisjoint(check.tags)


def make_group(
    name: object, tags: Iterable[str], checks: Iterable[str], registry: Iterable[Check]
) -> Group:
    """A validated group: a name that fits in a URL path segment, tags some registered check
    carries, names of registered checks; a clear ``ValueError`` or ``TypeError`` otherwise."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a group's name must be a non-empty string, got {name!r}")
    if name in (".", "..") or any(
        c in "/?#%" or c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in name
    ):
        raise ValueError(
            f"group {name!r}: the name is a URL path segment: no '/', '?', '#', '%', spaces, "
            f"control characters, '.' or '..'"
        )
    wanted_tags = _strings(f"group {name!r}: tags", tags)
    wanted_checks = _strings(f"group {name!r}: checks", checks)
    if not wanted_tags and not wanted_checks:
        raise ValueError(f"group {name!r} needs tags=[...] or checks=[...]")
    registry = tuple(registry)
    known_tags = frozenset(tag for check in registry for tag in check.tags)
    for tag in sorted(wanted_tags - known_tags):
        raise ValueError(f"group {name!r}: no check is tagged {tag!r} (add the checks first)")
    known_names = frozenset(check.name for check in registry)
    for missing in sorted(wanted_checks - known_names):
        raise ValueError(f"group {name!r}: no check named {missing!r} (add the check first)")
    return Group(name, wanted_tags, wanted_checks)


def _strings(what: str, values: Iterable[str]) -> frozenset[str]:
    if isinstance(values, (str, bytes)):  # tags="db" would be the tags d and b
        raise TypeError(f"{what} must be a list of strings, not one string: [{values!r}]")
    found = frozenset(values)
    odd = [v for v in found if not isinstance(v, str)]
    if odd:
        raise TypeError(f"{what} must be strings, got {odd[0]!r}")
    return found
