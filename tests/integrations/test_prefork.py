"""gunicorn ``--preload`` with two workers: the app (prefork_app.py) builds its HealthCheck, adds
a sync and an async check and runs them in the master at import time, before the fork. Each
worker must then answer with results computed in that worker (in background mode, the master's
latest until the worker's own land), never "timed out" and never "pending", with sync and with
gthread workers.

Requests go out on fresh connections from a few client threads at once, so that both workers
serve some; each response names its worker in ``X-Worker-Pid``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import gunicorn
import psutil
import pytest

from tests.http import get
from tests.servers import free_port, wait_for_port

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="gunicorn forks its workers")

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.integrations.prefork_app:app"
WORKERS = 2
#: A request that takes longer than this has hung: a failure. No tighter timing is asserted.
HANG = 10.0
#: Client threads sending requests at once (so a busy sync worker leaves some to the other).
CLIENTS = 4
#: Responses of its own each worker must give before a test is content.
ENOUGH = 3
#: A bound on the requests and the time a test spends waiting for that.
MAX_REQUESTS = 400
MAX_SECONDS = 60.0

WORKER_OPTIONS = {
    "sync": ["--worker-class", "sync"],
    "gthread": ["--worker-class", "gthread", "--threads", "4"],
}
#: gunicorn 25.1 added a control socket, by default in the home directory, shared by every
#: gunicorn of the user: these test servers go without one.
NO_CONTROL_SOCKET = ["--no-control-socket"] if gunicorn.version_info >= (25, 1) else []


@dataclass
class Gunicorn:
    base: str
    master: int
    workers: frozenset[int]
    log: Path


@dataclass
class Served:
    pid: int
    status: int
    #: Each check's output, by checker name.
    outputs: dict[str, str]
    seconds: float
    #: Which batch of concurrent requests this answered (their order within one is unknown).
    batch: int = 0

    @property
    def own(self) -> bool:
        """A pass whose every output is the pid of the worker that answered."""
        return self.status == 200 and set(self.outputs.values()) == {str(self.pid)}


def start(worker: str, mode: str, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--preload",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "5",
        *WORKER_OPTIONS[worker],
        *NO_CONTROL_SOCKET,
        APP,
    ]
    env = {**os.environ, "PREFORK_MODE": mode, "PREFORK_INTERVAL": "0.2"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return process, port


def stop(process: subprocess.Popen[bytes]) -> None:
    """End gunicorn's whole process group: the master and its workers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(10)
            return
        except subprocess.TimeoutExpired:
            continue


def worker_pids(master: int, log: Path) -> frozenset[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = psutil.Process(master).children()
        if len(children) == WORKERS:
            return frozenset(child.pid for child in children)
        time.sleep(0.05)
    pytest.fail(f"gunicorn did not start {WORKERS} workers:\n{log.read_text()}")


@pytest.fixture(params=sorted(WORKER_OPTIONS))
def worker(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def serve(worker: str, mode: str, tmp_path: Path) -> Iterator[Gunicorn]:
    log = tmp_path / "gunicorn.log"
    process, port = start(worker, mode, log)
    try:
        try:
            wait_for_port(port, timeout=30)
        except TimeoutError:
            pytest.fail(f"gunicorn did not listen (exit {process.poll()}):\n{log.read_text()}")
        workers = worker_pids(process.pid, log)
        yield Gunicorn(f"http://127.0.0.1:{port}", process.pid, workers, log)
    finally:
        stop(process)
        print(log.read_text())  # shown with a failing test's captured output


@pytest.fixture
def foreground(worker: str, tmp_path: Path) -> Iterator[Gunicorn]:
    yield from serve(worker, "foreground", tmp_path)


@pytest.fixture
def background(worker: str, tmp_path: Path) -> Iterator[Gunicorn]:
    yield from serve(worker, "background", tmp_path)


def fetch(server: Gunicorn) -> Served:
    started = time.monotonic()
    try:
        reply = get(f"{server.base}/healthcheck", timeout=HANG)
    except OSError as error:
        pytest.fail(f"no answer within {HANG} s ({error!r}):\n{server.log.read_text()}")
    seconds = time.monotonic() - started
    pid = reply.headers.get("X-Worker-Pid")
    if pid is None or reply.headers.get("Content-Type") != "application/json":
        pytest.fail(f"not the app's answer: {reply}\n{server.log.read_text()}")
    outputs = {result["checker"]: result["output"] for result in reply.json()["results"]}
    return Served(int(pid), reply.status, outputs, seconds)


def until_each_worker(server: Gunicorn) -> tuple[list[Served], dict[int, int]]:
    """Requests, in batches of ``CLIENTS`` at once on fresh connections, until every worker
    has given ``ENOUGH`` answers of its own, or the bounds run out. Returns every response and
    the count of answers of its own by worker pid."""
    served: list[Served] = []
    own: dict[int, int] = dict.fromkeys(server.workers, 0)
    deadline = time.monotonic() + MAX_SECONDS
    with ThreadPoolExecutor(CLIENTS) as pool:
        for batch in range(MAX_REQUESTS // CLIENTS):
            replies = list(pool.map(lambda _: fetch(server), range(CLIENTS)))
            for reply in replies:
                reply.batch = batch
                if reply.own:
                    own[reply.pid] = own.get(reply.pid, 0) + 1
            served.extend(replies)
            if min(own.values()) >= ENOUGH or time.monotonic() > deadline:
                break
    return served, own


def test_each_worker_runs_the_checks_itself(foreground: Gunicorn) -> None:
    served, own = until_each_worker(foreground)
    for reply in served:
        assert reply.seconds < HANG
        assert reply.pid in foreground.workers
        # Both checks ran in the worker that answered: not the master's results, not "timed
        # out" waiting for check threads or an event loop that stayed in the master.
        assert reply.status == 200, reply
        assert reply.outputs == {
            "sync_pid": str(reply.pid),
            "async_pid": str(reply.pid),
        }, f"the master is {foreground.master}"
    assert min(own.values()) >= ENOUGH, f"answers of its own by worker: {own}"


def test_background_mode_runs_again_in_each_worker(background: Gunicorn) -> None:
    served, own = until_each_worker(background)
    master = str(background.master)
    first_own: dict[int, int] = {}
    for reply in served:
        assert reply.seconds < HANG
        assert reply.pid in background.workers
        # Never "pending" (the master's results are served until the worker's own land) and
        # never "timed out" waiting for threads that stayed in the master.
        assert reply.status == 200, reply
        assert set(reply.outputs) == {"sync_pid", "async_pid"}
        assert set(reply.outputs.values()) <= {master, str(reply.pid)}, reply
        if reply.own:
            first_own.setdefault(reply.pid, reply.batch)
    for reply in served:
        # Checks land one by one; once a check has its worker's own result, the master's
        # does not come back.
        if reply.batch > first_own.get(reply.pid, reply.batch):
            assert reply.own, reply
    # Each worker runs its own background rounds.
    assert min(own.values()) >= ENOUGH, f"answers of its own by worker: {own}"
