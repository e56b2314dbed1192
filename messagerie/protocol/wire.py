"""Frames and messages of the Messagerie wire protocol, sans-IO.

This module never touches a socket, a thread or a window: bytes go in and messages come out
(`Decoder.feed`), messages go in and bytes come out (`encode`). That keeps it testable byte by
byte and lets the asyncio server, the client, the benchmarks and a stranger's client share it.

A frame is a 4-byte unsigned big-endian length N (1 <= N <= MAX_FRAME) followed by N bytes of
UTF-8 JSON holding one object whose string field `type` names the message. docs/PROTOCOL.md is
the full description; keep the two in step.

Peer input is checked with exceptions, never `assert`: a peer that breaks the rules raises
`RemoteProtocolError` (we tell it why and drop it); our own misuse raises `LocalProtocolError`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import struct
import time
import unicodedata
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar

from messagerie.errors import LocalProtocolError, RemoteProtocolError
from messagerie.protocol.names import BIDI_CONTROLS, is_invisible, normalise_name

PROTOCOL_VERSION = 1

# Limits that are part of the wire contract. Server-side policy (timeouts, caps, flood control)
# lives in messagerie/limits.py.
MAX_FRAME = 262_144
MAX_TEXT = 16_000
MAX_NAME = 40
MAX_ID = 64
MAX_ROOM_NAME = 80
MAX_REASON = 200
MAX_AUTH_FIELD = 200
HEADER = struct.Struct(">I")
# Files: a name's bytes are cut to 200 by the sender (filenames.py); 255 characters on the
# wire leave room for the host to say why a longer one is refused.
MAX_FILE_NAME = 255
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_MEDIA_TYPE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9!#$&^_.+-]{1,63}")

# Stable error codes for a peer that broke the rules. The sentence for people is in the
# catalogs under "error.<code>".
FRAME_TOO_LARGE = "frame_too_large"
EMPTY_FRAME = "empty_frame"
BAD_UTF8 = "bad_utf8"
BAD_JSON = "bad_json"
NOT_AN_OBJECT = "not_an_object"
UNKNOWN_TYPE = "unknown_type"
BAD_FIELD = "bad_field"
TEXT_TOO_LONG = "text_too_long"
BAD_NAME = "bad_name"
UNSUPPORTED_VERSION = "unsupported_version"
UNEXPECTED_MESSAGE = "unexpected_message"

_ID_RE = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_ID}}}")
# Lone surrogates can arrive through JSON "\ud800" escapes and cannot be encoded back to UTF-8.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Control characters other than tab and newline have no business in a chat line; nor have
# lone surrogates. One pattern, since this runs for every message. C1 controls (U+0080-U+009F)
# are included: a terminal may read U+009B as CSI, the start of an escape sequence.
_TEXT_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# What a received `message` may not hold: the same minus C1, which rooms accepted before they
# refused it (protocol fix of issue 16) and may still hold in their history. Refusing it
# there would cut every newcomer off at the first such message; faces neutralise it instead.
_STORED_TEXT_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def is_valid_id(value: object) -> bool:
    """Whether `value` can be a message or client id (1-64 of A-Z a-z 0-9 _ -)."""
    return isinstance(value, str) and _ID_RE.fullmatch(value) is not None


def new_message_id() -> str:
    """A fresh message id: 32 hex characters, the first 12 being the time in milliseconds.

    Ids only need to be unique, but time-ordered ones (like UUIDv7) land at the end of the
    room's index of ids instead of at random places, which halves the cost of storing each
    message (measured in docs/PERFORMANCE.md).
    """
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


# Private messages (docs/PROTOCOL.md section 13). A participant is addressed by its member id,
# derived from its client_id (which stays secret: it is what lets a client take its place
# back after a drop); the host's member id is this fixed one.
FEATURE_PRIVATE = "private"
HOST_MEMBER_ID = "host"
MAX_FEATURES = 16
# A reply carries the first line of what it answers, cut to this many characters.
MAX_QUOTE = 200


def member_id(client_id: str) -> str:
    """The id under which the others know the client `client_id`: 20 hex digits of SHA-256.

    One-way, so that knowing someone's member id (everyone does) does not let anyone connect
    as them, which the client_id would.
    """
    return hashlib.sha256(b"messagerie member\0" + client_id.encode()).hexdigest()[:20]


def quote_of(text: str) -> str:
    """What a reply quotes of `text`: its first non-blank line, cut to MAX_QUOTE characters."""
    line = next((line for line in text.splitlines() if line.strip()), text)
    line = line.strip()
    return line if len(line) <= MAX_QUOTE else line[: MAX_QUOTE - 1] + "…"


# The mark that faces put before the host's name (in the roster, before its messages). No
# display name may contain it, so that no participant can pass for the host.
HOST_MARK = "★"


def name_problem(name: object, *, stored: bool = False) -> str | None:
    """Return why `name` is not an acceptable display name, or None if it is.

    Used both for peer input and by the start view's field validation, on names already
    passed through `normalise_name`. A name that shows nothing (only blanks or invisible
    characters) is "empty". With `stored`, the rule for names a room hands out, which only
    asks for something other than white space: rooms that did not normalise names may still
    have invisible ones in their roster or history, and refusing those would cut us off.
    """
    if not isinstance(name, str):
        return "not_a_string"
    if not name.strip() or (not stored and is_invisible(name)):
        return "empty"
    if len(name) > MAX_NAME:
        return "too_long"
    for ch in name:
        if ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
            return "forbidden_character"
    if not stored and HOST_MARK in name:
        return "forbidden_character"
    return None


def text_problem(text: object, *, stored: bool = False) -> str | None:
    """Return why `text` cannot be sent as a message, or None if it can.

    With `stored`, the rule for a message a room hands out (possibly from its history),
    which tolerates C1 controls; without it, the rule for new text, which does not.
    """
    if not isinstance(text, str):
        return "not_a_string"
    if not text.strip():
        return "empty"
    if len(text) > MAX_TEXT:
        return "too_long"
    if (_STORED_TEXT_FORBIDDEN_RE if stored else _TEXT_FORBIDDEN_RE).search(text):
        return "forbidden_character"
    return None


# --- message types -------------------------------------------------------------------------

MESSAGE_TYPES: dict[str, type[Message]] = {}


def _message_type(cls: type[Message]) -> type[Message]:
    MESSAGE_TYPES[cls.TYPE] = cls
    return cls


def _fail(code: str, error_cls: type[Exception], **details: object) -> None:
    raise error_cls(code, **details)


@dataclass(frozen=True, kw_only=True)
class Message:
    """Base of every message. Subclasses are validated when built and when decoded.

    Building an invalid message in our own code raises `LocalProtocolError`; decoding an
    invalid one from a peer raises `RemoteProtocolError`. Both carry the same code.
    """

    TYPE: ClassVar[str] = ""
    # Field names that differ on the wire (Python keyword `from`).
    WIRE_NAMES: ClassVar[dict[str, str]] = {}
    # Optional fields left out of the frame while they hold their default: fields added
    # after version 1 shipped, so that frames stay the same for everyone who does not use them.
    OMITTED_WHEN_DEFAULT: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        self._check(LocalProtocolError)

    def _check(self, error_cls: type[Exception]) -> None:
        """Validate fields; subclasses call `_fail(code, error_cls)`."""

    def to_wire(self) -> dict[str, Any]:
        """The JSON object for this message, `type` first."""
        obj: dict[str, Any] = {"type": self.TYPE}
        omitted = self.OMITTED_WHEN_DEFAULT
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in omitted and value == f.default:
                continue
            if isinstance(value, tuple):
                value = [v.to_wire() if hasattr(v, "to_wire") else v for v in value]
            elif hasattr(value, "to_wire"):
                value = value.to_wire()
            obj[self.WIRE_NAMES.get(f.name, f.name)] = value
        return obj

    @classmethod
    def from_wire(cls, obj: dict[str, Any]) -> Message:
        """Build a message of this type from a decoded JSON object sent by a peer."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            key = cls.WIRE_NAMES.get(f.name, f.name)
            if key in obj:
                kwargs[f.name] = obj[key]
            elif f.default is MISSING and f.default_factory is MISSING:
                raise RemoteProtocolError(BAD_FIELD, field=key)
        msg = object.__new__(cls)
        for name, value in kwargs.items():
            object.__setattr__(msg, name, value)
        for f in fields(cls):
            if f.name not in kwargs:
                default = f.default if f.default is not MISSING else f.default_factory()
                object.__setattr__(msg, f.name, default)
        msg._convert_from_wire()
        msg._check(RemoteProtocolError)
        return msg

    def _convert_from_wire(self) -> None:
        """Turn nested JSON values into their Python form (lists to tuples, and so on)."""


