"""The host's side of shared files: tokens, transfer connections, the store, the announcement.

A participant asks on its chat connection (`upload_request`, `download_request`); `RoomFiles`
answers with a one-time token, valid `transfer_token_s`, bound to the request. The transfer
itself comes on a new connection to the same port, whose first frame carries the token: the
room's `Peer` sees `TransferOpened` and hands its transport to a `TransferPeer`
(net/transfer_peer.py), on the same event loop. docs/PERFORMANCE.md has the measurement of
the chat's latency while 1 GiB crosses the loop.

What is stored goes through `store.blobs.FileStore`; what is announced goes through the room
(`Room.post_file`), as a `message` with a `file` object, stored in the history.
"""

from __future__ import annotations

import collections
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from messagerie import i18n, protocol
from messagerie.errors import RemoteProtocolError
from messagerie.limits import Limits
from messagerie.net.transfer_peer import TransferPeer
from messagerie.protocol import transfer
from messagerie.protocol.filenames import file_name_problem
from messagerie.store.blobs import FileStore

if TYPE_CHECKING:
    from messagerie.net.server import Peer, Room

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

    def revoke(self, client_id: str) -> None:
        """The participant `client_id` left: its unused tokens stop working (`token_revoked`).

        A token is bound to the authenticated chat connection that asked for it; once that
        connection is gone, nobody should be able to use what it was handed. A transfer
        already under way goes on (its token was spent when it opened).
        """
        for token in [t for t, g in self.grants.items() if g.client_id == client_id]:
            del self.grants[token]
            self._spend(token, "token_revoked")

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
