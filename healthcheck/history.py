"""What each check did lately: its last results' states in a bounded ring, and since when it
has been in its present state, so that a failure an hour ago and a flapping check leave a
trace.

Kept per process, in memory: a restart starts afresh.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from . import defaults
from .result import CheckResult, Status


class Mark(NamedTuple):
    """One result in a check's history."""

    timestamp: float
    status: Status


@dataclass(frozen=True)
class CheckHistory:
    """A check's last results, oldest first, and when its present state began."""

    marks: tuple[Mark, ...]
    #: The time (Unix seconds) of the first result in the present state: the last change, or
    #: the first result this process saw if the state never changed.
    since: float

    @property
    def status(self) -> Status:
        return self.marks[-1].status

    @property
    def changes(self) -> int:
        """How many times the state changed within :attr:`marks`: a flapping check's count
        grows, a steady one's stays 0."""
        return sum(a.status is not b.status for a, b in zip(self.marks, self.marks[1:]))

    @property
    def jsonable(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "since": self.since,
            "changes": self.changes,
            "history": [{"timestamp": m.timestamp, "status": m.status.value} for m in self.marks],
        }


class Histories:
    """The history of every check, by key.

    Written by one landing at a time (the engine calls :meth:`record` under its cache's lock);
    read without a lock: each entry is an immutable snapshot, replaced whole.
    """

    def __init__(self, size: int = defaults.HISTORY_SIZE) -> None:
        if size < 1:
            raise ValueError(f"a history holds at least one result, got {size}")
        self.size = size
        self._histories: dict[Hashable, CheckHistory] = {}

    def record(self, key: Hashable, result: CheckResult) -> None:
        mark = Mark(result.timestamp, result.status)
        old = self._histories.get(key)
        if old is None:
            self._histories[key] = CheckHistory((mark,), result.timestamp)
            return
        since = old.since if old.status is result.status else result.timestamp
        kept = old.marks[max(0, len(old.marks) - self.size + 1) :]
        self._histories[key] = CheckHistory((*kept, mark), since)

    def get(self, key: Hashable) -> CheckHistory | None:
        return self._histories.get(key)

    def forget(self, keys: Iterable[Hashable]) -> None:
        for key in keys:
            self._histories.pop(key, None)
