"""The host's side of shared files: tokens, transfer connections, the store, the announcement.

A participant asks on its chat connection (`upload_request`, `download_request`); `RoomFiles`
answers with a one-time token, valid `transfer_token_s`, bound to the request. The transfer
itself comes on a new connection to the same port, whose first frame carries the token: the
room's `Peer` sees `TransferOpened` and hands its transport to a `TransferPeer` here, on the
same event loop. Raw bytes then flow with flow control both ways (reads are paused while the
disk catches up; writes wait for `resume_writing`), so the memory a transfer holds is bounded
by one read buffer and one write buffer, whatever the file's size. docs/PERFORMANCE.md has the
measurement of the chat's latency while 1 GiB crosses the loop.

What is stored goes through `store.blobs.FileStore`; what is announced goes through the room
(`Room.post_file`), as a `message` with a `file` object, stored in the history.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from messagerie import i18n, protocol
from messagerie.errors import RemoteProtocolError
from messagerie.limits import Limits
from messagerie.net.disk import DiskSink
from messagerie.net.loop import widen_tls_reads
from messagerie.protocol import transfer
from messagerie.protocol.filenames import file_name_problem
from messagerie.store.blobs import FileStore

if TYPE_CHECKING:
    from messagerie.net.server import Peer, Room

log = logging.getLogger(__name__)

# One transfer's read buffer (TLS hands us decrypted bytes straight into it).
TRANSFER_READ_BUFFER = 256 * 1024
# A download writes chunks of this size until asyncio says the peer's buffer is full.
DOWNLOAD_CHUNK = 256 * 1024
TRANSFER_WRITE_HIGH_WATER = 1024 * 1024
# How many used or expired tokens the room remembers, to say "already used" or "expired"
# rather than "unknown".
REMEMBERED_TOKENS = 4096
# Tokens one participant may hold unused at once.
MAX_GRANTS_PER_CLIENT = 16


@dataclass
class Grant:
    """What a token allows: one upload or one download, before `expires` (loop time)."""

    kind: str
    client_id: str
    sender: str
    expires: float
    size: int
    offset: int = 0
    sha256: str = ""
    name: str = ""
    media_type: str = ""
    file_id: str = ""


@dataclass
class _Known:
    """A stored file's description, from the history (for downloads)."""

    size: int
    sha256: str
    name: str


