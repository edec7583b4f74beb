"""Load and latency for the HTTP scenarios, from a process of its own (standard library only).

    python load.py throughput --url URL [--connections 32] [--duration 10] [--processes 2]
    python load.py sample --url URL [--count 200] [--max-seconds 20] [--pause 0.01]
                          [--trigger URL --triggers 2]
    python load.py paced --url URL [--url URL ...] [--rate 100] [--seconds 8] [--clients 16]

``throughput`` is the fallback for wrk (same shape: keep-alive connections, as many requests as
they can); ``sample`` times sequential requests on one keep-alive connection, optionally while
other connections keep requesting ``--trigger``; ``paced`` sends requests at a fixed rate
(open loop) to one or more URLs at once and times each from when it was due. Each prints one
JSON object on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

REQUEST_TIMEOUT = 10.0


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (``pct`` in 0..100) of ``values``; ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def split_url(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"only loopback targets are allowed, got {url!r}")
    return parts.hostname, parts.port or 80, parts.path or "/"


class HttpClient:
    """GETs on one keep-alive connection, reconnecting after an error."""

    def __init__(self, host: str, port: int, timeout: float = REQUEST_TIMEOUT) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, bytes]:
        """``(status, body)``; raises OSError or http.client.HTTPException on failure."""
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self._conn.request("GET", path)
            response = self._conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, body

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# -- throughput ----------------------------------------------------------------------------


@dataclass
class Tally:
    responses: int = 0
    non_2xx: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; ``(status, keep_alive)``."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        for _ in range(1_000_000):
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()
        return status, False
    return status, headers.get("connection") != "close"


async def _connection(host: str, port: int, path: str, deadline: float, tally: Tally) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while time.monotonic() < deadline:
        try:
            if stream is None:
                stream = await asyncio.wait_for(
                    asyncio.open_connection(host, port), REQUEST_TIMEOUT
                )
            reader, writer = stream
            start = time.perf_counter()
            writer.write(request)
            status, keep = await asyncio.wait_for(_read_response(reader), REQUEST_TIMEOUT)
        except (OSError, ValueError, IndexError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            tally.errors += 1
            if stream is not None:
                stream[1].close()
            stream = None
            await asyncio.sleep(0.01)
            continue
        if time.monotonic() <= deadline:
            tally.responses += 1
            tally.non_2xx += not 200 <= status < 300
            tally.latencies.append(time.perf_counter() - start)
        if not keep:
            writer.close()
            stream = None
    if stream is not None:
        stream[1].close()


async def _drive(url: str, connections: int, duration: float) -> Tally:
    host, port, path = split_url(url)
    tally = Tally()
    deadline = time.monotonic() + duration
    await asyncio.gather(
        *(_connection(host, port, path, deadline, tally) for _ in range(connections))
    )
    return tally


def _drive_process(url: str, connections: int, duration: float) -> Tally:
    return asyncio.run(_drive(url, connections, duration))


def throughput(url: str, connections: int, duration: float, processes: int) -> dict[str, Any]:
    """``connections`` keep-alive connections split over ``processes``, for ``duration`` s."""
    split = [connections // processes + (i < connections % processes) for i in range(processes)]
    start = time.monotonic()
    with ProcessPoolExecutor(processes) as pool:
        tallies = list(pool.map(_drive_process, [url] * processes, split, [duration] * processes))
    elapsed = max(duration, time.monotonic() - start)
    latencies = [t for tally in tallies for t in tally.latencies]
    responses = sum(t.responses for t in tallies)
    return {
        "tool": "python",
        "requests_per_s": responses / duration,
        "responses": responses,
        "non_2xx": sum(t.non_2xx for t in tallies),
        "errors": sum(t.errors for t in tallies),
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "elapsed": elapsed,
    }


# -- latency samples -----------------------------------------------------------------------


def _trigger(url: str, stop: threading.Event, deadline: float, counts: dict[str, int]) -> None:
    host, port, path = split_url(url)
    client = HttpClient(host, port)
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            status, _ = client.get(path)
            key = "ok" if status == 200 else "other"
        except (OSError, http.client.HTTPException):
            key = "errors"
            stop.wait(0.01)
        counts[key] = counts.get(key, 0) + 1
    client.close()


def sample(
    url: str,
    count: int,
    max_seconds: float,
    pause: float,
    trigger: str | None = None,
    triggers: int = 0,
) -> dict[str, Any]:
    """Time up to ``count`` sequential GETs of ``url`` (at most ``max_seconds``), ``pause``
    apart, while ``triggers`` other connections keep requesting ``trigger``."""
    host, port, path = split_url(url)
    deadline = time.monotonic() + max_seconds
    stop = threading.Event()
    counts: list[dict[str, int]] = [{} for _ in range(triggers if trigger else 0)]
    threads = [
        threading.Thread(target=_trigger, args=(trigger, stop, deadline + 5, c), daemon=True)
        for c in counts
        if trigger
    ]
    for thread in threads:
        thread.start()
    if threads:
        time.sleep(0.3)  # let the triggered work start before sampling
    client = HttpClient(host, port)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors = 0
    start = time.monotonic()
    while len(latencies) < count and time.monotonic() < deadline:
        began = time.perf_counter()
        try:
            status, _ = client.get(path)
        except (OSError, http.client.HTTPException):
            errors += 1
            time.sleep(0.05)
            continue
        latencies.append(time.perf_counter() - began)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        time.sleep(pause)
    elapsed = time.monotonic() - start
    client.close()
    stop.set()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT + 1)
    triggered: dict[str, int] = {}
    for c in counts:
        for key, value in c.items():
            triggered[key] = triggered.get(key, 0) + value
    return {
        "samples": len(latencies),
        "errors": errors,
        "statuses": statuses,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies, default=None),
        "seconds": elapsed,
        "triggered": triggered,
    }


class _PacedTarget:
    """One URL's share of :func:`paced`: its schedule, clients and figures."""

    def __init__(self, url: str, rate: float, total: int, start: float) -> None:
        self.host, self.port, self.path = split_url(url)
        self.rate, self.start = rate, start
        self.slots = iter(range(total))
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.errors = 0

    def work(self) -> None:
        client = HttpClient(self.host, self.port)
        while True:
            with self.lock:
                slot = next(self.slots, None)
            if slot is None:
                break
            due = self.start + slot / self.rate
            early = due - time.monotonic()
            if early > 0:
                time.sleep(early)
            # on time: time the request itself; late (every client was busy): since it was due
            began = time.monotonic() if early > 0 else due
            try:
                status, _ = client.get(self.path)
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.errors += 1
                continue
            with self.lock:
                self.latencies.append(time.monotonic() - began)
                self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
        client.close()


