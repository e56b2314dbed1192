"""A download's connection on the joiner: TLS decrypts straight into blocks that go to disk.

A download is the receiver's whole CPU budget: decrypting, hashing and writing every byte.
With streams, each byte was copied four times on the loop before the disk threads saw it
(TLS records joined, appended to the StreamReader's buffer, sliced out by `read()`, and the
buffer's front moved up). As a buffered protocol, `ssl` decrypts into net/disk.py's
`Blocks`, whose views the disk threads take as they are: no copy on the loop. Memory stays
bounded by the sink's high water mark, since reads pause above it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, BinaryIO

from messagerie.errors import MessagerieError, NetworkError, TransferError
from messagerie.net.disk import Blocks, DiskSink
from messagerie.net.loop import SilenceWatch
from messagerie.protocol import transfer


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
        self.loop = asyncio.get_running_loop()
        self.ended: asyncio.Future[None] = self.loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.sink: DiskSink | None = None
        self.blocks = Blocks(self._write)
        # Reads wait while the disk threads catch up; that is not the peer being silent.
        self.reads_held = False
        self.watch = SilenceWatch(self.loop, dead_peer_s, self._silent, lambda: self.reads_held)

    def begin(self, handle: BinaryIO, digest: Any) -> None:
        """Write what arrives to `handle` and `digest`, and ask for the file."""
        self.sink = DiskSink(self.loop, handle, digest, on_drain=self._drained)
        self.watch.start()
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
        return self.blocks.buffer()

    def buffer_updated(self, nbytes: int) -> None:
        data, start = self.blocks.received(nbytes)
        self.watch.seen()
        if self.sink is None:  # the host speaks only after our opener: not a host
            self.transport.abort()
            self._end(NetworkError("connection_lost"))
            return
        for event in self.state.receive_data(data):
            if isinstance(event, transfer.DataReceived):
                self.blocks.keep(event.data, start)
                self.on_progress(self.state.done)
            elif isinstance(event, transfer.DownloadComplete):
                self._end(None)
            elif isinstance(event, transfer.TransferFailed):
                self._end(TransferError(event.code))

    def _write(self, data: memoryview) -> None:
        if self.sink.write(data) and not self.reads_held:
            self.reads_held = True
            self.transport.pause_reading()

    def _drained(self) -> None:
        self.watch.seen()
        if self.reads_held and not self.ended.done():
            self.reads_held = False
            self.transport.resume_reading()

    def _silent(self) -> None:
        self.transport.abort()
        self._end(NetworkError("connection_lost"))

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._end(NetworkError("connection_lost"))

    def _end(self, error: MessagerieError | None) -> None:
        # Whatever arrived is written, also when the connection failed: a resume starts
        # from all of it.
        if self.sink is not None:
            self.blocks.hand_over()
        self.watch.stop()
        if self.ended.done():
            return
        if error is None:
            self.ended.set_result(None)
        else:
            self.ended.set_exception(error)
