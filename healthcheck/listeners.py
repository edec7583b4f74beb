"""Status listeners: callbacks told when a check's or the overall state changes.

They run on a daemon thread of their own, off the request path; one that raises is logged and
never reaches a request.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from .result import CheckResult, Status

logger = logging.getLogger("healthcheck")


@dataclass(frozen=True)
class StatusChange:
    """One change of state. ``check`` is ``None`` for the overall state."""

    check: str | None
    old: Status | None
    new: Status
    result: CheckResult | None = None


Listener = Callable[[StatusChange], object]
#: Told of every fresh result, changed or not (metrics, traces).
ResultListener = Callable[[CheckResult], object]


class StatusBoard:
    """The last known state of each check and of the whole, and who to tell of changes."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._result_listeners: list[ResultListener] = []
        self._states: dict[Hashable, Status] = {}
        #: Each check's weight in the overall state, and how many checks weigh each: the
        #: overall state follows in constant time per landing, not by a pass over every check.
        self._weights: dict[Hashable, Status] = {}
        self._counts: Counter[Status] = Counter()
        self._overall: Status | None = None
        #: When the overall state last changed (the Unix time of the result that changed it).
        self._overall_since: float | None = None
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[StatusChange | CheckResult | threading.Event | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None

    def add(self, listener: Listener) -> None:
        if not callable(listener):
            raise TypeError(f"a listener must be callable, got {type(listener).__name__}")
        self._listeners.append(listener)

    def add_result_listener(self, listener: ResultListener) -> None:
        if not callable(listener):
            raise TypeError(f"a listener must be callable, got {type(listener).__name__}")
        self._result_listeners.append(listener)

    def update(self, key: Hashable, name: str, result: CheckResult, weight: Status) -> None:
        """Record ``result`` for the check ``key``; ``weight`` is what it counts for in the
        overall state (a non-critical failure only warns)."""
        changes: list[StatusChange | CheckResult] = [result] if self._result_listeners else []
        with self._lock:
            old = self._states.get(key)
            self._states[key] = result.status
            if old is not result.status and self._listeners:  # nobody to tell: nothing made
                changes.append(StatusChange(name, old, result.status, result))
            self._weigh(key, weight)
            self._changed_overall(changes, result.timestamp)
        self._tell(changes)

    def forget(self, keys: Iterable[Hashable]) -> None:
        """Checks no longer registered: they count for nothing any more."""
        changes: list[StatusChange | CheckResult] = []
        with self._lock:
            for key in keys:
                self._states.pop(key, None)
                self._weigh(key, None)
            if self._overall is not None:
                self._changed_overall(changes, time.time())
        self._tell(changes)

    def _weigh(self, key: Hashable, weight: Status | None) -> None:
        old = self._weights.pop(key, None)
        if old is not None:
            self._counts[old] -= 1
        if weight is not None:
            self._weights[key] = weight
            self._counts[weight] += 1

    def _changed_overall(self, changes: list[StatusChange | CheckResult], moment: float) -> None:
        whole = Status.worst(status for status, count in self._counts.items() if count > 0)
        if whole is not self._overall:
            changes.append(StatusChange(None, self._overall, whole))
            self._overall = whole
            self._overall_since = moment

    def overall(self) -> tuple[Status, float] | None:
        """The overall state of every check with a result, and since when it has held."""
        overall, since = self._overall, self._overall_since
        return None if overall is None or since is None else (overall, since)

    def _tell(self, changes: list[StatusChange | CheckResult]) -> None:
        if (self._listeners or self._result_listeners) and changes:
            for change in changes:
                self._queue.put(change)
            self._ensure_thread()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every change queued so far has been delivered (for tests, shutdown)."""
        if self._thread is None:
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def after_fork(self) -> None:
        """In a forked child: the delivery thread (and what it had queued) stayed in the
        parent."""
        self._lock = threading.Lock()
        self._queue = queue.SimpleQueue()
        self._thread = None

    def close(self, timeout: float | None = None) -> None:
        """Deliver what is queued, then end the delivery thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._deliver, name="healthcheck-listeners", daemon=True
                )
                self._thread.start()

    def _deliver(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            if isinstance(item, CheckResult):
                for result_listener in list(self._result_listeners):
                    try:
                        result_listener(item)
                    except Exception:
                        logger.exception("result listener %r raised", result_listener)
                continue
            for listener in list(self._listeners):
                try:
                    listener(item)
                except Exception:
                    logger.exception("status listener %r raised", listener)


class LoggingListener:
    """Logs every change: recoveries at INFO, warnings at WARNING, failures at ERROR."""

    _LEVELS: ClassVar[dict[Status, int]] = {
        Status.PASS: logging.INFO,
        Status.WARN: logging.WARNING,
        Status.FAIL: logging.ERROR,
    }

    def __init__(self, log: logging.Logger | None = None) -> None:
        self.log = log or logger

    def __call__(self, change: StatusChange) -> None:
        what = "overall status" if change.check is None else f'check "{change.check}"'
        old = change.old.value if change.old else "unknown"
        detail = f": {change.result.output}" if change.result is not None else ""
        self.log.log(
            self._LEVELS[change.new],
            "%s changed from %s to %s%s",
            what,
            old,
            change.new.value,
            detail,
        )
