"""The real programs of an operator's deployment, each started by the test on loopback ports with
a configuration the test writes, in front of apps gunicorn serves (``tests/e2e/app.py``)."""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.checks.conftest import private_server, require_program
from tests.http import get
from tests.servers import free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def program(name: str, package: str) -> str:
    """The path of Debian's ``name``; skipped with the command to install it (a failure under
    ``CI=true``, where every real component must be there)."""
    return require_program(name, package)


def eventually(probe: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait until ``probe()`` holds; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout:g} s")
        time.sleep(0.05)


@dataclass
class Backend:
    """One app served by gunicorn, and the state file its check reads."""

    name: str
    url: str
    port: int
    state_file: Path
    #: gunicorn's master process.
    process: subprocess.Popen[bytes] | None = None

    def set(self, state: str) -> None:
        # Written whole, then renamed: a check never reads half a word.
        partial = self.state_file.with_suffix(".tmp")
        partial.write_text(state)
        partial.replace(self.state_file)


#: The README's gunicorn.conf.py for draining (its delay the test's).
DRAIN_CONFIG = """
from healthcheck.integrations.gunicorn import drain_on_shutdown

when_ready = drain_on_shutdown({delay})
graceful_timeout = 30
"""


@contextmanager
def gunicorn_backend(
    name: str,
    folder: Path,
    *,
    workers: int = 1,
    worker_class: str = "sync",
    preload: bool = False,
    ttl: float = 0.2,
    drain: float | None = None,
    config: Path | None = None,
    interval: float | None = None,
    token: str | None = None,
    worker_env: dict[str, str] | None = None,
) -> Iterator[Backend]:
    """``name``'s app under gunicorn; ``drain``: seconds the server drains on the master's
    SIGTERM (the README's gunicorn.conf.py) before it ends; ``config``: a gunicorn.conf.py of
    the test's instead; ``interval``: background mode's; ``token``: details only for
    ``Authorization: Bearer <token>``."""
    if drain is not None and config is None:
        config = folder / f"{name}-gunicorn.conf.py"
        config.write_text(DRAIN_CONFIG.format(delay=drain))
    port = free_port()
    backend = Backend(name, f"http://127.0.0.1:{port}", port, folder / f"{name}.state")
    backend.set("ok")
    argv = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
        # --threads only for gthread: more than one turns a sync worker into a gthread one
        "--workers", str(workers), "--worker-class", worker_class,
        *(["--threads", "4"] if worker_class == "gthread" else []),
        "--chdir", str(HERE), "--log-level", "warning", *(["--preload"] if preload else []),
        *(["--config", str(config)] if config else []), "app:app",
    ]  # fmt: skip
    env = {
        **os.environ,
        "E2E_NAME": name,
        "E2E_STATE": str(backend.state_file),
        "E2E_TTL": str(ttl),
        "PYTHONPATH": str(ROOT),
        **({"E2E_INTERVAL": str(interval)} if interval is not None else {}),
        **({"E2E_TOKEN": token} if token is not None else {}),
        **(worker_env or {}),
    }
    with private_server(argv, port, env=env, start_timeout=20, failed=pytest.fail) as process:
        backend.process = process
        yield backend


@pytest.fixture
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hc-e2e-") as name:
        yield Path(name)


# -- haproxy -----------------------------------------------------------------------------------

#: The example configuration the README points to: the tests run it, with their own ports.
HAPROXY = ROOT / "contrib" / "haproxy" / "haproxy.cfg"


def haproxy_config(folder: Path, port: int, backends: list[Backend], inter_ms: int) -> str:
    """contrib/haproxy/haproxy.cfg as written, with this test's socket, port and servers, and
    its checks ``inter_ms`` apart (the file's fall and rise kept)."""
    lines = []
    for line in HAPROXY.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("stats socket"):
            line = f"    stats socket {folder}/haproxy.sock mode 600 level admin"
        elif stripped.startswith("bind "):
            line = f"    bind 127.0.0.1:{port}"
        elif stripped.startswith("default-server"):
            line = re.sub(r"\binter \S+", f"inter {inter_ms}ms", line)
        elif stripped.startswith("server "):
            continue  # replaced by this test's
        lines.append(line)
    lines += [f"    server {b.name} 127.0.0.1:{b.port} check" for b in backends]
    return "\n".join(lines) + "\n"


def haproxy_setting(name: str) -> int:
    """A number of the ``default-server`` line of contrib/haproxy/haproxy.cfg (fall, rise)."""
    found = re.search(rf"^\s*default-server\b.*\b{name} (\d+)", HAPROXY.read_text(), re.M)
    assert found is not None, f"no {name} in {HAPROXY}"
    return int(found.group(1))


@dataclass
class Haproxy:
    url: str
    socket_path: Path

    def states(self) -> dict[str, str]:
        """Each server's state as haproxy's stats report it (``UP``, ``DOWN``...)."""
        return {name: row["status"] for name, row in self.stats().items()}

    def stats(self) -> dict[str, dict[str, str]]:
        """Each server's row of haproxy's ``show stat`` (``status``, ``check_code``...)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.socket_path))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
        return {
            row["svname"]: row
            for row in rows
            if row["pxname"] == "app" and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def served_by(self, requests: int = 20) -> list[str]:
        """Which backend answered each of ``requests`` requests through the proxy."""
        return [get(self.url + "/whoami").body.decode() for _ in range(requests)]


@contextmanager
def haproxy_in_front(
    folder: Path,
    backends: list[Backend],
    *,
    inter_ms: int = 200,
) -> Iterator[Haproxy]:
    binary = program("haproxy", "haproxy")
    port = free_port()
    config = folder / "haproxy.cfg"
    config.write_text(haproxy_config(folder, port, backends, inter_ms))
    check = subprocess.run([binary, "-c", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with private_server([binary, "-db", "-f", str(config)], port, failed=pytest.fail):
        stats = folder / "haproxy.sock"
        eventually(stats.exists, 10, "haproxy's stats socket")
        yield Haproxy(f"http://127.0.0.1:{port}", stats)
