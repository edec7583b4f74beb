"""A command's exit code: 0 passes (with ``nagios=True``, a Nagios plugin's 0-3), under a
time limit that ends the command and everything it started (standard library only)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import defaults
from ..result import Outcome, Status
from ..scrub import DEFAULT
from ._base import BuiltinCheck, failure, seconds

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
            # A session of its own, so that a timeout ends what it started too (a shell
            # script's children would otherwise hold the pipes open).
            process = subprocess.Popen(  # noqa: S603 - the application's own command, no shell
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            return failure(exc)
        try:
            out, err = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            return Outcome(Status.FAIL, f"{self.name}: no exit within {self.timeout:g} s")
        code = process.returncode
        said = _first_line(out) or _first_line(err)
        if code < 0:
            state, what = Status.FAIL, f"killed by signal {-code}"
        elif self.nagios:
            state, what = _PLUGIN.get(code, Status.FAIL), f"exit {code}"
        else:
            state, what = (Status.PASS if code == 0 else Status.FAIL), f"exit {code}"
        return Outcome(state, f"{what}: {said}" if said else what, code, "exit code")


def _first_line(data: bytes) -> str:
    return data[:_MAX_OUTPUT].decode("utf-8", "replace").strip().partition("\n")[0].strip()


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except OSError:  # gone meanwhile
        pass
    process.communicate()


def command_check(
    argv: Sequence[str],
    *,
    nagios: bool = False,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> CommandCheck:
    """A checker that runs ``argv`` (``["pg_isready", "-h", "db"]``, no shell) and passes when
    it exits 0; with ``nagios=True`` it reads the exit code as a Nagios plugin's (0 pass,
    1 warn, 2 and 3 fail). The command is killed, with what it started, after ``timeout``."""
    if isinstance(argv, (str, bytes)):
        raise TypeError(
            f"argv must be a list of arguments, not one string (no shell runs it): "
            f"{str(argv).split()!r}"
        )
    words = tuple(argv)
    if not words or not all(isinstance(word, str) for word in words):
        raise TypeError(f"argv must be a non-empty list of strings, got {argv!r}")
    if shutil.which(words[0]) is None:
        raise ValueError(f"command not found: {words[0]!r} (not executable, or not on PATH)")
    shown = DEFAULT.scrub_text(" ".join(words))  # a --password=... stays unsaid
    return CommandCheck(name or os.path.basename(words[0]), seconds(timeout), shown, words, nagios)
