"""One run: a fresh server, the load generator's workers joined to it, the load, the figures.

`run_load` is the fan-out of `room` and `scale` (n clients, m messages each); `run_sequential`
is the ping-pong of `latency` (two clients take turns).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.load import TEXT_SIZE, Load
from bench.profile import start_profiler, stop_profiler
from bench.servers import Server
from bench.stats import ms, percentile

# Receivers that read the send timestamp of every message they get (the others only count).
PROBES = 8


def run_load(
    kind: str,
    tls: bool,
    n: int,
    m: int,
    *,
    workers: int,
    text_size: int = TEXT_SIZE,
    rate: float = 0.0,
    max_conns: int | None = None,
    timeout: float = 120.0,
    profile: Path | None = None,
    private: bool = False,
) -> dict[str, Any]:
    """Start a fresh server, join n clients, have each send m messages, stop the server.

    `private` (ours only): each client writes its messages privately to the next client, so
    each message has one recipient instead of n - 1."""
    server = Server(kind, tls, max_conns=max_conns)
    spec = {
        "kind": kind,
        "host": "127.0.0.1",
        "port": server.port,
        "tls": tls,
        "n": n,
        "m": m,
        "text_size": text_size,
        "indices": list(range(n)),
        "probes": set(range(0, n, max(1, n // PROBES))),
        "timeout": timeout,
        "private": private,
    }
    load = None
    spy = None
    try:
        time.sleep(0.2)
        rss_before = server.rss()
        load = Load(spec, workers)
        joined = load.call("join")
        live = sum(j["joined"] for j in joined)
        failed: dict[str, int] = {}
        for j in joined:
            for key, count in j["failed"].items():
                failed[key] = failed.get(key, 0) + count
        settled = sum(s["settled"] for s in load.call("settle", live=live))
        rss_after = server.rss()
        if profile is not None:
            spy = start_profiler(server.pid, profile)
        cpu_before = server.cpu_s()
        own = 1 if kind == "ours" else 0  # our room echoes a message to its sender
        # Each client gets its own echo, and the others' messages: all of them, or in a
        # private run the m that its predecessor writes to it.
        recipients = 1 if private else live - 1
        expected = (recipients + own) * m
        start_at = time.monotonic() + 0.05
        results = load.call("go", start_at=start_at, rate=rate, expected=expected)
        cpu = server.cpu_s() - cpu_before
        alive = server.proc.poll() is None
    finally:
        if spy is not None:
            stop_profiler(spy)
        if load is not None:
            load.close()
        server.stop()
    first = min(r["first_send"] for r in results)
    last = max(r["last_recv"] for r in results)
    received = sum(r["received"] for r in results)
    clients = sum(r["clients"] for r in results)
    deliveries = received - own * m * clients
    recipients = 1 if private else live - 1
    latencies = [x for r in results for x in r["latencies"]]
    duration = max(last - first, 1e-9)
    return {
        "server": kind,
        "tls": tls,
        "n": n,
        "m": m,
        "attempted": n,
        "joined": live,
        "failed": failed,
        "settled": settled,
        "server_alive": alive,
        "deliveries": deliveries,
        "expected_deliveries": recipients * m * live,
        "complete_clients": sum(r["complete"] for r in results),
        "all_delivered": deliveries == n * recipients * m and live == n,
        "duration_s": duration,
        "cpu_s": cpu,
        "cpu_s_per_100k": cpu / deliveries * 100_000 if deliveries else None,
        "deliveries_per_s": deliveries / duration,
        "p50_ms": ms(percentile(latencies, 0.50)),
        "p99_ms": ms(percentile(latencies, 0.99)),
        "latency_samples": len(latencies),
        "rss_before": rss_before,
        "rss_after_join": rss_after,
    }


def run_sequential(kind: str, tls: bool, count: int, *, timeout: float = 30.0) -> dict[str, Any]:
    server = Server(kind, tls)
    spec = {
        "kind": kind,
        "host": "127.0.0.1",
        "port": server.port,
        "tls": tls,
        "n": 2,
        "m": 0,
        "text_size": TEXT_SIZE,
        "indices": [0, 1],
        "probes": {0, 1},
        "timeout": timeout,
    }
    load = Load(spec, 1)
    try:
        load.call("join")
        load.call("settle", live=2)
        (result,) = load.call("sequential", count=count)
    finally:
        load.close()
        server.stop()
    lat = result["latencies"]
    return {
        "server": kind,
        "tls": tls,
        "messages": count,
        "received": result["received"],
        "p50_ms": ms(percentile(lat, 0.50)),
        "p99_ms": ms(percentile(lat, 0.99)),
    }
