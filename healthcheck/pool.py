"""A bounded pool of daemon threads for synchronous checkers."""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable

from .defaults import WORKER_IDLE_TIMEOUT

_ids = itertools.count(1)


class DaemonThreadPool:
    """Runs callables on at most ``max_workers`` daemon threads, started on demand and ended
    after ``idle_timeout`` seconds without work.

    ``concurrent.futures.ThreadPoolExecutor`` joins its workers when the interpreter exits, so
    a single checker hung on a dead backend would stop the whole process from exiting. A
    thread cannot be killed, so ours are daemons. Callables must not raise.
    """

    def __init__(
        self,
        max_workers: int,
        name: str = "healthcheck",
        idle_timeout: float = WORKER_IDLE_TIMEOUT,
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers
        self._name = name
        self._idle_timeout = idle_timeout
        self._tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def submit(self, task: Callable[[], None]) -> None:
        self._tasks.put(task)
        if self._idle.acquire(blocking=False):
            return  # an idle worker will take it
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            if len(self._threads) < self._max_workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}-{next(_ids)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def after_fork(self) -> None:
        """In a forked child: the workers stayed in the parent, so start from none."""
        self._tasks = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._threads = []

    def close(self, timeout: float | None = None) -> None:
        """End the idle workers (busy ones end after their task, hung ones never do)."""
        with self._lock:
            threads, self._threads = self._threads, []
        for _ in threads:
            self._tasks.put(None)
        for thread in threads:
            thread.join(timeout)

    def _work(self) -> None:
        while True:
            try:
                task = self._tasks.get(timeout=self._idle_timeout)
            except queue.Empty:
                # Leave only by withdrawing an idle token; if none is left, a submit has
                # counted on an idle worker and its task is on the way.
                if self._idle.acquire(blocking=False):
                    return
                continue
            if task is None:  # close(): this worker is idle, so its token is there to take
                self._idle.acquire(blocking=False)
                return
            task()
            self._idle.release()
