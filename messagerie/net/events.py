"""What the network core tells the front ends (the Tk window, headless mode, the self-test).

Events are small frozen dataclasses created on the network thread and handed to the front
end's callback. The callback must be thread-safe and quick: the GUI puts them on a
`queue.Queue` that the Tk thread drains; headless mode prints them. `to_json()` gives the
`--json` line documented in DESIGN.md, but for `message`: errors and warnings carry a code
and details, never a sentence, and the face that prints them words them (`messagerie.wording`)
in its reader's language.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from messagerie.errors import Degraded, MessagerieError


@dataclass(frozen=True, kw_only=True)
class Event:
    EVENT: ClassVar[str] = ""

    def to_json(self) -> dict[str, Any]:
        return {"event": self.EVENT, **asdict(self)}


@dataclass(frozen=True, kw_only=True)
class Listening(Event):
    """The room is open. `addresses` are the LAN addresses to give out, as "ip:port"."""

    EVENT: ClassVar[str] = "listening"
    host: str
    port: int
    name: str
    addresses: tuple[str, ...]
    tls: bool
    fingerprint: str | None = None
    safety_code: str | None = None
    password: bool = False


@dataclass(frozen=True, kw_only=True)
class Connected(Event):
    """We joined a room (also sent again after each successful reconnect)."""

    EVENT: ClassVar[str] = "connected"
    host: str
    port: int
    name: str
    room: str
    participants: tuple[str, ...]
    tls: bool
    fingerprint: str | None = None
    safety_code: str | None = None
    reconnect: bool = False
    # This host's identity was never seen before: compare the safety code with the host's.
    first_contact: bool = False
    # The host's display name in the room (faces mark it and its messages).
    host_name: str = ""
    # The identity changed and the user chose to trust the new one: the code it replaced.
    previous_safety_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class Joined(Event):
    """Someone entered the room. `address` is known on the host only."""

    EVENT: ClassVar[str] = "joined"
    name: str
    address: str | None = None


@dataclass(frozen=True, kw_only=True)
class Left(Event):
    EVENT: ClassVar[str] = "left"
    name: str
    address: str | None = None
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class MessageReceived(Event):
    """A message of the room, shown once whether it is live or a catch-up (`history`).

    `own` is true for messages we sent ourselves, echoed back by the room.
    """

    EVENT: ClassVar[str] = "message"
    id: str
    seq: int
    sender: str
    text: str
    ts: float
    history: bool = False
    own: bool = False
    # A shared file's description (the wire's `file` object) when the message announces one.
    file: dict[str, Any] | None = None

    @classmethod
    def of(cls, message: Any, *, history: bool, own: bool) -> MessageReceived:
        """The event for a room message: a `protocol.Chat` or a stored message (the same
        fields: id, seq, sender, text, ts, and `file`: a FileInfo, or its JSON when stored)."""
        file = getattr(message, "file", None)
        if isinstance(file, str):
            file = json.loads(file)
        elif file is not None:
            file = file.to_wire()
        return cls(
            id=message.id,
            seq=message.seq,
            sender=message.sender,
            text=message.text,
            ts=message.ts,
            history=history,
            own=own,
            file=file,
        )

    def to_json(self) -> dict[str, Any]:
        out = {"event": self.EVENT, "id": self.id, "seq": self.seq, "from": self.sender}
        out.update(text=self.text, ts=self.ts, own=self.own)
        if self.history:
            out["history"] = True
        if self.file is not None:
            out["file"] = self.file
        return out


@dataclass(frozen=True, kw_only=True)
class Pending(Event):
    """A message we typed is waiting in the outbox for the room's acknowledgement."""

    EVENT: ClassVar[str] = "pending"
    id: str
    text: str
    ts: float


@dataclass(frozen=True, kw_only=True)
class Acked(Event):
    """The room stored our message `id` under `seq`: it is delivered."""

    EVENT: ClassVar[str] = "acked"
    id: str
    seq: int


@dataclass(frozen=True, kw_only=True)
class Disconnected(Event):
    """The connection was lost; `reason` is the error code, `details` what its sentence needs."""

    EVENT: ClassVar[str] = "disconnected"
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, error: MessagerieError) -> Disconnected:
        """The event for a connection that `error` ended."""
        return cls(reason=error.code, details=dict(error.details))


@dataclass(frozen=True, kw_only=True)
class Reconnecting(Event):
    EVENT: ClassVar[str] = "reconnecting"
    delay_s: float


@dataclass(frozen=True, kw_only=True)
class Notice(Event):
    """Something degraded but the chat goes on (for example history kept in memory only).

    `code` is the area ("storage", "identity"), `reason` the warning's own code and `details`
    what its sentence needs.
    """

    EVENT: ClassVar[str] = "warning"
    code: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, code: str, warning: Degraded) -> Notice:
        """The event telling the user about `warning`, in the area `code`."""
        return cls(code=code, reason=warning.code, details=dict(warning.details))


@dataclass(frozen=True, kw_only=True)
class Failed(Event):
    """An error. When `fatal`, the session has ended (Stopped follows)."""

    EVENT: ClassVar[str] = "error"
    code: str
    fatal: bool = True
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, error: MessagerieError, *, fatal: bool = True) -> Failed:
        """The event for `error`."""
        return cls(code=error.code, fatal=fatal, details=dict(error.details))


@dataclass(frozen=True, kw_only=True)
class Typing(Event):
    """Someone else is typing (told at most every few seconds per person; the face lets it
    expire when nothing follows)."""

    EVENT: ClassVar[str] = "typing"
    name: str


@dataclass(frozen=True, kw_only=True)
class FileOffered(Event):
    """A file is stored in the room and can be downloaded (`get_file(id, ...)`).

    Follows the MessageReceived that announces it; `history` when that is a catch-up.
    """

    EVENT: ClassVar[str] = "file_offered"
    id: str
    name: str
    size: int
    sha256: str
    media_type: str
    sender: str
    history: bool = False

    @classmethod
    def of(cls, file: dict[str, Any], name: str, *, history: bool) -> FileOffered:
        """The event for a message's `file` object, `name` cleaned by the receiver."""
        return cls(
            id=file["id"],
            name=name,
            size=file["size"],
            sha256=file["sha256"],
            media_type=file["media_type"],
            sender=file["from"],
            history=history,
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["from"] = out.pop("sender")
        return {"event": self.EVENT, **out}


@dataclass(frozen=True, kw_only=True)
class FileProgress(Event):
    """A transfer moves on: `done` of `total` bytes (at most 4 per second per transfer).

    `id` is the file id for a download, the transfer id `send_file` returned for an upload.
    """

    EVENT: ClassVar[str] = "file_progress"
    id: str
    direction: str  # "upload" or "download"
    done: int
    total: int


@dataclass(frozen=True, kw_only=True)
class FileSent(Event):
    """Our upload `id` (send_file's transfer id) is stored in the room as file `file_id`."""

    EVENT: ClassVar[str] = "file_sent"
    id: str
    file_id: str
    name: str


@dataclass(frozen=True, kw_only=True)
class FileReceived(Event):
    """The file `id` is saved at `path`, its SHA-256 checked."""

    EVENT: ClassVar[str] = "file_received"
    id: str
    name: str
    path: str


@dataclass(frozen=True, kw_only=True)
class FileFailed(Event):
    """A transfer gave up: `code` says why (`details` what its sentence needs)."""

    EVENT: ClassVar[str] = "file_failed"
    id: str
    direction: str
    name: str
    code: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Stopped(Event):
    """The session's network thread has finished. Always the last event."""

    EVENT: ClassVar[str] = "stopped"
