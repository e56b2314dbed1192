"""The room: an asyncio server that many participants join, the host among them.

Speed comes from three rules (see docs/PERFORMANCE.md for the measurements):
1. Each message is encoded once, whatever the number of recipients.
2. Frames are not written as they are produced. They are queued, and one flush per event-loop
   iteration commits the history (so acks mean "stored") and then makes ONE write per
   participant: the same bytes object for everyone who only needs the broadcast, which is one
   TLS record per participant instead of one per message.
3. There is no per-message Python work per recipient.

Protection: a per-IP connection cap, a room cap, a handshake timeout, ping-based liveness, a
token bucket that slows a flooding sender by pausing reads from it (never dropping its
messages), and a send-buffer cap that drops a participant who stops reading.
"""

from __future__ import annotations

import asyncio
import asyncio.sslproto
import collections
import contextlib
import logging
import os
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

from messagerie import protocol
from messagerie.errors import RemoteProtocolError, SecurityError
from messagerie.i18n import tr
from messagerie.limits import Limits
from messagerie.net import events
from messagerie.security.identity import looks_like_tls
from messagerie.store.history import HistoryStore

log = logging.getLogger(__name__)

# How many stored messages are read and written per step of a catch-up. The catch-up goes on
# when the participant's transport drains, so a long backlog never fills the send buffer.
CATCH_UP_PAGE = 200
# Above this many buffered bytes, asyncio calls pause_writing() and the catch-up waits.
WRITE_HIGH_WATER = 256 * 1024
# Under load, flushes are spaced by this much per participant (capped), so that messages
# arriving one by one still share writes: a flush costs about one system call (and with TLS one
# record) per participant, and that cost is paid per flush, not per message. A message waits
# at most the spacing (10 ms for 50 participants, 20 ms from 100 on), which nobody perceives
# in a chat. Spacing applies only while flushes carry several messages each: an idle room, or
# a conversation with one message at a time, flushes at once. Measured in
# docs/PERFORMANCE.md: at N=50, 10 us per participant cost 1.04x ncat's CPU per delivery and
# 200 us costs 0.45x; at N=200, the 20 ms cap takes it from 0.58x to 0.25-0.28x.
FLUSH_SPACING_PER_PARTICIPANT_S = 200e-6
MAX_FLUSH_SPACING_S = 0.020

# asyncio gives every TLS connection a 256 KiB receive buffer (SSLProtocol.max_size, filled with
# zeros, so resident): 256 MiB for a room of 1,000. A TLS record is at most 16 KiB, so 32 KiB
# reads cost little more system calls and bring the room under 100 KiB per participant.
# (Process-wide: it also applies to the client's single connection, where it is harmless.)
asyncio.sslproto.SSLProtocol.max_size = 32 * 1024
# Size of the one read buffer that every connection of the room shares.
READ_BUFFER_SIZE = 256 * 1024
# How many clients' first-join positions the room remembers (see Room.welcome).
MAX_REMEMBERED_CLIENTS = 10_000
# How long a refused or dropped peer has to read its `error` frame before its socket is cut.
CLOSE_GRACE_S = 2.0

# Connection states.
AWAITING_HELLO = "awaiting_hello"
JOINED = "joined"
CLOSED = "closed"


