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
  discovery time for a new room to be listed, and the browser's cost with 100 rooms (netns)
  files     a 1 GiB file up to the host and down, against `ncat --ssl` and plaintext ncat
  private   private against room messages in a room of 1,000: host CPU per message, per delivery
"""

from __future__ import annotations

import argparse
import json
import sys

from build import enter_venv


def main() -> int:
    # Imported here, inside the venv (see the bottom): the load generator speaks our protocol
    # through the messagerie package, which the system's python3 does not have. The bench/
    # package beside this file wins over this file's own name.
    from bench import discovery, files, gui, latency, private, room, scale, startup

    commands_by_name = {
        "room": room,
        "scale": scale,
        "latency": latency,
        "gui": gui,
        "startup": startup,
        "discovery": discovery,
        "files": files,
        "private": private,
    }
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, command in commands_by_name.items():
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
