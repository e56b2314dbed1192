"""Sans-IO transfer connections: one file's bytes, up or down, on a connection of its own.

A transfer connection is opened to the room's port like a chat connection, and its first
frame (`upload` or `download`, with a token the chat connection handed out) takes the place
of `hello`. `ServerConnection` recognises it and reports `TransferOpened`; from there the
room's side is a `ServerTransfer` and the joiner's a `ClientTransfer`. After the server's
`ready`, the connection carries the file's raw bytes (no framing), then, for an upload, one
last frame with the verdict (`upload_done` or `error`). docs/PROTOCOL.md, section 11, is the
full description.

Like connection.py, there is no socket here: bytes in, events and bytes out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from messagerie.errors import LocalProtocolError, RemoteProtocolError
from messagerie.protocol import wire

UPLOAD = "upload"
DOWNLOAD = "download"
# An uploader that sends more bytes than it announced.
TOO_MUCH_DATA = "too_much_data"


class TransferState(enum.Enum):
    OPENING = "opening"  # before `ready` (the server checks the token, the client waits)
    STREAMING = "streaming"  # raw bytes flow
    VERDICT = "verdict"  # upload: every byte is in, the verdict frame is due
    CLOSED = "closed"


@dataclass(slots=True)
class ReadyReceived:
    """Client side: the server accepted the token; bytes `offset`..`size` follow or may go."""

    offset: int
    size: int


@dataclass(slots=True)
class DataReceived:
    """Client side (download): file bytes, in order. A view, valid only until the next call."""

    data: memoryview


@dataclass(slots=True)
class DownloadComplete:
    """Client side: the last byte of the download has arrived (the server closes next)."""


@dataclass(slots=True)
class UploadStored:
    """Client side: the server checked and stored the upload as file `file_id`."""

    file_id: str


@dataclass(slots=True)
class TransferFailed:
    """Either side: the transfer ended because of `code` (`by_peer`: the peer said so)."""

    code: str
    by_peer: bool = False


class ServerTransfer:
    """The room's side of a transfer connection, once the opener's token was accepted.

    Upload: `ready()` then feed `receive_data()`, which returns the file bytes to write; when
    `remaining` is 0, the caller checks the file and sends `stored()` or `failed()`.
    Download: `ready()` then the caller writes the file and reports it with `sent()`.
    """

    def __init__(self, kind: str, *, offset: int, size: int) -> None:
        if kind not in (UPLOAD, DOWNLOAD) or not 0 <= offset <= size:
            raise LocalProtocolError(wire.BAD_FIELD, field="offset")
        self.kind = kind
        self.offset = offset
        self.size = size
        self.done = offset
        self.state = TransferState.OPENING

    @property
    def remaining(self) -> int:
        return self.size - self.done

    def ready(self) -> bytes:
        """The `ready` frame; raw bytes may flow once it is sent."""
        self._expect(TransferState.OPENING)
        self.state = TransferState.STREAMING if self.remaining else TransferState.VERDICT
        if self.kind == DOWNLOAD and not self.remaining:
            self.state = TransferState.CLOSED
        return wire.encode(wire.Ready(offset=self.offset, size=self.size))

    def receive_data(self, data: memoryview) -> memoryview:
        """Upload: the file bytes in `data`. Raises RemoteProtocolError past the size."""
        if self.kind != UPLOAD or self.state is not TransferState.STREAMING:
            # Nothing may arrive before `ready`, after the last byte, or on a download.
            code = TOO_MUCH_DATA if self.state is TransferState.VERDICT else "unexpected_data"
            self.state = TransferState.CLOSED
            raise RemoteProtocolError(code)
        if len(data) > self.remaining:
            self.state = TransferState.CLOSED
            raise RemoteProtocolError(TOO_MUCH_DATA)
        self.done += len(data)
        if not self.remaining:
            self.state = TransferState.VERDICT
        return data

    def sent(self, nbytes: int) -> None:
        """Download: `nbytes` more of the file were written to the peer."""
        self._expect(TransferState.STREAMING)
        if nbytes > self.remaining:
            raise LocalProtocolError(TOO_MUCH_DATA)
        self.done += nbytes
        if not self.remaining:
            self.state = TransferState.CLOSED

    def stored(self, file_id: str) -> bytes:
        """Upload verdict: the file is checked, stored and announced as `file_id`."""
        self._expect(TransferState.VERDICT)
        self.state = TransferState.CLOSED
        return wire.encode(wire.UploadDone(file=file_id))

    def failed(self, code: str, message: str = "") -> bytes:
        """The `error` frame that ends this transfer (a refused token, a wrong SHA-256...)."""
        self.state = TransferState.CLOSED
        return wire.encode(wire.Error(code=code, message=message))

    def _expect(self, state: TransferState) -> None:
        if self.state is not state:
            raise LocalProtocolError(wire.UNEXPECTED_MESSAGE)


class ClientTransfer:
    """The joiner's side of a transfer connection.

    `opener()` is the first frame; `receive_data()` turns what the server sends into events:
    ReadyReceived, then DataReceived... DownloadComplete (download) or UploadStored (upload),
    or a TransferFailed at any point. After ReadyReceived, an uploader sends the raw bytes
    itself, `size - offset` of them exactly.
    """

    def __init__(self, kind: str, token: str, *, offset: int = 0) -> None:
        self.kind = kind
        self.offset = offset
        self.size = 0
        self.done = 0
        self.state = TransferState.OPENING
        opener = (
            wire.Upload(token=token)
            if kind == UPLOAD
            else wire.Download(token=token, offset=offset)
        )
        self._opener = opener
        self._buffer = bytearray()

    def opener(self) -> bytes:
        return wire.encode(self._opener)

    def receive_data(self, data: bytes | memoryview) -> list[Any]:
        """The events that `data` completes (DataReceived holds a view: use it at once)."""
        out: list[Any] = []
        try:
            self._receive(memoryview(data), out)
        except RemoteProtocolError as exc:
            self.state = TransferState.CLOSED
            out.append(TransferFailed(exc.code))
        return out

    def _receive(self, data: memoryview, out: list[Any]) -> None:
        while len(data) and self.state is not TransferState.CLOSED:
            if self.state is TransferState.STREAMING and self.kind == DOWNLOAD:
                take = data[: self.size - self.done]
                self.done += len(take)
                out.append(DataReceived(take))
                data = data[len(take) :]
                if self.done == self.size:
                    self.state = TransferState.CLOSED
                    out.append(DownloadComplete())
                continue
            # A frame: `ready`, `error`, or an upload's verdict. Exactly one is read at a
            # time, since raw bytes may follow it in the same read.
            self._buffer += data
            data = memoryview(b"")
            while self.state is not TransferState.CLOSED:
                obj = self._take_frame()
                if obj is None:
                    return
                self._handle(wire.decode_object(obj), out)
                if self.state is TransferState.STREAMING and self.kind == DOWNLOAD:
                    rest, self._buffer = bytes(self._buffer), bytearray()
                    data = memoryview(rest)
                    break

    def _take_frame(self) -> dict[str, Any] | None:
        buf = self._buffer
        if len(buf) < wire.HEADER.size:
            return None
        (length,) = wire.HEADER.unpack_from(buf)
        if length == 0:
            raise RemoteProtocolError(wire.EMPTY_FRAME)
        if length > wire.MAX_FRAME:
            raise RemoteProtocolError(wire.FRAME_TOO_LARGE, limit=wire.MAX_FRAME)
        end = wire.HEADER.size + length
        if len(buf) < end:
            return None
        obj = wire.parse_payload(bytes(buf[wire.HEADER.size : end]))
        del buf[:end]
        return obj

    def _handle(self, message: wire.Message, out: list[Any]) -> None:
        if isinstance(message, wire.Error):
            self.state = TransferState.CLOSED
            out.append(TransferFailed(message.code, by_peer=True))
            return
        if self.state is TransferState.OPENING and isinstance(message, wire.Ready):
            if self.kind == DOWNLOAD and message.offset != self.offset:
                raise RemoteProtocolError(wire.BAD_FIELD, field="offset")
            self.offset = self.done = message.offset
            self.size = message.size
            out.append(ReadyReceived(message.offset, message.size))
            if self.kind == UPLOAD:
                self.state = TransferState.VERDICT
            elif self.done == self.size:
                self.state = TransferState.CLOSED
                out.append(DownloadComplete())
            else:
                self.state = TransferState.STREAMING
            return
        if (
            self.state is TransferState.VERDICT
            and self.kind == UPLOAD
            and isinstance(message, wire.UploadDone)
        ):
            self.state = TransferState.CLOSED
            out.append(UploadStored(message.file))
            return
        raise RemoteProtocolError(wire.UNEXPECTED_MESSAGE)
