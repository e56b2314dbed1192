#!/usr/bin/env python3
"""Benchmarks: `python3 scripts/bench.py SUBCOMMAND [--json] [options]`.

Each subcommand lives in its own module `scripts/bench_<name>.py`, which provides
`add_arguments(parser)`, `run(args) -> dict` and `format_table(result) -> str`. This file only
dispatches, so that benchmarks can be added without touching each other. `--json` prints the
result as one JSON object instead of the table.

  startup   the frozen app's size and start-up time against a ttkbootstrap "hello"
"""

from __future__ import annotations

import argparse
import json
import sys

import bench_startup

from build import enter_venv


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, module in {"startup": bench_startup}.items():
        sub = commands.add_parser(name, help=module.__doc__.splitlines()[0])
        sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
        module.add_arguments(sub)
        sub.set_defaults(module=module)
    args = parser.parse_args()
    result = args.module.run(args)
    print(json.dumps(result, indent=2) if args.json else args.module.format_table(result))
    return 0


if __name__ == "__main__":
    enter_venv(__file__)
    sys.exit(main())
