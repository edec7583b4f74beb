#!/usr/bin/env python3
"""Benchmark healthcheck against py-healthcheck 1.10.1 and a bare route (standard library only).

    python3 bench/run.py [--quick] [--only 1,4] [--rounds N] [--no-wrk] [--no-pin]

Sets up bench/.venv-ours (this repository, editable, with every extra, plus gunicorn) and
bench/.venv-peer (py-healthcheck==1.10.1 flask gunicorn tornado), reusing them when present;
runs the scenarios of bench/README.md, every target in a subprocess of its own virtualenv; prints
the results table and writes it to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
import venv
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenarios import (
    BENCH,
    LOAD_CPUS,
    OURS,
    PEER,
    ROOT,
    SCENARIOS,
    SERVER_CPUS,
    THROUGHPUT_SECONDS,
    Context,
    Row,
    inproc,
)

PEER_REQUIREMENTS = ["py-healthcheck==1.10.1", "flask", "gunicorn", "tornado"]
OURS_REQUIREMENTS = ["-e", f"{ROOT}[flask,tornado,prometheus]", "gunicorn", "uvicorn"]
RESULTS = BENCH / "RESULTS.md"
#: Scenario 1's rounds: with THROUGHPUT_SECONDS each, about 2.5 minutes per framework.
ROUNDS = 25


# -- set-up --------------------------------------------------------------------------------


def ensure_venv(path: Path, requirements: list[str], fingerprint: str = "") -> Path:
    """Create ``path`` with ``requirements`` unless it has them already; its interpreter."""
    python = path / "bin" / "python"
    stamp = path / ".bench-installed"
    wanted = json.dumps({"requirements": requirements, "fingerprint": fingerprint})
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        print(f"creating {path.relative_to(ROOT)}", flush=True)
        venv.create(path, with_pip=True, clear=path.exists())
    print(f"installing {' '.join(requirements)} into {path.relative_to(ROOT)}", flush=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *requirements],
        check=True,
    )  # fmt: skip
    stamp.write_text(wanted)
    return python


def find_wrk(disabled: bool) -> str | None:
    wrk = None if disabled else shutil.which("wrk")
    if wrk is None:
        reason = "disabled by --no-wrk" if disabled else "wrk is not installed"
        print(
            f"note: {reason}; scenario 1 uses the Python load generator (bench/load.py, 2 "
            "processes x 16 connections), which saturates sooner than wrk. For the reference "
            "figures install wrk: apt-get install wrk",
            flush=True,
        )
    return wrk


def selected(only: str | None) -> list[int]:
    if not only:
        return sorted(SCENARIOS)
    picked = sorted({int(part) for part in only.split(",") if part.strip()})
    unknown = [n for n in picked if n not in SCENARIOS]
    if unknown:
        raise SystemExit(f"--only: no scenario {unknown}; there are {sorted(SCENARIOS)}")
    return picked


# -- the report ----------------------------------------------------------------------------


def verdict(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "n/a"}[met]


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| # | scenario | ours | peer (py-healthcheck 1.10.1) | bare route | ratios | target | "
        "result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = (r.id, r.title, r.ours, r.peer, r.bare, r.ratio, r.goal, verdict(r.met))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def details(rows: Sequence[Row]) -> str:
    parts = []
    for r in rows:
        parts.append(f"**{r.id}** {r.title}\n")
        parts.extend(f"- {line}" for line in r.details)
        parts.append("")
    return "\n".join(parts)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    return f"nproc {os.cpu_count()}, {cpu}, {platform.platform()}"


def pinning(ctx: Context) -> str:
    if not ctx.pin:
        return "servers and load generator not pinned to CPUs"
    return f"servers pinned to CPU {sorted(SERVER_CPUS or ())}, load generator to CPU " + str(
        sorted(LOAD_CPUS or ())
    )


def report(command: str, ctx: Context, rows: Sequence[Row], started: float) -> str:
    def versions(name: str) -> str:
        info = ctx.info[name]
        packages = ", ".join(f"{k} {v}" for k, v in sorted(info["versions"].items()))
        return f"Python {info['python']}, {packages}; healthcheck from {info['module']}"

    load = f"wrk ({ctx.wrk})" if ctx.wrk else "bench/load.py (Python fallback: wrk not found)"
    return "\n".join(
        [
            "# Benchmark results",
            "",
            f"- date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            f"- machine: {machine()}",
            f"- driver: Python {platform.python_version()} ({sys.executable})",
            f"- command: `{command}` (took {time.monotonic() - started:.0f} s)",
            f"- load generator: {load}; scenario 1: {ctx.rounds} round(s) of "
            f"{THROUGHPUT_SECONDS} s per target, interleaved; req/s is the median over rounds, "
            f"a ratio the median of the rounds' ratios; {pinning(ctx)}",
            f"- ours: {versions(OURS)}",
            f"- peer: {versions(PEER)}",
            "- bare route: json.dumps of a healthcheck-like dict per request, in ours' "
            "virtualenv (no healthcheck involved)",
            "",
            "See README.md for what each scenario measures and how to read the ratios.",
            "",
            table(rows),
            "",
            "## Details",
            "",
            details(rows),
        ]
    )


# -- main ----------------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, for a smoke test")
    parser.add_argument("--only", metavar="N[,N]", help="run only these scenarios (1-11)")
    parser.add_argument(
        "--rounds", type=int, help=f"scenario 1 rounds (default {ROUNDS}; 2 if --quick)"
    )
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load generator")
    parser.add_argument(
        "--no-pin", action="store_true", help="scenario 1: do not pin servers and load to CPUs"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    command = " ".join(["python3 bench/run.py", *argv])
    scenarios = selected(args.only)

    fingerprint = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    ctx = Context(
        ours_python=ensure_venv(BENCH / ".venv-ours", OURS_REQUIREMENTS, fingerprint),
        peer_python=ensure_venv(BENCH / ".venv-peer", PEER_REQUIREMENTS),
        wrk=find_wrk(args.no_wrk),
        quick=args.quick,
        rounds=max(1, args.rounds or (2 if args.quick else ROUNDS)),
        pin=not args.no_pin and SERVER_CPUS is not None,
    )
    for target in ctx.targets(bare=False):
        ctx.info[target.name] = inproc(target, "probe", quick=True)
    if not ctx.info[OURS]["background"]:
        print("note: ours has no background mode (HealthCheck(interval=...), start(), stop()) "
              "yet: scenario 6 reports it as not available", flush=True)  # fmt: skip

    rows: list[Row] = []
    for number in scenarios:
        print(f"scenario {number}: {SCENARIOS[number].__name__} ...", flush=True)
        began = time.monotonic()
        try:
            rows.extend(SCENARIOS[number](ctx))
        except Exception as exc:  # one broken scenario must not lose the others' figures
            traceback.print_exc()
            rows.append(Row(id=str(number), title=SCENARIOS[number].__name__,
                            ours=f"error: {exc}", details=[f"error: {exc!r}"]))  # fmt: skip
        print(f"scenario {number}: done in {time.monotonic() - began:.0f} s", flush=True)

    text = report(command, ctx, rows, started)
    RESULTS.write_text(text)
    print()
    print(table(rows))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)} (with per-target details)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
