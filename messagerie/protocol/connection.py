"""Sans-IO connections: the handshake and the message flow of one peer, as state machines.

Like h11's `Connection` or websockets' `Protocol`: bytes from the peer go in
(`receive_data`), events come out, and what must be sent to the peer comes out as bytes
(`outgoing` / `data_to_send`). There is no socket, timer or event loop here. The asyncio room
(messagerie/net/server.py) and client (messagerie/net/client.py) only move bytes, run timers
and fan out; tests drive a pair of these objects in memory (tests/test_connection.py).

Each side has one `State` and every transition is made in this module:

    server: AUTHENTICATING (the room has a password) -> AWAITING_HELLO -> JOINED -> CLOSED
            AUTHENTICATING or AWAITING_HELLO -> TRANSFER (the first frame opened a transfer
            connection: see protocol/transfer.py, which takes over)
    client: AUTHENTICATING (we have a password) -> AWAITING_WELCOME -> JOINED -> CLOSED

The password exchange itself (SPAKE2) is done by objects that the caller provides, so that
the protocol layer needs no cryptography: the room answers `AuthRequested` with `challenge()`
and a `PasswordVerifier`; the joiner passes a `PasswordProver`. Both are implemented in
messagerie/security/room_password.py and pake.py.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any, Protocol

from messagerie.errors import LocalProtocolError, RemoteProtocolError, SecurityError
from messagerie.protocol import wire


class State(enum.Enum):
    AUTHENTICATING = "authenticating"
    AWAITING_HELLO = "awaiting_hello"
    AWAITING_WELCOME = "awaiting_welcome"
    JOINED = "joined"
    # A transfer connection (server side): protocol.transfer.ServerTransfer takes over.
    TRANSFER = "transfer"
    CLOSED = "closed"


# --- what the password exchange needs (implemented in messagerie/security) ---------------


class PasswordVerifier(Protocol):
    """Checks the client's confirmation of one password exchange (a cheap HMAC)."""

    def confirm(self, mac: object) -> str:
        """Check the client's MAC; return the server's. Raises SecurityError("wrong_password")."""


class PasswordProver(Protocol):
    """The joiner's side of the password exchange (messagerie.security.pake.PasswordClient)."""

    def start(self) -> str: ...

    def confirm(self, pake: object) -> str: ...

    def verify(self, mac: object) -> None: ...


# --- events --------------------------------------------------------------------------------


class _NeedData:
    def __repr__(self) -> str:
        return "NEED_DATA"


#: `ServerConnection.next_event()` returns this when it has nothing more to give.
NEED_DATA = _NeedData()


@dataclass(slots=True)
class AuthRequested:
    """Server side: the peer opened the password exchange with this SPAKE2 message.

    Answering costs milliseconds of arithmetic, so the room computes it where it likes (off its
    event loop) and then calls `challenge()`, or refuses; until then the connection gives no
    further event and keeps what arrives.
    """

    pake: object


@dataclass(slots=True)
class HelloReceived:
    """Server side: a valid `hello`. The room answers with `welcome()` or refuses."""

    hello: wire.Hello


@dataclass(slots=True)
class SayReceived:
    """Server side: a valid `say` from a joined participant (the room's hot path).

    `to` is a private message's recipient (a member id) and `reply_to` the id of the message
    it answers; the room checks both against what it knows.
    """

    id: str
    text: str
    to: str = ""
    reply_to: str = ""


@dataclass(slots=True)
class TypingReceived:
    """Server side: the participant is typing (the room tells the others, rate-limited)."""


@dataclass(slots=True)
class ByeReceived:
    """Server side: the participant left cleanly. The connection is CLOSED."""


@dataclass(slots=True)
class TransferOpened:
    """Server side: the connection's first frame opened a transfer (`kind` "upload" or
    "download") with `token`, to start at `offset` (downloads). The connection is now in
    TRANSFER: the room checks the token and hands the connection to the transfer code."""

    kind: str
    token: str
    offset: int