def _check_str(
    value: object, name: str, error_cls: type[Exception], *, max_len: int, allow_empty=False
) -> None:
    if not isinstance(value, str) or len(value) > max_len or (not value and not allow_empty):
        _fail(BAD_FIELD, error_cls, field=name)
    if _SURROGATE_RE.search(value):
        _fail(BAD_FIELD, error_cls, field=name)


def _check_int(value: object, name: str, error_cls: type[Exception], *, minimum=0) -> None:
    # bool is an int in Python but not in the protocol.
    if type(value) is not int or value < minimum or value > 2**53:
        _fail(BAD_FIELD, error_cls, field=name)


def _check_id(value: object, name: str, error_cls: type[Exception]) -> None:
    if not is_valid_id(value):
        _fail(BAD_FIELD, error_cls, field=name)


def _check_name(value: object, error_cls: type[Exception], *, stored: bool) -> None:
    if name_problem(value, stored=stored) is not None:
        _fail(BAD_NAME, error_cls)


def _check_text(value: object, error_cls: type[Exception], *, stored: bool = False) -> None:
    problem = text_problem(value, stored=stored)
    if problem == "too_long":
        _fail(TEXT_TOO_LONG, error_cls, limit=MAX_TEXT)
    if problem is not None:
        _fail(BAD_FIELD, error_cls, field="text")


