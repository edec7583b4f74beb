"""``health.checkers``: the registered checkers as a live list, as in py-healthcheck."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, MutableSequence
from typing import TYPE_CHECKING, Any, overload

from .check import Check

if TYPE_CHECKING:
    from .core import HealthCheck

#: How many checks taken out of ``health.checkers`` are remembered to be put back.
_TAKEN_OUT_KEPT = 64


class CheckerList(MutableSequence[Callable[[], Any]]):
    """``health.checkers``: the registered checkers as a list whose changes register and
    unregister checks, as appending to py-healthcheck's ``checkers`` list did."""

    def __init__(self, health: HealthCheck) -> None:
        self._health = health

    @overload
    def __getitem__(self, index: int) -> Callable[[], Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[Callable[[], Any]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        return [check.func for check in self._health._checks][index]

    def __len__(self) -> int:
        return len(self._health._checks)

    @overload
    def __setitem__(self, index: int, func: Callable[[], Any]) -> None: ...

    @overload
    def __setitem__(self, index: slice, func: Iterable[Callable[[], Any]]) -> None: ...

    def __setitem__(self, index: int | slice, func: Any) -> None:
        health = self._health
        with health._registry_lock:
            checks = list(health._checks)
            if isinstance(index, slice):
                replaced = checks[index]
                checks[index] = self._checks_for(list(func), replaced)
            else:
                replaced = [checks[index]]
                checks[index] = self._checks_for([func], replaced)[0]
            health._replace_checks(tuple(checks))
            self._keep(replaced)

    def __delitem__(self, index: int | slice) -> None:
        health = self._health
        with health._registry_lock:
            checks = list(health._checks)
            removed = checks[index]
            del checks[index]
            health._replace_checks(tuple(checks))
            self._keep(removed if isinstance(removed, list) else [removed])

    def insert(self, index: int, func: Callable[[], Any]) -> None:
        health = self._health
        with health._registry_lock:
            checks = list(health._checks)
            checks.insert(index, self._checks_for([func], [])[0])
            health._replace_checks(tuple(checks))

    def reverse(self) -> None:
        health = self._health
        with health._registry_lock:
            health._checks = health._checks[::-1]

    def sort(self, *, key: Callable[[Any], Any] | None = None, reverse: bool = False) -> None:
        health = self._health
        with health._registry_lock:
            order = key or (lambda func: func)  # functions do not compare: a TypeError, as list's
            ordered = sorted(health._checks, key=lambda check: order(check.func), reverse=reverse)
            health._checks = tuple(ordered)

    def copy(self) -> list[Callable[[], Any]]:
        return list(self)

    def __add__(self, other: Iterable[Callable[[], Any]]) -> list[Callable[[], Any]]:
        return [*self, *other]

    def __radd__(self, other: Iterable[Callable[[], Any]]) -> list[Callable[[], Any]]:
        return [*other, *self]

    def __mul__(self, times: int) -> list[Callable[[], Any]]:
        return list(self) * times

    def _checks_for(self, funcs: list[Callable[[], Any]], replaced: list[Check]) -> list[Check]:
        """Checks for ``funcs``, each keeping the name and options it was registered with, so
        that filtering or reordering the list (a slice, a swap, pop and append) changes nothing
        else: a check being replaced, else one taken out of the list lately, else a copy of one
        still registered; only a callable never registered gets add_check's defaults."""
        spare: dict[int, list[Check]] = {}
        for check in replaced:
            spare.setdefault(id(check.func), []).append(check)
        health = self._health
        made = []
        for func in funcs:
            kept = spare.get(id(func))
            if kept:
                made.append(kept.pop(0))
            elif id(func) in health._taken_out:
                made.append(health._taken_out.pop(id(func)))
            else:
                twin = next((c for c in health._checks if c.func is func), None)
                made.append(
                    dataclasses.replace(twin, instance=health._next_instance(twin.name))
                    if twin is not None
                    else health._build(func, None, None, True, (), 1, 0)  # add_check's defaults
                )
        return made

    def _keep(self, removed: list[Check]) -> None:
        """Remember checks taken out of the list, so that putting one back (pop and append,
        remove and insert) restores its name and options; the latest few only."""
        taken_out = self._health._taken_out
        for check in removed:
            if not any(c.func is check.func for c in self._health._checks):
                taken_out.pop(id(check.func), None)
                taken_out[id(check.func)] = check
        while len(taken_out) > _TAKEN_OUT_KEPT:
            del taken_out[next(iter(taken_out))]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (list, CheckerList)) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return repr(list(self))
