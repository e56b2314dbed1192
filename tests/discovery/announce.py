"""A stand-alone announcer for discovery tests, run inside a namespace.

`python tests/discovery/announce.py --interface lo --port P --room NAME --fingerprint HEX`
announces a room that no server backs (a forger's announcement), prints `ready` once the
DNS-SD name is announced, and withdraws it when its standard input closes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from messagerie.net.discovery import Advertiser


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interface", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--room", required=True)
    parser.add_argument("--host-name", default="forger")
    parser.add_argument("--fingerprint", default=None)
    args = parser.parse_args()
    advertiser = Advertiser(
        room=args.room,
        port=args.port,
        tls=True,
        password=False,
        fingerprint=args.fingerprint,
        interface=args.interface,
        host_name=args.host_name,
    )
    advertiser.start()
    if not advertiser.registered.wait(15):
        print("not registered", flush=True)
        advertiser.close()
        return 1
    print("ready", flush=True)
    sys.stdin.read()
    advertiser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
