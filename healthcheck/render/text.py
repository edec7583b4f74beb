"""Plain text, one line per check, in the style of Kubernetes' ``?verbose`` probe output."""

from __future__ import annotations

from collections.abc import Iterable

from ..result import CheckResult, Status

_WORDS = {Status.PASS: "ok", Status.WARN: "warn", Status.FAIL: "failed"}
_MARKS = {Status.PASS: "+", Status.WARN: "!", Status.FAIL: "-"}


def check_line(name: str, status: Status, output: object = None) -> str:
    """``[+]name ok``, ``[!]name warn: output`` or ``[-]name failed: output``."""
    line = f"[{_MARKS[status]}]{name} {_WORDS[status]}"
    return line if status is Status.PASS or output in (None, "") else f"{line}: {output}"


def render_lines(results: Iterable[CheckResult]) -> list[str]:
    return [check_line(r.checker, r.status, r.output) for r in results]


def render_probe(name: str, status: Status, lines: Iterable[str], verbose: bool) -> str:
    """A Kubernetes-style probe body: ``ok``, or the lines and ``<name> check failed``."""
    if not verbose and status is not Status.FAIL:
        return "ok"
    word = "failed" if status is Status.FAIL else "passed"
    return "\n".join([*lines, f"{name} check {word}"]) + "\n"