def paced(urls: Sequence[str], rate: float, seconds: float, clients: int = 16) -> list[Any]:
    """Open loop: GET each of ``urls`` ``rate`` times a second for ``seconds``, whether or not
    earlier requests have answered, from ``clients`` keep-alive connections per URL.

    A request's latency runs from when it was due, so a server that stalls is charged for
    every request that had to wait (not only the one in flight, as sequential sampling does).
    The URLs are sampled at the same time, their schedules interleaved, so that a hiccup of the
    machine hits them all alike. One result per URL.
    """
    total = max(1, int(rate * seconds))
    start = time.monotonic() + 0.05
    targets = [
        _PacedTarget(url, rate, total, start + k / (len(urls) * rate)) for k, url in enumerate(urls)
    ]
    threads = [
        threading.Thread(target=target.work, daemon=True)
        for target in targets
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, start + seconds + 2 * REQUEST_TIMEOUT - time.monotonic()))
    elapsed = time.monotonic() - start
    return [
        {
            "samples": len(t.latencies),
            "errors": t.errors,
            "unfinished": sum(th.is_alive() for th in threads[k * clients : (k + 1) * clients]),
            "statuses": t.statuses,
            "p50": percentile(t.latencies, 50),
            "p99": percentile(t.latencies, 99),
            "max": max(t.latencies, default=None),
            "seconds": elapsed,
            "rate": rate,
        }
        for k, t in enumerate(targets)
    ]


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("throughput")
    load.add_argument("--url", required=True)
    load.add_argument("--connections", type=int, default=32)
    load.add_argument("--duration", type=float, default=10.0)
    load.add_argument("--processes", type=int, default=2)
    times = commands.add_parser("sample")
    times.add_argument("--url", required=True)
    times.add_argument("--count", type=int, default=200)
    times.add_argument("--max-seconds", type=float, default=20.0)
    times.add_argument("--pause", type=float, default=0.01)
    times.add_argument("--trigger")
    times.add_argument("--triggers", type=int, default=2)
    pace = commands.add_parser("paced")
    pace.add_argument("--url", action="append", required=True, help="repeat to sample several")
    pace.add_argument("--rate", type=float, default=100.0)
    pace.add_argument("--seconds", type=float, default=8.0)
    pace.add_argument("--clients", type=int, default=16)
    args = parser.parse_args(argv)
    if args.command == "throughput":
        result = throughput(args.url, args.connections, args.duration, args.processes)
    elif args.command == "paced":
        result = {"results": paced(args.url, args.rate, args.seconds, args.clients)}
    else:
        result = sample(
            args.url, args.count, args.max_seconds, args.pause, args.trigger, args.triggers
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
