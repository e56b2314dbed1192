"""What the network core tells the front ends (the Tk window, headless mode, the self-test).

Events are small frozen dataclasses created on the network thread and handed to the front
end's callback. The callback must be thread-safe and quick: the GUI puts them on a
`queue.Queue` that the Tk thread drains; headless mode prints them. `to_json()` gives the
`--json` line documented in DESIGN.md, but for `message`: errors and warnings carry a code
and details, never a sentence, and the face that prints them words them (`messagerie.wording`)
in its reader's language.
"""

from __future__ import annotations

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
    # The host's own member id, the one joiners address it by (protocol.HOST_MEMBER_ID).
    member_id: str = "host"


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
    # Who is present, for private messages: {"id", "name", "private"} each, the host first,
    # us included; and our own member id.
    members: tuple[dict[str, Any], ...] = ()
    member_id: str = ""


@dataclass(frozen=True, kw_only=True)
class Joined(Event):
    """Someone entered the room. `address` is known on the host only."""

    EVENT: ClassVar[str] = "joined"
    name: str
    address: str | None = None
    # Its member id (private messages are addressed to it), and whether it can receive them.
    member_id: str = ""
    private: bool = True


@dataclass(frozen=True, kw_only=True)
class Left(Event):
    EVENT: ClassVar[str] = "left"
    name: str
    address: str | None = None
    reason: str = ""
    member_id: str = ""


@dataclass(frozen=True, kw_only=True)
class MessageReceived(Event):
    """A message of the room, shown once whether it is live or a catch-up (`history`).

    `own` is true for messages we sent ourselves, echoed back by the room. A private message
    has `to` (the recipient's member id), `to_name` and `from_id`; `pending` while its
    recipient has not received it (in the sender's copy). `reply` is the quote of the message
    this one answers: {"id", "from", "text"}.
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
    to: str = ""
    to_name: str = ""
    from_id: str = ""
    pending: bool = False
    reply: dict[str, Any] | None = None

    @property
    def private(self) -> bool:
        return bool(self.to)

    @property
    def peer_id(self) -> str:
        """A private message's other party, as seen by us: its member id."""
        return self.to if self.own else self.from_id

    @property
    def peer_name(self) -> str:
        """A private message's other party, as seen by us: its name."""
        return self.to_name if self.own else self.sender

    @classmethod
    def of(cls, message: Any, *, history: bool, own: bool) -> MessageReceived:
        """The event for a message of the room: a `protocol.Chat` (with its `file` and
        `reply` objects, and a private message's parties)."""
        return cls(
            id=message.id,
            seq=message.seq,
            sender=message.sender,
            text=message.text,
            ts=message.ts,
            history=history,
            own=own,
            file=None if message.file is None else message.file.to_wire(),
            to=message.to,
            to_name=message.to_name,
            from_id=message.from_id,
            pending=message.pending,
            reply=None if message.reply is None else message.reply.to_wire(),
        )

    def to_json(self) -> dict[str, Any]:
        out = {"event": self.EVENT, "id": self.id, "seq": self.seq, "from": self.sender}
        out.update(text=self.text, ts=self.ts, own=self.own)
        if self.history:
            out["history"] = True
        if self.file is not None:
            out["file"] = self.file
        if self.private:
            out.update(private=True, to=self.to_name, to_id=self.to, from_id=self.from_id)
            out.update(peer=self.peer_name, peer_id=self.peer_id)
            if self.pending:
                out["pending"] = True
        if self.reply is not None:
            out["reply"] = self.reply
        return out


@dataclass(frozen=True, kw_only=True)
class Pending(Event):
    """A message we typed is waiting in the outbox for the room's acknowledgement."""

    EVENT: ClassVar[str] = "pending"
    id: str
    text: str
    ts: float
    # A private message's recipient (member id), "" for the room.
    to: str = ""


@dataclass(frozen=True, kw_only=True)
class Acked(Event):
    """The room stored our message `id` under `seq`: it is delivered."""

    EVENT: ClassVar[str] = "acked"
    id: str
    seq: int


@dataclass(frozen=True, kw_only=True)
class Delivered(Event):
    """Our private message `id` (stored as `seq`) reached its recipient: no longer pending."""

    EVENT: ClassVar[str] = "delivered"
    id: str
    seq: int


@dataclass(frozen=True, kw_only=True)
class SendRefused(Event):
    """The room refused our message `id` because of `code` (an unknown recipient, a reply to
    a message it does not have...). Nothing was stored or sent; the outbox forgets it."""

    EVENT: ClassVar[str] = "refused"
    id: str
    code: str


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
        return _sender_as_from(self)


def _sender_as_from(event: Event) -> dict[str, Any]:
    """A file event for --json: `sender` is called `from` there, as in the protocol."""
    out = asdict(event)
    out["from"] = out.pop("sender")
    return {"event": event.EVENT, **out}


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
class FileResumed(Event):
    """A transfer that the end of an earlier session cut short goes on by itself, from what
    the other side already holds. FileProgress and the rest follow under the same `id`.

    `path` is the file sent (upload) or the folder it is saved in (download); `sender` is
    the offer's for a download, empty for our own upload.
    """

    EVENT: ClassVar[str] = "file_resumed"
    id: str
    direction: str
    name: str
    size: int
    media_type: str
    sender: str
    path: str

    def to_json(self) -> dict[str, Any]:
        return _sender_as_from(self)


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
