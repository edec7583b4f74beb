"""Plain text, one line per check, in the style of Kubernetes' ``?verbose`` probe output."""

from __future__ import annotations

from collections.abc import Iterable

from ..result import CheckResult, Status
from ..vocabulary import PROBE_ENDINGS

_WORDS = {Status.PASS: "ok", Status.WARN: "warn", Status.FAIL: "failed"}
_MARKS = {Status.PASS: "+", Status.WARN: "!", Status.FAIL: "-"}


def check_line(name: str, status: Status, output: object = None) -> str:
    """``[+]name ok``, ``[!]name warn: output`` or ``[-]name failed: output``, on one line
    whatever the name and output hold: a newline in an output must not forge a line."""
    line = f"[{_MARKS[status]}]{one_line(name)} {_WORDS[status]}"
    if status is Status.PASS or output in (None, ""):
        return line
    return f"{line}: {one_line(str(output))}"


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``)."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    escaped = repr(char)[1:-1]  # "\\n", "\\x1b", "\\u2028"
    return escaped if escaped != char else f"\\u{ord(char):04x}"


def render_lines(results: Iterable[CheckResult]) -> list[str]:
    return [check_line(r.checker, r.status, r.output) for r in results]


def render_probe(name: str, status: Status, lines: Iterable[str], verbose: bool) -> str:
    """A Kubernetes-style probe body: ``ok``, or the lines and ``<name> check failed``."""
    if not verbose and status is not Status.FAIL:
        return "ok"
    return "\n".join([*lines, f"{name} {PROBE_ENDINGS[status.value]}"]) + "\n"
