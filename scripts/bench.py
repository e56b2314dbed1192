#!/usr/bin/env python3
"""Benchmarks: `python3 scripts/bench.py SUBCOMMAND [--json] [options]`.

Each subcommand is a module of the scripts/bench/ package with `add_arguments(parser)`,
`run(args) -> dict` and `format_table(result) -> str`. This file only dispatches, so that
benchmarks can be added without touching each other. `--json` prints the result as one JSON
object instead of the table. docs/PERFORMANCE.md has the latest figures and the commands.

  room      fan-out against `ncat --chat`: server CPU per delivery, deliveries/s, latency
  scale     1,000 participants in one room (TLS): delivery, p99 latency, RSS per participant
  latency   1,000 sequential messages between two clients, against ncat
  gui       a flood of 10,000 messages into a real chat window under Xvfb
  startup   the frozen app's size and start-up time against a ttkbootstrap "hello"
  files     a 1 GiB file up to the host and down, against `ncat --ssl` and plaintext ncat
"""

from __future__ import annotations

import argparse
import json
import sys

# The bench/ package beside this file, not this file: a package wins over a module of the
# same name in one folder.
from bench import files, gui, latency, room, scale, startup

from build import enter_venv

COMMANDS = {
    "room": room,
    "scale": scale,
    "latency": latency,
    "gui": gui,
    "startup": startup,
    "files": files,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        sub = commands.add_parser(name)
        sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
        command.add_arguments(sub)
        sub.set_defaults(run=command.run, format_table=command.format_table)
    args = parser.parse_args()
    result = args.run(args)
    print(json.dumps(result, indent=2, default=str) if args.json else args.format_table(result))
    return 0


if __name__ == "__main__":
    enter_venv(__file__)
    sys.exit(main())