@_message_type
@dataclass(frozen=True, kw_only=True)
class Hello(Message):
    """Client -> server, first message: who I am and the last room sequence I have seen."""

    TYPE: ClassVar[str] = "hello"
    OMITTED_WHEN_DEFAULT: ClassVar[frozenset[str]] = frozenset({"features"})
    version: int
    name: str
    client_id: str
    last_seq: int = 0
    # What this client understands beyond version 1 (FEATURE_PRIVATE); unknown ones are ignored.
    features: tuple[str, ...] = ()

    @classmethod
    def from_wire(cls, obj: dict[str, Any]) -> Message:
        # The version is looked at before any other field: another version may name or
        # shape its fields differently, and its sender must learn that the version is the
        # problem, not one of those fields.
        version = obj.get("version")
        if type(version) is int and version != PROTOCOL_VERSION:
            raise RemoteProtocolError(UNSUPPORTED_VERSION)
        return super().from_wire(obj)

    def _convert_from_wire(self):
        # The name a newcomer asks for is kept in its normal form, so that padding, invisible
        # characters and NFD accents cannot make a second "Hote" (see protocol.names).
        if isinstance(self.name, str):
            object.__setattr__(self, "name", normalise_name(self.name))
        if isinstance(self.features, list):
            object.__setattr__(self, "features", tuple(self.features))

    def _check(self, error_cls):
        _check_features(self.features, error_cls)
        # Any integer is a version (the server refuses all but PROTOCOL_VERSION with
        # `unsupported_version`); only a non-integer is a malformed field.
        if type(self.version) is not int:
            _fail(BAD_FIELD, error_cls, field="version")
        _check_name(self.name, error_cls, stored=False)  # the one name a peer chooses
        _check_id(self.client_id, "client_id", error_cls)
        _check_int(self.last_seq, "last_seq", error_cls)


def _check_features(value: object, error_cls: type[Exception]) -> None:
    if not isinstance(value, tuple) or len(value) > MAX_FEATURES:
        _fail(BAD_FIELD, error_cls, field="features")
    for feature in value:
        _check_str(feature, "features", error_cls, max_len=MAX_ID)


def _check_bool(value: object, name: str, error_cls: type[Exception]) -> None:
    if type(value) is not bool:
        _fail(BAD_FIELD, error_cls, field=name)


def _check_optional_id(value: object, name: str, error_cls: type[Exception]) -> None:
    if value != "":
        _check_id(value, name, error_cls)


def _check_sha256(value: object, error_cls: type[Exception]) -> None:
    if not isinstance(value, str) or _SHA256_RE.fullmatch(value) is None:
        _fail(BAD_FIELD, error_cls, field="sha256")


def _check_media_type(value: object, error_cls: type[Exception]) -> None:
    if not isinstance(value, str) or _MEDIA_TYPE_RE.fullmatch(value) is None:
        _fail(BAD_FIELD, error_cls, field="media_type")


@dataclass(frozen=True, kw_only=True)
class FileInfo:
    """A stored file, as a room message announces it (the `file` object of a `message`).

    `name` is as the host accepted it: a receiver cleans it again before writing
    (messagerie.protocol.filenames). Not a message of its own: it travels inside `message`.
    """

    id: str
    name: str
    size: int
    sha256: str
    media_type: str
    sender: str

    def __post_init__(self) -> None:
        self._check(LocalProtocolError)

    def _check(self, error_cls: type[Exception]) -> None:
        _check_id(self.id, "file.id", error_cls)
        _check_str(self.name, "file.name", error_cls, max_len=MAX_FILE_NAME)
        _check_int(self.size, "file.size", error_cls)
        _check_sha256(self.sha256, error_cls)
        _check_media_type(self.media_type, error_cls)
        _check_name(self.sender, error_cls, stored=True)

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "from": self.sender,
        }

    @classmethod
    def from_wire(cls, obj: object) -> FileInfo:
        """The file object of a message sent by a peer; raises RemoteProtocolError if bad."""
        keys = {"id": "id", "name": "name", "size": "size", "sha256": "sha256"}
        keys.update(media_type="media_type", sender="from")
        return _nested_from_wire(cls, obj, "file", keys)


