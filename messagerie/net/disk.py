"""A file being received, written and hashed on a thread of its own, fed by the event loop.

Hashing (SHA-256) and writing a file cost more CPU than the TLS that carries it, and both
release the GIL on large blocks: done on worker threads (one each), they run beside the loop
while it decrypts the next bytes, and the chat that shares the loop waits behind neither. The
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
    """Writes blocks to `handle` and adds them to `digest`, in order, on two worker threads
    (one writes, one hashes: each costs about as much as the other, and they overlap)."""

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
        self._lock = threading.Lock()
        self._over = False
        self._done = loop.create_future()
        self._close_when_done = False
        self._then: Callable[[], None] | None = None
        # Per worker: its queue and the bytes queued to it that it has not done yet.
        self._queues = (queue.SimpleQueue(), queue.SimpleQueue())
        self._pending = [0, 0]
        self._running = 2
        for index, work in enumerate((self._write, digest.update)):
            threading.Thread(
                target=self._run, args=(index, work), name="messagerie-disk", daemon=True
            ).start()

    def write(self, data: bytes | memoryview) -> bool:
        """Queue `data` (on the loop), which must not change until written: a copy, or a view
        of bytes. True when the caller should pause until `on_drain`."""
        with self._lock:
            for index in (0, 1):
                self._pending[index] += len(data)
            self._over = self._over or max(self._pending) > HIGH_WATER
            over = self._over
        for work_queue in self._queues:
            work_queue.put(data)
        return over

    async def finish(self) -> None:
        """Wait until everything queued is written and hashed; raise the writer's OSError."""
        self._stop()
        await asyncio.shield(self._done)
        if self.error is not None:
            raise self.error

    async def closed(self) -> None:
        """Wait until the workers have stopped (after `finish()` or `abandon()`)."""
        await asyncio.shield(self._done)

    def abandon(self, then: Callable[[], None] | None = None) -> None:
        """The transfer is over: the workers do what is queued, the file is closed, then
        `then` runs on the loop (to remove the file, say). Never waits. Also right after a
        `finish()`, whatever it raised or if it was cancelled."""
        with self._lock:
            self._close_when_done = True
            self._then = then
            stopped = self._running == 0
        if stopped:
            self._close()
        else:
            self._stop()

    def _stop(self) -> None:
        for work_queue in self._queues:
            work_queue.put(None)

    def _write(self, data: bytes | memoryview) -> None:
        if self.error is None:
            try:
                self.handle.write(data)
            except OSError as exc:
                self.error = exc

    def _run(self, index: int, work: Callable[[Any], None]) -> None:
        work_queue = self._queues[index]
        while (data := work_queue.get()) is not None:
            work(data)
            with self._lock:
                self._pending[index] -= len(data)
                drained = self._over and max(self._pending) < LOW_WATER
                if drained:
                    self._over = False
            if drained:
                self._call(self.on_drain)
        with self._lock:
            self._running -= 1
            last = self._running == 0
            close = last and self._close_when_done
        if close:
            self._close()
        if last:
            self._call(self._finished)

    def _close(self) -> None:
        try:
            self.handle.close()
        except OSError as exc:
            self.error = self.error or exc
        if self._then is not None:
            self._call(self._then)

    def _finished(self) -> None:
        if not self._done.done():
            self._done.set_result(None)

    def _call(self, fn: Callable[[], None]) -> None:
        # A closed loop (RuntimeError): nobody waits any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(fn)
