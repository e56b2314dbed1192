"""`gui`: a flood of 10,000 messages into a real chat window under Xvfb (issue 7).

A headless peer (the load generator, bench/load.py) sends 10,000 messages within 2 s to a
room where a real window sits. The window is started by bench/window.py, which builds it with
`messagerie.ui.build()` (join mode, plaintext) and attaches bench/probe.py from the outside:
a 10 ms `after()` heartbeat whose gaps are the stalls, and a count of the messages the chat
history shows, written to a JSON file that this command reads. The bench reads the window's
RSS itself, from /proc/<pid>/status.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.display import virtual_display
from bench.load import TEXT_SIZE, Load
from bench.probe import PERIOD_MS
from bench.servers import FLOOD_LIMITS, SCRIPTS, Server, end_process, proc_rss_bytes
from bench.tables import format_table, machine_info, row

__all__ = ["add_arguments", "format_table", "run"]

WINDOW_NAME = "Fenetre"
STALL_TARGET_MS = 100.0
# "Memory bounded by the history cap": the window keeps at most 5,000 lines, so a flood of
# 10,000 must not grow it by more than this.
RSS_GROWTH_TARGET_MIB = 50.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--within", type=float, default=2.0, help="seconds to send them in")
    parser.add_argument("--timeout", type=float, default=60.0)


def ui_available() -> str | None:
    """None if the window can be started, else why not."""
    if importlib.util.find_spec("tkinter") is None:
        return "this Python has no tkinter (apt-get install python3-tk)"
    return None


def read_stats(path: Path) -> dict[str, Any] | None:
    with contextlib.suppress(OSError, ValueError):
        return json.loads(path.read_text())
    return None


def _wait_joined(server: Server, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in server.out_path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                event = json.loads(line)
                if event.get("event") == "joined" and event.get("name") == WINDOW_NAME:
                    return True
        time.sleep(0.1)
    return False


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "bench": "gui",
        "machine": machine_info(),
        "available": False,
        "unavailable": None,
        "messages": args.messages,
        "within_s": args.within,
        "sent": None,
        "shown": None,
        "max_stall_ms": None,
        "time_to_last_shown_s": None,
        "send_duration_s": None,
        "rss_before": None,
        "rss_after": None,
    }
    notes = [
        f"a headless peer sends {args.messages:,} messages paced over {args.within:g} s to a "
        "room (plaintext) where one real window sits, under Xvfb",
        f"stall = gap between {PERIOD_MS} ms after() heartbeats minus {PERIOD_MS} ms "
        "(bench/probe.py)",
        f"our server: --limit {' --limit '.join(FLOOD_LIMITS)}",
    ]
    why = ui_available()
    if why is None:
        try:
            _flood(args, report, notes)
        except RuntimeError as exc:
            why = str(exc)
    if why:
        report["unavailable"] = why
        notes.append(f"unavailable: {why}")
    report["available"] = why is None
    rss_growth = (
        (report["rss_after"] - report["rss_before"]) / 2**20
        if report["rss_after"] and report["rss_before"]
        else None
    )
    report["rss_growth_mib"] = rss_growth
    stall, shown = report["max_stall_ms"], report["shown"]
    rows = [
        _row(
            "longest event-loop stall ms", stall, f"<= {STALL_TARGET_MS:g}", stall, STALL_TARGET_MS
        ),
        _row("messages shown", shown, f"= {args.messages:,}"),
        _row("time until the last message is shown s", report["time_to_last_shown_s"], ""),
        _row("window RSS before MiB", _mib(report["rss_before"]), ""),
        _row("window RSS after MiB", _mib(report["rss_after"]), ""),
        _row(
            "window RSS growth MiB",
            rss_growth,
            f"<= {RSS_GROWTH_TARGET_MIB:g}",
            rss_growth,
            RSS_GROWTH_TARGET_MIB,
        ),
    ]
    if shown is not None:
        rows[1]["met"] = shown >= args.messages
    report["rows"] = rows
    report["notes"] = notes
    return report


def _row(figure: str, ours: Any, target: str, value: Any = None, limit: float | None = None):
    out = row(figure, ours, None, target)
    if limit is not None and value is not None:
        out["met"] = value <= limit
    return out


def _mib(value: int | None) -> float | None:
    return None if value is None else value / 2**20


def _flood(args: argparse.Namespace, report: dict[str, Any], notes: list[str]) -> None:
    with virtual_display() as display:
        _flood_on(display, args, report, notes)


def _flood_on(display: str, args: argparse.Namespace, report: dict[str, Any], notes: list[str]):
    tmp = Path(tempfile.mkdtemp(prefix="bench-gui-"))
    stats_path = tmp / "stats.json"
    server = window = load = None
    try:
        server = Server("ours", False)
        env = dict(os.environ, DISPLAY=display, LANG="fr_FR.UTF-8")
        cmd = [sys.executable, "-m", "bench.window", f"127.0.0.1:{server.port}"]
        cmd += ["--stats", str(stats_path), "--name", WINDOW_NAME]
        cmd += ["--data-dir", str(tmp / "window")]
        with open(tmp / "window.err", "wb") as err:
            window = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
                cwd=SCRIPTS,
            )
        if not _wait_joined(server, 30.0):
            raise RuntimeError("the window did not join the room: " + _tail(tmp / "window.err"))
        time.sleep(1.0)  # the window settles (first layout, history)
        if read_stats(stats_path) is None:
            raise RuntimeError("the probe never wrote its stats: " + _tail(tmp / "window.err"))
        report["rss_before"] = proc_rss_bytes(window.pid)
        spec = {
            "kind": "ours",
            "host": "127.0.0.1",
            "port": server.port,
            "tls": False,
            "n": 1,
            "m": args.messages,
            "text_size": TEXT_SIZE,
            "indices": [0],
            "probes": set(),
            "timeout": args.timeout,
        }
        load = Load(spec, 1)
        load.call("join")
        load.call("settle", live=1)
        start_at = time.monotonic() + 0.05
        # The peer counts the room's echoes of its own messages: all stored and sent out.
        (result,) = load.call(
            "go", start_at=start_at, rate=args.messages / args.within, expected=args.messages
        )
        report["sent"] = result["received"]
        report["send_duration_s"] = result["last_recv"] - result["first_send"]
        deadline = time.monotonic() + args.timeout
        stats = read_stats(stats_path) or {}
        while time.monotonic() < deadline and stats.get("shown_count", 0) < args.messages:
            time.sleep(0.25)
            stats = read_stats(stats_path) or stats
        time.sleep(0.5)  # one more write of the stats, with the stalls of the last batch
        stats = read_stats(stats_path) or stats
        report["rss_after"] = proc_rss_bytes(window.pid)
        report["shown"] = stats.get("shown_count")
        if stats.get("last_shown_at"):
            report["time_to_last_shown_s"] = stats["last_shown_at"] - result["first_send"]
        stalls = [ms for at, ms in stats.get("stalls", []) if at >= start_at]
        report["max_stall_ms"] = max(stalls, default=0.0) if "stalls" in stats else None
        if report["max_stall_ms"] is None:
            report["max_stall_ms"] = stats.get("max_stall_ms")
            notes.append("max stall is since the window opened (the probe gave no stall list)")
    finally:
        if load is not None:
            load.close()
        if window is not None:
            end_process(window)
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _tail(path: Path) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-500:]
    return ""
