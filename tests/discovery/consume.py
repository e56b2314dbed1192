"""A discovery consumer for tests, run inside a namespace: a RoomBrowser and its vital signs.

Prints one JSON line every `--every` seconds: rooms listed, change callbacks so far, the
largest lateness of a 20 ms timer on the main thread (a frozen consumer would show it),
resident memory, and whether the room named `--watch-for` is listed.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from messagerie.net.discovery import RoomBrowser

TIMER_S = 0.02


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interface", default="lo")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--every", type=float, default=1.0)
    parser.add_argument("--watch-for", default="")
    args = parser.parse_args()
    calls = 0
    lock = threading.Lock()

    def changed(_rooms) -> None:
        nonlocal calls
        with lock:
            calls += 1

    browser = RoomBrowser(interface=args.interface, on_change=changed, probe_ports=())
    browser.start()
    started = time.monotonic()
    next_report = started + args.every
    worst = 0.0
    try:
        while time.monotonic() - started < args.seconds:
            before = time.monotonic()
            time.sleep(TIMER_S)
            worst = max(worst, time.monotonic() - before - TIMER_S)
            if time.monotonic() >= next_report:
                rooms = browser.rooms()
                cpu = resource.getrusage(resource.RUSAGE_SELF)
                report = {
                    "t": round(time.monotonic() - started, 2),
                    "rooms": len(rooms),
                    "calls": calls,
                    "late_ms": round(worst * 1000, 1),
                    "rss_kb": rss_kb(),
                    "cpu_s": round(cpu.ru_utime + cpu.ru_stime, 3),
                    "dropped": browser.dropped,
                    "watched": any(r.name == args.watch_for for r in rooms),
                }
                print(json.dumps(report), flush=True)
                worst = 0.0
                next_report += args.every
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