def _nested_from_wire(cls: type, obj: object, field: str, keys: dict[str, str]) -> Any:
    """Build the nested object `cls` from a peer's JSON `obj` (`keys`: attribute -> key)."""
    if not isinstance(obj, dict):
        raise RemoteProtocolError(BAD_FIELD, field=field)
    built = object.__new__(cls)
    for name, key in keys.items():
        if key not in obj:
            raise RemoteProtocolError(BAD_FIELD, field=f"{field}.{key}")
        object.__setattr__(built, name, obj[key])
    built._check(RemoteProtocolError)
    return built


@dataclass(frozen=True, kw_only=True)
class Quote:
    """What a reply answers (the `reply` object of a `message`): the original's id, sender
    and first line, filled in by the room from its history, never by the replier."""

    id: str
    sender: str
    text: str

    def __post_init__(self) -> None:
        self._check(LocalProtocolError)

    def _check(self, error_cls: type[Exception]) -> None:
        _check_id(self.id, "reply.id", error_cls)
        _check_name(self.sender, error_cls, stored=True)
        _check_str(self.text, "reply.text", error_cls, max_len=MAX_QUOTE)

    def to_wire(self) -> dict[str, Any]:
        return {"id": self.id, "from": self.sender, "text": self.text}

    @classmethod
    def from_wire(cls, obj: object) -> Quote:
        return _nested_from_wire(cls, obj, "reply", {"id": "id", "sender": "from", "text": "text"})


@dataclass(frozen=True, kw_only=True)
class Member:
    """A participant present in the room (the items of `welcome.members`): its member id,
    its name, and whether it can receive private messages."""

    id: str
    name: str
    private: bool

    def __post_init__(self) -> None:
        self._check(LocalProtocolError)

    def _check(self, error_cls: type[Exception]) -> None:
        _check_id(self.id, "members.id", error_cls)
        _check_name(self.name, error_cls, stored=True)
        _check_bool(self.private, "members.private", error_cls)

    def to_wire(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "private": self.private}

    @classmethod
    def from_wire(cls, obj: object) -> Member:
        return _nested_from_wire(
            cls, obj, "members", {"id": "id", "name": "name", "private": "private"}
        )


@_message_type
@dataclass(frozen=True, kw_only=True)
class Chat(Message):
    """Server -> client: a message of the room with its sequence number (`type: "message"`).

    `file` is set when the message announces a stored file; its `text` then describes the
    file in words, for clients that do not know files.

    A private message (section 13) has `to`, the recipient's member id, with `to_name` and
    the sender's member id `from_id`; `pending` is true in the sender's copy while the
    recipient has not received it. `reply` quotes the message this one answers.
    """

    TYPE: ClassVar[str] = "message"
    WIRE_NAMES: ClassVar[dict[str, str]] = {"sender": "from"}
    OMITTED_WHEN_DEFAULT: ClassVar[frozenset[str]] = frozenset(
        {"file", "to", "to_name", "from_id", "pending", "reply"}
    )
    id: str
    seq: int
    sender: str
    text: str
    ts: float
    file: FileInfo | None = None
    to: str = ""
    to_name: str = ""
    from_id: str = ""
    pending: bool = False
    reply: Quote | None = None

    @property
    def private(self) -> bool:
        return bool(self.to)

    def _convert_from_wire(self):
        if self.file is not None:
            object.__setattr__(self, "file", FileInfo.from_wire(self.file))
        if self.reply is not None:
            object.__setattr__(self, "reply", Quote.from_wire(self.reply))

    def _check(self, error_cls):
        _check_id(self.id, "id", error_cls)
        _check_int(self.seq, "seq", error_cls, minimum=1)
        _check_name(self.sender, error_cls, stored=True)
        _check_text(self.text, error_cls, stored=True)
        if type(self.ts) not in (int, float) or not 0 <= self.ts < 1e11:
            _fail(BAD_FIELD, error_cls, field="ts")
        if self.file is not None and not isinstance(self.file, FileInfo):
            _fail(BAD_FIELD, error_cls, field="file")
        if self.reply is not None and not isinstance(self.reply, Quote):
            _fail(BAD_FIELD, error_cls, field="reply")
        _check_bool(self.pending, "pending", error_cls)
        _check_optional_id(self.to, "to", error_cls)
        _check_optional_id(self.from_id, "from_id", error_cls)
        if self.to:
            # A private message names both parties; a room message names neither.
            _check_name(self.to_name, error_cls, stored=True)
            _check_id(self.from_id, "from_id", error_cls)
        elif self.to_name or self.from_id or self.pending:
            _fail(BAD_FIELD, error_cls, field="to")


