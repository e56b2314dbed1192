"""Headless mode: the same core as the window, with stdin and stdout instead of Tk.

Each line read from stdin is sent as a message, but for four commands: `/send PATH` shares a
file, `/get ID` downloads one into the download folder, `/msg NAME text` writes to NAME
privately (a name with spaces is found as the longest known name, or may be quoted; an unknown
or ambiguous name is an error line, and nothing is sent), and `/reply ID text` answers the
message ID where it was said (privately to the other party if it was private; the room quotes
it, or refuses an unknown one with `refused`). End of input leaves cleanly (after
the outbox is acknowledged, within a bound). Events are printed as the original brief's lines,
or with --json as one JSON object per line (fields in DESIGN.md). The lines come from the
renderer the window uses too (`wording.describe`); this module only prints them. Ctrl-C and
SIGTERM stop cleanly with exit code 0.

The same face runs two commands that print what the network shows and exit:
`messagerie rooms [--json] [--timeout S] [--watch] [--port P]` (a contract that scripts rely
on, DESIGN.md: with `--json`, one object per room and per line, with name, host, port,
addresses, tls, password, fingerprint_prefix, via and trust, printed once the listening time
is over; with `--watch`, one line per change as it happens, with an `event` field, "added" or
"removed", until `--timeout`; exit 0 whether or not a room was found, the text mode then says
so with the doctor's explanation), and `messagerie doctor HOST[:PORT] [--json] [--timeout S]
[--not-listed]` (the connection doctor's findings, net/doctor.py, one per line; with `--json`,
objects with `code`, `message` and the details).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from messagerie.errors import LocalProtocolError
from messagerie.i18n import tr
from messagerie.limits import DEFAULT_PORT
from messagerie.net import discovery, doctor, events
from messagerie.net.directory import Directory
from messagerie.net.lan import format_address
from messagerie.net.session import Session
from messagerie.security.known_hosts import FILE_NAME, KnownHosts
from messagerie.store import files
from messagerie.wording import ChatLine, SystemLine, Viewpoint, describe, sentence
from messagerie.wording.lines import file_failure
from messagerie.wording.sentences import UNSAFE

# How long the printer lets lines gather between two writes.
BATCH_PAUSE_S = 0.01
# Input lines read ahead of the network thread at most (then reading waits for it, up to
# INPUT_WAIT_S): a file piped in faster than the room posts stays in the pipe, not in memory.
INPUT_WINDOW = 32
INPUT_WAIT_S = 5.0
# How long end of input waits for our last messages to be acknowledged before leaving.
DRAIN_TIMEOUT_S = 10.0
# What follows a newline in a printed line: a message's second line cannot pass for a new
# "Name : text" line, since a room's names never start with a space.
CONTINUATION = "    "
# The commands read on standard input (anything else is a message).
SEND_COMMAND = "/send"
GET_COMMAND = "/get"
MSG_COMMAND = "/msg"
REPLY_COMMAND = "/reply"
# How many private messages `/reply` remembers the other party of (the oldest are forgotten:
# a reply to one of those goes to the room, which refuses it if the reader may not see it).
PRIVATE_IDS_KEPT = 10_000


class HeadlessFrontEnd:
    """Prints events and feeds stdin lines to a session."""

    def __init__(
        self, *, json_mode: bool, out: TextIO | None = None, download_dir: Path | None = None
    ) -> None:
        self.json_mode = json_mode
        # Where `/get` saves files (None: the user's Downloads folder, found when needed).
        self.download_dir = download_dir
        self.printer = LinePrinter(out if out is not None else sys.stdout)
        self.ready = threading.Event()  # the room is open, or we are connected, or it failed
        self.stopped = threading.Event()
        self.failed = False
        self.viewpoint = Viewpoint()  # only the network thread, in on_event, uses it
        # Who `/msg NAME` can reach (fed on the network thread, read on stdin's).
        self.directory = Directory()
        # The other party of each private message seen, by id, for `/reply` (written on the
        # network thread, read on stdin's: single dict operations, atomic under the GIL).
        self.private_peers: dict[str, str] = {}

    def on_event(self, event: events.Event) -> None:
        """Called on the network thread."""
        if isinstance(event, events.Failed) and event.fatal:
            self.failed = True
        if isinstance(event, events.Listening | events.Connected | events.Failed):
            self.ready.set()
        if isinstance(event, events.Stopped):
            self.ready.set()
            self.stopped.set()
            return
        self.directory.apply(event)
        if isinstance(event, events.MessageReceived) and event.private:
            self.private_peers[event.id] = event.peer_id
            if len(self.private_peers) > PRIVATE_IDS_KEPT:
                del self.private_peers[next(iter(self.private_peers))]
        self._print(event)
        self.viewpoint = self.viewpoint.after(event)

    def report_local_error(self, error: LocalProtocolError) -> None:
        """A line of input that cannot be sent (stdin's thread). It changes no viewpoint, so
        it is printed without touching the network thread's."""
        self._print(events.Failed.of(error, fatal=False))

    def _print(self, event: events.Event) -> None:
        if self.json_mode:
            self.printer.print(json_line(event))
        else:
            self.printer.print(*human_lines(event, self.viewpoint))

    def close(self) -> None:
        """Print what is still queued, then stop the printer thread."""
        self.printer.close()


# One encoder, built once: json.dumps(..., ensure_ascii=False) builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def json_line(event: events.Event) -> str:
    """The `--json` line for `event`: its fields, plus `message`, the sentence of an error,
    a warning or a disconnection in the reader's language (DESIGN.md's contract)."""
    record = event.to_json()
    match event:
        case events.Failed():
            record["message"] = sentence(event.code, event.details)
        case events.Notice() | events.Disconnected():
            record["message"] = sentence(event.reason, event.details)
        case events.FileFailed():
            record["message"] = file_failure(event.code, event.details)
    line = _encode(record)
    # JSON escapes C0 controls itself; with ensure_ascii=False it leaves DEL, C1 (U+009B is a
    # one-character CSI), the line separators and the bidi controls raw. Escaped as \uXXXX
    # they are the same JSON string, and cannot act on a terminal that shows the line.
    if UNSAFE.search(line) is None:
        return line
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", line)


class LinePrinter:
    """Writes lines from a thread of its own, in batches.

    The network thread only appends to a list: under load, one write and one flush carry
    many lines instead of a system call per event on the room's own thread.
    """

    def __init__(self, out: TextIO | None) -> None:
        self.out = out  # None: a windowed build on Windows has no stdout
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="messagerie-printer", daemon=True)
        self._thread.start()

    def print(self, *lines: str) -> None:
        if self.out is None or not lines:
            return
        with self._cond:
            self._lines.extend(lines)
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(5)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._lines and not self._closing:
                    self._cond.wait()
                lines, self._lines = self._lines, []
                closing = self._closing
            if lines and self.out is not None:
                try:
                    self.out.write("\n".join(lines) + "\n")
                    self.out.flush()
                except (OSError, ValueError):
                    self.out = None  # stdout closed (a pipe whose reader left): stop printing
            if closing:
                return
            # Let lines gather for a moment: waking up for every event would make this thread
            # fight the network thread for the GIL under load. People don't see 10 ms.
            time.sleep(BATCH_PAUSE_S)


