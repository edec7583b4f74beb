"""Results shared by the processes of one host through a directory: each check runs once per
period whatever the number of workers, and every worker answers from the same results.

Per check, a lock file and a result file. The process that takes a check's lock (``flock``)
runs it and writes the result; the others wait for the lock, then read it. The kernel releases
the lock of a process that dies, even by SIGKILL, so the next one takes over. Results are
written whole and renamed into place: a reader never sees half of one. What is written is the
raw result, before damping: every process settles it as its own.

The directory must be this user's and no one else's to write: what is in it is believed. It is
opened once and every file is reached through that descriptor, so a directory swapped in at
the same path later (a link, another user's) is never used; a removed one is made again,
checked as at the start.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import mmap
import os
import re
import secrets
import stat
import struct
import threading
import time

from ..check import Check
from ..result import CheckResult, Status

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: The most a result file may weigh: outputs are bounded long before (max_output).
MAX_RESULT_BYTES = 4 * 1024 * 1024
#: Partial files older than this are a writer's that died: removed when a process starts.
STALE_PARTIAL = 60.0
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class Lock(enum.Enum):
    """What :meth:`SharedResults.try_lock` found."""

    TAKEN = "taken"  # by this call: run the check, then write and unlock
    HELD = "held"  # by another process (or another flight here): wait for it
    UNAVAILABLE = "unavailable"  # the directory is gone or unusable: run it unshared


class SharedResults:
    """A directory of results and locks, one pair per check key."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        if fcntl is None:  # pragma: no cover - Windows
            raise ValueError("share needs file locks (fcntl), which this platform lacks")
        self._shown = repr(str(directory))
        # Links resolved once, now: the path cannot be pointed elsewhere later.
        self.directory = os.path.realpath(os.path.expanduser(os.fspath(directory)))
        self._lock = threading.Lock()
        self._dir, self._generation = self._open()
        #: Lock descriptors held by this process, by key: closed in a forked child, whose
        #: copies would otherwise keep the parent's locks alive after it lets go.
        self._held: dict[str, int] = {}
        self._sweep()

    def _open(self) -> tuple[int, _Markers]:
        """Make the directory if need be, refuse one that others may write, and open it."""
        if not os.path.lexists(self.directory):
            try:
                os.makedirs(self.directory, mode=0o700, exist_ok=True)
            except OSError as exc:
                raise ValueError(f"share: cannot make the directory {self._shown}: {exc}") from None
        try:
            descriptor = os.open(self.directory, os.O_RDONLY | _DIRECTORY | _NO_FOLLOW)
        except OSError:
            raise ValueError(
                f"share: {self._shown} is not a directory this process can write"
            ) from None
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISDIR(info.st_mode) or not os.access(self.directory, os.W_OK | os.X_OK):
                raise ValueError(f"share: {self._shown} is not a directory this process can write")
            if info.st_uid != os.geteuid() or info.st_mode & 0o022:
                raise ValueError(
                    f"share: {self._shown} must belong to this user and be writable by no one "
                    "else (what it holds is believed): give a directory of its own, such as a "
                    "new one below this (it is made with mode 700)"
                )
            return descriptor, _Markers(descriptor)
        except BaseException:
            os.close(descriptor)
            raise

    def _reopen(self) -> None:
        """The directory was removed: make it again, checked as at the start. Call with
        ``_lock`` held; ``ValueError`` or ``OSError`` if it cannot be."""
        descriptor, markers = self._open()
        old, self._dir, self._generation = self._dir, descriptor, markers
        with contextlib.suppress(OSError):
            os.close(old)

    def _sweep(self) -> None:
        """Remove partial files of writers that died (a crash between write and rename)."""
        cutoff = time.time() - STALE_PARTIAL
        with contextlib.suppress(OSError):
            for name in os.listdir(self._dir):
                if name.endswith(".tmp"):
                    with contextlib.suppress(OSError):
                        if os.stat(name, dir_fd=self._dir, follow_symlinks=False).st_mtime < cutoff:
                            os.unlink(name, dir_fd=self._dir)

    @staticmethod
    def _name(key: str, suffix: str) -> str:
        # Readable and safe whatever the key; the digest keeps distinct keys apart.
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", key)[:40].strip(".-") or "check"
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return f"{slug}-{digest}{suffix}"

    # -- results -------------------------------------------------------------------------

    def read(
        self,
        key: str,
        check: Check,
        ttls: tuple[float, float],
        newer_than: float | None = None,
        made_since: float | None = None,
    ) -> tuple[CheckResult, float] | None:
        """The result published for ``key`` and the seconds it has left to live, if it is
        fresh: within its own life and this process's TTL for its state (``ttls``: success's
        and failure's), made after ``newer_than`` (a Unix time), and not in the future (a
        clock stepped back). One made at or after ``made_since`` (when the caller began to
        wait) answers it even past its life (a TTL of 0: then it is not kept)."""
        try:
            descriptor = os.open(
                self._name(key, ".json"), os.O_RDONLY | _NO_FOLLOW, dir_fd=self._dir
            )
            with os.fdopen(descriptor, "rb") as file:
                text = file.read(MAX_RESULT_BYTES + 1)
            if len(text) > MAX_RESULT_BYTES:
                return None
            data = json.loads(text, parse_constant=_no_constant)
            result = CheckResult(
                checker=str(data["checker"]),
                status=Status(data["status"]),
                output=data["output"],
                timestamp=float(data["timestamp"]),
                expires=float(data["expires"]),
                response_time=float(data["response_time"]),
                observed_value=_observed(data.get("observed_value")),
                observed_unit=_text_or_none(data.get("observed_unit")),
                timed_out=data.get("timed_out") is True,
            )
        except Exception:  # none yet, damaged, nested past the parser's depth: run it
            return None
        now = time.time()
        if result.checker != check.name or result.timestamp > now + 1:
            return None
        if newer_than is not None and result.timestamp <= newer_than:
            return None
        cap = ttls[1] if result.status is Status.FAIL else ttls[0]
        life = min(result.expires, result.timestamp + cap) - now
        if life <= 0:
            if made_since is None or result.timestamp < made_since:
                return None
            life = 0.0
        return result, life

    def version(self, key: str) -> tuple[int, int, int] | None:
        """What tells whether ``key``'s result file changed since last seen (no reading)."""
        try:
            info = os.stat(self._name(key, ".json"), dir_fd=self._dir, follow_symlinks=False)
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns, info.st_size

    def write(self, key: str, result: CheckResult) -> None:
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
        target = self._name(key, ".json")
        partial = f"{target}.{os.getpid()}.{threading.get_ident()}.tmp"
        directory = self._dir
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_EXCL | _NO_FOLLOW
            descriptor = os.open(partial, flags, 0o600, dir_fd=directory)
            with os.fdopen(descriptor, "wb") as file:
                file.write(json.dumps(data, allow_nan=False).encode())
            os.replace(partial, target, src_dir_fd=directory, dst_dir_fd=directory)
            self._generation.published()  # after the file: whoever sees the change reads it
        except (OSError, TypeError, ValueError):
            with contextlib.suppress(OSError):
                os.unlink(partial, dir_fd=directory)
            # Not published: the others run it themselves, as without sharing.

    def generation(self) -> int:
        """A number that changes whenever any process publishes a result."""
        return self._generation.read(0)

    def cleared(self) -> float:
        """When a process last cleared its cache (a Unix time; 0.0 never)."""
        return self._generation.read_time(1)

    def clear(self) -> float:
        """Tell every process to forget its results (clear_cache()): now, the new mark."""
        return self._generation.write_time(1, time.time())

    # -- locks ---------------------------------------------------------------------------

    def try_lock(self, key: str) -> Lock:
        """Take ``key``'s lock if no process holds it."""
        with self._lock:
            if key in self._held:  # another flight of this process: wait for it
                return Lock.HELD
            try:
                descriptor = self._open_lock(key)
            except (OSError, ValueError):
                return Lock.UNAVAILABLE
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                return Lock.HELD
            except OSError:
                os.close(descriptor)
                return Lock.UNAVAILABLE
            self._held[key] = descriptor
            return Lock.TAKEN

    def _open_lock(self, key: str) -> int:
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | _NO_FOLLOW
        try:
            return os.open(self._name(key, ".lock"), flags, 0o600, dir_fd=self._dir)
        except FileNotFoundError:  # the directory was removed (a tmp cleaner): once more
            self._reopen()
            return os.open(self._name(key, ".lock"), flags, 0o600, dir_fd=self._dir)

    def unlock(self, key: str) -> None:
        with self._lock:
            descriptor = self._held.pop(key, None)
        if descriptor is not None:
            os.close(descriptor)  # closing the only descriptor releases the lock

    def after_fork(self) -> None:
        """In a forked child: the parent's locks are the parent's to release."""
        self._lock = threading.Lock()
        held, self._held = self._held, {}
        for descriptor in held.values():
            with contextlib.suppress(OSError):
                os.close(descriptor)