@_message_type
@dataclass(frozen=True, kw_only=True)
class Welcome(Message):
    """Server -> client: the handshake succeeded. Holds the room's state.

    The missed messages follow as ordinary `message` frames; a client treats every message
    whose `seq` is at most `last_seq` as a catch-up. `history` is optional on the wire: the
    room sends it empty, because clients up to this protocol fix refused a welcome without
    it, and the reference client ignores its content.
    """

    TYPE: ClassVar[str] = "welcome"
    room: str
    name: str
    participants: tuple[str, ...]
    last_seq: int
    history: tuple[Chat, ...] = ()
    # The host's name (also first in `participants`): faces mark it, and its messages.
    host: str = ""
    # For clients that asked for private messages (section 13): who is present with their
    # member ids, the host first, and the member id the room knows this client by.
    members: tuple[Member, ...] = ()
    id: str = ""
    OMITTED_WHEN_DEFAULT: ClassVar[frozenset[str]] = frozenset({"members", "id"})

    def _convert_from_wire(self):
        if not isinstance(self.participants, list):
            raise RemoteProtocolError(BAD_FIELD, field="participants")
        if not isinstance(self.members, list | tuple):
            raise RemoteProtocolError(BAD_FIELD, field="members")
        object.__setattr__(self, "members", tuple(Member.from_wire(m) for m in self.members))
        # An absent `history` keeps its default, an empty tuple; JSON itself only gives lists.
        if not isinstance(self.history, list | tuple):
            raise RemoteProtocolError(BAD_FIELD, field="history")
        object.__setattr__(self, "participants", tuple(self.participants))
        history = []
        for item in self.history:
            if not isinstance(item, dict) or item.get("type") != Chat.TYPE:
                raise RemoteProtocolError(BAD_FIELD, field="history")
            history.append(Chat.from_wire(item))
        object.__setattr__(self, "history", tuple(history))

    def _check(self, error_cls):
        _check_str(self.room, "room", error_cls, max_len=MAX_ROOM_NAME, allow_empty=True)
        _check_name(self.name, error_cls, stored=True)
        for participant in self.participants:
            _check_name(participant, error_cls, stored=True)
        _check_int(self.last_seq, "last_seq", error_cls)
        if self.host:
            _check_name(self.host, error_cls, stored=True)
        for member in self.members:
            if not isinstance(member, Member):
                _fail(BAD_FIELD, error_cls, field="members")
        _check_optional_id(self.id, "id", error_cls)


