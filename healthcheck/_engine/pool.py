"""A pool of daemon threads for synchronous checkers, grown while its work is slow."""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import Optional

from ..defaults import (
    BUSY_SHARE,
    BUSY_SLOW_TASK,
    BUSY_WINDOW,
    POOL_TICK,
    QUEUED_POLL,
    SLOW_TASK,
    WAITING_TASK,
    WORKER_IDLE_TIMEOUT,
)

_ids = itertools.count(1)

Task = tuple[Callable[[], None], Optional[float]]
#: A crew's queue: tasks with their limits, and ``None`` to stop a worker.
Tasks = queue.SimpleQueue[Optional[Task]]


class DaemonThreadPool:
    """Runs callables on daemon threads, at most ``max_workers`` at a time not counting those
    held past their task's ``limit`` (hung checks cannot take every thread from the checks
    queued behind them). Idle workers end after ``idle_timeout`` seconds.

    Workers are added while tasks wait *and* the busy workers are slow: a thousand quick
    checks run one after another on one thread, with no hand-off per check, while checks
    that take time get a thread each within a few milliseconds (the count doubles every
    ``POOL_TICK`` while every worker is held by a task running longer than ``SLOW_TASK``).

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
        """Start afresh: no workers and an empty queue. Each worker (and the grower) serves the
        queue it started with, so that a stop signal close() sends one of the workers it ends
        never reaches a worker started after it."""
        self._tasks: Tasks = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        #: What each busy worker runs: since when (monotonic) and for how long it should.
        self._busy: dict[threading.Thread, tuple[float, float | None]] = {}
        #: Seconds each worker's finished tasks spent waiting rather than computing, since the
        #: grower last looked.
        self._waited: dict[threading.Thread, float] = {}
        self._grower: threading.Thread | None = None

    def submit(self, task: Callable[[], None], limit: float | None = None) -> None:
        self.submit_many([(task, limit)])

    def submit_many(self, tasks: Iterable[Task]) -> None:
        """Queue ``tasks`` (each a callable and the seconds it should take, or ``None``)."""
        # Under the lock, so that close() cannot swap the queue between the puts and the start
        # of a worker, and an idle worker cannot leave after this counted on it.
        with self._lock:
            for task in tasks:
                self._tasks.put(task)
            if len(self._busy) >= len(self._threads):  # nobody idle to take them now
                self._start(1)
            if self._grower is None:
                self._grower = self._thread(self._grow, self._tasks, "grower")

    def make_room(self) -> None:
        """Tasks wait: add workers now if the busy ones are slow or past their limits."""
        with self._lock:
            if not self._tasks.empty():
                self._start(self._wanted())

    def _wanted(self, busy: bool = False) -> int:
        """How many workers to add while tasks wait (call with the lock held): one for each
        busy worker that is slow (its task has run over ``SLOW_TASK``, or its quick tasks have
        spent that long waiting since the last look; while the process is ``busy`` computing,
        only one that has run over ``BUSY_SLOW_TASK``); and one whenever every worker is past
        its limit."""
        stuck = 1 if self._room() == self._max_workers else 0  # no thread is working
        waited, self._waited = self._waited, {}  # since the last look
        # While the process computes, the interpreter lock stretches quick checks by a few
        # milliseconds and makes them look slow or waiting: only a check that has run far
        # longer than that (a real wait on a backend) counts then.
        limit = BUSY_SLOW_TASK if busy else SLOW_TASK
        now = time.monotonic()
        held = list(self._busy.items())  # workers change it as they go: a snapshot
        slow = sum(
            1
            for thread, (since, _) in held
            if now - since > limit or (not busy and waited.get(thread, 0.0) > SLOW_TASK)
        )
        idle = len(self._threads) - len(held)
        return max(slow - idle, stuck)

    def _room(self) -> int:
        """Workers that may be added (call with the lock held): those held past their task's
        limit do not count."""
        self._threads = [t for t in self._threads if t.is_alive()]
        now = time.monotonic()
        held = list(self._busy.values())
        overdue = sum(1 for since, limit in held if limit is not None and now - since > limit)
        return self._max_workers - (len(self._threads) - overdue)

    def _start(self, count: int) -> int:
        """Start up to ``count`` workers, room and queued tasks permitting (call with the lock
        held); how many were started."""
        count = min(count, self._room(), self._tasks.qsize())
        for _ in range(count):
            self._threads.append(self._thread(self._work, self._tasks, str(next(_ids))))
        return max(count, 0)

    def _thread(
        self, target: Callable[[Tasks], None], tasks: Tasks, suffix: str
    ) -> threading.Thread:
        thread = threading.Thread(
            target=target, args=(tasks,), name=f"{self._name}-{suffix}", daemon=True
        )
        thread.start()
        return thread

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

    def _grow(self, tasks: Tasks) -> None:
        """While tasks wait, look whether the workers need help: every ``POOL_TICK`` while
        threads are being added, less often while none can be (workers hung at the bound)."""
        pause = POOL_TICK
        wall, cpu = time.monotonic(), time.process_time()
        busy = True  # until measured: quick checks get company once the process is seen idle
        while True:
            time.sleep(pause)
            now, used = time.monotonic(), time.process_time()
            # A process that kept a core busy is computing: threads added for quick checks
            # would only queue for the interpreter lock (and stretch every check past its time
            # limit), so then only checks waiting long get company. Measured over BUSY_WINDOW
            # at least: over a millisecond, CPU time is too coarse to tell.
            if now - wall >= BUSY_WINDOW:
                busy = used - cpu >= BUSY_SHARE * (now - wall)
                wall, cpu = now, used
            with self._lock:
                if tasks is not self._tasks or tasks.empty():
                    if tasks is self._tasks:
                        self._grower = None
                    return
                added = self._start(self._wanted(busy))
            pause = POOL_TICK if added else min(pause * 2, QUEUED_POLL)

    def _work(self, tasks: Tasks) -> None:
        me = threading.current_thread()
        while True:
            try:
                task = tasks.get(timeout=self._idle_timeout)
            except queue.Empty:
                with self._lock:  # so that submit sees it gone, or sees it idle, never neither
                    if tasks is not self._tasks:
                        return  # close() has ended this worker's crew
                    if tasks.empty():
                        self._threads.remove(me)
                        return
                continue
            if task is None:  # close() ended this worker's crew
                return
            run, limit = task
            began, cpu = time.monotonic(), time.thread_time()
            self._busy[me] = (began, limit)
            try:
                run()
            finally:
                self._busy.pop(me, None)
                # Time spent waiting (on a socket, a sleep), not computing: quick checks that
                # wait are what more threads help with; quick ones that compute are not.
                waited = (time.monotonic() - began) - (time.thread_time() - cpu)
                if waited > WAITING_TASK:
                    self._waited[me] = self._waited.get(me, 0.0) + waited