def human_lines(event: events.Event, viewpoint: Viewpoint) -> list[str]:
    """The printed lines for one event (empty when there is nothing to say).

    The renderer's lines are already neutralised; here a message becomes "Name : text", and
    every line after a newline is indented. A pending message is not printed: a stream
    cannot redraw it, and its echo from the room follows.
    """
    out: list[str] = []
    for line in describe(event, viewpoint):
        if isinstance(line, SystemLine):
            text = line.text
        elif isinstance(line, ChatLine) and not line.pending:
            if line.reply is not None:
                out.append(tr("line.reply", name=line.reply[1], text=line.reply[2]))
            if line.private:
                text = tr("line.private_chat", name=line.sender, to=line.to_name, text=line.text)
            else:
                text = tr("line.chat", name=line.sender, text=line.text)
        else:
            continue
        out.append(text.replace("\n", "\n" + CONTINUATION))
    return out


def run(session: Session, front: HeadlessFrontEnd) -> int:
    """Run `session` until end of input, Ctrl-C, SIGTERM or a fatal error. Returns the exit code."""
    interrupted = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: interrupted.set())
    input_done = threading.Event()
    try:
        session.start()
        front.ready.wait()
        if not front.stopped.is_set():
            reader = threading.Thread(
                target=_read_stdin, args=(session, front, input_done), daemon=True
            )
            reader.start()
        while not (front.stopped.is_set() or input_done.is_set() or interrupted.is_set()):
            # A short wait keeps Ctrl-C (KeyboardInterrupt) responsive on every OS.
            front.stopped.wait(0.2)
        drain = DRAIN_TIMEOUT_S if input_done.is_set() and not interrupted.is_set() else 0.0
        session.stop(drain_timeout=drain)
    except KeyboardInterrupt:
        session.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)
        front.close()
    return 1 if front.failed else 0


def _command(session: Session, front: HeadlessFrontEnd, text: str) -> bool:
    """Run `/send PATH`, `/get ID`, `/msg NAME text` or `/reply ID text`; False when `text`
    is no such command (a message). Raises LocalProtocolError for a `/msg` or a `/reply`
    that cannot be sent."""
    command, _, argument = text.partition(" ")
    argument = argument.strip()
    if command not in (SEND_COMMAND, GET_COMMAND, MSG_COMMAND, REPLY_COMMAND) or not argument:
        return False
    if command == MSG_COMMAND:
        member, message = front.directory.split_addressed(argument)
        session.send(message, to=member.id)
    elif command == REPLY_COMMAND:
        msg_id, _, message = argument.partition(" ")
        session.send(message.strip(), to=front.private_peers.get(msg_id, ""), reply_to=msg_id)
    elif command == SEND_COMMAND:
        session.send_file(Path(argument).expanduser())
    else:
        if front.download_dir is None:
            front.download_dir = files.downloads_dir(None)
        session.get_file(argument, front.download_dir)
    return True


def _read_stdin(session: Session, front: HeadlessFrontEnd, done: threading.Event) -> None:
    try:
        for count, line in enumerate(sys.stdin, 1):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                if not _command(session, front, text):
                    session.send(text)
            except LocalProtocolError as exc:
                front.report_local_error(exc)
            if count % INPUT_WINDOW == 0:
                # Let the room catch up: piped input can come faster than it posts.
                session.caught_up(INPUT_WAIT_S)
    except (OSError, ValueError):
        pass  # stdin closed or unreadable: same as end of input
    finally:
        done.set()


# --- `messagerie rooms` and `messagerie doctor` ------------------------------------------


def run_rooms(args: argparse.Namespace, data_dir: Path) -> int:
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