def check_say_fields(msg_id: object, text: object, error_cls: type[Exception]) -> None:
    """The checks of a `say`: `Say`'s constructor and the room's hot path share them.

    The room checks the two fields of the decoded object instead of building a `Say`, which
    would cost more than the rest of a message's way through the room.
    """
    _check_id(msg_id, "id", error_cls)
    _check_text(text, error_cls)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Say(Message):
    """Client -> server: please post this text. `id` is chosen by the client, unique forever."""

    TYPE: ClassVar[str] = "say"
    OMITTED_WHEN_DEFAULT: ClassVar[frozenset[str]] = frozenset({"to", "reply_to"})
    id: str
    text: str
    # A private message's recipient (a member id), and the id of the message this one answers.
    to: str = ""
    reply_to: str = ""

    def _check(self, error_cls):
        check_say_fields(self.id, self.text, error_cls)
        _check_optional_id(self.to, "to", error_cls)
        _check_optional_id(self.reply_to, "reply_to", error_cls)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Ack(Message):
    """Server -> client: your `say` with this id is stored under this sequence number."""

    TYPE: ClassVar[str] = "ack"
    id: str
    seq: int

    def _check(self, error_cls):
        _check_id(self.id, "id", error_cls)
        _check_int(self.seq, "seq", error_cls, minimum=1)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Refused(Message):
    """Server -> client: your `say` with this id is refused because of `code`; nothing was
    stored or sent to anyone, and the connection goes on (section 13)."""

    TYPE: ClassVar[str] = "refused"
    id: str
    code: str

    def _check(self, error_cls):
        _check_id(self.id, "id", error_cls)
        _check_str(self.code, "code", error_cls, max_len=MAX_ID)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Delivered(Message):
    """Server -> client: your private message `id` (stored as `seq`) reached its recipient."""

    TYPE: ClassVar[str] = "delivered"
    id: str
    seq: int

    def _check(self, error_cls):
        _check_id(self.id, "id", error_cls)
        _check_int(self.seq, "seq", error_cls, minimum=1)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Joined(Message):
    """Server -> client: someone entered the room. To clients that asked for private
    messages, with its member `id` and whether it can receive them (`private`)."""

    TYPE: ClassVar[str] = "joined"
    OMITTED_WHEN_DEFAULT: ClassVar[frozenset[str]] = frozenset({"id", "private"})
    name: str
    id: str = ""
    private: bool = False

    def _check(self, error_cls):
        _check_name(self.name, error_cls, stored=True)
        _check_optional_id(self.id, "id", error_cls)
        _check_bool(self.private, "private", error_cls)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Left(Message):
    """Server -> client: someone left. `reason` is a code: "bye", "timeout", "dropped"..."""

    TYPE: ClassVar[str] = "left"
    OMITTED_WHEN_DEFAULT: ClassVar[frozenset[str]] = frozenset({"id"})
    name: str
    reason: str = ""
    id: str = ""

    def _check(self, error_cls):
        _check_name(self.name, error_cls, stored=True)
        _check_optional_id(self.id, "id", error_cls)
        _check_str(self.reason, "reason", error_cls, max_len=MAX_REASON, allow_empty=True)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Typing(Message):
    """Someone is typing. Client -> server without `name` (the room knows who); server ->
    the others with the typer's `name`. Ephemeral: never stored, never acknowledged."""

    TYPE: ClassVar[str] = "typing"
    name: str = ""

    def _check(self, error_cls):
        if self.name:
            _check_name(self.name, error_cls, stored=True)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Ping(Message):
    """Either direction: are you there? The other side answers `pong` at once."""

    TYPE: ClassVar[str] = "ping"


@_message_type
@dataclass(frozen=True, kw_only=True)
class Pong(Message):
    TYPE: ClassVar[str] = "pong"


@_message_type
@dataclass(frozen=True, kw_only=True)
class Error(Message):
    """Either direction: what went wrong, as a stable code and a sentence for people.

    After sending an `error`, the server closes the connection.
    """

    TYPE: ClassVar[str] = "error"
    code: str
    message: str = ""

    def _check(self, error_cls):
        _check_str(self.code, "code", error_cls, max_len=MAX_ID)
        _check_str(self.message, "message", error_cls, max_len=MAX_TEXT, allow_empty=True)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Bye(Message):
    """Either direction: a clean leave. From the server, `reason` "room_closed" means the host
    closed the room."""

    TYPE: ClassVar[str] = "bye"
    reason: str = ""

    def _check(self, error_cls):
        _check_str(self.reason, "reason", error_cls, max_len=MAX_REASON, allow_empty=True)


@dataclass(frozen=True, kw_only=True)
class _AuthField(Message):
    """Base of the password exchange messages: one base64 field (checked by security.pake)."""

    def _check(self, error_cls):
        for f in fields(self):
            _check_str(getattr(self, f.name), f.name, error_cls, max_len=MAX_AUTH_FIELD)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Auth(_AuthField):
    """Client -> server, before `hello` when the room has a password: SPAKE2 message A."""

    TYPE: ClassVar[str] = "auth"
    pake: str


@_message_type
@dataclass(frozen=True, kw_only=True)
class AuthChallenge(_AuthField):
    """Server -> client: SPAKE2 message B."""

    TYPE: ClassVar[str] = "auth_challenge"
    pake: str


@_message_type
@dataclass(frozen=True, kw_only=True)
class AuthConfirm(_AuthField):
    """Client -> server: the client's key-confirmation MAC (the client proves itself first)."""

    TYPE: ClassVar[str] = "auth_confirm"
    mac: str


@_message_type
@dataclass(frozen=True, kw_only=True)
class AuthOk(_AuthField):
    """Server -> client: the password matched; the server's key-confirmation MAC."""

    TYPE: ClassVar[str] = "auth_ok"
    mac: str


# --- files: asked for on the chat connection, carried by a transfer connection ---------------