@dataclass(slots=True)
class FileRequested:
    """Server side: a joined participant asks to upload or download a file (`request` is a
    wire.UploadRequest or wire.DownloadRequest); the room answers with `grant` or `refuse`."""

    request: wire.UploadRequest | wire.DownloadRequest


@dataclass(slots=True)
class Welcomed:
    """Client side: the room accepted us."""

    welcome: wire.Welcome


@dataclass(slots=True)
class MessageArrived:
    """Client side: a room message not seen before. `history`: a catch-up, not live."""

    chat: wire.Chat
    history: bool


@dataclass(slots=True)
class Ended:
    """Either side: the connection is over (CLOSED) because of `code`.

    `by_peer` is True when the peer said so itself (an `error` frame or a `bye`), False when
    the peer broke the protocol or failed a check here. `details` holds what the sentence
    needs; a server's own sentence travels as `details["server_text"]`.
    """

    code: str
    details: dict[str, Any] = field(default_factory=dict)
    by_peer: bool = False


# What a ServerConnection reports, besides Ended.
ServerEvent = (
    HelloReceived
    | SayReceived
    | TypingReceived
    | ByeReceived
    | AuthRequested
    | FileRequested
    | TransferOpened
)

_PONG = wire.encode(wire.Pong())
_PING = wire.encode(wire.Ping())
_AUTH_TYPES = frozenset({wire.Auth.TYPE, wire.AuthConfirm.TYPE})
_TRANSFER_OPENERS = frozenset({wire.Upload.TYPE, wire.Download.TYPE})
_FILE_REQUESTS = frozenset({wire.UploadRequest.TYPE, wire.DownloadRequest.TYPE})


def _unexpected(kind: str) -> RemoteProtocolError:
    if kind not in wire.MESSAGE_TYPES:
        return RemoteProtocolError(wire.UNKNOWN_TYPE, type=kind[: wire.MAX_ID])
    return RemoteProtocolError(wire.UNEXPECTED_MESSAGE)


