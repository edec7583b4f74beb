"""Results shared by the processes of one host through a directory: each check runs once per
period whatever the number of workers, and every worker answers from the same results.

Per check, a lock file and a result file. The process that takes a check's lock (``flock``)
runs it and writes the result; the others wait for the lock, then read it. The kernel releases
the lock of a process that dies, even by SIGKILL, so the next one takes over. Results are
written whole and renamed into place: a reader never sees half of one. What is written is the
raw result, before damping: every process settles it as its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import re
import secrets
import struct
import threading
import time
from pathlib import Path

from ..check import Check
from ..result import CheckResult, Status

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: How often a process waiting for another's run looks again.
POLL = 0.01


class SharedResults:
    """A directory of results and locks, one pair per check name."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        if fcntl is None:  # pragma: no cover - Windows
            raise ValueError("share needs file locks (fcntl), which this platform lacks")
        self.directory = Path(directory)
        shown = repr(str(directory))
        if not self.directory.exists():
            try:
                self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as exc:
                raise ValueError(f"share: cannot make the directory {shown}: {exc}") from None
        if not self.directory.is_dir() or not os.access(self.directory, os.W_OK | os.X_OK):
            raise ValueError(f"share: {shown} is not a directory this process can write")
        self._generation = _Generation(self.directory / "generation")
        #: Lock descriptors held by this process, by check name: closed in a forked child, whose
        #: copies would otherwise keep the parent's locks alive after it lets go.
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def _path(self, check: Check, suffix: str) -> Path:
        # Readable and safe whatever the name; the digest keeps distinct names apart.
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", check.name)[:40].strip(".-") or "check"
        digest = hashlib.sha256(check.name.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return self.directory / f"{slug}-{digest}{suffix}"

    # -- results -------------------------------------------------------------------------

    def read(
        self, check: Check, newer_than: float | None = None
    ) -> tuple[CheckResult, float] | None:
        """The result another process (or this one) wrote for ``check``, and the seconds it
        has left to live, if it is still fresh (and made after ``newer_than``, a Unix time)."""
        try:
            data = json.loads(self._path(check, ".json").read_bytes())
            result = CheckResult(
                checker=str(data["checker"]),
                status=Status(data["status"]),
                output=data["output"],
                timestamp=float(data["timestamp"]),
                expires=float(data["expires"]),
                response_time=float(data["response_time"]),
                observed_value=data.get("observed_value"),
                observed_unit=data.get("observed_unit"),
                timed_out=bool(data.get("timed_out", False)),
            )
        except (OSError, ValueError, KeyError, TypeError):  # none yet, or not ours: run it
            return None
        now = time.time()
        life = result.expires - now
        if life <= 0 or (newer_than is not None and result.timestamp <= newer_than):
            return None
        if result.checker != check.name:
            return None
        return result, life

    def write(self, check: Check, result: CheckResult) -> None:
        """Publish ``result``: written to a file of its own, then renamed over the last one."""
        data = {
            "checker": result.checker,
            "status": result.status.value,
            "output": result.output,
            "timestamp": result.timestamp,
            "expires": result.expires,
            "response_time": result.response_time,
            "observed_value": result.observed_value,
            "observed_unit": result.observed_unit,
            "timed_out": result.timed_out,
        }
        target = self._path(check, ".json")
        partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(json.dumps(data).encode())
            os.replace(partial, target)
            self._generation.bump()  # after the file: whoever sees the change reads it
        except (OSError, TypeError, ValueError):
            with contextlib.suppress(OSError):
                partial.unlink()
            # Not published: the others run it themselves, as without sharing.

    def generation(self) -> int:
        """A number that changes whenever any process publishes a result."""
        return self._generation.read()

    # -- locks ---------------------------------------------------------------------------

    def try_lock(self, check: Check) -> bool:
        """Take ``check``'s lock if no process holds it."""
        path = self._path(check, ".lock")
        with self._lock:
            if check.name in self._held:  # another flight of this process: wait for it
                return False
            try:
                descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                return False
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # held by another process (or locks unsupported there)
                os.close(descriptor)
                return False
            self._held[check.name] = descriptor
            return True

    def unlock(self, check: Check) -> None:
        with self._lock:
            descriptor = self._held.pop(check.name, None)
        if descriptor is not None:
            os.close(descriptor)  # closing the only descriptor releases the lock

    def after_fork(self) -> None:
        """In a forked child: the parent's locks are the parent's to release."""
        self._lock = threading.Lock()
        held, self._held = self._held, {}
        for descriptor in held.values():
            with contextlib.suppress(OSError):
                os.close(descriptor)


class _Generation:
    """Eight bytes in a file every process maps: a random value written after each result is
    published. A change means "read the results again"; a torn read only means an extra read.
    Random, not a counter: two writers can never leave it where a reader last saw it."""

    def __init__(self, path: Path) -> None:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            if os.fstat(descriptor).st_size < 8:
                os.ftruncate(descriptor, 8)
            self._map = mmap.mmap(descriptor, 8)
        finally:
            os.close(descriptor)  # the mapping stays

    def read(self) -> int:
        value: int = struct.unpack_from("=Q", self._map)[0]
        return value

    def bump(self) -> None:
        struct.pack_into("=Q", self._map, 0, secrets.randbits(64))