@_message_type
@dataclass(frozen=True, kw_only=True)
class UploadRequest(Message):
    """Client -> server (joined): I want to store this file in the room.

    `id` is the client's own id for the request; the answer (`transfer_token` or
    `transfer_refused`) carries it back as `request`.
    """

    TYPE: ClassVar[str] = "upload_request"
    id: str
    name: str
    size: int
    sha256: str
    media_type: str = "application/octet-stream"

    def _check(self, error_cls):
        _check_id(self.id, "id", error_cls)
        # The name's own rules are the host's (filenames.file_name_problem): it refuses a bad
        # name with a reason, rather than as a broken frame.
        _check_str(self.name, "name", error_cls, max_len=MAX_FILE_NAME)
        _check_int(self.size, "size", error_cls)
        _check_sha256(self.sha256, error_cls)
        _check_media_type(self.media_type, error_cls)


@_message_type
@dataclass(frozen=True, kw_only=True)
class DownloadRequest(Message):
    """Client -> server (joined): I want the stored file `file`, from byte `offset` on."""

    TYPE: ClassVar[str] = "download_request"
    id: str
    file: str
    offset: int = 0

    def _check(self, error_cls):
        _check_id(self.id, "id", error_cls)
        _check_id(self.file, "file", error_cls)
        _check_int(self.offset, "offset", error_cls)


@_message_type
@dataclass(frozen=True, kw_only=True)
class TransferToken(Message):
    """Server -> client: open a transfer connection with this one-time `token` (short-lived).

    `offset` is where the transfer starts (an upload resumes from what the host already
    holds and has checked); `size` is the whole file's size.
    """

    TYPE: ClassVar[str] = "transfer_token"
    request: str
    token: str
    offset: int
    size: int

    def _check(self, error_cls):
        _check_id(self.request, "request", error_cls)
        _check_id(self.token, "token", error_cls)
        _check_int(self.offset, "offset", error_cls)
        _check_int(self.size, "size", error_cls)


@_message_type
@dataclass(frozen=True, kw_only=True)
class TransferRefused(Message):
    """Server -> client: the request `request` is refused because of `code` (the chat goes on).

    `reason` refines some codes (which rule a file name broke); `limit` is the host's cap or
    quota in bytes for `file_too_large` and `file_over_quota` (0 otherwise).
    """

    TYPE: ClassVar[str] = "transfer_refused"
    request: str
    code: str
    reason: str = ""
    limit: int = 0

    def _check(self, error_cls):
        _check_id(self.request, "request", error_cls)
        _check_str(self.code, "code", error_cls, max_len=MAX_ID)
        _check_str(self.reason, "reason", error_cls, max_len=MAX_ID, allow_empty=True)
        _check_int(self.limit, "limit", error_cls)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Upload(Message):
    """Client -> server, first frame of a transfer connection: store the file of `token`."""

    TYPE: ClassVar[str] = "upload"
    token: str

    def _check(self, error_cls):
        _check_id(self.token, "token", error_cls)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Download(Message):
    """Client -> server, first frame of a transfer connection: send the file of `token`."""

    TYPE: ClassVar[str] = "download"
    token: str
    offset: int = 0

    def _check(self, error_cls):
        _check_id(self.token, "token", error_cls)
        _check_int(self.offset, "offset", error_cls)


@_message_type
@dataclass(frozen=True, kw_only=True)
class Ready(Message):
    """Server -> client on a transfer connection: raw bytes `offset`..`size` follow (download)
    or may now be sent (upload)."""

    TYPE: ClassVar[str] = "ready"
    offset: int
    size: int

    def _check(self, error_cls):
        _check_int(self.offset, "offset", error_cls)
        _check_int(self.size, "size", error_cls)
        if self.offset > self.size:
            _fail(BAD_FIELD, error_cls, field="offset")


@_message_type
@dataclass(frozen=True, kw_only=True)
class UploadDone(Message):
    """Server -> client, the verdict of an upload: stored and announced as file `file`."""

    TYPE: ClassVar[str] = "upload_done"
    file: str

    def _check(self, error_cls):
        _check_id(self.file, "file", error_cls)


# --- framing -------------------------------------------------------------------------------

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
# What that encoder does to each string (quotes it, escapes '"', '\\' and control characters).
_json_string = json.encoder.encode_basestring


def encode(message: Message) -> bytes:
    """Encode one message as a complete frame. The result can be written to many peers."""
    return _frame(_dumps(message.to_wire()).encode("utf-8"))


def encode_chat(msg_id: str, seq: int, sender: str, text: str, ts: float) -> bytes:
    """The same bytes as encode(Chat(...)), three times faster: the room's per-message path.

    Formatted directly, like the JSON encoder would (tests/test_protocol.py compares them):
    strings go through the encoder's own escaping, a float is written as its repr, and the
    id needs no escaping once checked by is_valid_id (the caller's duty, here and in
    encode_ack).
    """
    payload = (
        f'{{"type":"message","id":"{msg_id}","seq":{seq:d},"from":{_json_string(sender)},'
        f'"text":{_json_string(text)},"ts":{ts!r}}}'
    )
    return _frame(payload.encode("utf-8"))


