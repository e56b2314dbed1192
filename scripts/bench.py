#!/usr/bin/env python3
"""Benchmarks: `python3 scripts/bench.py SUBCOMMAND [--json] [options]`.

Each subcommand is provided by a module in scripts/ as `add_arguments(parser)`,
`run(args) -> dict` and `format_table(result) -> str`. This file only dispatches, so that
benchmarks can be added without touching each other. `--json` prints the result as one JSON
object instead of the table. docs/PERFORMANCE.md has the latest figures and the commands.

  room      fan-out against `ncat --chat`: server CPU per delivery, deliveries/s, latency
  scale     1,000 participants in one room (TLS): delivery, p99 latency, RSS per participant
  latency   1,000 sequential messages between two clients, against ncat
  gui       a flood of 10,000 messages into a real chat window under Xvfb
  startup   the frozen app's size and start-up time against a ttkbootstrap "hello"
  discovery time for a new room to be listed, and the browser's cost with 100 rooms (netns)
"""

from __future__ import annotations

import argparse
import json
import sys

import bench_discovery
import bench_gui
import bench_room
import bench_startup

from build import enter_venv

COMMANDS = {
    "room": (bench_room.add_room_arguments, bench_room.run_room, bench_room.format_table),
    "scale": (bench_room.add_scale_arguments, bench_room.run_scale, bench_room.format_table),
    "latency": (bench_room.add_latency_arguments, bench_room.run_latency, bench_room.format_table),
    "gui": (bench_gui.add_arguments, bench_gui.run, bench_gui.format_table),
    "startup": (bench_startup.add_arguments, bench_startup.run, bench_startup.format_table),
    "discovery": (bench_discovery.add_arguments, bench_discovery.run, bench_discovery.format_table),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (add_arguments, run, format_table) in COMMANDS.items():
        sub = commands.add_parser(name)
        sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
        add_arguments(sub)
        sub.set_defaults(run=run, format_table=format_table)
    args = parser.parse_args()
    result = args.run(args)
    print(json.dumps(result, indent=2, default=str) if args.json else args.format_table(result))
    return 0


if __name__ == "__main__":
    enter_venv(__file__)
    sys.exit(main())