class Participant(asyncio.BufferedProtocol):
    """One TCP (or TLS) connection to the room.

    A buffered protocol: asyncio reads into the room's one shared buffer (`get_buffer`) and
    tells us how much arrived (`buffer_updated`), which we consume at once. A plain Protocol
    gets a fresh bytes object per read, and asyncio asks for 256 KiB each time, above
    malloc's mmap threshold: measured at 26 against 3.6 us per small read here.
    """

    def __init__(self, room: Room) -> None:
        self.room = room
        self.transport: asyncio.Transport | None = None
        self.address = "?"
        self.state = AWAITING_HELLO
        self.name = ""
        self.client_id = ""
        self.decoder = protocol.Decoder(room.limits.max_frame)
        self.last_heard = time.monotonic()
        # Frames for this participant only (welcome, ack, pong, error), written before the
        # broadcast at the next flush.
        self.private: list[bytes] = []
        # Index into the room's broadcast queue from which this participant receives; a
        # participant who joins mid-iteration must not get frames queued before it joined.
        self.broadcast_from = 0
        # Catch-up: send stored messages with seq in (catch_up_after, catch_up_until].
        self.catching_up = False
        self.catch_up_after = 0
        self.write_paused = False
        # Flood control: a token bucket, and the messages waiting while reads are paused.
        self.tokens = float(room.limits.flood_burst)
        self.tokens_at = time.monotonic()
        self.backlog: collections.deque[dict[str, Any]] = collections.deque()
        self.reading_paused = False
        self.timer: asyncio.TimerHandle | None = None
        self.requested_name = ""
        # The password exchange's state (messagerie.security.pake.PasswordServer) when there is one.
        self.auth: Any = None
        self.authenticated = room.authenticator is None
        self.lost = False  # connection_lost has run

    # --- asyncio callbacks ---

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.address = peer[0] if peer else "?"
        transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)  # type: ignore[attr-defined]
        refusal = self.room.admit(self)
        if refusal:
            self.fail(refusal)
            return
        self.timer = self.room.loop.call_later(
            self.room.limits.handshake_timeout_s, self._handshake_expired
        )

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.room.read_buffer

    def buffer_updated(self, nbytes: int) -> None:
        # The shared buffer is reused by the next read of any connection, and the decoder
        # copies what it keeps, so handing it a view is safe.
        self.data_received(self.room.read_buffer[:nbytes])

    def data_received(self, data: bytes | memoryview) -> None:
        if self.state == CLOSED:
            return
        self.last_heard = time.monotonic()
        if self.state == AWAITING_HELLO and not self.decoder.buffered and looks_like_tls(data):
            # A TLS client on a --no-tls room. It cannot read our frame, but the frame's bytes
            # make its TLS layer fail at once with a clear "wrong version number".
            self.fail("tls_required")
            return
        try:
            objects = self.decoder.feed_objects(data)
        except RemoteProtocolError as exc:
            self.fail(exc.code, **exc.details)
            return
        if self.backlog or self.reading_paused:
            self.backlog.extend(objects)
            return
        for index, obj in enumerate(objects):
            if self.state == CLOSED:
                return
            if not self.handle(obj):
                # Flood control paused us: keep the rest for later, in order.
                self.backlog.extend(objects[index + 1 :])
                return

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.timer:
            self.timer.cancel()
        previous, self.state = self.state, CLOSED
        self.room.remove(self, was_joined=previous == JOINED, reason="dropped")

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.catching_up:
            self.room.schedule_flush()

    # --- message handling ---

    def handle(self, obj: dict[str, Any]) -> bool:
        """Handle one message; return False when flood control paused reading."""
        kind = obj["type"]
        try:
            if self.state == JOINED:
                if kind == "say":
                    return self._say(obj)
                if kind == "ping":
                    self.send_private(_PONG)
                elif kind == "pong":
                    pass
                elif kind == "bye":
                    self.room.remove(self, was_joined=True, reason="bye")
                    self.state = CLOSED
                    self.transport.close()
                else:
                    self._unexpected(kind)
            elif self.state == AWAITING_HELLO:
                if kind == "hello":
                    if not self.authenticated:
                        raise SecurityError("password_required")
                    hello = protocol.decode_object(obj)
                    if hello.version != protocol.PROTOCOL_VERSION:
                        raise RemoteProtocolError(protocol.UNSUPPORTED_VERSION)
                    self.room.greet(self, hello)
                elif kind in self.room.extra_types:
                    self.room.authenticator.receive(self, obj)
                else:
                    self._unexpected(kind)
        except (RemoteProtocolError, SecurityError) as exc:
            self.fail(exc.code, **exc.details)
        return True

    def _unexpected(self, kind: str) -> None:
        if kind not in protocol.MESSAGE_TYPES and kind not in self.room.extra_types:
            raise RemoteProtocolError(protocol.UNKNOWN_TYPE, type=kind[: protocol.MAX_ID])
        raise RemoteProtocolError(protocol.UNEXPECTED_MESSAGE)

    def _say(self, obj: dict[str, Any]) -> bool:
        msg_id = obj.get("id")
        text = obj.get("text")
        # Inline checks rather than building a Say dataclass: this is the hot path.
        if not protocol.is_valid_id(msg_id):
            raise RemoteProtocolError(protocol.BAD_FIELD, field="id")
        problem = protocol.text_problem(text)
        if problem == "too_long":
            raise RemoteProtocolError(protocol.TEXT_TOO_LONG, limit=protocol.MAX_TEXT)
        if problem:
            raise RemoteProtocolError(protocol.BAD_FIELD, field="text")
        self.room.post(msg_id, self.name, text, sender=self)
        return self._take_token()

    def _take_token(self) -> bool:
        limits = self.room.limits
        now = time.monotonic()
        self.tokens = min(
            float(limits.flood_burst),
            self.tokens + (now - self.tokens_at) * limits.flood_rate_per_s,
        )
        self.tokens_at = now
        self.tokens -= 1.0
        if self.tokens >= 0:
            return True
        # Out of tokens: stop reading from this sender until one token is back. Its messages
        # wait in the kernel's socket buffer and our backlog, so nothing is dropped; TCP
        # flow control slows the sender itself down.
        self.reading_paused = True
        self.transport.pause_reading()
        self.room.loop.call_later(-self.tokens / limits.flood_rate_per_s, self._resume_reading)
        return False

    def _resume_reading(self) -> None:
        if self.state == CLOSED:
            return
        self.reading_paused = False
        while self.backlog:
            if self.state == CLOSED:
                return
            if not self.handle(self.backlog.popleft()):
                return
        self.transport.resume_reading()

    # --- output ---

    def send_private(self, frame: bytes) -> None:
        self.private.append(frame)
        if self.state != JOINED:
            # Not in the fan-out list yet (password exchange): flushed on its own.
            self.room.handshaking.add(self)
        self.room.schedule_flush()

    def fail(self, code: str, **details: object) -> None:
        """Tell the peer what it did wrong, then close. The room goes on."""
        if self.state == CLOSED:
            return
        log.info("dropping %s (%s): %s", self.address, self.name or "-", code)
        frame = protocol.encode(protocol.Error(code=code, message=tr(f"error.{code}", **details)))
        previous, self.state = self.state, CLOSED
        self.room.remove(self, was_joined=previous == JOINED, reason=code)
        transport = self.transport
        if transport and not transport.is_closing():
            if code == "slow_reader":
                # Its buffer is over the cap and it does not read: close() would keep the
                # socket and the buffer until the peer drained it, that is forever. Let go now.
                self.private.clear()
                _cut(transport)
                return
            transport.write(b"".join([*self.private, frame]))
            self.private.clear()
            transport.close()
            # close() waits for the error frame to be sent. A peer that never reads it (dead,
            # half-open, or hostile) must not keep the socket and its buffer: cut it after a
            # grace period (nothing happens if it closed meanwhile).
            self.room.loop.call_later(CLOSE_GRACE_S, self._cut_if_still_open)

    def _cut_if_still_open(self) -> None:
        # Only while connection_lost has not run: once the transport has closed by itself,
        # abort() on it is not harmless in Python 3.11 (it runs connection_lost again).
        if not self.lost:
            _cut(self.transport)

    def _handshake_expired(self) -> None:
        if self.state == AWAITING_HELLO:
            self.fail("handshake_timeout")


