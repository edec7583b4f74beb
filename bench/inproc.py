"""In-process measurements (scenarios 1c-1d, 2a, 3, 6 and 7), run inside a target's virtualenv.

    python inproc.py probe|cached-cost|faces|single-flight|queued-checks|cold-scale [--quick]

Prints one JSON object on stdout. The process leaves with ``os._exit`` once it has printed,
so a checker that is still hung (a bug being measured) cannot keep it alive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import threading
import time
import timeit
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from apps import make_flask_app
from checks import CountingSleeper, bare_body, build_health, describe, named, ok, sleeper
from faces import FACES, baseline

from healthcheck import HealthCheck

Result = dict[str, Any]


def _results(body: Any) -> list[dict[str, Any]]:
    """The ``results`` list of a JSON body, as ``{checker, passed, output}``."""
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return []
    return [
        {"checker": r.get("checker"), "passed": r.get("passed"), "output": r.get("output")}
        for r in data.get("results", [])
    ]


def _call_in_thread(func: Callable[[], Any], limit: float) -> tuple[Any, str, float]:
    """``func()`` on a new (non-main) thread: its value, the error it raised, and seconds."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = func()
        except Exception as exc:
            box["error"] = f"{type(exc).__name__}: {exc}"

    thread = threading.Thread(target=target, name="bench-caller", daemon=True)
    start = time.perf_counter()
    thread.start()
    thread.join(limit)
    elapsed = time.perf_counter() - start
    if thread.is_alive():
        return None, f"still running after {limit:g} s", elapsed
    return box.get("value"), box.get("error", ""), elapsed


# -- scenario 1, in process ----------------------------------------------------------------


def cached_cost(quick: bool) -> Result:
    """Microseconds per call of a cached run() (and run_async(), where it exists) and of the
    bare route's body: the part of a request that is the library's, without the HTTP stack."""
    health = build_health("cached")
    health.run()
    number, repeat = (20_000, 3) if quick else (100_000, 7)

    def cost(func: Callable[[], Any]) -> float:
        return min(timeit.repeat(func, number=number, repeat=repeat)) / number

    result: Result = {"run": cost(health.run), "bare": cost(bare_body), "run_async": None}
    run_async = getattr(health, "run_async", None)
    if run_async is not None:

        async def calls() -> float:
            start = time.perf_counter()
            for _ in range(number):
                await run_async()
            return (time.perf_counter() - start) / number

        result["run_async"] = min(asyncio.run(calls()) for _ in range(repeat))
    result["flask"] = flask_paired(quick)
    return result


def flask_paired(quick: bool) -> Result:
    """A whole Flask request to /healthcheck (test client: routing, view, response; no
    socket), against the bare route's app in the same process: batches alternate, and each
    pair's CPU-time ratio is taken, so the machine's drift cancels out."""
    kinds = ("healthcheck", "bare")
    clients = {kind: make_flask_app(kind, "cached").test_client() for kind in kinds}
    pairs, batch = (10, 200) if quick else (40, 500)

    def cost(kind: str) -> float:
        client = clients[kind]
        start = time.process_time()
        for _ in range(batch):
            client.get("/healthcheck")
        return (time.process_time() - start) / batch

    for kind in kinds:
        cost(kind)  # warm up
    costs: dict[str, list[float]] = {kind: [] for kind in kinds}
    for i in range(pairs):
        for kind in kinds if i % 2 else kinds[::-1]:
            costs[kind].append(cost(kind))
    ratios = [a / b for a, b in zip(costs["healthcheck"], costs["bare"])]
    return {
        "healthcheck": statistics.median(costs["healthcheck"]),
        "bare": statistics.median(costs["bare"]),
        "ratio": statistics.median(ratios),
        "ratio_quartiles": statistics.quantiles(ratios, n=4),
    }


# -- scenario 2 ----------------------------------------------------------------------------


def faces(quick: bool) -> Result:
    """CPU time of a whole Flask request (test client) per face of the extension, ten cached
    checks, paired with a request of the same shape to the run() route of another app in the
    same process (see faces.baseline): batches alternate, and each pair's ratio is taken, so
    the machine's drift cancels out."""
    plain = make_flask_app("healthcheck", "ten").test_client()
    served = make_flask_app("adapter", "ten").test_client()
    pairs, batch = (10, 100) if quick else (60, 100)

    def cost(client: Any, path: str) -> float:
        start = time.process_time()
        for _ in range(batch):
            reply = client.get(path)
        if reply.status_code != 200:
            raise RuntimeError(f"{path} answered {reply.status_code}")
        return (time.process_time() - start) / batch

    runs: list[float] = []
    found: Result = {}
    for name, path in FACES.items():
        base_path = baseline(path)
        cost(plain, base_path)
        cost(served, path)  # warm: results, the kept reply
        base, face = [], []
        for i in range(pairs):
            first, second = ((plain, base_path), (served, path))[:: 1 if i % 2 else -1]
            a, b = cost(*first), cost(*second)
            base.append(a if first[0] is plain else b)
            face.append(b if first[0] is plain else a)
        runs.extend(base)
        ratios = [f / b for f, b in zip(face, base)]
        found[name] = {
            "cost": statistics.median(face),
            "base": statistics.median(base),
            "base_path": base_path,
            "ratio": statistics.median(ratios),
            "quartiles": statistics.quantiles(ratios, n=4),
        }
    return {"run": statistics.median(runs), "faces": found}


