"""`messagerie rooms` (the rooms on the network) and `messagerie doctor` (why joining fails).

`messagerie rooms [--json] [--timeout S] [--watch] [--port P]`:

A contract that scripts rely on (DESIGN.md): with `--json`, one object per room and per line
(name, host, port, addresses, tls, password, fingerprint_prefix, via, trust), printed once
the listening time is over; with `--watch`, one line per change as it happens, with an
`event` field ("added" or "removed"), until `--timeout`. Exit 0 whether or not any room was
found; the text mode then says so, with the doctor's explanation.

`messagerie doctor HOST[:PORT] [--json] [--timeout S] [--not-listed]` prints the connection
doctor's findings (net/doctor.py), one per line; with `--json`, objects with `code`,
`message` and the details.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from messagerie.i18n import tr
from messagerie.limits import DEFAULT_PORT
from messagerie.net import discovery, doctor
from messagerie.net.lan import format_address
from messagerie.security.known_hosts import FILE_NAME, KnownHosts


def run(args: argparse.Namespace, data_dir: Path) -> int:
    """Browse for `args.timeout` seconds and print the rooms. Returns the exit code."""
    chosen = discovery.options()
    if not chosen.enabled:
        print(tr("discovery.disabled"), file=sys.stderr)
        return 1
    # Read only: discovery compares with the pins and never writes one.
    known = KnownHosts(data_dir / FILE_NAME)
    ports = args.port or [DEFAULT_PORT]
    watcher = _Watcher(args.json) if args.watch else None
    browser = discovery.RoomBrowser(
        on_change=watcher.changed if watcher else None,
        interface=chosen.interface,
        probe_ports=ports,
        pinned=known.pinned,
    )
    browser.start()
    try:
        threading.Event().wait(max(0.0, args.timeout))
    except KeyboardInterrupt:
        pass
    finally:
        browser.close()
    if watcher is None:
        rooms = browser.rooms()
        for room in rooms:
            print(_line(room, args.json), flush=True)
        if not rooms and not args.json:
            print(tr("rooms.none"), flush=True)
            for finding in doctor.diagnose_network():
                print(f"- {finding.message}", flush=True)
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    """Print the doctor's findings about joining args.host:args.port. Returns 0."""
    findings = doctor.diagnose(
        args.host,
        args.port,
        found_by_browser=False if args.not_listed else None,
        timeout=max(0.1, args.timeout),
    )
    if not args.json:
        print(tr("doctor.title"), flush=True)
    for finding in findings:
        line = json.dumps(finding.to_json(), ensure_ascii=False) if args.json else finding.message
        print(line if args.json else f"- {line}", flush=True)
    return 0


class _Watcher:
    """Prints what changed between two lists (called on the browser's thread)."""

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.previous: set[discovery.FoundRoom] = set()

    def changed(self, rooms: list[discovery.FoundRoom]) -> None:
        now = set(rooms)
        for event, group in (("removed", self.previous - now), ("added", now - self.previous)):
            for room in sorted(group, key=lambda r: r.name):
                print(_line(room, self.json_mode, event=event), flush=True)
        self.previous = now


def _line(room: discovery.FoundRoom, json_mode: bool, *, event: str | None = None) -> str:
    if json_mode:
        data = room.to_json()
        if event:
            data = {"event": event, **data}
        return json.dumps(data, ensure_ascii=False)
    where = ", ".join(format_address(a, room.port) for a in room.addresses)
    text = tr("rooms.line", name=room.name, host=room.host or "?", where=where)
    if room.password:
        text += " 🔒"
    if not room.tls:
        text += " " + tr("rooms.no_tls")
    if room.suspicious:
        text += " " + tr("rooms.suspicious")
    return f"{tr('rooms.' + event)} {text}" if event else text
