"""A download's connection on the joiner: TLS decrypts straight into blocks that go to disk.

A download is the receiver's whole CPU budget: decrypting, hashing and writing every byte.
With streams, each byte was copied four times on the loop before the disk threads saw it
(TLS records joined, appended to the StreamReader's buffer, sliced out by `read()`, and the
buffer's front moved up). As a buffered protocol, `ssl` decrypts into a block of ours, and
the disk threads (net/disk.py) take views of that block as they are: no copy on the loop.
A block is never written twice, so a view stays valid until the threads are done with it;
a new block is taken when the current one is nearly full, and the old one is freed with its
last view. Memory stays bounded by the sink's high water mark, since reads pause above it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, BinaryIO

from messagerie.errors import MessagerieError, NetworkError, TransferError
from messagerie.net.disk import DiskSink
from messagerie.protocol import transfer

BLOCK = 1024 * 1024
# Below this much room a block is given up for a new one: TLS fills what it is given, and a
# sliver would make one more turn of the loop for a few bytes.
MIN_ROOM = 64 * 1024


class DownloadStream(asyncio.BufferedProtocol):
    """One download connection. `begin()` once connected; `ended` is then resolved with
    None when the whole file is queued for the disk, or with the error that ended it."""

    def __init__(
        self,
        state: transfer.ClientTransfer,
        on_progress: Callable[[int], None],
        dead_peer_s: float,
    ) -> None:
        self.state = state
        self.on_progress = on_progress
        self.dead_peer_s = dead_peer_s
        self.loop = asyncio.get_running_loop()
        self.ended: asyncio.Future[None] = self.loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.sink: DiskSink | None = None
        self.block = bytearray(BLOCK)
        self.filled = 0
        # The file bytes of the block not yet handed to the disk threads: they go as one
        # piece once the block is full (a hand-over wakes two threads: once per block, not
        # once per read).
        self.held_start = self.held_end = 0
        # Reads wait while the disk threads catch up; that is not the peer being silent.
        self.reads_held = False
        self.last_active = self.loop.time()
        self.idle_timer: asyncio.TimerHandle | None = None

    def begin(self, handle: BinaryIO, digest: Any) -> None:
        """Write what arrives to `handle` and `digest`, and ask for the file."""
        self.sink = DiskSink(self.loop, handle, digest, on_drain=self._drained)
        self.last_active = self.loop.time()
        self._watch_idle(self.dead_peer_s)
        self.transport.write(self.state.opener())

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    async def give_up(self) -> None:
        """The download stops here (a failure, a cancel, the session's end): what arrived is
        written out and the file closed, so that a new try resumes from all of it."""
        self._end(NetworkError("connection_lost"))
        self.sink.abandon()
        await self.sink.closed()

    def get_buffer(self, sizehint: int) -> memoryview:
        if BLOCK - self.filled < MIN_ROOM:
            self._hand_over()
            self.block = bytearray(BLOCK)
            self.filled = self.held_start = self.held_end = 0
        return memoryview(self.block)[self.filled :]

    def buffer_updated(self, nbytes: int) -> None:
        start, self.filled = self.filled, self.filled + nbytes
        self.last_active = self.loop.time()
        if self.sink is None:  # the host speaks only after our opener: not a host
            self.transport.abort()
            self._end(NetworkError("connection_lost"))
            return
        for event in self.state.receive_data(memoryview(self.block)[start : self.filled]):
            if isinstance(event, transfer.DataReceived):
                self._take(event.data, start)
                self.on_progress(self.state.done)
            elif isinstance(event, transfer.DownloadComplete):
                self._end(None)
            elif isinstance(event, transfer.TransferFailed):
                self._end(TransferError(event.code))

    def _take(self, data: memoryview, start: int) -> None:
        """File bytes that start at `start` in the block (or, right after the `ready` frame,
        in a copy of their own): held with the block's others, or handed over now."""
        if data.obj is self.block and start == self.held_end:
            self.held_end += len(data)
            return
        self._hand_over()
        if data.obj is self.block:
            self.held_start, self.held_end = start, start + len(data)
        else:
            self._write(data)

    def _hand_over(self) -> None:
        if self.held_end > self.held_start:
            self._write(memoryview(self.block)[self.held_start : self.held_end])
        self.held_start = self.held_end

    def _write(self, data: memoryview) -> None:
        if self.sink.write(data) and not self.reads_held:
            self.reads_held = True
            self.transport.pause_reading()

    def _drained(self) -> None:
        self.last_active = self.loop.time()
        if self.reads_held and not self.ended.done():
            self.reads_held = False
            self.transport.resume_reading()

    def _watch_idle(self, delay: float) -> None:
        self.idle_timer = self.loop.call_later(delay, self._idle_check)

    def _idle_check(self) -> None:
        idle = self.loop.time() - self.last_active
        if not self.reads_held and idle >= self.dead_peer_s:
            self.transport.abort()
            self._end(NetworkError("connection_lost"))
            return
        self._watch_idle(max(0.0, self.dead_peer_s - idle) or self.dead_peer_s)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._end(NetworkError("connection_lost"))

    def _end(self, error: MessagerieError | None) -> None:
        # Whatever arrived is written, also when the connection failed: a resume starts
        # from all of it.
        if self.sink is not None:
            self._hand_over()
        if self.idle_timer is not None:
            self.idle_timer.cancel()
            self.idle_timer = None
        if self.ended.done():
            return
        if error is None:
            self.ended.set_result(None)
        else:
            self.ended.set_exception(error)
