"""The window of `bench.py gui`: a real Messagerie window joined to a room, with the probe.

    cd scripts && python -m bench.window --stats STATS.json --data-dir DIR --name NAME HOST:PORT

It builds the window the way the app does (`messagerie.ui.build`, join mode, plaintext) and
attaches bench/probe.py from the outside, on the Tk thread, before the main loop starts. The
bench reads the stats file; it stops this process with SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bench.probe import Probe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address", help="HOST:PORT of the room (plaintext)")
    parser.add_argument("--stats", type=Path, required=True, help="the probe's JSON file")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    host, _, port = args.address.rpartition(":")
    # Errors of the window go to stderr, which the bench keeps to explain a failed start.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    from messagerie.ui import build

    controller = build(
        data_dir=args.data_dir, mode="join", host=host, port=int(port), name=args.name, tls=False
    )
    probe = Probe(controller.root, args.stats, lambda: controller.chat)
    probe.start()
    try:
        controller.root.mainloop()
    finally:
        probe.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