class ServerConnection:
    """The room's side of one connection.

    Feed it with `receive_data()`, then call `next_event()` until it returns NEED_DATA. The
    caller may stop early (flood control pauses a sender) and go on later: the messages not
    yet handled wait here, in order. Frames to send to this peer only (welcome, ack, pong,
    catch-up) collect in `outgoing`, which the room empties when it writes.
    """

    def __init__(
        self,
        *,
        address: str = "?",
        password_required: bool = False,
        max_frame: int = wire.MAX_FRAME,
    ) -> None:
        self.address = address
        self.state = State.AUTHENTICATING if password_required else State.AWAITING_HELLO
        self.name = ""
        self.client_id = ""
        # Known from the hello: the id the others address this peer by, and whether it can
        # receive private messages (it said so in `features`).
        self.member_id = ""
        self.private = False
        self.outgoing: list[bytes] = []
        # The password exchange: asked (`auth` seen), answered (a verifier), or neither yet.
        self._auth_asked = False
        self._verifier: PasswordVerifier | None = None
        self._decoder = wire.Decoder(max_frame)
        self._inbox: collections.deque[dict[str, Any] | RemoteProtocolError] = collections.deque()
        self._received_any = False
        self._frames_handled = 0

    @property
    def at_start(self) -> bool:
        """Nothing has been received yet (the room checks the first bytes for a TLS hello)."""
        return not self._received_any

    def receive_data(self, data: bytes | memoryview) -> None:
        """Add bytes from the peer. Events come out of `next_event()`."""
        if self.state is State.CLOSED:
            return
        self._received_any = True
        try:
            self._inbox.extend(self._decoder.feed_objects(data))
        except RemoteProtocolError as exc:
            # The stream is out of sync: nothing after this can be read.
            self._inbox.append(exc)

    def next_event(self) -> ServerEvent | Ended | _NeedData:
        """The next event, or NEED_DATA. After an `Ended`, the connection is CLOSED."""
        inbox = self._inbox
        while inbox:
            if self._auth_asked and self._verifier is None and self.state is State.AUTHENTICATING:
                break  # the room has not answered `auth` yet
            if self.state is State.CLOSED:
                inbox.clear()
                break
            item = inbox.popleft()
            try:
                if type(item) is RemoteProtocolError:
                    raise item
                event = self._handle(item)
            except (RemoteProtocolError, SecurityError) as exc:
                self.state = State.CLOSED
                inbox.clear()
                return Ended(exc.code, dict(exc.details))
            if event is not None:
                return event
            if self.state is State.TRANSFER:
                break
        return NEED_DATA

    def _handle(self, obj: dict[str, Any]) -> ServerEvent | None:
        kind = obj["type"]
        state = self.state
        if state is State.JOINED:
            if kind == "say":
                msg_id = obj.get("id")
                text = obj.get("text")
                wire.check_say_fields(msg_id, text, RemoteProtocolError)
                if len(obj) == 3:  # type, id, text: the usual room message, checked already
                    return SayReceived(msg_id, text)
                return self._addressed_say(obj, msg_id, text)
            if kind == "ping":
                self.outgoing.append(_PONG)
                return None
            if kind == "typing":
                return TypingReceived()
            if kind == "pong":
                return None
            if kind == "bye":
                self.state = State.CLOSED
                return ByeReceived()
            if kind in _FILE_REQUESTS:
                return FileRequested(wire.decode_object(obj))
            raise _unexpected(kind)
        first = self._frames_handled == 0
        self._frames_handled += 1
        if kind in _TRANSFER_OPENERS and first:
            return self._open_transfer(obj)
        if state is State.AWAITING_HELLO:
            if kind != "hello":
                raise _unexpected(kind)
            hello = wire.decode_object(obj)  # any version but ours is unsupported_version
            self.client_id = hello.client_id
            self.member_id = wire.member_id(hello.client_id)
            self.private = wire.FEATURE_PRIVATE in hello.features
            return HelloReceived(hello)
        # AUTHENTICATING: the room has a password and this peer has not proved it yet.
        if kind == "hello":
            raise SecurityError("password_required")
        if kind not in _AUTH_TYPES:
            raise _unexpected(kind)
        if kind == wire.Auth.TYPE:
            if self._auth_asked:
                raise RemoteProtocolError(wire.UNEXPECTED_MESSAGE)
            self._auth_asked = True
            return AuthRequested(obj.get("pake"))
        if self._verifier is None:
            raise RemoteProtocolError(wire.UNEXPECTED_MESSAGE)
        mac = self._verifier.confirm(obj.get("mac"))
        self.outgoing.append(wire.encode(wire.AuthOk(mac=mac)))
        self.state = State.AWAITING_HELLO
        return None

    def _addressed_say(self, obj: dict[str, Any], msg_id: str, text: str) -> SayReceived | None:
        """A `say` with more than its two fields: a private message, a reply, or a forgery."""
        if "from" in obj or "from_id" in obj:
            # The room names the sender itself; a client that tries to name one is refused,
            # so that no one can even attempt to speak as someone else.
            self.refuse_say(msg_id, "forged_sender")
            return None
        say = wire.Say.from_wire(obj)
        return SayReceived(msg_id, text, say.to, say.reply_to)

    def refuse_say(self, msg_id: str, code: str) -> None:
        """Refuse a `say` (nothing stored, nothing sent to anyone); the connection goes on."""
        self.outgoing.append(wire.encode(wire.Refused(id=msg_id, code=code)))

    def deliver_notice(self, msg_id: str, seq: int) -> None:
        """Tell the sender that its private message reached the recipient."""
        self.outgoing.append(wire.encode(wire.Delivered(id=msg_id, seq=seq)))

    def challenge(self, challenge: str, verifier: PasswordVerifier) -> None:
        """Step 2 of the password exchange: the room's answer to `AuthRequested`."""
        if self.state is not State.AUTHENTICATING or not self._auth_asked or self._verifier:
            raise LocalProtocolError(wire.UNEXPECTED_MESSAGE)
        self._verifier = verifier
        self.outgoing.append(wire.encode(wire.AuthChallenge(pake=challenge)))

    def _open_transfer(self, obj: dict[str, Any]) -> TransferOpened:
        """The first frame is `upload` or `download`: this is a transfer connection.

        It skips the password exchange: its token was handed out on a chat connection that
        went through it. Nothing may follow the opener before the room's `ready`.
        """
        opener = wire.decode_object(obj)
        if self._inbox or self._decoder.buffered:
            raise RemoteProtocolError(wire.UNEXPECTED_MESSAGE)
        self.state = State.TRANSFER
        return TransferOpened(opener.TYPE, opener.token, getattr(opener, "offset", 0))

    def grant(self, request_id: str, *, token: str, offset: int, size: int) -> None:
        """Answer a FileRequested: open a transfer connection with `token`."""
        self.outgoing.append(
            wire.encode(
                wire.TransferToken(request=request_id, token=token, offset=offset, size=size)
            )
        )

    def refuse(self, request_id: str, code: str, reason: str = "", *, limit: int = 0) -> None:
        """Answer a FileRequested with a refusal; the chat connection goes on."""
        refused = wire.TransferRefused(request=request_id, code=code, reason=reason, limit=limit)
        self.outgoing.append(wire.encode(refused))

    def welcome(
        self,
        *,
        room: str,
        name: str,
        participants: tuple[str, ...],
        last_seq: int,
        host: str = "",
        members: tuple[wire.Member, ...] = (),
    ) -> None:
        """Step 2 of the handshake: accept the `hello` under `name` (the room chose it).

        `members` (with ids) go only to a client that can receive private messages.
        """
        if self.state is not State.AWAITING_HELLO or not self.client_id:
            raise LocalProtocolError(wire.UNEXPECTED_MESSAGE)
        self.name = name
        welcome = wire.Welcome(
            room=room, name=name, participants=participants, last_seq=last_seq, host=host
        )
        if self.private:
            welcome = dataclasses.replace(welcome, members=members, id=self.member_id)
        self.outgoing.append(wire.encode(welcome))
        self.state = State.JOINED

    def ping(self) -> None:
        """Ask the peer whether it is still there (it answers `pong`)."""
        self.outgoing.append(_PING)

    def close(self) -> bool:
        """We end this connection (the caller sends why). False if it was already closed."""
        if self.state is State.CLOSED:
            return False
        self.state = State.CLOSED
        self._inbox.clear()
        return True