def encode_addressed_chat(
    msg_id: str,
    seq: int,
    sender: str,
    text: str,
    ts: float,
    *,
    to: str = "",
    to_name: str = "",
    from_id: str = "",
    pending: bool = False,
    reply: Quote | None = None,
) -> bytes:
    """The same bytes as encode(Chat(...)) for a private message or a reply, formatted
    directly like encode_chat (the room's path for them; tests/test_protocol.py compares).

    The ids must be valid (is_valid_id), which the room has checked.
    """
    head = (
        f'{{"type":"message","id":"{msg_id}","seq":{seq:d},"from":{_json_string(sender)},'
        f'"text":{_json_string(text)},"ts":{ts!r}'
    )
    parts = [head]
    if to:
        parts.append(f',"to":"{to}","to_name":{_json_string(to_name)},"from_id":"{from_id}"')
        if pending:
            parts.append(',"pending":true')
    if reply is not None:
        parts.append(
            f',"reply":{{"id":"{reply.id}","from":{_json_string(reply.sender)},'
            f'"text":{_json_string(reply.text)}}}'
        )
    parts.append("}")
    return _frame("".join(parts).encode("utf-8"))


def encode_ack(msg_id: str, seq: int) -> bytes:
    """The same bytes as encode(Ack(...)), formatted directly like encode_chat."""
    return _frame(f'{{"type":"ack","id":"{msg_id}","seq":{seq:d}}}'.encode())


def _frame(payload: bytes) -> bytes:
    if not 0 < len(payload) <= MAX_FRAME:
        raise LocalProtocolError(FRAME_TOO_LARGE, limit=MAX_FRAME)
    return HEADER.pack(len(payload)) + payload


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(literal: str) -> float:
    # JSON has no infinity, but a literal too large for a double (1e400) parses to one:
    # refuse it like the NaN and Infinity constants, so no peer can plant an infinity.
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"{literal[:20]} is out of range")
    return value


_loads = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float).decode


def parse_payload(payload: bytes) -> dict[str, Any]:
    """Decode one frame's payload into its JSON object, checking it is an object with a type."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise RemoteProtocolError(BAD_UTF8) from None
    try:
        obj = _loads(text)
    except (ValueError, RecursionError):
        raise RemoteProtocolError(BAD_JSON) from None
    if not isinstance(obj, dict):
        raise RemoteProtocolError(NOT_AN_OBJECT)
    if not isinstance(obj.get("type"), str):
        raise RemoteProtocolError(BAD_FIELD, field="type")
    return obj


def decode_object(obj: dict[str, Any]) -> Message:
    """Turn a parsed JSON object into its message class, validating every field."""
    cls = MESSAGE_TYPES.get(obj["type"])
    if cls is None:
        raise RemoteProtocolError(UNKNOWN_TYPE, type=obj["type"][:MAX_ID])
    return cls.from_wire(obj)


class Decoder:
    """Turns a byte stream, split anywhere, into messages.

    After it raises `RemoteProtocolError` the stream is out of sync, so the decoder refuses
    further input: the connection must be closed.
    """

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buffer = bytearray()
        self._max_frame = max_frame
        self._broken: RemoteProtocolError | None = None

    def feed(self, data: bytes) -> list[Message]:
        """Add bytes from the peer and return every complete message they finish."""
        return [decode_object(obj) for obj in self.feed_objects(data)]

    def feed_objects(self, data: bytes) -> list[dict[str, Any]]:
        """Like `feed`, but stop at JSON objects (checked to have a string `type`).

        The server uses this so that it can refuse an unexpected type before paying for a
        full validation.
        """
        if self._broken is not None:
            raise self._broken
        buf = self._buffer
        buf += data
        out: list[dict[str, Any]] = []
        start = 0
        try:
            while len(buf) - start >= HEADER.size:
                (length,) = HEADER.unpack_from(buf, start)
                if length == 0:
                    raise RemoteProtocolError(EMPTY_FRAME)
                if length > self._max_frame:
                    raise RemoteProtocolError(FRAME_TOO_LARGE, limit=self._max_frame)
                end = start + HEADER.size + length
                if len(buf) < end:
                    break
                out.append(parse_payload(bytes(buf[start + HEADER.size : end])))
                start = end
        except RemoteProtocolError as exc:
            self._broken = exc
            raise
        finally:
            del buf[:start]
        return out

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return len(self._buffer)