_PONG = protocol.encode(protocol.Pong())
_PING = protocol.encode(protocol.Ping())


class Room:
    """The chat room: participants, sequence numbers, history and the batched fan-out."""

    def __init__(
        self,
        *,
        loop: asyncio.AbstractEventLoop,
        host_name: str,
        history: HistoryStore,
        limits: Limits,
        on_event: Callable[[events.Event], None],
        room_name: str = "",
        authenticator: Any = None,
    ) -> None:
        self.loop = loop
        self.limits = limits
        self.history = history
        self.on_event = on_event
        self.room_name = room_name or host_name
        self.host_name = host_name
        # Optional password check (messagerie.net.auth.PasswordAuthenticator).
        self.authenticator = authenticator
        self.extra_types: frozenset[str] = (
            authenticator.message_types if authenticator else frozenset()
        )
        self.participants: dict[Participant, None] = {}  # joined, in join order
        self.connections_per_ip: collections.Counter[str] = collections.Counter()
        self.connections: set[Participant] = set()
        # client_id -> where its history started when it first joined (least recent first).
        # Memory only: after a host restart, a client that never received a message is
        # treated as a newcomer again.
        self.history_floors: collections.OrderedDict[str, int] = collections.OrderedDict()
        self.broadcast: list[bytes] = []
        # Every connection reads into this one buffer (see Participant.get_buffer).
        self.read_buffer = memoryview(bytearray(READ_BUFFER_SIZE))
        # Connections still in the handshake that have frames to send.
        self.handshaking: set[Participant] = set()
        self.flush_scheduled = False
        self.last_flush = 0.0  # loop time of the last flush
        # Messages posted since the last flush, and how many the last flush carried: spacing
        # flushes only pays when messages come faster than one per flush.
        self.posted_since_flush = 0
        self.last_flush_messages = 0
        # Events for the host's own display, handed over after the flush has written to the
        # network, so that showing a message on the host never delays it for the others.
        self.pending_events: list[events.Event] = []
        self.closing = False
        self._sweeper: asyncio.TimerHandle | None = None

    # --- membership ---

    def admit(self, conn: Participant) -> str | None:
        """A new connection: return an error code to refuse it, or None to accept."""
        if self.closing:
            return "room_closed"
        if self.connections_per_ip[conn.address] >= self.limits.max_connections_per_ip:
            return "too_many_connections"
        self.connections_per_ip[conn.address] += 1
        self.connections.add(conn)
        return None

    def greet(self, conn: Participant, hello: protocol.Hello) -> None:
        """Steps 2-3 of the handshake: welcome the newcomer (or refuse it)."""
        conn.client_id = hello.client_id
        conn.catch_up_after = hello.last_seq
        conn.requested_name = hello.name
        # A client that reconnects while its old connection still looks alive (a half-open
        # TCP connection after a Wi-Fi drop) replaces it.
        for other in list(self.participants):
            if other.client_id == conn.client_id:
                other.fail("replaced")
        if len(self.participants) >= self.limits.max_participants:
            raise RemoteProtocolError("room_full")
        if conn.timer:
            conn.timer.cancel()
            conn.timer = None
        conn.name = self._unique_name(conn.requested_name)
        names = [self.host_name, *(p.name for p in self.participants), conn.name]
        last_seq = self.history.last_seq
        conn.send_private(
            protocol.encode(
                protocol.Welcome(
                    room=self.room_name,
                    name=conn.name,
                    participants=tuple(names),
                    last_seq=last_seq,
                )
            )
        )
        self.queue_broadcast(protocol.encode(protocol.Joined(name=conn.name)))
        conn.state = JOINED
        conn.broadcast_from = len(self.broadcast)
        self.participants[conn] = None
        if conn.catch_up_after > last_seq:
            # The client knows a longer history than ours (the host's data was reset).
            conn.catch_up_after = 0
        floor = self.history_floors.get(conn.client_id)
        if floor is not None:
            # A returning client. last_seq 0 does not make it a newcomer: it may have lost
            # its first connection before receiving anything, and everything posted since
            # it first joined is owed to it, not just the last 100 messages.
            self.history_floors.move_to_end(conn.client_id)
            conn.catch_up_after = max(conn.catch_up_after, min(floor, last_seq))
        else:
            if conn.catch_up_after == 0:
                conn.catch_up_after = max(0, last_seq - self.limits.history_for_newcomers)
            self.history_floors[conn.client_id] = conn.catch_up_after
            if len(self.history_floors) > MAX_REMEMBERED_CLIENTS:
                self.history_floors.popitem(last=False)
        conn.catching_up = conn.catch_up_after < last_seq
        self.emit(events.Joined(name=conn.name, address=conn.address))

    def _unique_name(self, wanted: str) -> str:
        # Compared by skeleton, not by string: "Hote", "Ｈｏｔｅ" and "Hоte" with a Cyrillic o
        # are one name to the eye, so the second of them present gets a suffix.
        skeleton = protocol.name_skeleton
        taken = {skeleton(self.host_name), *(skeleton(p.name) for p in self.participants)}
        if skeleton(wanted) not in taken:
            return wanted
        for n in range(2, self.limits.max_participants + 2):
            suffix = f" ({n})"
            candidate = wanted[: protocol.MAX_NAME - len(suffix)] + suffix
            if skeleton(candidate) not in taken:
                return candidate
        raise RemoteProtocolError("room_full")

    def remove(self, conn: Participant, *, was_joined: bool, reason: str) -> None:
        if conn in self.connections:
            self.connections.discard(conn)
            self.connections_per_ip[conn.address] -= 1
            if self.connections_per_ip[conn.address] <= 0:
                del self.connections_per_ip[conn.address]
        if was_joined and conn in self.participants:
            del self.participants[conn]
            if not self.closing:
                self.queue_broadcast(protocol.encode(protocol.Left(name=conn.name, reason=reason)))
                self.emit(events.Left(name=conn.name, address=conn.address, reason=reason))

    # --- messages ---

    def post(self, msg_id: str, sender_name: str, text: str, sender: Participant | None) -> None:
        """Store a message, acknowledge it to its sender and queue it for everyone."""
        ts = round(time.time(), 3)
        seq, is_new = self.history.add(msg_id, sender_name, text, ts)
        if sender is not None:
            sender.private.append(protocol.encode_ack(msg_id, seq))
        if is_new:
            self.posted_since_flush += 1
            self.broadcast.append(protocol.encode_chat(msg_id, seq, sender_name, text, ts))
            self.pending_events.append(
                events.MessageReceived(
                    id=msg_id, seq=seq, sender=sender_name, text=text, ts=ts, own=sender is None
                )
            )
        self.schedule_flush()

    def emit(self, event: events.Event) -> None:
        """Hand `event` to the host's display at the next flush, in order with the messages."""
        self.pending_events.append(event)
        self.schedule_flush()

    def queue_broadcast(self, frame: bytes) -> None:
        self.broadcast.append(frame)
        self.schedule_flush()

    def schedule_flush(self) -> None:
        if not self.flush_scheduled:
            self.flush_scheduled = True
            # call_soon runs after every callback of this loop iteration: everything that
            # arrived in this iteration leaves in one write per participant. Right after a
            # flush, wait out the spacing so that the next one carries more messages.
            # Spacing only under load (the last flush carried several messages): a
            # conversation, even a fast one, gets each message out at once.
            spacing = 0.0
            if self.last_flush_messages > 1:
                spacing = min(
                    MAX_FLUSH_SPACING_S, len(self.participants) * FLUSH_SPACING_PER_PARTICIPANT_S
                )
            wait = self.last_flush + spacing - self.loop.time()
            if wait > 0:
                self.loop.call_later(wait, self.flush)
            else:
                self.loop.call_soon(self.flush)

    def flush(self) -> None:
        self.flush_scheduled = False
        self.last_flush = self.loop.time()
        self.last_flush_messages, self.posted_since_flush = self.posted_since_flush, 0
        self.history.commit()
        if self.history.warning:
            self.pending_events.append(events.Notice(code="storage", message=self.history.warning))
            self.history.warning = None
        for conn in self.handshaking:
            if conn.state == AWAITING_HELLO and conn.private:
                conn.transport.write(b"".join(conn.private))
                conn.private = []
        self.handshaking.clear()
        frames = self.broadcast
        self.broadcast = []
        if frames:
            blob = b"".join(frames)
            # Those who only need the broadcast first: a message reaches the others before
            # its sender's ack, since the sender already shows it.
            later = []
            for conn in list(self.participants):  # a copy: fail() removes from the room
                if conn.private or conn.broadcast_from or conn.catching_up:
                    later.append(conn)
                elif conn.state == JOINED and not conn.transport.is_closing():
                    self._write(conn, blob)
        else:
            later = self._with_private()
        for conn in later:
            if conn.state != JOINED or conn.transport.is_closing():
                continue
            if conn.catching_up:
                self._catch_up(conn, frames)
                continue
            parts = conn.private
            parts.extend(frames[conn.broadcast_from :])
            conn.private = []
            conn.broadcast_from = 0
            self._write(conn, b"".join(parts))
        if self.pending_events:
            handed, self.pending_events = self.pending_events, []
            for event in handed:
                self.on_event(event)

    def _write(self, conn: Participant, data: bytes) -> None:
        conn.transport.write(data)
        if conn.transport.get_write_buffer_size() > self.limits.send_buffer_cap:
            conn.fail("slow_reader")

    def _with_private(self) -> list[Participant]:
        return [p for p in self.participants if p.private or p.catching_up]

    def _catch_up(self, conn: Participant, frames: list[bytes]) -> None:
        """Send stored messages to a participant who missed them, one page per drain.

        Live messages are not sent meanwhile: they are in the history by now (the flush
        committed first) and reach the participant in order through the catch-up itself.
        Presence frames are kept, since they are not stored.
        """
        presence = [f for f in frames[conn.broadcast_from :] if not _is_message_frame(f)]
        conn.broadcast_from = 0
        out = conn.private
        conn.private = []
        out.extend(presence)
        while not conn.write_paused and conn.catch_up_after < self.history.last_seq:
            page = self.history.since(conn.catch_up_after, CATCH_UP_PAGE)
            if not page:
                # Part of the history could not be read back (the file failed under us):
                # skip it rather than hold this participant's live messages forever.
                conn.catch_up_after = self.history.last_seq
                break
            out.extend(protocol.encode_chat(m.id, m.seq, m.sender, m.text, m.ts) for m in page)
            conn.catch_up_after = page[-1].seq
            conn.transport.write(b"".join(out))
            out = []
        if out:
            conn.transport.write(b"".join(out))
        if conn.catch_up_after >= self.history.last_seq:
            conn.catching_up = False

    # --- liveness ---

    def start_sweeper(self) -> None:
        self._sweeper = self.loop.call_later(self.limits.ping_interval_s / 3, self._sweep)

    def _sweep(self) -> None:
        now = time.monotonic()
        for conn in list(self.participants):
            silent = now - conn.last_heard
            if silent > self.limits.dead_peer_s:
                conn.fail("peer_timeout")
            elif silent > self.limits.ping_interval_s:
                conn.send_private(_PING)
        self.start_sweeper()

    async def close(self) -> None:
        """Tell everyone the room is closing, then close every connection."""
        self.closing = True
        if self._sweeper:
            self._sweeper.cancel()
        self.flush()
        bye = protocol.encode(protocol.Bye(reason="room_closed"))
        for conn in list(self.connections):
            if conn.transport and not conn.transport.is_closing():
                conn.transport.write(bye)
                conn.transport.close()
        self.history.close()


def _cut(transport: asyncio.BaseTransport) -> None:
    """Close at once and discard what is unsent, in our buffer and in the kernel's.

    A plain abort() closes the socket, but the kernel then keeps the unsent bytes (up to
    megabytes) and the connection in FIN_WAIT1 for minutes, waiting for a peer who does not
    read. A zero linger time makes the close a reset, which frees everything now.
    """
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # On a socket already closed this fails with EBADF, harmlessly.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
    transport.abort()


# struct linger: two C ints on POSIX, two u_shorts on Windows.
_LINGER_ZERO = struct.pack("HH" if os.name == "nt" else "ii", 1, 0)


def _is_message_frame(frame: bytes) -> bool:
    return frame.startswith(b'{"type":"message"', protocol.HEADER.size)