# -- scenario 6 ----------------------------------------------------------------------------


def queued_checks(quick: bool) -> Result:
    """20 checks of 0.3 s and 200 of 0.05 s under a 0.5 s time limit (py-healthcheck: 1 s,
    its signal.alarm takes whole seconds), cold: failed checks and wall seconds per run."""
    limit = 0.5 if _ours() else 1
    cases = {}
    for count, seconds in ((20, 0.3), (200, 0.05)):
        walls, failed = [], []
        for _ in range(2 if quick else 3):
            health = HealthCheck(error_timeout=limit)
            for i in range(count):
                health.add_check(sleeper(seconds, f"c{i}"))
            start = time.perf_counter()
            body, _status, _headers = health.run()
            walls.append(time.perf_counter() - start)
            failed.append(sum(1 for r in _results(body) if not r["passed"]))
            _close(health)
        cases[f"{count}x{seconds:g}"] = {"check": seconds, "walls": walls, "failed": failed}
    return cases


# -- scenario 7 ----------------------------------------------------------------------------


def cold_scale(quick: bool) -> Result:
    """Seconds for one cold run() of 100 and of 1,000 trivial checks (fresh instances), and
    how many of 1,100 checks a second run inside the TTL executes."""
    rounds = 3 if quick else 7
    walls: dict[int, list[float]] = {}
    for count in (100, 1000):
        walls[count] = []
        for _ in range(rounds):
            health = HealthCheck()
            for i in range(count):
                health.add_check(named(ok, f"c{i}"))
            start = time.perf_counter()
            health.run()
            walls[count].append(time.perf_counter() - start)
            _close(health)
    calls = [0]

    def counted() -> tuple[bool, str]:
        calls[0] += 1
        return True, "ok"

    health = HealthCheck()
    for i in range(1100):
        health.add_check(named(counted, f"c{i}"))
    health.run()
    first = calls[0]
    health.run()
    _close(health)
    return {"walls": walls, "first_run": first, "second_run": calls[0] - first}


def _ours() -> bool:
    return hasattr(HealthCheck, "run_async")


def _close(health: HealthCheck) -> None:
    close = getattr(health, "close", None)
    if close is not None:
        close()


# -- scenario 3 ----------------------------------------------------------------------------


def single_flight(quick: bool) -> Result:
    """50 threads call run() at once on a cold cache; the 0.2 s checker counts its runs."""
    callers = 50
    checker = CountingSleeper(0.2)
    health = HealthCheck()
    health.add_check(checker)
    barrier = threading.Barrier(callers)

    def call() -> tuple[int, float]:
        barrier.wait(10)
        start = time.perf_counter()
        _body, status, _headers = health.run()
        return status, time.perf_counter() - start

    start = time.perf_counter()
    pool = ThreadPoolExecutor(callers)
    futures = [pool.submit(call) for _ in range(callers)]
    done, _ = wait(futures, timeout=60)
    pool.shutdown(wait=False, cancel_futures=True)
    answers = [f.result() for f in done if f.exception() is None]
    return {
        "invocations": checker.calls,
        "callers": callers,
        "answered": len(answers),
        "ok_answers": sum(1 for status, _ in answers if status == 200),
        "slowest_caller": max((t for _, t in answers), default=None),
        "wall": time.perf_counter() - start,
    }


MEASUREMENTS: dict[str, Callable[[bool], Result]] = {
    "probe": lambda quick: describe(),
    "cached-cost": cached_cost,
    "faces": faces,
    "single-flight": single_flight,
    "queued-checks": queued_checks,
    "cold-scale": cold_scale,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("measurement", choices=sorted(MEASUREMENTS))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    # Failing checks log at ERROR in both packages; the measurements are not about logging.
    logging.getLogger("healthcheck").setLevel(logging.CRITICAL + 1)
    result = MEASUREMENTS[args.measurement](args.quick)
    sys.stdout.write(json.dumps({"describe": describe(), "result": result}) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
