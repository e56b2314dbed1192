"""`python3 scripts/bench.py startup`: the frozen app's size and start-up time against a reference.

Both programs are built in one run with the same PyInstaller and the same spec options (see
messagerie.spec): the app, and scripts/bench/hello.py, a ttkbootstrap window with a label, an
entry and a button. Both are one-file executables, so the start-up time includes unpacking.

Start-up time is measured from just before the process is spawned until `xdotool` sees the
first window mapped under Xvfb, polled every few milliseconds. One warm-up run of each is
discarded (it fills the page cache), then the runs alternate between the two programs so that
a slower moment of the machine hits both. The median is reported.

Budgets (issue 4): size at most 1.15x and start-up at most 1.3x the reference. Linux only:
the measure needs X11 and a one-file build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.display import virtual_display
from bench.servers import end_process
from build import WORK, build_env, run_pyinstaller

BENCH = WORK / "bench"
HELLO_SCRIPT = Path(__file__).resolve().with_name("hello.py")
# Window titles as xdotool regular expressions: the app's window is "Messagerie" (possibly
# followed by the view's name); the reference's is set in bench/hello.py.
APP_TITLE = "^Messagerie"
HELLO_TITLE = "^Bench hello$"
TARGETS = {"size": 1.15, "start": 1.3}
WINDOW_TIMEOUT_S = 30
POLL_S = 0.005


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=7, help="timed runs per program (>= 5)")
    parser.add_argument(
        "--no-build", action="store_true", help=f"reuse the executables in {BENCH}/dist"
    )


def _build(dist: Path) -> tuple[Path, Path]:
    """Build the app and the reference with the same spec; return both executables."""
    run_pyinstaller(BENCH / "app", dist, build_env())
    hello_env = build_env(MESSAGERIE_SPEC_SCRIPT=str(HELLO_SCRIPT))
    run_pyinstaller(BENCH / "hello", dist, hello_env)
    return dist / "messagerie", dist / HELLO_SCRIPT.stem


def _window_visible(title: str, env: dict[str, str]) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", title],
        env=env,
        capture_output=True,
        check=False,
    )
    return found.returncode == 0 and bool(found.stdout.strip())


def _time_to_window(exe: Path, title: str, env: dict[str, str]) -> float:
    """Seconds from spawning `exe` until a window whose name matches `title` is mapped."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(exe)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            if _window_visible(title, env):
                return time.perf_counter() - start
            if process.poll() is not None:
                raise SystemExit(f"{exe.name} exited with {process.returncode} before its window")
            if time.perf_counter() - start > WINDOW_TIMEOUT_S:
                raise SystemExit(f"{exe.name}: no window after {WINDOW_TIMEOUT_S} s")
            time.sleep(POLL_S)
    finally:
        # SIGTERM lets the one-file bootloader stop its child and delete its unpacked files.
        end_process(process)


def run(args: argparse.Namespace) -> dict:
    if args.runs < 5:
        raise SystemExit("--runs must be at least 5.")
    if shutil.which("xdotool") is None:
        raise SystemExit("xdotool is needed (apt-get install xdotool).")
    dist = BENCH / "dist"
    if args.no_build:
        app, hello = dist / "messagerie", dist / HELLO_SCRIPT.stem
    else:
        app, hello = _build(dist)
    programs = {"app": (app, APP_TITLE), "reference": (hello, HELLO_TITLE)}
    samples: dict[str, list[float]] = {"app": [], "reference": []}
    with tempfile.TemporaryDirectory() as home, virtual_display() as display:
        # A throwaway data dir: the app must not read or write the user's settings.
        env = dict(os.environ, DISPLAY=display, MESSAGERIE_HOME=home)
        for exe, title in programs.values():
            _time_to_window(exe, title, env)  # the warm-up run, not counted
        for _ in range(args.runs):
            for name, (exe, title) in programs.items():
                samples[name].append(_time_to_window(exe, title, env))
    sizes = {name: exe.stat().st_size for name, (exe, _) in programs.items()}
    starts = {name: statistics.median(values) for name, values in samples.items()}
    ratios = {
        "size": sizes["app"] / sizes["reference"],
        "start": starts["app"] / starts["reference"],
    }
    return {
        "size_bytes": sizes,
        "start_median_s": starts,
        "start_samples_s": samples,
        "ratio": ratios,
        "target": TARGETS,
        "within_target": {k: ratios[k] <= TARGETS[k] for k in TARGETS},
        "runs": args.runs,
    }


def format_table(result: dict) -> str:
    sizes, starts, ratio = result["size_bytes"], result["start_median_s"], result["ratio"]
    rows = [
        ("figure", "app", "reference", "ratio", "target"),
        (
            "one-file size",
            f"{sizes['app'] / 1e6:.1f} MB",
            f"{sizes['reference'] / 1e6:.1f} MB",
            f"{ratio['size']:.2f}x",
            f"<= {TARGETS['size']}x " + ("ok" if result["within_target"]["size"] else "MISSED"),
        ),
        (
            f"start, median of {result['runs']}",
            f"{starts['app']:.3f} s",
            f"{starts['reference']:.3f} s",
            f"{ratio['start']:.2f}x",
            f"<= {TARGETS['start']}x " + ("ok" if result["within_target"]["start"] else "MISSED"),
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