@dataclass
class RoomFiles:
    """The room's files: tokens handed out, uploads under way, the store."""

    room: Room
    store: FileStore
    limits: Limits
    grants: dict[str, Grant] = field(default_factory=dict)
    spent: collections.OrderedDict[str, str] = field(default_factory=collections.OrderedDict)
    uploading: dict[tuple[str, int], int] = field(default_factory=dict)
    known: dict[str, _Known] = field(default_factory=dict)

    def remember(self, file: dict[str, Any]) -> None:
        """A file announced in the room (now, or read back from the history at start)."""
        self.known[file["id"]] = _Known(file["size"], file["sha256"], file["name"])

    # --- on the chat connection ---

    def request(self, peer: Peer, request: protocol.UploadRequest | protocol.DownloadRequest):
        """Answer a participant's request with a token or a refusal (sent at the next flush)."""
        conn = peer.conn
        self._expire()
        try:
            grant = self._grant_for(conn, request)
        except RemoteProtocolError as exc:
            limit = self.limit_details(exc.code).get("limit", 0)
            conn.refuse(request.id, exc.code, str(exc.details.get("reason", "")), limit=limit)
        else:
            token = secrets.token_urlsafe(24)
            self.grants[token] = grant
            conn.grant(request.id, token=token, offset=grant.offset, size=grant.size)
        peer.queue_direct()

    def _grant_for(self, conn: protocol.ServerConnection, request: Any) -> Grant:
        expires = self.room.loop.time() + self.limits.transfer_token_s
        who = {"client_id": conn.client_id, "sender": conn.name, "expires": expires}
        held = sum(1 for g in self.grants.values() if g.client_id == conn.client_id)
        if held >= MAX_GRANTS_PER_CLIENT:
            raise RemoteProtocolError("upload_busy")
        if isinstance(request, protocol.DownloadRequest):
            known = self.known.get(request.file)
            if known is None:
                raise RemoteProtocolError("unknown_file")
            if self.store.path(request.file) is None:
                raise RemoteProtocolError("file_gone")
            if request.offset > known.size:
                raise RemoteProtocolError("bad_field", reason="offset")
            return Grant(
                kind=transfer.DOWNLOAD,
                **who,
                size=known.size,
                offset=request.offset,
                file_id=request.file,
            )
        problem = file_name_problem(request.name)
        if problem:
            raise RemoteProtocolError("bad_file_name", reason=problem)
        key = (request.sha256, request.size)
        if key in self.uploading:
            raise RemoteProtocolError("upload_busy")
        reserved = sum(self.uploading.values())
        refusal = self.store.refusal(request.size, reserved)
        if refusal:
            raise RemoteProtocolError(refusal)
        return Grant(
            kind=transfer.UPLOAD,
            **who,
            size=request.size,
            offset=self.store.resume_offset(request.sha256, request.size),
            sha256=request.sha256,
            name=request.name,
            media_type=request.media_type,
        )

    def _expire(self) -> None:
        now = self.room.loop.time()
        for token in [t for t, g in self.grants.items() if g.expires < now]:
            del self.grants[token]
            self._spend(token, "token_expired")

    def _spend(self, token: str, code: str) -> None:
        self.spent[token] = code
        while len(self.spent) > REMEMBERED_TOKENS:
            self.spent.popitem(last=False)

    # --- on a transfer connection ---

    def open(self, peer: Peer, opened: protocol.TransferOpened) -> None:
        """The connection `peer` opened a transfer: check the token and take it over."""
        handler = TransferPeer(self, peer)
        peer.transport.set_protocol(handler)
        handler.start(opened)

    def take(self, opened: protocol.TransferOpened) -> Grant:
        """The grant of a token, used up; raises RemoteProtocolError with why not."""
        grant = self.grants.pop(opened.token, None)
        if grant is None:
            raise RemoteProtocolError(self.spent.get(opened.token, "bad_token"))
        if grant.expires < self.room.loop.time():
            self._spend(opened.token, "token_expired")
            raise RemoteProtocolError("token_expired")
        self._spend(opened.token, "token_used")
        if grant.kind != opened.kind:
            raise RemoteProtocolError("bad_token")
        if grant.kind == transfer.UPLOAD:
            key = (grant.sha256, grant.size)
            if key in self.uploading:
                raise RemoteProtocolError("upload_busy")
            self.uploading[key] = grant.size
        else:
            grant.offset = opened.offset
            if grant.offset > grant.size:
                raise RemoteProtocolError("bad_field", reason="offset")
        return grant

    def announce(self, file: protocol.FileInfo) -> None:
        """A checked file is stored: tell the room."""
        self.remember(file.to_wire())
        self.room.post_file(file, room_text(file))

    def forget(self, file_ids: list[str]) -> None:
        """Files the quota pushed out: a download of one is `file_gone` from now on."""
        for file_id in file_ids:
            self.known.pop(file_id, None)

    def limit_details(self, code: str) -> dict[str, object]:
        """The host's cap or quota, for the sentence of a refusal (`limit` in bytes)."""
        if code == "file_too_large":
            return {"limit": self.store.cap}
        if code == "file_over_quota":
            return {"limit": self.store.quota}
        return {}


def room_text(file: protocol.FileInfo) -> str:
    """What a client that knows no files shows for the announcement (French, like every
    sentence the room itself sends)."""
    size = i18n.format_size(file.size, default_language=True)
    return i18n.fallback("file.room_text", name=file.name, size=size)


def file_json(file: protocol.FileInfo) -> str:
    """A file's description as the history stores it."""
    return json.dumps(file.to_wire(), ensure_ascii=False, separators=(",", ":"))


