"""The scenarios, driven from the benchmark's own interpreter (standard library only).

Every target runs in a subprocess started with its own virtualenv's interpreter and bench/ as
its working directory: servers from apps.py (gunicorn or Tornado), in-process measurements
from inproc.py. Load and latency come from wrk or load.py, in processes of their own. Each
scenario returns :class:`Row` objects: one line of the results table each.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faces import FACES, baseline
from load import HttpClient, split_url

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OURS, PEER, BARE = "ours", "peer", "bare"

Data = dict[str, Any]


@dataclass(frozen=True)
class Target:
    name: str  # ours, peer or bare
    python: Path  # the interpreter of the target's virtualenv
    kind: str  # what /healthcheck is: "healthcheck" (the installed package) or "bare"


@dataclass
class Context:
    ours_python: Path
    peer_python: Path
    wrk: str | None
    quick: bool
    rounds: int
    #: Scenario 1: run servers on one CPU and the load generator on another.
    pin: bool = True
    info: dict[str, Data] = field(default_factory=dict)

    def targets(self, *, bare: bool) -> list[Target]:
        targets = [
            Target(OURS, self.ours_python, "healthcheck"),
            Target(PEER, self.peer_python, "healthcheck"),
        ]
        if bare:  # the bare route needs no healthcheck: it runs on ours' virtualenv
            targets.append(Target(BARE, self.ours_python, "bare"))
        return targets


@dataclass
class Row:
    id: str
    title: str
    ours: str = "-"
    peer: str = "-"
    bare: str = "n/a"
    ratio: str = "-"
    goal: str = "-"
    #: True/False when the goal was checked; None when it could not be (not available, error).
    met: bool | None = None
    details: list[str] = field(default_factory=list)


# -- formatting ----------------------------------------------------------------------------


def ms(seconds: float | None) -> str:
    return "?" if seconds is None else f"{seconds * 1000:.2f} ms"


def us(seconds: float | None) -> str:
    return "?" if seconds is None else f"{seconds * 1e6:.0f} us"


def us2(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e6:.2f} us"


def secs(seconds: float | None) -> str:
    return "?" if seconds is None else f"{seconds:.3f} s"


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def times(x: float | None) -> str:
    return "?" if x is None else f"{x:.2f}x"


# -- subprocesses --------------------------------------------------------------------------


def target_env() -> dict[str, str]:
    """The environment for target processes: no inherited virtualenv or import path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def split_cpus() -> tuple[set[int] | None, set[int] | None]:
    """Scenario 1's CPUs: the servers get the last one, the load generator the others (wrk's
    two threads share them), so that they do not take turns on one core. ``None`` where that
    cannot be done (one CPU, or no ``sched_setaffinity``)."""
    if not hasattr(os, "sched_setaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return {cpus[-1]}, set(cpus[:-1])


SERVER_CPUS, LOAD_CPUS = split_cpus()


def pinned(cpus: set[int] | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` that confines the child (and what it starts) to ``cpus``."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def run_json(command: list[str], timeout: float, cpus: set[int] | None = None) -> Data:
    """Run ``command`` in bench/ and parse the JSON object on the last line of its stdout."""
    done = subprocess.run(
        command,
        cwd=BENCH,
        env=target_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=pinned(cpus),
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"{Path(command[1]).name} exited {done.returncode}: {' | '.join(tail)}")
    data: Data = json.loads(lines[-1])
    return data


def inproc(target: Target, measurement: str, quick: bool) -> Data:
    """Run an inproc.py measurement in ``target``'s virtualenv; its ``result`` part."""
    command = [str(target.python), "inproc.py", measurement, *(["--quick"] if quick else [])]
    data = run_json(command, timeout=240)
    verify_module(target, data["describe"]["module"])
    result: Data = data["result"]
    return result


def verify_module(target: Target, module: str) -> None:
    """Fail loudly if a target imported the wrong ``healthcheck`` (they share the name)."""
    expected = {OURS: ROOT / "healthcheck", PEER: BENCH / ".venv-peer"}.get(target.name)
    if expected is not None and not Path(module).resolve().is_relative_to(expected):
        raise RuntimeError(f"{target.name} imported healthcheck from {module}, not {expected}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    target: Target
    url: str
    info: Data
    #: The session its processes run in (the server's pid: it was started in a new session).
    session: int


@contextmanager
def serve(
    framework: str, target: Target, setup: str, cpus: set[int] | None = None
) -> Iterator[Server]:
    """Start ``target``'s app (``framework``: gunicorn or tornado) on a free loopback port,
    on ``cpus`` if given."""
    port = free_port()
    env = target_env()
    if framework in ("gunicorn", "wsgi"):
        factory = "make_flask_app" if framework == "gunicorn" else "make_wsgi_app"
        command = [
            str(target.python), "-m", "gunicorn", "-w", "1", "--threads", "8",
            "-b", f"127.0.0.1:{port}", "--graceful-timeout", "1", "--log-level", "warning",
            f"apps:{factory}({target.kind!r}, {setup!r})",
        ]  # fmt: skip
    elif framework == "uvicorn":
        command = [
            str(target.python), "-m", "uvicorn", "--factory", "apps:make_asgi_app",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "--no-access-log", "--lifespan", "off",
        ]  # fmt: skip
        env = {**env, "BENCH_KIND": target.kind, "BENCH_SETUP": setup}
    elif framework == "tornado":
        command = [
            str(target.python), "apps.py", "--kind", target.kind, "--setup", setup,
            "--port", str(port),
        ]  # fmt: skip
    else:
        raise ValueError(f"unknown framework {framework!r}")
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            command,
            cwd=BENCH,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=pinned(cpus),
        )
        try:
            url = f"http://127.0.0.1:{port}"
            info = wait_ready(url, process, log)
            verify_module(target, info["module"])
            yield Server(target, url, info, session=process.pid)
        finally:
            stop(process)


def wait_ready(url: str, process: subprocess.Popen[Any], log: Any, limit: float = 30) -> Data:
    """Wait until the server answers ``/_bench/info``; its JSON."""
    host, port, _ = split_url(url)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited {process.returncode}: {log.read()[-2000:]}")
        client = HttpClient(host, port, timeout=5)
        try:
            status, body = client.get("/_bench/info")
            if status == 200:
                info: Data = json.loads(body)
                return info
        except (OSError, ValueError):
            pass
        finally:
            client.close()
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} not ready after {limit:g} s")


def stop(process: subprocess.Popen[Any]) -> None:
    """Stop a server we started, and its workers: SIGTERM to its group, then SIGKILL."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # a worker the master left behind
    except ProcessLookupError:
        pass
    process.wait(5)


def warm(url: str, limit: float = 15) -> float:
    """GET ``url`` until it answers 200 (a filled cache, a first background run); seconds."""
    host, port, path = split_url(url)
    client = HttpClient(host, port, timeout=limit)
    start = time.monotonic()
    try:
        while time.monotonic() - start < limit:
            try:
                if client.get(path)[0] == 200:
                    return time.monotonic() - start
            except OSError:
                pass
            time.sleep(0.05)
    finally:
        client.close()
    raise RuntimeError(f"{url} did not answer 200 within {limit:g} s")


# -- load ----------------------------------------------------------------------------------

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _wrk_time(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Data:
    def find(pattern: str) -> re.Match[str] | None:
        return re.search(pattern, output, re.MULTILINE)

    rps = find(r"^Requests/sec:\s+([\d.]+)")
    if rps is None:
        raise RuntimeError(f"could not read wrk's output: {output[-500:]}")
    total = find(r"^\s*(\d+) requests in")
    non_2xx = find(r"Non-2xx or 3xx responses:\s+(\d+)")
    errors = find(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
    p50 = find(r"^\s+50%\s+(\S+)")
    p99 = find(r"^\s+99%\s+(\S+)")
    return {
        "tool": "wrk",
        "requests_per_s": float(rps.group(1)),
        "responses": int(total.group(1)) if total else None,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "p50": _wrk_time(p50.group(1)) if p50 else None,
        "p99": _wrk_time(p99.group(1)) if p99 else None,
    }


def session_cpu(session: int) -> float | None:
    """CPU seconds (user + system) used so far by the processes of ``session`` (Linux)."""
    total = 0
    try:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    fields = stat.read().rpartition(")")[2].split()
            except OSError:
                continue  # exited meanwhile
            if int(fields[3]) == session:  # fields after the name: state, ppid, pgrp, session
                total += int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK")


def throughput(ctx: Context, server: Server, path: str, seconds: float | None = None) -> Data:
    """Requests/s on ``path`` from 32 keep-alive connections (wrk -t2 -c32, or load.py) for
    ``seconds`` (default THROUGHPUT_SECONDS), and the server's CPU time per request (steadier
    than requests/s on a shared machine)."""
    duration = seconds or THROUGHPUT_SECONDS
    url = server.url + path
    cpu_before = session_cpu(server.session)
    cpus = LOAD_CPUS if ctx.pin else None
    if ctx.wrk:
        command = [ctx.wrk, "-t2", "-c32", f"-d{duration:g}s", "--latency", url]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 30, preexec_fn=pinned(cpus)
        )
        result = parse_wrk(done.stdout)
    else:
        command = [
            sys.executable, "load.py", "throughput", "--url", url, "--connections", "32",
            "--duration", str(duration), "--processes", "2",
        ]  # fmt: skip
        result = run_json(command, timeout=duration + 60, cpus=cpus)
    cpu_after = session_cpu(server.session)
    responses = result.get("responses")
    result["cpu_per_request"] = (
        (cpu_after - cpu_before) / responses
        if cpu_before is not None and cpu_after is not None and responses
        else None
    )
    return result


def sample(url: str, count: int, max_seconds: float, pause: float, trigger: str = "") -> Data:
    """Sequential latencies of ``url`` from load.py (optionally while ``trigger`` is hit)."""
    command = [
        sys.executable, "load.py", "sample", "--url", url, "--count", str(count),
        "--max-seconds", str(max_seconds), "--pause", str(pause),
        *(["--trigger", trigger, "--triggers", "2"] if trigger else []),
    ]  # fmt: skip
    return run_json(command, timeout=max_seconds + 60)


def paced(urls: list[str], rate: float, seconds: float) -> list[Data]:
    """Open-loop latencies of each of ``urls`` (sampled at the same time) from load.py."""
    command = [
        sys.executable, "load.py", "paced", *(a for url in urls for a in ("--url", url)),
        "--rate", str(rate), "--seconds", str(seconds), "--clients", "16",
    ]  # fmt: skip
    results: list[Data] = run_json(command, timeout=seconds + 60)["results"]
    return results


# -- scenario 1: cached throughput ----------------------------------------------------------

FRAMEWORKS = {
    "gunicorn": "Flask on gunicorn -w 1 --threads 8",
    "tornado": "Tornado",
}


#: One wrk run per target and round. Short runs, many rounds: a hiccup of the machine then
#: spoils a few rounds' ratios, which the median ignores, instead of part of every long run.
THROUGHPUT_SECONDS = 2


def paired(ours: list[Data], other: list[Data]) -> tuple[float, str, float]:
    """The median over rounds of ours/other requests/s, the spread of the rounds' ratios, and
    their lower quartile (what a goal of "at least" is judged on: rounds must not straddle)."""
    ratios = [a["requests_per_s"] / b["requests_per_s"] for a, b in zip(ours, other)]
    above = sum(r >= 1.0 for r in ratios)
    low = _quartiles(ratios)[0] if ratios else 0.0
    return statistics.median(ratios), f"{spread(ratios)}; {above} of {len(ratios)} >= 1.0", low


def spread(ratios: list[float]) -> str:
    """How the rounds' ratios scatter: their quartiles (4+ rounds) or their range."""
    if len(ratios) < 2:
        return "1 round"
    if len(ratios) < 4:
        return f"rounds {min(ratios):.2f}-{max(ratios):.2f}"
    low, _, high = statistics.quantiles(ratios, n=4)
    return f"rounds' quartiles {low:.2f}-{high:.2f}"


def _quartiles(ratios: list[float]) -> tuple[float, float, float]:
    """The rounds' quartiles (with fewer than 4 rounds: their range and median), as
    :func:`spread` reports them."""
    if len(ratios) < 4:
        return min(ratios), statistics.median(ratios), max(ratios)
    low, mid, high = statistics.quantiles(ratios, n=4)
    return low, mid, high


def cached_throughput(ctx: Context) -> list[Row]:
    rows = []
    for letter, framework in zip("ab", FRAMEWORKS):
        targets = ctx.targets(bare=True)
        runs: dict[str, list[Data]] = {t.name: [] for t in targets}
        with ExitStack() as stack:
            cpus = SERVER_CPUS if ctx.pin else None
            servers = [stack.enter_context(serve(framework, t, "cached", cpus)) for t in targets]
            for server in servers:
                warm(server.url + "/healthcheck")
            for round_ in range(ctx.rounds):  # rotate the order so no target always goes first
                for server in servers[round_ % 3 :] + servers[: round_ % 3]:
                    runs[server.target.name].append(throughput(ctx, server, "/healthcheck"))
        rps = {
            name: statistics.median(r["requests_per_s"] for r in rs) for name, rs in runs.items()
        }
        # The machine's speed drifts between runs; a ratio within one round compares runs made
        # close together, and the rounds' lower quartile is what the goal is judged on.
        vs_bare, bare_range, bare_low = paired(runs[OURS], runs[BARE])
        vs_peer, peer_range, peer_low = paired(runs[OURS], runs[PEER])
        clean = all(r["non_2xx"] == 0 and r["errors"] == 0 for r in runs[OURS])
        tool = runs[OURS][0]["tool"]
        row = Row(
            id=f"1{letter}",
            title=f"cached /healthcheck throughput, {FRAMEWORKS[framework]} (req/s, {tool})",
            ours=f"{rps[OURS]:,.0f}",
            peer=f"{rps[PEER]:,.0f}",
            bare=f"{rps[BARE]:,.0f}",
            ratio=f"ours/bare {times(vs_bare)} ({bare_range}), "
            f"ours/peer {times(vs_peer)} ({peer_range})",
            goal=">= 1.0x bare and >= 1.0x peer (rounds' lower quartiles)",
            met=bool(bare_low >= 1.0 and peer_low >= 1.0 and clean),
        )
        for name, rs in runs.items():
            row.details.append(
                f"{name}: "
                + "; ".join(
                    f"{r['requests_per_s']:,.0f} req/s (server CPU {us(r['cpu_per_request'])}/req, "
                    f"p50 {ms(r['p50'])}, p99 {ms(r['p99'])}, non-2xx {r['non_2xx']}, "
                    f"socket errors {r['errors']})"
                    for r in rs
                )
            )
        row.details.append(
            "per-round ours/bare: "
            + ", ".join(f"{a['requests_per_s'] / b['requests_per_s']:.2f}"
                        for a, b in zip(runs[OURS], runs[BARE]))
            + "; ours/peer: "
            + ", ".join(f"{a['requests_per_s'] / b['requests_per_s']:.2f}"
                        for a, b in zip(runs[OURS], runs[PEER]))
        )  # fmt: skip
        cpu = {name: median_of(r["cpu_per_request"] for r in rs) for name, rs in runs.items()}
        row.details.append(
            "server CPU per request, median over rounds: "
            + ", ".join(f"{name} {us(value)}" for name, value in cpu.items())
            + f"; ours/bare {times(ratio(cpu[OURS], cpu[BARE]))}, "
            f"ours/peer {times(ratio(cpu[OURS], cpu[PEER]))} (lower is better)"
        )
        rows.append(row)
    rows.extend(cached_cost(ctx))
    return rows


def cached_cost(ctx: Context) -> list[Row]:
    """1c, 1d: the library's own share of a cached request, measured in process."""
    got = {t.name: inproc(t, "cached-cost", ctx.quick) for t in ctx.targets(bare=False)}
    ours, peer = got[OURS], got[PEER]
    bare = ours["bare"]  # json.dumps per call, timed in ours' virtualenv
    row = Row(
        id="1c",
        title="in process: one cached run() vs the bare route's json.dumps (us per call; "
        "what the library adds to a request in 1a/1b)",
        ours=f"run() {us2(ours['run'])}, await run_async() {us2(ours['run_async'])}",
        peer=f"run() {us2(peer['run'])}",
        bare=us2(bare),
        ratio=f"ours/bare {times(ratio(ours['run'], bare))}, "
        f"ours/peer {times(ratio(ours['run'], peer['run']))} (lower is better)",
        goal="(diagnostic)",
    )
    for name, data in got.items():
        row.details.append(
            f"{name}: run() {us2(data['run'])}, run_async() {us2(data['run_async'])}, "
            f"bare json.dumps {us2(data['bare'])} (best of repeats)"
        )
    return [row, flask_request_cost(got)]


def flask_request_cost(got: dict[str, Data]) -> Row:
    """1d: a whole Flask request, paired with the bare route's in the same process."""
    ours, peer = got[OURS]["flask"], got[PEER]["flask"]

    def figure(data: Data) -> str:
        return f"{us(data['healthcheck'])} ({times(data['ratio'])} its bare)"

    row = Row(
        id="1d",
        title="in process: a whole Flask request to /healthcheck (test client, CPU time), "
        "paired with the bare route in the same process",
        ours=figure(ours),
        peer=figure(peer),
        bare=us(ours["bare"]),
        ratio=f"ours/bare {times(ours['ratio'])} (quartiles "
        f"{ours['ratio_quartiles'][0]:.2f}-{ours['ratio_quartiles'][2]:.2f}), "
        f"peer/bare {times(peer['ratio'])} (lower is better)",
        goal="(diagnostic)",
    )
    for name, data in ((OURS, ours), (PEER, peer)):
        row.details.append(
            f"{name}: healthcheck {us2(data['healthcheck'])}, bare {us2(data['bare'])} per "
            f"request (medians of batches); paired ratio median {data['ratio']:.3f}, quartiles "
            + ", ".join(f"{q:.3f}" for q in data["ratio_quartiles"])
        )
    return row


def median_of(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


# -- scenario 2: every face through every adapter ---------------------------------------------

#: framework (see serve()) -> what it is.
ADAPTERS = {
    "gunicorn": "Flask extension, gunicorn -w 1 --threads 8",
    "wsgi": "HealthWSGI, gunicorn -w 1 --threads 8",
    "uvicorn": "HealthASGI, uvicorn",
    "tornado": "Tornado routes()",
}
#: Scenario 2's rounds and the seconds of load per face and round.
FACE_ROUNDS, FACE_SECONDS = 7, 1.0
#: Scenario 2's goals: CPU per request of a face over the run() route's, and the extension's
#: requests/s over the run() route's.
FACE_CPU_GOAL, FACE_RPS_GOAL = 1.10, 0.95


def faces(ctx: Context) -> list[Row]:
    rows = [faces_in_process(ctx)]
    for letter, framework in zip("bcde", ADAPTERS):
        rows.append(faces_over_http(ctx, f"2{letter}", framework))
    return rows


def faces_in_process(ctx: Context) -> Row:
    """2a: a whole Flask request per face (test client, CPU time), paired with the run()
    route's request in the same process."""
    data = inproc(Target(OURS, ctx.ours_python, "healthcheck"), "faces", ctx.quick)
    worst = max(data["faces"].values(), key=lambda face: face["quartiles"][2])
    met = worst["quartiles"][2] <= FACE_CPU_GOAL
    costs = [face["cost"] for face in data["faces"].values()]
    row = Row(
        id="2a",
        title="in process: every face through the Flask extension, 10 cached checks: CPU per "
        "request over the run() route's for a request of the same shape (test client, paired "
        "batches)",
        ours=f"run() route {us(data['run'])}; faces {us(min(costs))}-{us(max(costs))}",
        peer="n/a",
        ratio=", ".join(f"{name} {face['ratio']:.2f}x" for name, face in data["faces"].items()),
        goal=f"every face's upper quartile <= {FACE_CPU_GOAL:.2f}x",
        met=met,
    )
    for name, face in data["faces"].items():
        low, mid, high = face["quartiles"]
        row.details.append(
            f"{name}: {us2(face['cost'])} per request vs run() route {us2(face['base'])} "
            f"({face['base_path']}); "
            f"paired ratio median {face['ratio']:.3f}, quartiles {low:.3f}, {mid:.3f}, {high:.3f}"
        )
    return row


def faces_over_http(ctx: Context, row_id: str, framework: str) -> Row:
    """2b-2e: server CPU per request of each face through ``framework``'s adapter, each
    measured right after (or, every other round, right before) the run() route's for a
    request of the same shape (see faces.baseline), so that each pair shares the machine's
    moment."""
    run_target = Target(OURS, ctx.ours_python, "healthcheck")
    adapter = Target("adapter", ctx.ours_python, "adapter")
    rounds = 2 if ctx.quick else FACE_ROUNDS
    runs: dict[str, list[Data]] = {name: [] for name in FACES}
    bases: dict[str, list[Data]] = {name: [] for name in FACES}
    with ExitStack() as stack:
        cpus = SERVER_CPUS if ctx.pin else None
        plain = stack.enter_context(serve(framework, run_target, "ten", cpus))
        served = stack.enter_context(serve(framework, adapter, "ten", cpus))
        for path in FACES.values():
            warm(plain.url + baseline(path))
            warm(served.url + path)
        for round_ in range(rounds):
            for name, path in FACES.items():
                pair = [(bases, plain, baseline(path)), (runs, served, path)]
                for kept, server, asked in pair[:: -1 if round_ % 2 else 1]:
                    kept[name].append(throughput(ctx, server, asked, FACE_SECONDS))
    base = [r for rs in bases.values() for r in rs]
    cpu_ratios: dict[str, list[float]] = {}
    for name in FACES:
        cpu_ratios[name] = [
            a["cpu_per_request"] / b["cpu_per_request"]
            for a, b in zip(runs[name], bases[name])
            if a["cpu_per_request"] and b["cpu_per_request"]
        ]
    rps_ratios = [
        a["requests_per_s"] / b["requests_per_s"]
        for a, b in zip(runs["py-healthcheck JSON"], bases["py-healthcheck JSON"])
        if b["requests_per_s"]
    ]
    worst = max(statistics.median(r) for r in cpu_ratios.values() if r)
    clean = all(r["non_2xx"] == 0 and r["errors"] == 0 for rs in runs.values() for r in rs)
    rps = statistics.median(rps_ratios) if rps_ratios else None
    # Met when the rounds do not straddle the goal: every face's upper quartile under it, the
    # extension's requests/s lower quartile over its own.
    cpu_met = all(len(r) > 1 and _quartiles(r)[2] <= FACE_CPU_GOAL for r in cpu_ratios.values())
    rps_met = framework != "gunicorn" or (
        len(rps_ratios) > 1 and _quartiles(rps_ratios)[0] >= FACE_RPS_GOAL
    )
    row = Row(
        id=row_id,
        title=f"over HTTP, 10 cached checks: every face through {ADAPTERS[framework]}: server "
        "CPU per request over the run() route's in the same framework",
        ours=f"run() route {us(median_of(r['cpu_per_request'] for r in base))}/req, "
        f"{statistics.median(r['requests_per_s'] for r in base):,.0f} req/s",
        peer="n/a",
        ratio=f"worst face {worst:.2f}x; py-healthcheck JSON req/s {times(rps)} "
        f"({spread(rps_ratios)})",
        goal=f"every face's upper quartile <= {FACE_CPU_GOAL:.2f}x"
        + (
            f"; extension req/s lower quartile >= {FACE_RPS_GOAL:.2f}x"
            if framework == "gunicorn"
            else ""
        ),
        met=bool(cpu_met and rps_met and clean),
    )
    for name, ratios in cpu_ratios.items():
        row.details.append(
            f"{name}: CPU/request {times(statistics.median(ratios) if ratios else None)} "
            f"({spread(ratios)}), "
            + ", ".join(f"{r['requests_per_s']:,.0f} req/s ({us(r['cpu_per_request'])}/req)"
                        for r in runs[name])
        )  # fmt: skip
    row.details.append(
        "run() route (each face's baseline in turn): " + ", ".join(
            f"{r['requests_per_s']:,.0f} req/s ({us(r['cpu_per_request'])}/req)" for r in base)
    )  # fmt: skip
    if not clean:
        row.details.append("some responses were not 2xx, or sockets failed")
    return row


# -- scenario 3: single flight --------------------------------------------------------------


def single_flight(ctx: Context) -> list[Row]:
    got = {t.name: inproc(t, "single-flight", ctx.quick) for t in ctx.targets(bare=False)}
    ours, peer = got[OURS], got[PEER]
    row = Row(
        id="3",
        title="50 concurrent run() on a cold cache, 0.2 s checker (checker invocations)",
        ours=str(ours["invocations"]),
        peer=str(peer["invocations"]),
        ratio=f"peer/ours {times(ratio(peer['invocations'], ours['invocations']))}",
        goal="ours 1",
        met=ours["invocations"] == 1 and ours["ok_answers"] == ours["callers"],
    )
    for name, data in got.items():
        row.details.append(
            f"{name}: {data['invocations']} invocations; {data['ok_answers']}/{data['callers']} "
            f"callers got 200; slowest caller {secs(data['slowest_caller'])}; "
            f"wall {secs(data['wall'])}"
        )
    return [row]


# -- scenario 4: a slow check must not block the IOLoop -------------------------------------


def unblocked_loop(ctx: Context) -> list[Row]:
    count, limit = (50, 8.0) if ctx.quick else (200, 20.0)
    got = {}
    for target in ctx.targets(bare=True):
        # the bare server has no slow check: its pings, with nothing else going on, are the floor
        trigger = "/healthcheck" if target.kind == "healthcheck" else ""
        with serve("tornado", target, "slow") as server:
            got[target.name] = sample(
                server.url + "/ping", count, limit, 0.02, trigger=trigger and server.url + trigger
            )

    def figure(data: Data) -> str:
        return f"p50 {ms(data['p50'])} / p99 {ms(data['p99'])}"

    ours = got[OURS]
    row = Row(
        id="4",
        title='Tornado: "pong" route latency while /healthcheck re-runs a 1 s check (ttl 0)',
        ours=figure(ours),
        peer=figure(got[PEER]),
        bare=figure(got[BARE]),
        ratio=f"p99 ours/bare {times(ratio(ours['p99'], got[BARE]['p99']))}, "
        f"peer/ours {times(ratio(got[PEER]['p99'], ours['p99']))}",
        goal="ours p99 < 20 ms",
        met=ours["p99"] is not None and ours["p99"] < 0.020 and ours["errors"] == 0,
    )
    for name, data in got.items():
        row.details.append(
            f"{name}: {data['samples']} pings in {secs(data['seconds'])}, max {ms(data['max'])}, "
            f"errors {data['errors']}; /healthcheck answered meanwhile: {data['triggered']}"
        )
    return [row]


# -- scenario 5: background mode ------------------------------------------------------------


#: Scenario 6's rounds of 1,000 requests: a p99 is the 10th slowest, so rounds scatter.
BACKGROUND_ROUNDS = 5


def background(ctx: Context) -> list[Row]:
    available = bool(ctx.info[OURS].get("background"))
    duration, rate = (3.0 if ctx.quick else 10.0), 100.0
    rounds = 1 if ctx.quick else BACKGROUND_ROUNDS
    rows = []
    for letter, framework in zip("ab", FRAMEWORKS):
        targets = [t for t in ctx.targets(bare=True) if available or t.name != OURS]
        runs: dict[str, list[Data]] = {t.name: [] for t in targets}
        with ExitStack() as stack:
            servers = [stack.enter_context(serve(framework, t, "background")) for t in targets]
            warmed = {s.target.name: warm(s.url + "/healthcheck") for s in servers}
            for _ in range(rounds):
                # every target at once: a hiccup of the machine then hits them alike
                urls = [server.url + "/healthcheck" for server in servers]
                for target, data in zip(targets, paced(urls, rate, duration)):
                    runs[target.name].append(data)
        p50 = {name: median_of(r["p50"] for r in rs) for name, rs in runs.items()}
        p99 = {name: median_of(r["p99"] for r in rs) for name, rs in runs.items()}

        def figure(name: str, p50: dict[str, float | None], p99: dict[str, float | None]) -> str:
            if name not in p50:
                return "not available"
            return f"p50 {ms(p50[name])} / p99 {ms(p99[name])}"

        vs_bare: float | None = None
        scatter = ""
        if available:
            ratios = [a["p99"] / b["p99"] for a, b in zip(runs[OURS], runs[BARE])]
            vs_bare = statistics.median(ratios)
            scatter = f" ({spread(ratios)})" if len(ratios) > 1 else ""
        clean = available and all(
            set(r["statuses"]) == {"200"} and r["errors"] == 0 and r["unfinished"] == 0
            for r in runs[OURS]
        )
        row = Row(
            id=f"5{letter}",
            title=f"background mode (interval=1.0), 2 s check: /healthcheck latency at "
            f"{rate:.0f} req/s, {FRAMEWORKS[framework]} (peer: success_ttl=1.0 instead)",
            ours=figure(OURS, p50, p99),
            peer=figure(PEER, p50, p99),
            bare=figure(BARE, p50, p99),
            ratio=f"p99 ours/bare {times(vs_bare)}{scatter}, "
            f"peer/ours {times(ratio(p99[PEER], p99.get(OURS)))}",
            goal="ours p99 <= 1.2x bare p99",
            met=bool(vs_bare is not None and vs_bare <= 1.2 and clean) if available else None,
        )
        if not available:
            row.details.append(
                "ours: not available: HealthCheck has no interval parameter or no start()/stop()"
            )
        for name, rs in runs.items():
            row.details.append(
                f"{name}: first 200 after {secs(warmed[name])}; "
                + "; ".join(
                    f"{r['samples']} requests in {secs(r['seconds'])}: p50 {ms(r['p50'])}, p99 "
                    f"{ms(r['p99'])}, max {ms(r['max'])}, statuses {r['statuses']}, errors "
                    f"{r['errors']}, unfinished clients {r['unfinished']}"
                    for r in rs
                )
            )
        rows.append(row)
    return rows


# -- scenario 6: checks waiting for a thread ------------------------------------------------


def queued_checks(ctx: Context) -> list[Row]:
    got = {t.name: inproc(t, "queued-checks", ctx.quick) for t in ctx.targets(bare=False)}
    ours, peer = got[OURS], got[PEER]
    rows = []
    for number, case in enumerate(("20x0.3", "200x0.05"), start=1):
        mine, theirs = ours[case], peer[case]
        worst = max(mine["walls"])
        rows.append(
            Row(
                id=f"6{'ab'[number - 1]}",
                title=f"{case.replace('x', ' checks of ')} s, 0.5 s limit (py-healthcheck 1 s), "
                "cold: failed checks; worst wall",
                ours=f"{max(mine['failed'])} failed; {secs(worst)}",
                peer=f"{max(theirs['failed'])} failed; {secs(max(theirs['walls']))}",
                ratio=f"ours/one check {times(worst / mine['check'])}",
                goal="0 failed; wall <= 3x one check",
                met=max(mine["failed"]) == 0 and worst <= 3 * mine["check"],
            )
        )
        for name, data in ((OURS, mine), (PEER, theirs)):
            rows[-1].details.append(
                f"{name} {case}: walls {', '.join(secs(w) for w in data['walls'])}; "
                f"failed {data['failed']}"
            )
    return rows


# -- scenario 7: cold runs by number of checks ----------------------------------------------


def cold_scale(ctx: Context) -> list[Row]:
    got = {t.name: inproc(t, "cold-scale", ctx.quick) for t in ctx.targets(bare=False)}
    ours, peer = got[OURS], got[PEER]

    def median(data: Data, count: int) -> float:
        return float(statistics.median(data["walls"][str(count)]))

    scale = [a / b for a, b in zip(ours["walls"]["1000"], ours["walls"]["100"])]
    versus = [a / b for a, b in zip(ours["walls"]["1000"], peer["walls"]["1000"])]
    rows = [
        Row(
            id="7a",
            title="1,000 trivial checks cold vs 100 (median of rounds' ratios)",
            ours=f"{secs(median(ours, 1000))} / {secs(median(ours, 100))}",
            peer=f"{secs(median(peer, 1000))} / {secs(median(peer, 100))}",
            ratio=f"{times(statistics.median(scale))} ({spread(scale)})",
            goal="<= 15x in every round",
            met=max(scale) <= 15,
        ),
        Row(
            id="7b",
            title="1,000 trivial checks cold vs py-healthcheck's serial loop",
            ours=secs(median(ours, 1000)),
            peer=secs(median(peer, 1000)),
            ratio=f"{times(statistics.median(versus))} ({spread(versus)})",
            goal="<= 3x in every round",
            met=max(versus) <= 3,
        ),
        Row(
            id="7c",
            title="1,100 checks: checks a second run inside the TTL executes",
            ours=str(ours["second_run"]),
            peer=str(peer["second_run"]),
            goal="0",
            met=ours["second_run"] == 0,
        ),
    ]
    for name, data in got.items():
        rows[0].details.append(
            f"{name}: 100 checks {', '.join(secs(w) for w in data['walls']['100'])}; "
            f"1,000 checks {', '.join(secs(w) for w in data['walls']['1000'])}; 1,100 checks: "
            f"{data['first_run']} then {data['second_run']} executions"
        )
    return rows


# -- scenario 8: the command line's start-up -----------------------------------------------


def probe_startup(ctx: Context) -> list[Row]:
    """``healthcheck probe URL`` against a plain ``python -c`` urllib GET of the same URL, wall
    seconds per invocation, interleaved rounds; both in a virtualenv of their own where this
    package is installed as users install it (not editable: an editable install's import hook
    costs every start-up ~10 ms), with no dependencies, which the probe does not need."""
    runs, rounds = (3, 3) if ctx.quick else (10, 7)
    with tempfile.TemporaryDirectory() as folder:
        env = Path(folder, "venv")
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, timeout=120)
        python = env / "bin" / "python"
        install = [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(ROOT)]
        subprocess.run(install, check=True, timeout=300, capture_output=True)
        Path(folder, "health.json").write_text('{"status": "success", "results": []}')
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            for _ in range(200):  # at most 10 s
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.05)
            url = f"http://127.0.0.1:{port}/health.json"
            probe = [str(python.parent / "healthcheck"), "probe", url]
            plain = [
                str(python),
                "-c",
                f"import urllib.request; urllib.request.urlopen({url!r}, timeout=5).read()",
            ]

            def timed(command: list[str]) -> float:
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True, timeout=60)
                return time.perf_counter() - start

            def round_(first: int) -> tuple[float, float]:
                # One invocation of each in turn, so that both see the same moments of the
                # machine; which goes first alternates.
                spent = [0.0, 0.0]
                for i in range(2 * runs):
                    which = (i + first) % 2
                    spent[which] += timed((probe, plain)[which])
                return spent[0] / runs, spent[1] / runs

            pairs = [round_(r % 2) for r in range(rounds)]
        finally:
            stop(server)
    ratios = [a / b for a, b in pairs]
    row = Row(
        id="8",
        title="`healthcheck probe URL` vs a `python -c` urllib GET (s per invocation)",
        ours=secs(statistics.median(a for a, _ in pairs)),
        peer="(no command line)",
        bare=secs(statistics.median(b for _, b in pairs)),
        ratio=f"probe/plain GET {times(statistics.median(ratios))} ({spread(ratios)}; "
        f"worst round {max(ratios):.2f}x)",
        goal="<= 1.3x (rounds' upper quartile)",
        met=_quartiles(ratios)[2] <= 1.3,
    )
    row.details.append(
        "rounds (probe, plain): " + "; ".join(f"{secs(a)}, {secs(b)}" for a, b in pairs)
    )
    return [row]


# -- scenarios 9-11: beyond one process (workers.py) ---------------------------------------


@contextmanager
def serve_workers(
    target: Target, app: str, argv: list[str], env: dict[str, str]
) -> Iterator[tuple[str, subprocess.Popen[Any]]]:
    """gunicorn serving ``workers:<app>`` from ``target``'s virtualenv, with ``argv``."""
    port = free_port()
    command = [
        str(target.python), "-m", "gunicorn", *argv, "-b", f"127.0.0.1:{port}",
        "--graceful-timeout", "1", "--timeout", "60", "--log-level", "warning", f"workers:{app}",
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            command, cwd=BENCH, env={**target_env(), **env}, stdout=log, stderr=log,
            start_new_session=True,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, process, log)
            yield url, process
        finally:
            stop(process)


def redis_list(key: str) -> list[float]:
    """The numbers RPUSHed to ``key`` (workers.py counts checker runs so)."""
    sys.path.insert(0, str(BENCH))
    from workers import redis

    reply = redis("LRANGE", key, "0", "-1").decode()
    return [float(line) for line in reply.split("\r\n")[2::2] if line]


def hammer(url: str, seconds: float, clients: int = 8) -> list[tuple[float, float, int]]:
    """GET ``url`` from ``clients`` threads for ``seconds``: (asked, answered, status)."""
    import threading

    host, port, path = split_url(url)
    answers: list[tuple[float, float, int]] = []
    end = time.monotonic() + seconds

    def client() -> None:
        http = HttpClient(host, port, timeout=30)
        try:
            while time.monotonic() < end:
                asked = time.monotonic()
                try:
                    status = http.get(path)[0]
                except OSError:
                    status = 0
                answers.append((asked, time.monotonic(), status))
        finally:
            http.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def shared_runs(ctx: Context) -> list[Row]:
    """gunicorn -w 4 under steady load: checker runs per TTL period on the host (each run is
    counted in Redis), then a state change: answers asked after one worker has answered the new
    state but still answering the old one."""
    ttl, seconds = (2.0, 12.0) if ctx.quick else (10.0, 60.0)
    ours, peer = ctx.targets(bare=False)
    got: dict[str, Data] = {}
    for label, target, shared in (
        ("ours, share=", ours, True),
        ("ours, not shared", ours, False),
        ("py-healthcheck", peer, False),
    ):
        with tempfile.TemporaryDirectory() as folder:
            state = Path(folder, "state")
            state.write_text("ok")
            key = f"bench:runs:{os.getpid()}:{time.time()}"
            share = str(Path(folder, "share")) if shared else ""
            env = {"BENCH_KIND": target.name, "BENCH_STATE": str(state), "BENCH_RUNS": key,
                   "BENCH_TTL": str(ttl), "BENCH_SHARE": share}  # fmt: skip
            with serve_workers(target, "make_counted_app()", ["-w", "4"], env) as (url, _):
                hammer(url + "/healthcheck", 1.0)
                first = len(redis_list(key))
                hammer(url + "/healthcheck", seconds)
                runs = redis_list(key)[first:]
                state.write_text("down")
                changed = hammer(url + "/healthcheck", 2 * ttl + 1)
        start = runs[0] if runs else 0.0
        buckets = {int((t - start) // ttl) for t in runs}
        seen = min((answered for _, answered, status in changed if status == 500), default=None)
        stale = [a for a in changed if seen is not None and a[0] > seen and a[2] != 500]
        after = sum(1 for a in changed if seen is not None and a[0] > seen)
        got[label] = {"runs": len(runs), "periods": len(buckets),
                      "per_period": len(runs) / max(1, len(buckets)), "stale": len(stale),
                      "after": after}  # fmt: skip
    mine, unshared, theirs = got["ours, share="], got["ours, not shared"], got["py-healthcheck"]
    runs_row = Row(
        id="9a",
        title=f"gunicorn -w 4, {seconds:g} s of load, TTL {ttl:g} s: checker runs per period",
        ours=f"{mine['per_period']:.2f}",
        peer=f"{theirs['per_period']:.2f}",
        bare=f"ours not shared {unshared['per_period']:.2f}",
        ratio=f"peer/ours {times(ratio(theirs['per_period'], mine['per_period']))}",
        goal="ours 1.0",
        met=mine["per_period"] <= 1.0,
    )
    agree_row = Row(
        id="9b",
        title="the same, after a state change: answers still saying the old state once one "
        "worker said the new",
        ours=str(mine["stale"]),
        peer=str(theirs["stale"]),
        bare=f"ours not shared {unshared['stale']}",
        ratio="-",
        goal="ours 0",
        met=mine["stale"] == 0 and mine["after"] > 0,
    )
    for label, data in got.items():
        runs_row.details.append(
            f"{label}: {data['runs']} runs in {data['periods']} periods; after the change "
            f"{data['stale']} of {data['after']} answers said the old state"
        )
    return [runs_row, agree_row]


def management_latency(ctx: Context) -> list[Row]:
    """gunicorn -w 2 --threads 2 with every thread busy on 2 s requests: /livez on the
    management port against the in-app /livez, one probe every 100 ms each."""
    import threading

    seconds = 8.0 if ctx.quick else 30.0
    ours = ctx.targets(bare=False)[0]
    management = free_port()
    env = {"MANAGEMENT_PORT": str(management), "BENCH_SLOW": "2", "BENCH_THREADS": "2"}
    argv = ["-w", "2", "--threads", "2", "-k", "gthread"]
    latencies: dict[str, list[float]] = {"management": [], "in-app": []}
    with serve_workers(ours, "make_busy_app()", argv, env) as (url, _):
        load = threading.Thread(target=hammer, args=(url + "/work", seconds + 4, 12))
        load.start()
        time.sleep(2)  # every thread taken

        def probe(name: str, base: str) -> None:
            host, port, _ = split_url(base)
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                http = HttpClient(host, port, timeout=5)  # a kubelet connects per probe
                start = time.monotonic()
                try:
                    http.get("/livez")
                    latencies[name].append(time.monotonic() - start)
                except OSError:
                    latencies[name].append(5.0)  # timed out: counted as the probe's timeout
                finally:
                    http.close()
                time.sleep(0.1)

        probes = [threading.Thread(target=probe, args=("management",
                                   f"http://127.0.0.1:{management}")),
                  threading.Thread(target=probe, args=("in-app", url))]  # fmt: skip
        for thread in probes:
            thread.start()
        for thread in probes:
            thread.join()
        load.join()

    def p99(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    mine, inapp = p99(latencies["management"]), p99(latencies["in-app"])
    row = Row(
        id="10",
        title="gunicorn -w 2 --threads 2, every thread busy on 2 s requests: /livez p99",
        ours=f"management port {ms(mine)}",
        peer="(no management port)",
        bare=f"in-app route {ms(inapp)}",
        ratio=f"in-app/management {times(ratio(inapp, mine))}",
        goal="management p99 < 20 ms",
        met=mine < 0.020,
    )
    row.details.append(
        f"management: {len(latencies['management'])} probes, median "
        f"{ms(statistics.median(latencies['management']))}; in-app: "
        f"{len(latencies['in-app'])} probes, median {ms(statistics.median(latencies['in-app']))}"
    )
    return [row]


def killed_holder(ctx: Context) -> list[Row]:
    """A process killed with SIGKILL while its check holds the shared lock: how long after the
    kill another process's run of the check starts (check timeout 2 s); what is left after."""
    ours = ctx.targets(bare=False)[0]
    rounds = 2 if ctx.quick else 5
    delays: list[float] = []
    leftovers: list[str] = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            key = f"bench:runs:{os.getpid()}:{time.time()}"
            env = {**target_env(), "BENCH_SHARE": str(Path(folder, "share")), "BENCH_RUNS": key,
                   "BENCH_TIMEOUT": "2"}  # fmt: skip

            def start(role: str, env: dict[str, str] = env) -> subprocess.Popen[str]:
                process = subprocess.Popen(
                    [str(ours.python), "workers.py", role], cwd=BENCH, env=env, text=True,
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                )  # fmt: skip
                assert process.stdout is not None and process.stdout.readline() == "ready\n"
                return process

            holder, other = start("hold"), start("run")
            for process in (holder, other):
                assert process.stdin is not None
            holder.stdin.write("\n")  # type: ignore[union-attr]
            holder.stdin.flush()  # type: ignore[union-attr]
            while not redis_list(key):
                time.sleep(0.01)
            other.stdin.write("\n")  # type: ignore[union-attr]  # it waits for the lock
            other.stdin.flush()  # type: ignore[union-attr]
            time.sleep(0.3)
            killed = time.time()
            holder.kill()
            holder.communicate(timeout=10)
            other.communicate(timeout=30)
            runs = redis_list(key)
            delays.append(runs[1] - killed if len(runs) > 1 else float("inf"))
            kept = (".lock", ".json")  # and the marker, "generation"
            leftovers += [p.name for p in Path(folder, "share").iterdir()
                          if p.suffix not in kept and p.name != "generation"]  # fmt: skip
    worst = max(delays)
    row = Row(
        id="11",
        title="a process SIGKILLed holding a shared check's lock: until another's run starts",
        ours=f"worst {secs(worst)} (median {secs(statistics.median(delays))})",
        peer="(nothing shared)",
        ratio="-",
        goal="<= one check timeout (2 s); nothing left but locks and results",
        met=worst <= 2.0 and not leftovers,
    )
    row.details.append(
        f"{rounds} rounds: "
        + ", ".join(secs(d) for d in delays)
        + f"; left in the directory besides locks and results: {leftovers or 'nothing'}"
    )
    return [row]


SCENARIOS: dict[int, Callable[[Context], list[Row]]] = {
    1: cached_throughput,
    2: faces,
    3: single_flight,
    4: unblocked_loop,
    5: background,
    6: queued_checks,
    7: cold_scale,
    8: probe_startup,
    9: shared_runs,
    10: management_latency,
    11: killed_holder,
}
