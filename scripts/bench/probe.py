"""The probe of `bench.py gui`, attached to a real window from the outside (bench/window.py).

The product has no benchmark hook: the probe runs on the Tk thread of the window process
that bench/window.py starts, and only uses what any caller of `messagerie.ui.build()` has.
Every 10 ms (an `after()` chain on the root) it looks for the controller's chat view; from
the moment one is shown it
- records every gap between two beats minus the 10 ms period as a stall (those over 20 ms are
  listed with the `time.monotonic()` they ended);
- counts the room messages the chat history shows (`History.add_message` returning True,
  wrapped on that one history object) and notes `time.monotonic()` of the last one;
- every 250 ms, and when it is closed, replaces the stats file with the JSON object
  `{"pid", "max_stall_ms", "stalls": [[monotonic_s, ms], ...], "shown_count", "last_shown_at"}`.

`time.monotonic()` is one clock for every process on Linux, so the bench compares it with the
load generator's send times.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

PERIOD_MS = 10
KEEP_ABOVE_MS = 20.0
WRITE_EVERY_S = 0.25
# A long session under the probe must not grow memory through its own stall list.
MAX_STALLS = 10_000


class Probe:
    """Heartbeat and shown-message count of one window; `chat_view()` returns its chat or None."""

    def __init__(self, root: Any, path: Path, chat_view: Callable[[], Any]) -> None:
        self.root = root
        self.path = path
        self.chat_view = chat_view
        self.max_stall_ms = 0.0
        self.stalls: deque[list[float]] = deque(maxlen=MAX_STALLS)
        self.shown_count = 0
        self.last_shown_at: float | None = None
        self._chat: Any = None
        self._last_beat: float | None = None
        self._last_write = 0.0
        self._after_id: str | None = None

    def start(self) -> None:
        """Start looking for the chat view (call on the Tk thread, before the main loop)."""
        if self._after_id is None:
            self._after_id = self.root.after(PERIOD_MS, self._beat)

    def _beat(self) -> None:
        now = time.monotonic()
        chat = self.chat_view()
        if chat is not None and chat is not self._chat:
            self._attach(chat)
        if self._last_beat is not None:
            stall = (now - self._last_beat) * 1000.0 - PERIOD_MS
            self.max_stall_ms = max(self.max_stall_ms, stall)
            if stall > KEEP_ABOVE_MS:
                self.stalls.append([now, round(stall, 3)])
            if now - self._last_write >= WRITE_EVERY_S:
                self.write()
        if self._chat is not None:
            # Stalls count from the first chat view on: before it, the window is being built.
            self._last_beat = now
        self._after_id = self.root.after(PERIOD_MS, self._beat)

    def _attach(self, chat: Any) -> None:
        """A chat view is shown (the first, or a new one after leaving): count what it shows."""
        first = self._chat is None
        self._chat = chat
        history = chat.history
        show = history.add_message

        # An instance attribute shadows the method for this one history object, so the
        # product needs no hook and every other window is untouched.
        def counted(*args: Any, **kwargs: Any) -> bool:
            shown = show(*args, **kwargs)
            if shown:
                self.shown_count += 1
                self.last_shown_at = time.monotonic()
            return shown

        history.add_message = counted
        if first:
            self.write()

    def write(self) -> None:
        """Replace the stats file (temporary file + os.replace: a reader never sees half)."""
        self._last_write = time.monotonic()
        data = {
            "pid": os.getpid(),
            "max_stall_ms": round(self.max_stall_ms, 3),
            "stalls": list(self.stalls),
            "shown_count": self.shown_count,
            "last_shown_at": self.last_shown_at,
        }
        # Not store.files' atomic write: it fsyncs, and a disk flush 4 times a second on the
        # Tk thread would cost more than the stalls we measure (and show up as stalls). A
        # stats file needs no durability, only that a reader never sees half of it.
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def close(self) -> None:
        """Stop the heartbeat and write the last figures (the root may already be destroyed)."""
        if self._after_id is not None:
            with contextlib.suppress(Exception):  # a destroyed root raises TclError
                self.root.after_cancel(self._after_id)
            self._after_id = None
        self.write()
