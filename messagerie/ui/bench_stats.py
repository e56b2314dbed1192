"""Benchmark hook of the window: `MESSAGERIE_BENCH_STATS=/path/stats.json` (scripts/bench_gui.py).

Only a benchmark sets the variable. Then, from the moment the chat view is shown, the window
- runs an `after(10)` heartbeat on the Tk root and records every gap between beats minus the
  10 ms period as a stall (those over 20 ms are listed with the `time.monotonic()` they ended);
- counts the room messages the history shows and notes `time.monotonic()` of the last one;
- every 250 ms, and when the window closes, replaces the stats file with the JSON object
  `{"pid", "max_stall_ms", "stalls": [[monotonic_s, ms], ...], "shown_count", "last_shown_at"}`.

Without the variable, `from_env()` returns None and the rest of the UI pays one None check.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections import deque
from pathlib import Path
from typing import Any

ENV = "MESSAGERIE_BENCH_STATS"
PERIOD_MS = 10
KEEP_ABOVE_MS = 20.0
WRITE_EVERY_S = 0.25
# A long session under the hook must not grow memory through its own stall list.
MAX_STALLS = 10_000


def from_env(root: Any) -> BenchStats | None:
    """The hook for this window if MESSAGERIE_BENCH_STATS is set, else None."""
    path = os.environ.get(ENV)
    return BenchStats(root, Path(path)) if path else None


class BenchStats:
    def __init__(self, root: Any, path: Path) -> None:
        self.root = root
        self.path = path
        self.max_stall_ms = 0.0
        self.stalls: deque[list[float]] = deque(maxlen=MAX_STALLS)
        self.shown_count = 0
        self.last_shown_at: float | None = None
        self._last_beat: float | None = None
        self._last_write = 0.0
        self._after_id: str | None = None

    def attach(self, chat: Any) -> None:
        """The chat view is shown: count what its history shows, start the heartbeat."""
        chat.history.on_shown = self.shown
        if self._after_id is None:
            self._last_beat = time.monotonic()
            self._after_id = self.root.after(PERIOD_MS, self._beat)
            self.write()

    def shown(self) -> None:
        """The history showed one more room message."""
        self.shown_count += 1
        self.last_shown_at = time.monotonic()

    def _beat(self) -> None:
        now = time.monotonic()
        stall = (now - self._last_beat) * 1000.0 - PERIOD_MS
        self._last_beat = now
        self.max_stall_ms = max(self.max_stall_ms, stall)
        if stall > KEEP_ABOVE_MS:
            self.stalls.append([now, round(stall, 3)])
        if now - self._last_write >= WRITE_EVERY_S:
            self.write()
        self._after_id = self.root.after(PERIOD_MS, self._beat)

    def write(self) -> None:
        self._last_write = time.monotonic()
        data = {
            "pid": os.getpid(),
            "max_stall_ms": round(self.max_stall_ms, 3),
            "stalls": list(self.stalls),
            "shown_count": self.shown_count,
            "last_shown_at": self.last_shown_at,
        }
        # Not storage.atomic_write: it fsyncs, and a disk flush 4 times a second on the Tk
        # thread would cost more than the stalls we measure (and show up as stalls). A stats
        # file needs no durability, only that a reader never sees half of it, which the
        # temporary file + os.replace (atomic on one file system) already guarantees.
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def close(self) -> None:
        """The window closes: stop the heartbeat, write the last figures."""
        if self._after_id is not None:
            with contextlib.suppress(Exception):  # the root may be half-destroyed
                self.root.after_cancel(self._after_id)
            self._after_id = None
        self.write()
