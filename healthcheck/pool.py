"""A bounded pool of daemon threads for synchronous checkers."""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable
from typing import Optional

from .defaults import WORKER_IDLE_TIMEOUT

_ids = itertools.count(1)

#: A worker's queue: tasks, and ``None`` to stop.
Tasks = queue.SimpleQueue[Optional[tuple[Callable[[], None], Optional[float]]]]


class DaemonThreadPool:
    """Runs callables on at most ``max_workers`` daemon threads, started on demand and ended
    after ``idle_timeout`` seconds without work. A task may say how long it should take
    (``limit``): a worker held past that no longer counts, so hung checks cannot take every
    thread from the checks waiting behind them.

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
        self._lock = threading.Lock()
        self._crew()

    def _crew(self) -> None:
        """Start afresh: no workers, an empty queue and no idle tokens. Each worker serves the
        queue and tokens it started with, so that a stop signal close() sends one of the
        workers it ends never reaches a worker started after it."""
        self._tasks: Tasks = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._threads: list[threading.Thread] = []
        #: What each busy worker runs: since when (monotonic) and for how long it should.
        self._busy: dict[threading.Thread, tuple[float, float | None]] = {}

    def submit(self, task: Callable[[], None], limit: float | None = None) -> None:
        # Under the lock, so that close() cannot swap the queue between the put and the start
        # of a worker, and a worker cannot leave after this counted on it.
        with self._lock:
            self._tasks.put((task, limit))
            if self._idle.acquire(blocking=False):
                return  # an idle worker will take it
            self._start_worker_if_room()

    def make_room(self) -> None:
        """Tasks wait: start a worker if those busy past their limit leave room for one."""
        with self._lock:
            if not self._tasks.empty():
                self._start_worker_if_room()

    def _start_worker_if_room(self) -> None:
        """Call with the lock held."""
        self._threads = [t for t in self._threads if t.is_alive()]
        now = time.monotonic()
        held = list(self._busy.values())  # workers change it as they go: a snapshot
        overdue = sum(1 for since, limit in held if limit is not None and now - since > limit)
        if len(self._threads) - overdue < self._max_workers:
            thread = threading.Thread(
                target=self._work,
                args=(self._tasks, self._idle),
                name=f"{self._name}-{next(_ids)}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def after_fork(self) -> None:
        """In a forked child: the workers stayed in the parent, so start from none."""
        self._lock = threading.Lock()
        self._crew()

    def close(self, timeout: float | None = None) -> None:
        """End the idle workers (busy ones end after their task, hung ones never do), waiting
        up to ``timeout`` seconds in all for them to go."""
        with self._lock:
            tasks, threads = self._tasks, self._threads
            self._crew()
        for _ in threads:
            tasks.put(None)
        end = None if timeout is None else time.monotonic() + timeout
        for thread in threads:  # one deadline: each hung worker would take the whole timeout
            thread.join(None if end is None else max(0.0, end - time.monotonic()))

    def _work(self, tasks: Tasks, idle: threading.Semaphore) -> None:
        while True:
            try:
                task = tasks.get(timeout=self._idle_timeout)
            except queue.Empty:
                if self._retire(idle):
                    return
                continue
            if task is None:  # close() ended this worker's crew
                return
            run, limit = task
            me = threading.current_thread()
            self._busy[me] = (time.monotonic(), limit)
            try:
                run()
            finally:
                self._busy.pop(me, None)
            idle.release()

    def _retire(self, idle: threading.Semaphore) -> bool:
        """Whether an idle worker may leave: only by withdrawing an idle token (if none is
        left, a submit has counted on an idle worker and its task is on the way)."""
        with self._lock:  # so that submit sees it gone, or sees it idle, never neither
            if idle is not self._idle:
                return True  # close() has ended this worker's crew: nobody counts on it
            if not idle.acquire(blocking=False):
                return False
            self._threads.remove(threading.current_thread())
            return True