class TransferPeer(asyncio.BufferedProtocol):
    """One transfer connection, once the room's `Peer` handed its transport over."""

    def __init__(self, files: RoomFiles, peer: Peer) -> None:
        self.files = files
        self.peer = peer
        self.transport: asyncio.Transport = peer.transport  # type: ignore[assignment]
        self.buffer = memoryview(bytearray(TRANSFER_READ_BUFFER))
        self.state: transfer.ServerTransfer | None = None
        self.grant: Grant | None = None
        self.handle: BinaryIO | None = None
        self.digest: Any = None
        # Uploads: the worker that writes and hashes what arrives (net/disk.py), and whether
        # reads wait for it.
        self.sink: DiskSink | None = None
        self.reads_held = False
        self.write_paused = False
        self.closed = False
        self.task: asyncio.Task | None = None
        # A transfer that moves nothing for dead_peer_s (a peer that stopped sending or
        # reading) is cut, like a silent chat connection.
        self.last_active = 0.0
        self.idle_timer: asyncio.TimerHandle | None = None

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
        self.last_active = self.files.room.loop.time()
        self._watch_idle(self.files.limits.dead_peer_s)
        self.task = self.files.room.loop.create_task(self._prepare())

    def _watch_idle(self, delay: float) -> None:
        self.idle_timer = self.files.room.loop.call_later(delay, self._idle_check)

    def _idle_check(self) -> None:
        self.idle_timer = None
        if self.closed:
            return
        busy = self.task is not None and not self.task.done()  # opening or storing the file
        idle = self.files.room.loop.time() - self.last_active
        if not busy and idle >= self.files.limits.dead_peer_s:
            self._fail("peer_timeout")
            return
        self._watch_idle(max(0.0, self.files.limits.dead_peer_s - idle))

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
                self.task = self.files.room.loop.create_task(self._finish_upload())
            else:
                self.transport.resume_reading()
        else:
            self._pump()

    # --- uploads ---

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.buffer

    def buffer_updated(self, nbytes: int) -> None:
        self.last_active = self.files.room.loop.time()
        state = self.state
        try:
            if state is None:
                raise RemoteProtocolError("unexpected_data")
            data = state.receive_data(self.buffer[:nbytes])
        except RemoteProtocolError as exc:
            self._fail(exc.code, discard=True)
            return
        # A copy: the buffer is read into again at once, while the worker writes this.
        if self.sink.write(bytes(data)) and not self.reads_held:
            self.reads_held = True
            self.transport.pause_reading()
        if state.state is transfer.TransferState.VERDICT:
            self.reads_held = True
            self.transport.pause_reading()
            self.task = self.files.room.loop.create_task(self._finish_upload())

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

    def resume_writing(self) -> None:
        self.last_active = self.files.room.loop.time()
        self.write_paused = False
        if self.state is not None and self.grant.kind == transfer.DOWNLOAD:
            self._pump()

    def _pump(self) -> None:
        """Write file chunks until asyncio says the peer's buffer is full, or the end."""
        state = self.state
        while not self.write_paused and not self.closed and state.remaining:
            try:
                chunk = self.handle.read(min(DOWNLOAD_CHUNK, state.remaining))
            except OSError as exc:
                log.warning("transfer: cannot read the file: %s", exc)
                self._fail("storage")
                return
            if not chunk:
                self._fail("file_gone")  # shortened under us
                return
            state.sent(len(chunk))
            self.transport.write(chunk)
        if not state.remaining and not self.closed:
            self._close_file()
            # Not now: _pump runs inside resume_writing, and asyncio 3.11's transport, closed
            # from there with its buffer just emptied, runs connection_lost twice.
            self.files.room.loop.call_soon(self.transport.close)

    # --- the end ---

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.idle_timer is not None:
            self.idle_timer.cancel()
        # A task under way (opening the file, storing it) sees `closed` and tidies up itself.
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
