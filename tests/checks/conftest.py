"""Real backends on loopback, and stand-ins for broken ones: a closed port and a silent listener.

Tests only ever connect to 127.0.0.1. A backend that does not answer skips its tests with the
reason, except with ``CI=true``, where that is a failure: CI starts every service (.ci/services).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import os
import selectors
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import psutil
import pytest

from healthcheck import Outcome, Status
from healthcheck.check import is_async_checker

LOOPBACK = "127.0.0.1"

#: What "within the timeout" means in these tests: a bound on behaviour, not a benchmark.
MARGIN = 3


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def unavailable(reason: str) -> None:
    """Skip with ``reason``; under ``CI=true`` fail with it instead."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: every service and driver must be there)")
    pytest.skip(reason)


def answers(port: int, host: str = LOOPBACK, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_service(name: str, port: int) -> None:
    """Skip (or, under CI, fail) unless something listens on 127.0.0.1:``port``."""
    if not answers(port):
        unavailable(f"{name} does not answer on {LOOPBACK}:{port}")


def require_driver(module: str) -> ModuleType:
    """Import a driver, or skip the whole test module (fail under CI) when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if in_ci():
            raise
        pytest.skip(f"{module} is not installed", allow_module_level=True)
        raise  # unreachable: skip raises


def require_program(name: str, package: str) -> str:
    """The path of the program ``name``; skipped with the command to install it (a failure
    under ``CI=true``)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin")
    if found is None:
        unavailable(f"{name} is not installed (apt-get install {package})")
        raise AssertionError("unreachable")  # unavailable skips or fails
    return found


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port where connections are refused: bound (so nobody else takes it) but
    never listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((LOOPBACK, 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


class SilentListener:
    """Accepts TCP connections on 127.0.0.1 and holds them, never sending a byte: the
    stand-in for a blackholed or hung backend."""

    def __init__(self) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind((LOOPBACK, 0))
        self._server.listen(64)
        self._server.setblocking(False)
        self.port: int = self._server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="silent-listener", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._server, selectors.EVENT_READ)
            while not self._stop.is_set():
                for _ in selector.select(timeout=0.05):
                    try:
                        conn, _ = self._server.accept()
                    except BlockingIOError:
                        continue
                    self.accepted.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for conn in self.accepted:
            conn.close()
        self._server.close()

    @property
    def held(self) -> int:
        return len(self.accepted)


@pytest.fixture
def silent_listener() -> Iterator[SilentListener]:
    listener = SilentListener()
    try:
        yield listener
    finally:
        listener.close()


@pytest.fixture
def silent_port(silent_listener: SilentListener) -> int:
    return silent_listener.port


def call(check: Callable[[], Any]) -> Outcome:
    """Run a checker, sync or async, and return its outcome."""
    if is_async_checker(check):
        outcome = asyncio.run(check())
    else:
        outcome = check()
    assert isinstance(outcome, Outcome)
    return outcome


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def private_server(
    argv: list[str],
    port: int,
    *,
    env: dict[str, str] | None = None,
    start_timeout: float = 10,
    failed: Callable[[str], object] = unavailable,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server of our own (``argv``, listening on 127.0.0.1:``port``) for one test, for
    what the shared one cannot show, such as refused credentials. One that does not start is
    ``failed(reason)``: unavailable by default, a failure for an app of the test's own."""
    if shutil.which(argv[0]) is None:
        unavailable(f"{argv[0]} is not installed")
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + start_timeout
        while not answers(port, timeout=0.2):
            if process.poll() is not None or time.monotonic() > deadline:
                if process.poll() is None:
                    process.kill()
                error = process.communicate()[1].decode(errors="replace")
                failed(f"{argv[0]} did not start on {LOOPBACK}:{port}: {error[-1500:]}")
            time.sleep(0.02)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


@pytest.fixture
def full_backlog_port() -> Iterator[int]:
    """A loopback port where connecting hangs, as with a blackholed host: a listener that
    never accepts, whose backlog is full, so the kernel drops further SYNs."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((LOOPBACK, 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.settimeout(0.2)
        try:
            probe.connect((LOOPBACK, port))
        except OSError:  # timed out: the backlog is full
            probe.close()
            break
        fillers.append(probe)
    try:
        yield port
    finally:
        for sock in fillers:
            sock.close()
        server.close()


@dataclass
class Timed:
    outcome: Outcome
    elapsed: float


def timed(check: Callable[[], Any]) -> Timed:
    start = time.perf_counter()
    outcome = check()
    return Timed(outcome, time.perf_counter() - start)


async def timed_async(check: Callable[[], Any]) -> Timed:
    start = time.perf_counter()
    outcome = await check()
    return Timed(outcome, time.perf_counter() - start)


def assert_fails_within(result: Timed, timeout: float, *words: str) -> None:
    """Failed, in less than ``MARGIN`` times ``timeout``, with each of ``words`` (any case) in
    the output."""
    assert result.outcome.status is Status.FAIL, result.outcome
    assert result.elapsed < timeout * MARGIN, f"took {result.elapsed:.2f} s"
    output = str(result.outcome.output).lower()
    for word in words:
        assert word.lower() in output, result.outcome.output


# -- leaks ------------------------------------------------------------------------------------

#: File descriptors that may come and go for reasons of their own (a lazily opened log file,
#: the selector of a thread pool), not one per run.
FD_TOLERANCE = 8


def open_fds() -> int:
    gc.collect()
    return psutil.Process().num_fds()


def connections_to(port: int) -> int:
    """This process's TCP sockets to 127.0.0.1:``port`` that are not closed yet."""
    gc.collect()
    process = psutil.Process()
    listing = getattr(process, "net_connections", None) or process.connections
    return sum(
        1
        for c in listing(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status != psutil.CONN_TIME_WAIT
    )


def assert_no_async_leak(
    check: Callable[[], Awaitable[object]], port: int | None, times: int = 1000
) -> None:
    """:func:`assert_no_leak` for an async checker, run on one event loop of its own."""
    loop = asyncio.new_event_loop()
    try:
        assert_no_leak(lambda: loop.run_until_complete(check()), port, times)
    finally:
        loop.close()


def assert_no_leak(
    run: Callable[[], object],
    port: int | None,
    times: int = 1000,
    listener: SilentListener | None = None,
) -> None:
    """``run()`` ``times`` times leaves no more open file descriptors, nor sockets to
    ``port``, than one run did (less those a ``listener`` of ours holds on the other end)."""
    run()
    fds, sockets = open_fds(), connections_to(port) if port else 0
    fds -= listener.held if listener else 0
    for _ in range(times):
        run()
    now = open_fds()
    # Read after counting: the listener may accept more meanwhile, never fewer.
    held = listener.held if listener else 0
    assert now - held - fds <= FD_TOLERANCE
    if port:
        assert connections_to(port) <= sockets