class ClientConnection:
    """The joiner's side of one connection attempt.

    `start()` sends the first frame; `receive_data()` returns the events that the bytes
    complete; what to send collects until `data_to_send()`. `last_seq` is the highest room
    sequence number seen: messages at or below it are not shown again (a resend after a
    reconnect), and the next connection's `hello` carries it.
    """

    def __init__(
        self,
        *,
        name: str,
        client_id: str,
        last_seq: int = 0,
        password: PasswordProver | None = None,
        max_frame: int = wire.MAX_FRAME,
    ) -> None:
        self._hello = wire.Hello(
            version=wire.PROTOCOL_VERSION,
            name=name,
            client_id=client_id,
            last_seq=last_seq,
            features=(wire.FEATURE_PRIVATE,),
        )
        self.last_seq = last_seq
        self.state = State.AUTHENTICATING if password is not None else State.AWAITING_WELCOME
        self._password = password
        self._challenged = False
        self._decoder = wire.Decoder(max_frame)
        self._outgoing: list[bytes] = []
        self._history_until = 0

    def start(self) -> None:
        """Step 1: `auth` when we have a password (then `hello` after it), else `hello`."""
        if self._password is not None:
            self._send(wire.Auth(pake=self._password.start()))
        else:
            self._send(self._hello)

    def data_to_send(self) -> bytes:
        data = b"".join(self._outgoing)
        self._outgoing.clear()
        return data

    def say(self, msg_id: str, text: str, *, to: str = "", reply_to: str = "") -> None:
        """Post `text` (privately to the member `to`, as an answer to `reply_to`)."""
        if self.state is not State.JOINED:
            raise LocalProtocolError(wire.UNEXPECTED_MESSAGE)
        self._send(wire.Say(id=msg_id, text=text, to=to, reply_to=reply_to))

    def ping(self) -> None:
        self._send(wire.Ping())

    def request_file(self, request: wire.UploadRequest | wire.DownloadRequest) -> None:
        """Ask the room for a transfer token (answered by TransferToken or TransferRefused)."""
        if self.state is not State.JOINED:
            raise LocalProtocolError(wire.UNEXPECTED_MESSAGE)
        self._send(request)

    def typing(self) -> None:
        """Tell the room we are typing (the caller keeps to one every few seconds)."""
        if self.state is State.JOINED:
            self._send(wire.Typing())

    def bye(self) -> None:
        """Leave cleanly (only a joined connection says so)."""
        if self.state is State.JOINED:
            self._send(wire.Bye())
        self.state = State.CLOSED

    def receive_data(self, data: bytes) -> list[Any]:
        """Events for `data`: Welcomed, MessageArrived, the room's Ack, Refused, Delivered,
        Joined, Left, Typing, TransferToken and TransferRefused, and a last Ended."""
        if self.state is State.CLOSED:
            return []
        out: list[Any] = []
        try:
            for message in self._decoder.feed(data):
                self._handle(message, out)
                if self.state is State.CLOSED:
                    break
        except RemoteProtocolError as exc:
            # The server sent something we cannot read: tell it why, then go.
            self._send(wire.Error(code=exc.code))
            self.state = State.CLOSED
            out.append(Ended(exc.code, dict(exc.details)))
        except SecurityError as exc:
            self.state = State.CLOSED
            out.append(Ended(exc.code, dict(exc.details)))
        return out

    def _handle(self, message: wire.Message, out: list[Any]) -> None:
        if isinstance(message, wire.Error):
            self.state = State.CLOSED
            details = {"server_text": message.message} if message.message else {}
            out.append(Ended(message.code, details, by_peer=True))
            return
        state = self.state
        if state is State.JOINED:
            if isinstance(message, wire.Chat):
                if message.seq > self.last_seq:
                    self.last_seq = message.seq
                    out.append(MessageArrived(message, message.seq <= self._history_until))
            elif isinstance(
                message,
                wire.Ack
                | wire.Refused
                | wire.Delivered
                | wire.Joined
                | wire.Left
                | wire.TransferToken
                | wire.TransferRefused,
            ):
                out.append(message)
            elif isinstance(message, wire.Typing):
                if message.name:
                    out.append(message)
            elif isinstance(message, wire.Ping):
                self._send(wire.Pong())
            elif isinstance(message, wire.Bye):
                self.state = State.CLOSED
                code = "room_closed" if message.reason == "room_closed" else "connection_lost"
                out.append(Ended(code, by_peer=True))
            elif not isinstance(message, wire.Pong):
                raise RemoteProtocolError(wire.UNEXPECTED_MESSAGE)
        elif state is State.AWAITING_WELCOME:
            if not isinstance(message, wire.Welcome):
                raise RemoteProtocolError(wire.UNEXPECTED_MESSAGE)
            if message.last_seq < self.last_seq:
                # The room's history was reset (a new host data folder): start over.
                self.last_seq = 0
            self._history_until = message.last_seq
            self.state = State.JOINED
            out.append(Welcomed(message))
            for chat in message.history:
                self._handle(chat, out)
        else:  # AUTHENTICATING
            # A server that skips or bends the exchange might be an impostor pretending the
            # room is open: that is a failed server check, not a protocol slip.
            if not self._challenged:
                if not isinstance(message, wire.AuthChallenge):
                    raise SecurityError("server_auth_failed")
                self._challenged = True
                self._send(wire.AuthConfirm(mac=self._password.confirm(message.pake)))
                return
            if not isinstance(message, wire.AuthOk):
                raise SecurityError("server_auth_failed")
            self._password.verify(message.mac)
            self.state = State.AWAITING_WELCOME
            self._send(self._hello)

    def _send(self, message: wire.Message) -> None:
        self._outgoing.append(wire.encode(message))
