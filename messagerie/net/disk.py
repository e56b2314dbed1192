"""A file being received, written and hashed on a thread of its own, fed by the event loop.

Hashing (SHA-256) and writing a file cost as much CPU as the TLS that carries it, and both
release the GIL on large blocks: done on a worker thread, they run on another core while the
loop decrypts the next bytes, and the chat that shares the loop waits behind neither. The
loop only copies each block (it reads into a reused buffer) and queues it. Memory stays
bounded: past HIGH_WATER bytes queued, `write()` says so and the caller pauses its reads;
`on_drain` is called on the loop once the worker is back under LOW_WATER.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

HIGH_WATER = 8 * 1024 * 1024
LOW_WATER = 2 * 1024 * 1024


class DiskSink:
    """Writes blocks to `handle` and adds them to `digest`, in order, on a worker thread."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        handle: BinaryIO,
        digest: Any,
        on_drain: Callable[[], None] = lambda: None,
    ) -> None:
        self.loop = loop
        self.handle = handle
        self.digest = digest
        self.on_drain = on_drain
        self.error: OSError | None = None
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._pending = 0  # bytes queued, not yet written (the worker and the loop share it)
        self._lock = threading.Lock()
        self._over = False
        self._done = loop.create_future()
        self._close_when_done = False
        self._then: Callable[[], None] | None = None
        self._thread = threading.Thread(target=self._run, name="messagerie-disk", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> bool:
        """Queue `data` (on the loop). True when the caller should pause until `on_drain`."""
        with self._lock:
            self._pending += len(data)
            self._over = self._over or self._pending > HIGH_WATER
            over = self._over
        self._queue.put(data)
        return over

    async def finish(self) -> None:
        """Wait until everything queued is written and hashed; raise the worker's OSError."""
        self._queue.put(None)
        await asyncio.shield(self._done)
        if self.error is not None:
            raise self.error

    async def closed(self) -> None:
        """Wait until the worker has stopped (after `finish()` or `abandon()`)."""
        await asyncio.shield(self._done)

    def abandon(self, then: Callable[[], None] | None = None) -> None:
        """The transfer is over without `finish()`: the worker writes what is queued, closes
        the file, then `then` runs on the loop (to remove the file, say). Never waits."""
        self._close_when_done = True
        self._then = then
        self._queue.put(None)

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self.error is None:
                try:
                    self.handle.write(data)
                    self.digest.update(data)
                except OSError as exc:
                    self.error = exc
            with self._lock:
                self._pending -= len(data)
                drained = self._over and self._pending < LOW_WATER
                if drained:
                    self._over = False
            if drained:
                self._call(self.on_drain)
        if self._close_when_done:
            try:
                self.handle.close()
            except OSError as exc:
                self.error = self.error or exc
            if self._then is not None:
                self._call(self._then)
        self._call(self._finished)

    def _finished(self) -> None:
        if not self._done.done():
            self._done.set_result(None)

    def _call(self, fn: Callable[[], None]) -> None:
        # A closed loop (RuntimeError): nobody waits any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(fn)
