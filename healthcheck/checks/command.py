"""A command's exit code: 0 passes (with ``nagios=True``, a Nagios plugin's 0-3), under a
time limit that ends the command and everything it started (standard library only)."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO

from .. import defaults
from ..result import Outcome, Status
from ..scrub import DEFAULT
from ._base import BuiltinCheck, Hidden, check_name, failure, flag, refused, seconds, slug

__all__ = ["CommandCheck", "command_check"]

#: What a Nagios plugin's exit code means (3, UNKNOWN, and anything else: fail).
_PLUGIN = {0: Status.PASS, 1: Status.WARN, 2: Status.FAIL}
#: The most of the command's output kept (its first line, for the result's output).
_MAX_OUTPUT = 4096


@dataclass(frozen=True, eq=False)
class CommandCheck(BuiltinCheck):
    """Run ``argv`` (no shell); its exit code decides, its first line of output says why."""

    argv: tuple[str, ...] = field(repr=False)  # target shows it, masked
    nagios: bool = False

    def __call__(self) -> Outcome:
        try:
            # A session of its own, so that a timeout ends what it started too.
            process = subprocess.Popen(  # noqa: S603 - the application's own command, no shell
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            return failure(exc)
        # Read as it comes, keeping only the start: a chatty command must not fill memory,
        # and a child it left running (holding the pipes) must not hold the check.
        readers = [_Reader(process.stdout), _Reader(process.stderr)]
        try:
            code = process.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            return Outcome(Status.FAIL, f"{self.name}: no exit within {self.timeout:g} s")
        finally:
            for reader in readers:
                reader.finish()
        said = _first_line(readers[0].kept) or _first_line(readers[1].kept)
        if code < 0:
            state, what = Status.FAIL, f"killed by signal {-code}"
        elif self.nagios:
            state, what = _PLUGIN.get(code, Status.FAIL), f"exit {code}"
        else:
            state, what = (Status.PASS if code == 0 else Status.FAIL), f"exit {code}"
        return Outcome(state, f"{what}: {said}" if said else what, code, "exit code")


class _Reader:
    """Reads a pipe on a thread of its own, keeping the first ``_MAX_OUTPUT`` bytes and
    dropping the rest, until its end or until told to stop."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self.kept = b""
        self._stream = stream
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="healthcheck-command", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        if self._stream is None:
            return
        fd = self._stream.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while not self._stop.is_set():
                if not selector.select(timeout=0.05):
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    return
                if len(self.kept) < _MAX_OUTPUT:
                    self.kept += chunk[: _MAX_OUTPUT - len(self.kept)]

    def finish(self) -> None:
        """The command has exited (or was killed): what is left to read comes at once, unless
        a child it left behind holds the pipe open; then stop reading."""
        self._thread.join(0.2)
        self._stop.set()
        self._thread.join(1)
        if self._stream is not None:
            self._stream.close()


def _first_line(data: bytes) -> str:
    return data[:_MAX_OUTPUT].decode("utf-8", "replace").strip().partition("\n")[0].strip()


def _kill(process: subprocess.Popen[bytes]) -> None:
    """End the command, what it started (its process group) and what left that group."""
    import psutil

    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except OSError:  # gone meanwhile
        pass
    for child in descendants:  # setsid'd ones are not in the group any more
        try:
            child.kill()
        except psutil.Error:
            pass
    process.wait()


def command_check(
    argv: Sequence[str],
    *,
    nagios: bool = False,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> CommandCheck:
    """A checker that runs ``argv`` (``["pg_isready", "-h", "db"]``, no shell) and passes when
    it exits 0; with ``nagios=True`` it reads the exit code as a Nagios plugin's (0 pass,
    1 warn, 2 and 3 fail). The command is killed, with what it started, after ``timeout`` (all
    but a process it detached from itself twice over, which nothing can tell from any other)."""
    words = _argv(argv)
    nagios = flag("command_check", "nagios", nagios)  # "false" would be true
    shown = DEFAULT.scrub_text(" ".join(words))  # a --password=... stays unsaid
    default = slug(os.path.basename(words[0])) or "command"
    return CommandCheck(
        check_name("command_check", name, default),
        seconds("command_check", timeout),
        shown,
        words,
        nagios,
    )


def _argv(argv: object) -> tuple[str, ...]:
    """``argv`` checked: a list of strings, the first a program that can be run."""
    expected = "a list of arguments, the program first (no shell runs it)"
    example = "['pg_isready', '-h', 'db']"
    # Only the program is ever shown: the arguments may hold passwords (redis-cli -a ...).
    if isinstance(argv, str):
        got = Hidden(argv, f"{argv.split()[0] if argv.split() else ''!r} and its arguments")
        note = "one string; give the words as a list"
        raise refused("command_check", "argv", expected, example, got, note, wrong_type=True)
    if isinstance(argv, bytes) or not isinstance(argv, Iterable):
        raise refused("command_check", "argv", expected, example, argv, wrong_type=True)
    words = tuple(argv)
    got = Hidden(argv, f"{words[0] if words else ''!r} and {max(0, len(words) - 1)} arguments")
    if not all(isinstance(word, str) for word in words):
        note = "every word must be a string"
        raise refused("command_check", "argv", expected, example, got, note, wrong_type=True)
    if not words or not words[0] or any("\x00" in word for word in words):
        raise refused("command_check", "argv", expected, example, got)
    if shutil.which(words[0]) is None:
        note = f"{words[0]!r}: not executable, or not on PATH"
        raise refused("command_check", "argv", expected, example, got, note)
    return words
