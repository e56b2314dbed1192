"""One transfer connection on the host, once the room's `Peer` handed its transport over.

Raw bytes flow with flow control both ways: an upload's reads pause while the disk threads
catch up (net/disk.py), and a download writes only while asyncio says the peer's buffer has
room (`pause_writing` / `resume_writing`). The memory a transfer holds is bounded by one
read buffer, one write buffer and the disk queue, whatever the file's size. The tokens, the
store and the announcement are `net/transfer.RoomFiles`'.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, BinaryIO

from messagerie import i18n, protocol
from messagerie.errors import RemoteProtocolError
from messagerie.net.disk import Blocks, DiskSink, ReadAhead
from messagerie.net.loop import SilenceWatch, widen_tls_reads
from messagerie.protocol import transfer

if TYPE_CHECKING:
    from messagerie.net.server import Peer
    from messagerie.net.transfer import Grant, RoomFiles

log = logging.getLogger(__name__)

TRANSFER_WRITE_HIGH_WATER = 1024 * 1024


class TransferPeer(asyncio.BufferedProtocol):
    """One transfer connection, once the room's `Peer` handed its transport over."""

    def __init__(self, files: RoomFiles, peer: Peer) -> None:
        self.files = files
        self.peer = peer
        self.transport: asyncio.Transport = peer.transport  # type: ignore[assignment]
        # TLS decrypts an upload straight into these, and the disk threads take them as they
        # are (net/disk.py).
        self.blocks = Blocks(self._to_disk)
        self.state: transfer.ServerTransfer | None = None
        self.grant: Grant | None = None
        self.handle: BinaryIO | None = None
        self.digest: Any = None
        # Uploads: the worker that writes and hashes what arrives (net/disk.py), and whether
        # reads wait for it.
        self.sink: DiskSink | None = None
        self.reads_held = False
        self.write_paused = False
        self.can_write = asyncio.Event()
        self.can_write.set()
        # Opening or storing the file: not idle, whatever the peer does meanwhile.
        self.busy = False
        self.closed = False
        self.task: asyncio.Task | None = None
        # A transfer that moves nothing for dead_peer_s (a peer that stopped sending or
        # reading) is cut, like a silent chat connection; not while we open or store the file.
        self.watch = SilenceWatch(
            files.room.loop,
            files.limits.dead_peer_s,
            lambda: self._fail("peer_timeout"),
            lambda: self.busy,
        )

    def start(self, opened: protocol.TransferOpened) -> None:
        peer = self.peer
        if peer.timer:
            peer.timer.cancel()
            peer.timer = None
        # Nothing may come before `ready`; reads resume once the file is open.
        self.transport.pause_reading()
        widen_tls_reads(self.transport)
        self.transport.set_write_buffer_limits(high=TRANSFER_WRITE_HIGH_WATER)
        try:
            self.grant = self.files.take(opened)
        except RemoteProtocolError as exc:
            self._fail(exc.code)
            return
        self.watch.start()
        self.task = self.files.room.loop.create_task(self._busy(self._prepare()))

    async def _busy(self, work: Coroutine[Any, Any, None]) -> None:
        self.busy = True
        try:
            await work
        finally:
            self.busy = False

    async def _prepare(self) -> None:
        grant = self.grant
        store = self.files.store
        try:
            if grant.kind == transfer.UPLOAD:
                # Reading back what is already there (up to the cap) must not stall the chat.
                self.handle, self.digest = await asyncio.to_thread(
                    store.open_partial, grant.sha256, grant.size, grant.offset
                )
            else:
                path = store.path(grant.file_id)
                if path is None:
                    self._fail("file_gone")
                    return
                self.handle = open(path, "rb")  # noqa: SIM115 - closed with the connection
                self.handle.seek(grant.offset)
        except OSError as exc:
            log.warning("transfer: cannot open the file: %s", exc)
            self._fail("storage")
            return
        if self.closed:
            self._close_file()
            self._release()
            return
        if grant.kind == transfer.UPLOAD:
            loop = self.files.room.loop
            self.sink = DiskSink(loop, self.handle, self.digest, on_drain=self._drained)
        self.state = transfer.ServerTransfer(grant.kind, offset=grant.offset, size=grant.size)
        self.transport.write(self.state.ready())
        if grant.kind == transfer.UPLOAD:
            if self.state.state is transfer.TransferState.VERDICT:
                self.task = self.files.room.loop.create_task(self._busy(self._finish_upload()))
            else:
                self.transport.resume_reading()
        else:
            self.task = self.files.room.loop.create_task(self._send_file())

    # --- uploads ---

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.blocks.buffer()

    def buffer_updated(self, nbytes: int) -> None:
        self.watch.seen()
        received, start = self.blocks.received(nbytes)
        state = self.state
        try:
            if state is None:
                raise RemoteProtocolError("unexpected_data")
            data = state.receive_data(received)
        except RemoteProtocolError as exc:
            self._fail(exc.code, discard=True)
            return
        self.blocks.keep(data, start)
        if state.state is transfer.TransferState.VERDICT:
            self.blocks.hand_over()
            self.reads_held = True
            self.transport.pause_reading()
            self.task = self.files.room.loop.create_task(self._busy(self._finish_upload()))

    def _to_disk(self, data: memoryview) -> None:
        if self.sink.write(data) and not self.reads_held:
            self.reads_held = True
            self.transport.pause_reading()

    def _drained(self) -> None:
        if self.reads_held and not self.closed and self.state.remaining:
            self.reads_held = False
            self.transport.resume_reading()

    async def _finish_upload(self) -> None:
        grant = self.grant
        store = self.files.store
        if self.sink is not None:
            sink, self.sink = self.sink, None
            try:
                await sink.finish()
            except OSError as exc:
                log.warning("transfer: cannot write the file: %s", exc)
                self._fail("storage", discard=True)
                return
        if self.digest.hexdigest() != grant.sha256:
            log.info("upload of %s refused: SHA-256 mismatch", grant.name)
            self._fail("sha256_mismatch", discard=True)
            return
        file_id = protocol.new_message_id()
        handle, self.handle = self.handle, None
        try:
            # fsync of a large file takes long: off the loop.
            pushed_out = await asyncio.to_thread(
                store.commit, handle, grant.sha256, grant.size, file_id
            )
        except OSError as exc:
            log.warning("transfer: cannot store the file: %s", exc)
            self._fail("storage", discard=True)
            return
        finally:
            self.files.uploading.pop((grant.sha256, grant.size), None)
        self.files.forget(pushed_out)
        self.files.announce(
            protocol.FileInfo(
                id=file_id,
                name=grant.name,
                size=grant.size,
                sha256=grant.sha256,
                media_type=grant.media_type,
                sender=grant.sender,
            )
        )
        if not self.closed:
            self.transport.write(self.state.stored(file_id))
            self.transport.close()

    # --- downloads ---

    def pause_writing(self) -> None:
        self.write_paused = True
        self.can_write.clear()

    def resume_writing(self) -> None:
        self.watch.seen()
        self.write_paused = False
        self.can_write.set()

    async def _send_file(self) -> None:
        """Write the file while asyncio says the peer's buffer has room, to the end.

        Reads happen on a worker thread, one block ahead (net/disk.ReadAhead): a disk that
        is slow (busy with another file's writes) must not stall the room's loop, and so
        the chat.
        """
        state = self.state
        reads = ReadAhead(self.handle, state.remaining)
        try:
            while state.remaining and not self.closed:
                chunk = await reads.next()
                if self.closed:
                    return
                if not chunk:
                    self._fail("file_gone")  # shortened under us
                    return
                state.sent(len(chunk))
                self.transport.write(chunk)
                self.watch.seen()
                if self.write_paused:
                    await self.can_write.wait()
            if not self.closed:
                await reads.close()
                self._close_file()
                self.transport.close()
        except OSError as exc:
            log.warning("transfer: cannot read the file: %s", exc)
            self._fail("storage")
        finally:
            await reads.close()
            if self.closed:
                self._close_file()

    # --- the end ---

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.can_write.set()  # a download waiting for room ends
        self.watch.stop()
        # A task under way (opening, sending or storing the file) sees `closed` and tidies
        # up itself.
        if self.task is None or self.task.done():
            self._close_file()
            self._release()
        self.files.room.remove(self.peer, reason="transfer")

    def _release(self) -> None:
        grant = self.grant
        if grant is not None and grant.kind == transfer.UPLOAD:
            # Cut short: what is on disk stays for a resume; the upload is no longer busy.
            self.files.uploading.pop((grant.sha256, grant.size), None)

    def _close_file(self, then: Callable[[], None] | None = None) -> None:
        """Close the file (after the worker, if it is still writing), then run `then`."""
        if self.sink is not None:
            self.blocks.hand_over()  # what arrived stays on disk for a resume
        handle, self.handle = self.handle, None
        sink, self.sink = self.sink, None
        if sink is not None:
            sink.abandon(then)
            return
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()
        if then is not None:
            then()

    def _fail(self, code: str, *, discard: bool = False) -> None:
        """Say why in an `error` frame and close; with `discard`, remove the partial file
        first (once closed: Windows cannot remove an open file), so that the peer reading
        the error knows nothing is left."""
        grant = self.grant
        upload = grant is not None and grant.kind == transfer.UPLOAD
        if upload:
            self.files.uploading.pop((grant.sha256, grant.size), None)

        def tell() -> None:
            if upload and discard:
                self.files.store.discard_partial(grant.sha256, grant.size)
            if self.closed or self.transport.is_closing():
                return
            message = i18n.fallback(f"error.{code}")
            self.transport.write(protocol.encode(protocol.Error(code=code, message=message)))
            self.transport.close()

        self._close_file(tell)
