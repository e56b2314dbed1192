"""A forger for discovery tests, run inside a namespace: floods forged DNS-SD announcements.

`python tests/discovery/flood.py --rate 1000 --seconds 8` multicasts on loopback, `rate`
times a second, an announcement (PTR, SRV, TXT, A) of a room with a new name each time, a
fingerprint of its own, and the port of nothing. Prints how many it sent.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from zeroconf import DNSOutgoing, ServiceInfo, const

from messagerie.net.discovery import SERVICE_TYPE, txt_record


def packet(n: int) -> bytes:
    name = f"Forged {n}.{SERVICE_TYPE}"
    info = ServiceInfo(
        SERVICE_TYPE,
        name,
        port=40000 + n % 20000,
        properties=txt_record(
            room=f"Forged {n}", host="forger", tls=True, password=False, fingerprint=f"{n:064x}"
        ),
        server="forger.local.",
        addresses=[socket.inet_aton("127.0.0.1")],
    )
    out = DNSOutgoing(const._FLAGS_QR_RESPONSE | const._FLAGS_AA)
    for record in (info.dns_pointer(), info.dns_service(), info.dns_text()):
        out.add_answer_at_time(record, 0)
    for record in info.dns_addresses():
        out.add_answer_at_time(record, 0)
    return out.packets()[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    started = time.monotonic()
    sent = 0
    while (elapsed := time.monotonic() - started) < args.seconds:
        due = int(elapsed * args.rate)
        while sent < due:
            sock.sendto(packet(sent), (const._MDNS_ADDR, const._MDNS_PORT))
            sent += 1
        time.sleep(0.005)
    print(json.dumps({"sent": sent, "seconds": round(time.monotonic() - started, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