def _no_constant(name: str) -> None:
    raise ValueError(f"not JSON: {name}")  # NaN, Infinity: no writer of ours makes them


def _observed(value: object) -> int | float | str | None:
    if value is None or (isinstance(value, (int, float, str)) and not isinstance(value, bool)):
        return value
    raise ValueError("not an observed value")


def _text_or_none(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError("not a unit")


class _Markers:
    """Sixteen bytes in a file every process maps: slot 0 takes a random value after each
    result is published (random, not a counter: two writers can never leave it where a reader
    last saw it), slot 1 the time a process last cleared its cache. A change means "look
    again"; a torn read only means an extra look."""

    def __init__(self, directory: int) -> None:
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | _NO_FOLLOW
        descriptor = os.open("generation", flags, 0o600, dir_fd=directory)
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                raise ValueError("share: its 'generation' is not a regular file")
            if info.st_size < 16:
                os.ftruncate(descriptor, 16)
            self._map = mmap.mmap(descriptor, 16)
        finally:
            os.close(descriptor)  # the mapping stays

    def read(self, slot: int) -> int:
        value: int = struct.unpack_from("=Q", self._map, 8 * slot)[0]
        return value

    def bump(self, slot: int) -> int:
        value = secrets.randbits(64)
        struct.pack_into("=Q", self._map, 8 * slot, value)
        return value

    def published(self) -> None:
        self.bump(0)

    def read_time(self, slot: int) -> float:
        value: float = struct.unpack_from("=d", self._map, 8 * slot)[0]
        return value if value == value else 0.0  # NaN (a torn read): as never

    def write_time(self, slot: int, moment: float) -> float:
        struct.pack_into("=d", self._map, 8 * slot, moment)
        return moment
