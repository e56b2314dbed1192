"""A file being received, written and hashed on a thread of its own, fed by the event loop.

Hashing (SHA-256) and writing a file cost more CPU than the TLS that carries it, and both
release the GIL on large blocks: done on worker threads (one each), they run beside the loop
while it decrypts the next bytes, and the chat that shares the loop waits behind neither. The
loop only queues each block (see `Blocks`, below: no copy). Memory stays
bounded: past HIGH_WATER bytes queued, `write()` says so and the caller pauses its reads;
`on_drain` is called on the loop once the worker is back under LOW_WATER.

`Blocks` are the read buffers of a buffered protocol whose bytes go to a DiskSink: `ssl`
decrypts into a block, and the file bytes go to the threads as views of it, with no copy.

`ReadAhead` is the other way: a file being sent, read on a worker thread one block ahead of
the loop's writes, so that a slow disk (busy, or a network share) never stalls the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO

HIGH_WATER = 8 * 1024 * 1024
LOW_WATER = 2 * 1024 * 1024
BLOCK = 1024 * 1024
# Below this much room a block is given up for a new one: TLS fills what it is given, and a
# sliver would make one more turn of the loop for a few bytes.
MIN_ROOM = 64 * 1024


class Blocks:
    """Read buffers whose file bytes go to `write` (a DiskSink's, through the protocol's
    flow control) as views, in pieces of up to one block.

    A block is never written twice, so a view of it stays valid until the disk threads are
    done with it; a new block is taken when the current one is nearly full, and the old one
    is freed with its last view. File bytes are held in their block until it is full, then
    handed over as one piece: a hand-over wakes two threads, so once per block, not per read.
    """

    def __init__(self, write: Callable[[memoryview], None]) -> None:
        self.write = write
        self.block = bytearray(BLOCK)
        self.filled = 0
        self.held_start = self.held_end = 0

    def buffer(self) -> memoryview:
        """For `get_buffer`: the free part of the block (of a new one when nearly full)."""
        if BLOCK - self.filled < MIN_ROOM:
            self.hand_over()
            self.block = bytearray(BLOCK)
            self.filled = self.held_start = self.held_end = 0
        return memoryview(self.block)[self.filled :]

    def received(self, nbytes: int) -> tuple[memoryview, int]:
        """For `buffer_updated`: the bytes just read, and where they start in the block."""
        start, self.filled = self.filled, self.filled + nbytes
        return memoryview(self.block)[start : self.filled], start

    def keep(self, data: memoryview, start: int) -> None:
        """File bytes that start at `start` in the block (or, after a frame, in a copy of
        their own): held with the block's others, or handed over now."""
        if data.obj is self.block and start == self.held_end:
            self.held_end += len(data)
            return
        self.hand_over()
        if data.obj is self.block:
            self.held_start, self.held_end = start, start + len(data)
        else:
            self.write(data)

    def hand_over(self) -> None:
        """Give what is held to `write` now (the file's end, or the transfer's)."""
        if self.held_end > self.held_start:
            self.write(memoryview(self.block)[self.held_start : self.held_end])
        self.held_start = self.held_end


class ReadAhead:
    """The next `remaining` bytes of `handle`, block by block, each read on a worker thread
    while the loop sends the one before. `close()` before the file is closed."""

    def __init__(self, handle: BinaryIO, remaining: int, block: int = BLOCK) -> None:
        self.handle = handle
        self.remaining = remaining
        self.block = block
        self._ahead: asyncio.Future[bytes] | None = None

    async def next(self) -> bytes:
        """The next block; b"" at the end (of `remaining`, or of a file cut short)."""
        if self.remaining <= 0:
            return b""
        ahead, self._ahead = self._ahead, None
        chunk = await (ahead or self._read())
        self.remaining -= len(chunk)
        if chunk and self.remaining > 0:
            self._ahead = asyncio.ensure_future(self._read())
        return chunk

    async def close(self) -> None:
        """Let the read in flight end, so that the file is never closed under it."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            with contextlib.suppress(OSError, ValueError):
                await ahead

    def _read(self) -> Awaitable[bytes]:
        return asyncio.to_thread(self.handle.read, min(self.block, self.remaining))


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
