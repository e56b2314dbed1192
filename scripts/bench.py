#!/usr/bin/env python3
"""Benchmarks: `python3 scripts/bench.py SUBCOMMAND [--json] [options]`.

    room      fan-out against `ncat --chat`: server CPU per delivery, deliveries/s, latency
    scale     1,000 participants in one room (TLS): delivery, p99 latency, RSS per participant
    latency   1,000 sequential messages between two clients, against ncat
    gui       a flood of 10,000 messages into a real chat window under Xvfb

The code lives in bench_room.py and bench_gui.py; this file only dispatches. Like test.py,
it installs the dev extra into `.venv` and re-executes itself there. docs/PERFORMANCE.md has
the latest figures and the exact commands.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from _bootstrap import VENV, ensure_venv, exec_in_venv


def build_parser() -> argparse.ArgumentParser:
    import bench_gui
    import bench_room

    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {
        "room": (bench_room.add_room_arguments, bench_room.run_room),
        "scale": (bench_room.add_scale_arguments, bench_room.run_scale),
        "latency": (bench_room.add_latency_arguments, bench_room.run_latency),
        "gui": (bench_gui.add_arguments, bench_gui.run),
    }
    for name, (add_arguments, run) in commands.items():
        command = sub.add_parser(name)
        command.add_argument("--json", action="store_true", help="one JSON object on stdout")
        add_arguments(command)
        command.set_defaults(run=run)
    return parser


def main(argv: list[str]) -> int:
    import bench_room

    args = build_parser().parse_args(argv)
    report = args.run(args)
    if args.json:
        print(json.dumps(report, default=str))
    else:
        title = f"{report['bench']} ({report['machine']['cores']} cores, Python "
        title += f"{report['machine']['python']}, {report['machine']['openssl']})"
        print(bench_room.format_table(title, report["rows"], report["notes"]))
    return 0


if __name__ == "__main__":
    # Re-execute in the project's venv (created or updated first), like test.py and run.py.
    if Path(sys.prefix).resolve() != VENV.resolve():
        exec_in_venv(ensure_venv(("dev",)), [__file__, *sys.argv[1:]])
    sys.exit(main(sys.argv[1:]))
