"""Headless mode: the same core as the window, with stdin and stdout instead of Tk.

Each line read from stdin is sent as a message; end of input leaves cleanly (after the
outbox is acknowledged, within a bound). Events are printed as the original brief's lines,
or with --json as one JSON object per line (fields in DESIGN.md). Ctrl-C and SIGTERM stop
cleanly with exit code 0.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from typing import TextIO

from messagerie.errors import LocalProtocolError
from messagerie.i18n import tr
from messagerie.net import events
from messagerie.net.session import Session

# How long the printer lets lines gather between two writes.
BATCH_PAUSE_S = 0.01
# Input lines read ahead of the network thread at most (then reading waits for it, up to
# INPUT_WAIT_S): a file piped in faster than the room posts stays in the pipe, not in memory.
INPUT_WINDOW = 32
INPUT_WAIT_S = 5.0
# How long end of input waits for our last messages to be acknowledged before leaving.
DRAIN_TIMEOUT_S = 10.0


class HeadlessFrontEnd:
    """Prints events and feeds stdin lines to a session."""

    def __init__(self, *, json_mode: bool, out: TextIO | None = None) -> None:
        self.json_mode = json_mode
        self.printer = LinePrinter(out if out is not None else sys.stdout)
        self.ready = threading.Event()  # the room is open, or we are connected, or it failed
        self.stopped = threading.Event()
        self.failed = False

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
        if self.json_mode:
            self.printer.print(_json_line(event.to_json()))
        else:
            self.printer.print(*human_lines(event))

    def report_local_error(self, error: LocalProtocolError) -> None:
        event = events.Failed(code=error.code, message=error.message, fatal=False)
        self.on_event(event)

    def close(self) -> None:
        """Print what is still queued, then stop the printer thread."""
        self.printer.close()


# One encoder, built once: json.dumps(..., ensure_ascii=False) builds a new one per call.
_json_line = json.JSONEncoder(ensure_ascii=False).encode


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


def human_lines(event: events.Event) -> list[str]:
    """The lines of the original brief for one event (empty when there is nothing to say)."""
    match event:
        case events.Listening():
            lines = [tr("line.waiting"), tr("line.listening", addresses=", ".join(event.addresses))]
            if event.safety_code:
                lines.append(tr("line.safety_code", code=event.safety_code))
            elif not event.tls:
                lines.append(tr("line.not_encrypted"))
            return lines
        case events.Connected():
            lines = [tr("line.connected")]
            if event.safety_code:
                lines.append(tr("line.safety_code", code=event.safety_code))
            elif not event.tls:
                lines.append(tr("line.not_encrypted"))
            return lines
        case events.Joined(address=str() as address):
            return [tr("line.connection_from", address=address), tr("line.joined", name=event.name)]
        case events.Joined():
            return [tr("line.joined", name=event.name)]
        case events.Left():
            return [tr("line.left", name=event.name)]
        case events.MessageReceived():
            return [tr("line.chat", name=event.sender, text=event.text)]
        case events.Disconnected():
            return [tr("line.disconnected", reason=event.message)]
        case events.Reconnecting():
            return [tr("line.reconnecting", delay=event.delay_s)]
        case events.Notice() | events.Failed():
            return [event.message]
    return []


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


def _read_stdin(session: Session, front: HeadlessFrontEnd, done: threading.Event) -> None:
    try:
        for count, line in enumerate(sys.stdin, 1):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            try:
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
