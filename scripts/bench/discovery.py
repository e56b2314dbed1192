"""`python3 scripts/bench.py discovery`: how fast a room shows up, what browsing 100 rooms costs.

Both measures run inside a network namespace this script creates (`ip netns add`, root), with
discovery bound to its `lo`: nothing is multicast on the machine's real network cards.

1. Appearance: a `messagerie rooms --watch` process browses; a headless host is started; the
   time from spawning the host to the "added" line of the browser is taken, `--runs` times
   (the median is reported, with the host's own start-up up to its "listening" event). The
   host's identity is created by a warm-up run that is not counted, as a real host has one.
   The browser is given 2 s to start before each host: it has no readiness signal.
2. Cost: an announcer process registers `--rooms` rooms at once (one zeroconf, 100 service
   records); a `messagerie rooms --watch` process finds them all, then its CPU time and
   resident memory are read from /proc over `--window` seconds, against the same browser
   with no room announced.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
NS = f"msgbench{os.getpid()}"
BROWSER_WARMUP_S = 2.0
WAIT_S = 60.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=10, help="host starts to time")
    parser.add_argument("--rooms", type=int, default=100, help="rooms announced for the cost")
    parser.add_argument("--window", type=float, default=30.0, help="seconds of CPU sampling")


def run(args: argparse.Namespace) -> dict[str, Any]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        raise SystemExit("bench discovery needs root and `ip` (iproute2) for its namespace")
    _ip("netns", "add", NS)
    tmp = Path(tempfile.mkdtemp(prefix="bench-discovery-"))
    try:
        _ip("-n", NS, "link", "set", "lo", "up")
        _ip("-n", NS, "link", "set", "lo", "multicast", "on")
        appear = _appearance(args.runs, tmp)
        cost = _cost(args.rooms, args.window, tmp)
    finally:
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return {"appearance": appear, "cost": cost}


def format_table(result: dict[str, Any]) -> str:
    a, c = result["appearance"], result["cost"]
    lines = [
        f"host start -> room listed by another process: median {a['median_s']:.2f} s "
        f"(min {a['min_s']:.2f}, max {a['max_s']:.2f}, {a['runs']} runs)",
        f"  of which host start -> listening: median {a['listening_median_s']:.2f} s",
        f"browser with {c['rooms']} rooms: all listed in {c['all_listed_s']:.2f} s; "
        f"CPU {c['cpu_percent']:.2f} % of a core over {c['window_s']:.0f} s "
        f"(no room: {c['idle_cpu_percent']:.2f} %); RSS {c['rss_mib']:.1f} MiB "
        f"(no room: {c['idle_rss_mib']:.1f} MiB)",
    ]
    return "\n".join(lines)


# --- 1. appearance ---


def _appearance(runs: int, tmp: Path) -> dict[str, Any]:
    host_dir = tmp / "host"
    times: list[float] = []
    listening: list[float] = []
    for index in range(runs + 1):
        browser = _Lines(_messagerie("rooms", "--watch", "--json", "--timeout", "120", tmp=tmp))
        try:
            time.sleep(BROWSER_WARMUP_S)
            started = time.monotonic()
            host = _Lines(
                _messagerie(
                    "serve",
                    "--headless",
                    "--json",
                    "--port",
                    "0",
                    "--name",
                    f"Bench {index}",
                    data_dir=host_dir,
                    tmp=tmp,
                )
            )
            try:
                event = host.wait(lambda v: v.get("event") == "listening")
                listened = time.monotonic() - started
                port = event["port"]
                browser.wait(lambda v, port=port: v.get("event") == "added" and v["port"] == port)
                appeared = time.monotonic() - started
            finally:
                host.close()
        finally:
            browser.close()
        if index > 0:  # run 0 created the identity
            times.append(appeared)
            listening.append(listened)
    return {
        "runs": runs,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "listening_median_s": statistics.median(listening),
        "all_s": [round(t, 3) for t in times],
    }


# --- 2. cost ---


def _cost(rooms: int, window: float, tmp: Path) -> dict[str, Any]:
    idle_cpu, idle_rss, _ = _sample_browser(window, tmp, wanted=0)
    announcer = _Lines(
        ["ip", "netns", "exec", NS, sys.executable, __file__, "--announce", str(rooms)]
    )
    try:
        announcer.wait(lambda v: v == "ready" or (isinstance(v, dict) and "ready" in v))
        cpu, rss, listed = _sample_browser(window, tmp, wanted=rooms)
    finally:
        announcer.close()
    return {
        "rooms": rooms,
        "window_s": window,
        "all_listed_s": listed,
        "cpu_percent": 100 * cpu / window,
        "rss_mib": rss / 1024,
        "idle_cpu_percent": 100 * idle_cpu / window,
        "idle_rss_mib": idle_rss / 1024,
    }


def _sample_browser(window: float, tmp: Path, *, wanted: int) -> tuple[float, int, float]:
    """Start a browser; once it lists `wanted` rooms, its CPU seconds and RSS over `window`."""
    started = time.monotonic()
    browser = _Lines(
        _messagerie("rooms", "--watch", "--json", "--timeout", str(window + WAIT_S), tmp=tmp)
    )
    try:
        seen: set[str] = set()

        def all_listed(value: Any) -> bool:
            if isinstance(value, dict) and value.get("event") == "added":
                seen.add(value["name"])
            return len(seen) >= wanted

        if wanted:
            browser.wait(all_listed)
        else:
            time.sleep(BROWSER_WARMUP_S)
        listed = time.monotonic() - started
        cpu_before = _cpu_s(browser.proc.pid)
        time.sleep(window)
        cpu = _cpu_s(browser.proc.pid) - cpu_before
        rss = _rss_kb(browser.proc.pid)
    finally:
        browser.close()
    return cpu, rss, listed


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- helpers ---


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


def _messagerie(*args: str, tmp: Path, data_dir: Path | None = None) -> list[str]:
    folder = data_dir or Path(tempfile.mkdtemp(dir=tmp))
    return [
        *("ip", "netns", "exec", NS, sys.executable, "-m", "messagerie"),
        *args,
        *("--discovery-interface", "lo", "--data-dir", str(folder)),
    ]


class _Lines:
    """A subprocess whose stdout lines are read on a thread; JSON lines are parsed."""

    def __init__(self, cmd: list[str]) -> None:
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        self.lines: queue.Queue = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                self.lines.put(line.strip())
        self.lines.put(None)

    def wait(self, predicate, timeout: float = WAIT_S) -> Any:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                value = self.lines.get(timeout=remaining)
            except queue.Empty:
                break
            if value is None:
                raise RuntimeError(f"{self.proc.args[5:8]} ended early")
            if predicate(value):
                return value
        raise TimeoutError(f"nothing expected from {self.proc.args[5:8]} within {timeout} s")

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                # A headless host leaves cleanly on EOF; `rooms --watch` on Ctrl-C.
                self.proc.stdin.close()
                if "rooms" in self.proc.args:
                    self.proc.send_signal(signal.SIGINT)
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(10)
        self.reader.join(10)


# --- the announcer, run inside the namespace by _cost ---


async def _announce(count: int) -> None:
    from zeroconf import IPVersion, ServiceInfo
    from zeroconf.asyncio import AsyncZeroconf

    from messagerie.net.discovery import SERVICE_TYPE, TTL_S, txt_record

    azc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    infos = [
        ServiceInfo(
            SERVICE_TYPE,
            f"Bench room {n}.{SERVICE_TYPE}",
            port=20000 + n,
            properties=txt_record(
                room=f"Bench room {n}", host="bench", tls=True, password=False, fingerprint="a" * 64
            ),
            server="bench.local.",
            addresses=[socket.inet_aton("127.0.0.1")],
            host_ttl=TTL_S,
            other_ttl=TTL_S,
        )
        for n in range(count)
    ]
    # Registered together: each registration probes its name for about 1.5 s.
    waiters = await asyncio.gather(*(azc.async_register_service(info) for info in infos))
    await asyncio.gather(*waiters)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await azc.async_unregister_all_services()
    await azc.async_close()


if __name__ == "__main__" and sys.argv[1:2] == ["--announce"]:
    asyncio.run(_announce(int(sys.argv[2])))
