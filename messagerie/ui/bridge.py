"""The only door from the network thread to the widgets.

The network core calls `put()` on its own thread; `put()` only appends to a `queue.Queue`.
The Tk thread drains that queue with `after()` every few milliseconds and hands the events
to the handler as lists of at most `batch`, so a flood of messages becomes a few batched
history inserts instead of thousands of tiny ones. A tick hands over batches until the queue
is empty or `budget_ms` is spent; with a backlog left, the next tick comes after 1 ms instead
of `interval_ms`, so the rest of the event loop (redraws, input) gets a turn at least every
`budget_ms` plus one batch, whatever the load, and the backlog still drains at full speed.
No widget is ever touched from another thread (Tk forbids it).
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

INTERVAL_MS = 30
BATCH = 200
# Time one tick may spend in the handler before letting Tk run (the flood benchmark's stall
# target is 100 ms; a batch of 200 messages takes ~5 ms on an idle machine).
BUDGET_MS = 25


class EventBridge:
    """Carries (token, event) pairs from any thread to `handler(list)` on the Tk thread."""

    def __init__(
        self,
        widget: Any,
        handler: Callable[[list[tuple[object, Any]]], None],
        *,
        interval_ms: int = INTERVAL_MS,
        batch: int = BATCH,
        budget_ms: float = BUDGET_MS,
    ) -> None:
        self._widget = widget
        self._handler = handler
        self._interval = interval_ms
        self._batch = batch
        self._budget_s = budget_ms / 1000.0
        self._queue: queue.Queue[tuple[object, Any]] = queue.Queue()
        self._after_id: str | None = None

    def sink(self, token: object) -> Callable[[Any], None]:
        """A thread-safe callback for a session's `on_event`, tagging events with `token`.

        The token lets the Tk side ignore late events of a session it has already replaced.
        """

        def on_event(event: Any) -> None:
            self._queue.put((token, event))

        return on_event

    def start(self) -> None:
        if self._after_id is None:
            self._after_id = self._widget.after(self._interval, self._tick)

    def stop(self) -> None:
        if self._after_id is not None:
            try:
                self._widget.after_cancel(self._after_id)
            except Exception:  # the widget may already be destroyed at exit
                log.debug("after_cancel failed", exc_info=True)
            self._after_id = None

    def drain(self) -> list[tuple[object, Any]]:
        """Take up to one batch of waiting events (Tk thread)."""
        items = []
        for _ in range(self._batch):
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def _tick(self) -> None:
        self._after_id = None
        deadline = time.monotonic() + self._budget_s
        backlog = False
        try:
            while True:
                items = self.drain()
                if items:
                    self._handler(items)
                backlog = len(items) == self._batch
                if not backlog or time.monotonic() >= deadline:
                    break
        finally:
            # Reschedule even when the handler failed: the error is reported by Tk's
            # report_callback_exception, and the chat must keep flowing.
            delay = 1 if backlog else self._interval
            self._after_id = self._widget.after(delay, self._tick)
