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

What a peer may say and when is decided by its sans-IO `protocol.ServerConnection`; a `Peer`
only moves its bytes, runs its timers and hands its events to the `Room`.
"""

from __future__ import annotations

import asyncio
import asyncio.sslproto
import collections
import concurrent.futures
import contextlib
import dataclasses
import json
import logging
import os
import socket
import ssl
import struct
import time
from collections.abc import Callable

from messagerie import i18n, protocol
from messagerie.errors import RemoteProtocolError, SecurityError
from messagerie.limits import Limits
from messagerie.net import events
from messagerie.net.flood import TokenBucket
from messagerie.net.transfer import RoomFiles, file_json
from messagerie.protocol import NEED_DATA, State
from messagerie.security.identity import looks_like_tls
from messagerie.store.history import Addressed, HistoryStore, KnownMember, StoredMessage

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

# Size of the one read buffer that every connection of the room shares.
READ_BUFFER_SIZE = 256 * 1024
# How many clients' first-join positions the room remembers (see Room.welcome).
MAX_REMEMBERED_CLIENTS = 10_000
# How often per ping interval the room looks for silent participants.
SWEEPS_PER_PING = 15
# How long a refused or dropped peer has to read its `error` frame before its socket is cut.
CLOSE_GRACE_S = 2.0


class Peer(asyncio.BufferedProtocol):
    """The asyncio side of one TCP (or TLS) connection to the room: a participant once joined.

    A buffered protocol: asyncio reads into the room's one shared buffer (`get_buffer`) and
    tells us how much arrived (`buffer_updated`), which we consume at once. A plain Protocol
    gets a fresh bytes object per read, and asyncio asks for 256 KiB each time, above
    malloc's mmap threshold: measured at 26 against 3.6 us per small read here.
    """

    def __init__(self, room: Room) -> None:
        self.room = room
        # None once asyncio has closed it (connection_lost has run).
        self.transport: asyncio.Transport | None = None
        self.address = "?"
        self.conn = protocol.ServerConnection(
            password_required=room.password is not None, max_frame=room.limits.max_frame
        )
        self.last_heard = time.monotonic()
        # Index into the room's broadcast queue from which this participant receives; a
        # participant who joins mid-iteration must not get frames queued before it joined.
        self.broadcast_from = 0
        # The catch-up cursor: the last stored seq sent to this participant while it catches
        # up on what it missed, or None once it receives live messages.
        self.catch_up: int | None = None
        self.write_paused = False
        self.flood = TokenBucket(room.limits.flood_burst, room.limits.flood_rate_per_s)
        self.reading_paused = False
        self.timer: asyncio.TimerHandle | None = None
        # Why the room refuses this peer, said once TLS is up (None: it is welcome).
        self._refusal: str | None = None
        # Loop time when the others were last told that this participant is typing.
        self.typing_told_at = float("-inf")

    # --- asyncio callbacks ---

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transport is not None:
            # The second call, from our TLS layer: the handshake is done, and this is the
            # encrypted transport. It comes before any data (asyncio's SSLProtocol calls it,
            # then reads).
            self.room.tls_pending.discard(self)
            self.transport = transport  # type: ignore[assignment]
            if self._refusal:
                self.fail(self._refusal)
            elif not self.room.closing:
                self._ready()
            return
        # The first call, at accept time, before any TLS: the caps apply to connections still
        # in the TLS handshake too, so silent sockets cannot pile up unbounded.
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.address = self.conn.address = peer[0] if peer else "?"
        room = self.room
        if room.ssl_context is not None and not room.may_start_tls(self.address):
            # Too many handshakes under way, from this address or in all: nothing readable
            # can be said before TLS, so close at once and spend nothing on it.
            log.info("refusing %s before TLS: too many handshakes", self.address)
            _cut(transport)
            return
        refusal = room.admit(self)
        if room.ssl_context is None:
            if refusal:
                self.fail(refusal)
            else:
                self._ready()
            return
        # A refused peer still gets TLS (bounded by the caps above), so that it can read why.
        self._refusal = refusal
        room.tls_pending.add(self)
        self._start_tls(transport)

    def _start_tls(self, raw: asyncio.BaseTransport) -> None:
        """Wrap `raw` in TLS, as create_server(ssl=...) does, once the caps have let it in.

        loop.start_tls() would be the public way, but it hands the encrypted transport back
        only after the peer's first data may already have reached us; asyncio's SSLProtocol
        with call_connection_made gives it to connection_made() first.
        """
        room = self.room
        waiter = room.loop.create_future()
        waiter.add_done_callback(self._tls_finished)
        tls = asyncio.sslproto.SSLProtocol(
            room.loop,
            self,
            room.ssl_context,
            waiter,
            server_side=True,
            ssl_handshake_timeout=room.limits.tls_handshake_timeout_s,
        )
        raw.set_protocol(tls)
        tls.connection_made(raw)

    def _tls_finished(self, waiter: asyncio.Future) -> None:
        if waiter.cancelled() or waiter.exception() is None:
            return
        # A failed or timed-out handshake: SSLProtocol has closed the socket and tells the
        # app protocol nothing more, so the room forgets the connection here.
        log.info("TLS handshake with %s failed: %r", self.address, waiter.exception())
        self.room.tls_pending.discard(self)
        self.transport = None
        self.conn.close()
        self.room.remove(self, reason="tls_failed")

    def _ready(self) -> None:
        """The byte stream is ready (after TLS, if any): the protocol's handshake begins."""
        self.transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)  # type: ignore[attr-defined]
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
        conn = self.conn
        if conn.state is State.CLOSED:
            return
        self.last_heard = time.monotonic()
        if conn.at_start and conn.state is not State.JOINED and looks_like_tls(data):
            # A TLS client on a --no-tls room. It cannot read our frame, but the frame's bytes
            # make its TLS layer fail at once with a clear "wrong version number".
            self.fail("tls_required")
            return
        conn.receive_data(data)
        if not self.reading_paused:
            self._handle_events()

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.timer:
            self.timer.cancel()
        self.conn.close()
        self.room.remove(self, reason="dropped")

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.catch_up is not None:
            self.room.schedule_flush()

    # --- events of the connection ---

    def _handle_events(self) -> None:
        """Act on what the connection decoded, until it needs data or flood control pauses."""
        conn = self.conn
        room = self.room
        say = protocol.SayReceived
        while True:
            event = conn.next_event()
            if event is NEED_DATA:
                break
            if type(event) is say:
                if event.to or event.reply_to:
                    room.post_addressed(event.id, event.text, self, event.to, event.reply_to)
                else:
                    room.post(event.id, conn.name, event.text, sender=self)
                if not self.flood.take():
                    self._pause_reading()
                    break
            elif type(event) is protocol.HelloReceived:
                try:
                    room.greet(self, event.hello)
                except RemoteProtocolError as exc:
                    self.fail(exc.code, **exc.details)
                    return
            elif type(event) is protocol.TypingReceived:
                room.typing(self)
            elif type(event) is protocol.AuthRequested:
                try:
                    guessing = room.password.admit(self.address)
                except SecurityError as exc:
                    self.fail(exc.code)
                    return
                if guessing:
                    room.guessing_detected()
                room.answer_password(self, event.pake)
                return  # the connection waits for the answer (_password_answered)
            elif type(event) is protocol.ByeReceived:
                room.remove(self, reason="bye")
                self.transport.close()
                return
            elif type(event) is protocol.FileRequested:
                if room.files is None:
                    conn.refuse(event.request.id, "files_disabled")
                else:
                    room.files.request(self, event.request)
            elif type(event) is protocol.TransferOpened:
                if room.files is None:
                    self.fail("files_disabled")
                else:
                    room.files.open(self, event)  # the transport is no longer ours
                return
            else:  # protocol.Ended: the peer broke the rules or failed the password
                self.fail(event.code, **event.details)
                return
        if conn.outgoing:
            self.queue_direct()

    def _password_answered(self, answer: asyncio.Future) -> None:
        """The room's worker computed the answer to `auth`: send it and go on."""
        if self.conn.state is State.CLOSED or answer.cancelled():
            return
        try:
            challenge, verifier = answer.result()
        except (RemoteProtocolError, SecurityError) as exc:
            self.fail(exc.code, **exc.details)
            return
        self.conn.challenge(challenge, verifier)
        self.queue_direct()
        self._handle_events()  # what arrived meanwhile (auth_confirm) waited in the connection

    def _pause_reading(self) -> None:
        # Out of tokens: stop reading from this sender until one token is back. Its messages
        # wait in the kernel's socket buffer and in the connection, so nothing is dropped;
        # TCP flow control slows the sender itself down.
        self.reading_paused = True
        self.transport.pause_reading()
        self.room.loop.call_later(self.flood.wait_s(), self._resume_reading)

    def _resume_reading(self) -> None:
        if self.conn.state is State.CLOSED:
            return
        self.reading_paused = False
        self._handle_events()
        if not self.reading_paused and self.conn.state is not State.CLOSED:
            self.transport.resume_reading()

    # --- output ---

    def queue_direct(self, frame: bytes | None = None) -> None:
        """Send `frame` (and what the connection queued) to this peer at the next flush."""
        if frame is not None:
            self.conn.outgoing.append(frame)
        if self.conn.state is not State.JOINED:
            # Not in the fan-out list yet (password exchange): flushed on its own.
            self.room.handshaking.add(self)
        self.room.schedule_flush()

    def fail(self, code: str, **details: object) -> None:
        """Tell the peer what it did wrong (or why we drop it), then close. The room goes on."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return  # already dropped, or gone by itself
        conn = self.conn
        conn.close()  # already closed when the connection itself found the fault
        log.info("dropping %s (%s): %s", self.address, conn.name or "-", code)
        message = i18n.fallback(f"error.{code}", **details)  # for peers that do not know the code
        frame = protocol.encode(protocol.Error(code=code, message=message))
        self.room.remove(self, reason=code)
        if code == "slow_reader":
            # Its buffer is over the cap and it does not read: close() would keep the
            # socket and the buffer until the peer drained it, that is forever. Let go now.
            conn.outgoing.clear()
            _cut(transport)
            return
        transport.write(b"".join([*conn.outgoing, frame]))
        conn.outgoing.clear()
        transport.close()
        # close() waits for the error frame to be sent. A peer that never reads it (dead,
        # half-open, or hostile) must not keep the socket and its buffer: cut it after a
        # grace period (nothing happens if it closed meanwhile).
        self.room.loop.call_later(CLOSE_GRACE_S, self._cut_if_still_open)

    def _cut_if_still_open(self) -> None:
        # Only while connection_lost has not run: once the transport has closed by itself,
        # abort() on it is not harmless in Python 3.11 (it runs connection_lost again).
        if self.transport is not None:
            _cut(self.transport)

    def _handshake_expired(self) -> None:
        if self.conn.state in _HANDSHAKING:
            self.fail("handshake_timeout")


# The states of a connection that has not joined yet but may have frames to send.
_HANDSHAKING = frozenset({State.AUTHENTICATING, State.AWAITING_HELLO})


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
        password: protocol.connection.PasswordCheck | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.loop = loop
        self.limits = limits
        self.history = history
        self.on_event = on_event
        self.room_name = room_name or host_name
        self.host_name = host_name
        # The room password's check (security.room_password.RoomPassword), if there is one.
        self.password = password
        # TLS is started by each Peer after the caps are checked (see Peer.connection_made).
        self.ssl_context = ssl_context
        # Connections accepted whose TLS handshake has not finished.
        self.tls_pending: set[Peer] = set()
        self.participants: dict[Peer, None] = {}  # joined, in join order
        # The joined participants by member id (the id private messages are addressed to).
        self.by_member: dict[str, Peer] = {}
        # The member ids of the parties of private frames in the broadcast queue, if any.
        self.private_parties: set[str] = set()
        self.connections_per_ip: collections.Counter[str] = collections.Counter()
        self.connections: set[Peer] = set()
        # client_id -> where its history started when it first joined (least recent first).
        # Memory only: after a host restart, a client that never received a message is
        # treated as a newcomer again.
        self.history_floors: collections.OrderedDict[str, int] = collections.OrderedDict()
        # Frames for everyone, and private frames (_Private) for their two parties only.
        self.broadcast: list[bytes | _Private] = []
        # Every connection reads into this one buffer (see Peer.get_buffer).
        self.read_buffer = memoryview(bytearray(READ_BUFFER_SIZE))
        # Connections still in the handshake that have frames to send.
        self.handshaking: set[Peer] = set()
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
        self.host_typing_told_at = float("-inf")
        # Where password attempts are computed, off the loop (made at the first attempt).
        self._password_worker: concurrent.futures.ThreadPoolExecutor | None = None
        # Shared files (net/transfer.RoomFiles), set by the host session; None: no files.
        self.files: RoomFiles | None = None

    # --- membership ---

    def admit(self, peer: Peer) -> str | None:
        """A new connection: return an error code to refuse it, or None to accept."""
        limits = self.limits
        if self.closing:
            return "room_closed"
        if self.connections_per_ip[peer.address] >= limits.max_connections_per_ip:
            return "too_many_connections"
        self.connections_per_ip[peer.address] += 1
        self.connections.add(peer)
        return None

    def may_start_tls(self, address: str) -> bool:
        """Whether one more TLS handshake may start, from `address` and in all."""
        limits = self.limits
        if len(self.tls_pending) >= limits.max_tls_handshakes:
            return False
        same_address = sum(1 for p in self.tls_pending if p.address == address)
        return same_address < limits.max_tls_handshakes_per_ip

    def greet(self, peer: Peer, hello: protocol.Hello) -> None:
        """Steps 2-3 of the handshake: welcome the newcomer (or raise to refuse it)."""
        # A client that reconnects while its old connection still looks alive (a half-open
        # TCP connection after a Wi-Fi drop) replaces it.
        for other in list(self.participants):
            if other.conn.client_id == hello.client_id:
                other.fail("replaced")
        if len(self.participants) >= self.limits.max_participants:
            raise RemoteProtocolError("room_full")
        if peer.timer:
            peer.timer.cancel()
            peer.timer = None
        name = self._unique_name(hello.name)
        names = [self.host_name, *(p.conn.name for p in self.participants), name]
        last_seq = self.history.last_seq
        conn = peer.conn
        member = conn.member_id
        members = ()
        if conn.private:
            members = (
                protocol.Member(id=protocol.HOST_MEMBER_ID, name=self.host_name, private=True),
                *(_member_of(p) for p in self.participants),
                protocol.Member(id=member, name=name, private=True),
            )
        conn.welcome(
            room=self.room_name,
            name=name,
            participants=tuple(names),
            last_seq=last_seq,
            host=self.host_name,
            members=members,
        )
        self.queue_broadcast(
            protocol.encode(protocol.Joined(name=name, id=member, private=conn.private))
        )
        peer.broadcast_from = len(self.broadcast)
        self.participants[peer] = None
        self.by_member[member] = peer
        self.history.remember_member(KnownMember(member, name, conn.private))
        after = self._catch_up_start(hello.client_id, hello.last_seq, last_seq)
        if conn.private:
            # Private messages that waited for this member and are older than what its
            # catch-up covers come first (in seq order, before the catch-up's newer ones).
            for waiting in self.history.undelivered(member, after):
                conn.outgoing.append(_stored_frame(waiting, member))
                self._delivered(waiting)
        peer.catch_up = after if after < last_seq else None
        peer.queue_direct()
        self.emit(
            events.Joined(name=name, address=peer.address, member_id=member, private=conn.private)
        )

    def _catch_up_start(self, client_id: str, known: int, last_seq: int) -> int:
        """The seq after which a joining client is owed the stored messages."""
        if known > last_seq:
            # The client knows a longer history than ours (the host's data was reset).
            known = 0
        floor = self.history_floors.get(client_id)
        if floor is not None:
            # A returning client. last_seq 0 does not make it a newcomer: it may have lost
            # its first connection before receiving anything, and everything posted since
            # it first joined is owed to it, not just the last 100 messages.
            self.history_floors.move_to_end(client_id)
            return max(known, min(floor, last_seq))
        # A client this room does not know: the room decides what it may read (the recent
        # messages), whatever it claims to have seen, so that no one reads further back by
        # sending a small last_seq. (A client known before a host restart is a stranger
        # again; one that was up to date loses nothing, since it claims a later seq.)
        known = max(known, last_seq - self.limits.history_for_newcomers, 0)
        self.history_floors[client_id] = known
        if len(self.history_floors) > MAX_REMEMBERED_CLIENTS:
            self.history_floors.popitem(last=False)
        return known

    def _unique_name(self, wanted: str) -> str:
        # Compared by skeleton, not by string: "Hote", "Ｈｏｔｅ" and "Hоte" with a Cyrillic o
        # are one name to the eye, so the second of them present gets a suffix.
        skeleton = protocol.name_skeleton
        taken = {skeleton(self.host_name), *(skeleton(p.conn.name) for p in self.participants)}
        if skeleton(wanted) not in taken:
            return wanted
        for n in range(2, self.limits.max_participants + 2):
            suffix = f" ({n})"
            candidate = wanted[: protocol.MAX_NAME - len(suffix)] + suffix
            if skeleton(candidate) not in taken:
                return candidate
        raise RemoteProtocolError("room_full")

    def remove(self, peer: Peer, *, reason: str) -> None:
        """Forget a connection that ended; tell the others if it had joined."""
        if peer in self.connections:
            self.connections.discard(peer)
            self.connections_per_ip[peer.address] -= 1
            if self.connections_per_ip[peer.address] <= 0:
                del self.connections_per_ip[peer.address]
        if peer in self.participants:
            del self.participants[peer]
            member = peer.conn.member_id
            if self.by_member.get(member) is peer:
                del self.by_member[member]
                if self.files is not None:
                    self.files.revoke(peer.conn.client_id)
            if not self.closing:
                name = peer.conn.name
                left = protocol.Left(name=name, reason=reason, id=member)
                self.queue_broadcast(protocol.encode(left))
                self.emit(
                    events.Left(name=name, address=peer.address, reason=reason, member_id=member)
                )

    # --- messages ---

    def post(self, msg_id: str, sender_name: str, text: str, sender: Peer | None) -> None:
        """Store a message, acknowledge it to its sender and queue it for everyone."""
        ts = round(time.time(), 3)
        seq, is_new = self.history.add(msg_id, sender_name, text, ts)
        if sender is not None:
            sender.conn.outgoing.append(protocol.encode_ack(msg_id, seq))
        if is_new:
            self.posted_since_flush += 1
            self.broadcast.append(protocol.encode_chat(msg_id, seq, sender_name, text, ts))
            self.pending_events.append(
                events.MessageReceived(
                    id=msg_id, seq=seq, sender=sender_name, text=text, ts=ts, own=sender is None
                )
            )
        self.schedule_flush()

    def post_addressed(
        self, msg_id: str, text: str, sender: Peer | None, to: str, reply_to: str
    ) -> None:
        """Store and send a private message (`to`: a member id) or a reply, or refuse it.

        `sender` None is the host. A private message goes to its two parties only, live and
        in every catch-up; one for someone away waits in the history until they come back.
        """
        if sender is None:
            from_id, sender_name = protocol.HOST_MEMBER_ID, self.host_name
        else:
            from_id, sender_name = sender.conn.member_id, sender.conn.name
        try:
            to_name = self._recipient_name(to, from_id) if to else None
            quote = self._quote(reply_to, from_id, to) if reply_to else None
        except _Refusal as refusal:
            if sender is None:
                self.emit(events.SendRefused(id=msg_id, code=refusal.code))
            else:
                sender.conn.refuse_say(msg_id, refusal.code)
                sender.queue_direct()
            return
        ts = round(time.time(), 3)
        reply_json = None if quote is None else json.dumps(quote.to_wire(), ensure_ascii=False)
        addressed = Addressed(from_id, to or None, to_name, reply_json)
        seq, is_new = self.history.add(msg_id, sender_name, text, ts, addressed=addressed)
        if sender is not None:
            sender.conn.outgoing.append(protocol.encode_ack(msg_id, seq))
        self.schedule_flush()
        if not is_new:
            return
        self.posted_since_flush += 1
        host_reads = not to or protocol.HOST_MEMBER_ID in (from_id, to)
        now = True  # received now by everyone who will receive it (a room reply: at once)
        if not to:
            frame = protocol.encode_addressed_chat(msg_id, seq, sender_name, text, ts, reply=quote)
            self.broadcast.append(frame)
        else:
            recipient = self.by_member.get(to)
            # Received now if the recipient is the host, or joined and reading live messages;
            # one catching up gets it from the history, in order, and is marked then.
            now = to == protocol.HOST_MEMBER_ID or (
                recipient is not None and recipient.catch_up is None
            )
            if now:
                self.history.mark_delivered(seq)
            frame = protocol.encode_addressed_chat(
                msg_id, seq, sender_name, text, ts, to=to, to_name=to_name, from_id=from_id,
                pending=not now, reply=quote,
            )  # fmt: skip
            parties = frozenset({from_id, to}) if now else frozenset({from_id})
            self.broadcast.append(_Private(frame, parties))
            self.private_parties.update(parties)
        if host_reads:
            self.pending_events.append(
                events.MessageReceived(
                    id=msg_id,
                    seq=seq,
                    sender=sender_name,
                    text=text,
                    ts=ts,
                    own=sender is None,
                    to=to,
                    to_name=to_name or "",
                    from_id=from_id if to else "",
                    pending=not now,
                    reply=None if quote is None else quote.to_wire(),
                )
            )

    def _recipient_name(self, to: str, from_id: str) -> str:
        """The name of the member `to`, who must be able to receive a private message."""
        if to == from_id:
            raise _Refusal("self_recipient")
        if to == protocol.HOST_MEMBER_ID:
            return self.host_name
        peer = self.by_member.get(to)
        if peer is not None:
            if not peer.conn.private:
                raise _Refusal("recipient_cannot_receive")
            return peer.conn.name
        known = self.history.member(to)
        if known is None:
            raise _Refusal("unknown_recipient")
        if not known.private:
            raise _Refusal("recipient_cannot_receive")
        return known.name

    def _quote(self, reply_to: str, from_id: str, to: str) -> protocol.Quote:
        """What a reply quotes, taken from the history: only a message its audience may read
        (a room message, or a private one between the same two people)."""
        original = self.history.find(reply_to)
        if original is None:
            raise _Refusal("unknown_reply")
        if original.to_id is not None and {original.from_id, original.to_id} != {from_id, to}:
            raise _Refusal("unknown_reply")  # the same answer: its existence is not told
        return protocol.Quote(
            id=original.id, sender=original.sender, text=protocol.quote_of(original.text)
        )

    def _delivered(self, message: StoredMessage) -> None:
        """The private `message` has reached its recipient: mark it and tell its sender."""
        self.history.mark_delivered(message.seq)
        if message.from_id == protocol.HOST_MEMBER_ID:
            self.emit(events.Delivered(id=message.id, seq=message.seq))
            return
        sender = self.by_member.get(message.from_id)
        if sender is not None:
            sender.conn.deliver_notice(message.id, message.seq)
            sender.queue_direct()

    def guessing_detected(self) -> None:
        """Too many wrong passwords from all addresses together: tell the host."""
        lockout = max(0.0, self.password.limiter.locked_until - time.monotonic())
        log.warning("password guessing: the room refuses attempts for %.0f s", lockout)
        self.emit(
            events.Notice(
                code="security", reason="password_guessing", details={"seconds": round(lockout)}
            )
        )

    def answer_password(self, peer: Peer, pake_field: object) -> None:
        """Compute the answer to `peer`'s `auth` on the room's password worker thread.

        The SPAKE2 arithmetic takes about 14 ms of pure Python per attempt: on the event loop,
        a burst of guesses would hold every participant's messages that long each.
        """
        if self._password_worker is None:
            self._password_worker = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="messagerie-password"
            )
        answer = self.loop.run_in_executor(
            self._password_worker, self.password.challenge, peer.address, pake_field
        )
        answer.add_done_callback(peer._password_answered)

    def post_file(self, file: protocol.FileInfo, text: str) -> None:
        """Announce a stored file: a message with a `file` object, stored in the history."""
        ts = round(time.time(), 3)
        seq, _ = self.history.add(file.id, file.sender, text, ts, file=file_json(file))
        chat = protocol.Chat(id=file.id, seq=seq, sender=file.sender, text=text, ts=ts, file=file)
        self.posted_since_flush += 1
        self.broadcast.append(protocol.encode(chat))
        own = file.sender == self.host_name
        self.pending_events.append(events.MessageReceived.of(chat, history=False, own=own))
        self.pending_events.append(events.FileOffered.of(file.to_wire(), file.name, history=False))
        self.schedule_flush()

    def typing(self, sender: Peer | None) -> None:
        """Tell the others that `sender` (None: the host) is typing, at most once a period.

        Typing is ephemeral: what comes faster than `typing_every_s` is dropped, never queued.
        """
        now = self.loop.time()
        told_at = self.host_typing_told_at if sender is None else sender.typing_told_at
        if now - told_at < self.limits.typing_every_s:
            return
        if sender is None:
            self.host_typing_told_at = now
            name = self.host_name
        else:
            sender.typing_told_at = now
            name = sender.conn.name
            self.emit(events.Typing(name=name))
        frame = protocol.encode(protocol.Typing(name=name))
        for peer in self.participants:
            if peer is not sender:
                peer.conn.outgoing.append(frame)
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
            self.pending_events.append(events.Notice.of("storage", self.history.warning))
            self.history.warning = None
        for peer in self.handshaking:
            conn = peer.conn
            if conn.outgoing and conn.state in _HANDSHAKING:
                peer.transport.write(b"".join(conn.outgoing))
                conn.outgoing = []
        self.handshaking.clear()
        frames = self.broadcast
        self.broadcast = []
        parties, self.private_parties = self.private_parties, set()
        # Private frames, if any, go to their parties only: everyone else gets the rest.
        public = _visible(frames, None) if parties else frames
        if public:
            blob = b"".join(public)
            # Those who only need the broadcast first: a message reaches the others before
            # its sender's ack, since the sender already shows it.
            later = []
            for peer in list(self.participants):  # a copy: fail() removes from the room
                if (
                    peer.conn.outgoing
                    or peer.broadcast_from
                    or peer.catch_up is not None
                    or (parties and peer.conn.member_id in parties)
                ):
                    later.append(peer)
                elif not peer.transport.is_closing():
                    self._write(peer, blob)
        else:
            # Nothing for everyone: only the parties of private frames and those with
            # frames of their own are written to (a private message costs no loop over
            # the whole room).
            later = [p for p in self.participants if p.conn.outgoing or p.catch_up is not None]
            later += [
                peer
                for member in parties
                if (peer := self.by_member.get(member)) is not None and peer not in later
            ]
        for peer in later:
            if peer.conn.state is not State.JOINED or peer.transport.is_closing():
                continue
            if peer.catch_up is not None:
                self._catch_up(peer, frames)
                continue
            parts = peer.conn.outgoing
            mine = frames[peer.broadcast_from :]
            parts.extend(_visible(mine, peer.conn.member_id) if parties else mine)
            peer.conn.outgoing = []
            peer.broadcast_from = 0
            self._write(peer, b"".join(parts))
        if self.pending_events:
            handed, self.pending_events = self.pending_events, []
            for event in handed:
                self.on_event(event)

    def _write(self, peer: Peer, data: bytes) -> None:
        peer.transport.write(data)
        if peer.transport.get_write_buffer_size() > self.limits.send_buffer_cap:
            peer.fail("slow_reader")

    def _catch_up(self, peer: Peer, frames: list[bytes]) -> None:
        """Send stored messages to a participant who missed them, one page per drain.

        Live messages are not sent meanwhile: they are in the history by now (the flush
        committed first) and reach the participant in order through the catch-up itself.
        Presence frames are kept, since they are not stored.
        """
        presence = [
            f
            for f in frames[peer.broadcast_from :]
            if type(f) is bytes and not _is_message_frame(f)
        ]
        peer.broadcast_from = 0
        out = peer.conn.outgoing
        peer.conn.outgoing = []
        out.extend(presence)
        after = peer.catch_up
        # What this participant may read: its own private messages, unless it cannot show them.
        reader = peer.conn.member_id if peer.conn.private else None
        while not peer.write_paused and after < self.history.last_seq:
            page = self.history.since(after, CATCH_UP_PAGE, reader=reader)
            if not page:
                # Nothing more it may read (or part of the history could not be read back:
                # skip it rather than hold this participant's live messages forever).
                after = self.history.last_seq
                break
            for m in page:
                out.append(_stored_frame(m, reader))
                if m.to_id == reader and reader is not None and not m.delivered:
                    self._delivered(m)
            after = page[-1].seq
            peer.transport.write(b"".join(out))
            out = []
        if out:
            peer.transport.write(b"".join(out))
        peer.catch_up = after if after < self.history.last_seq else None

    # --- liveness ---

    def start_sweeper(self) -> None:
        # The sweep runs every 1/SWEEPS_PER_PING of the ping interval (1 s by default), so a
        # silent peer is pinged and cut within that much of what docs/PROTOCOL.md says.
        period = self.limits.ping_interval_s / SWEEPS_PER_PING
        self._sweeper = self.loop.call_later(period, self._sweep)

    def _sweep(self) -> None:
        now = time.monotonic()
        for peer in list(self.participants):
            silent = now - peer.last_heard
            if silent > self.limits.dead_peer_s:
                peer.fail("peer_timeout")
            elif silent > self.limits.ping_interval_s:
                peer.conn.ping()
                peer.queue_direct()
        self.start_sweeper()

    async def close(self) -> None:
        """Tell everyone the room is closing, then close every connection."""
        self.closing = True
        if self._sweeper:
            self._sweeper.cancel()
        self.flush()
        bye = protocol.encode(protocol.Bye(reason="room_closed"))
        for peer in list(self.tls_pending):
            # Still in its TLS handshake: there is no way to say bye yet.
            _cut(peer.transport)
        for peer in list(self.connections - self.tls_pending):
            if peer.transport and not peer.transport.is_closing():
                if peer.conn.state is not State.TRANSFER:  # raw bytes: no frame fits in
                    peer.transport.write(bye)
                peer.transport.close()
        if self._password_worker is not None:
            self._password_worker.shutdown(wait=False, cancel_futures=True)
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


def _stored_frame(m: StoredMessage, reader: str | None = None) -> bytes:
    """The `message` frame of a stored message, as `reader` (a member id) receives it.

    A shared file's carries its `file` object, a reply its `reply`, and a private message its
    parties; the sender's own copy says whether it is still waiting for its recipient.
    """
    if m.file is None and m.from_id is None:
        return protocol.encode_chat(m.id, m.seq, m.sender, m.text, m.ts)
    return protocol.encode(stored_chat(m, reader))


def stored_chat(m: StoredMessage, reader: str | None = None) -> protocol.Chat:
    """The `protocol.Chat` of a stored message, as `reader` (a member id) receives it."""
    file = None if m.file is None else protocol.FileInfo.from_wire(json.loads(m.file))
    reply = None if m.reply is None else protocol.Quote.from_wire(json.loads(m.reply))
    chat = protocol.Chat(
        id=m.id, seq=m.seq, sender=m.sender, text=m.text, ts=m.ts, file=file, reply=reply
    )
    if m.to_id is None:
        return chat
    pending = reader == m.from_id and not m.delivered
    return dataclasses.replace(
        chat, to=m.to_id, to_name=m.to_name, from_id=m.from_id, pending=pending
    )


class _Private:
    """A private frame in the broadcast queue, for its parties' member ids only."""

    __slots__ = ("frame", "parties")

    def __init__(self, frame: bytes, parties: frozenset[str]) -> None:
        self.frame = frame
        self.parties = parties


def _visible(frames: list[bytes | _Private], member: str | None) -> list[bytes]:
    """The frames of the queue that `member` receives (None: someone in no private frame)."""
    return [
        f if type(f) is bytes else f.frame
        for f in frames
        if type(f) is bytes or member in f.parties
    ]


def _member_of(peer: Peer) -> protocol.Member:
    return protocol.Member(id=peer.conn.member_id, name=peer.conn.name, private=peer.conn.private)


class _Refusal(Exception):
    """A `say` the room refuses with `code` (protocol.Refused)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _is_message_frame(frame: bytes) -> bool:
    return frame.startswith(b'{"type":"message"', protocol.HEADER.size)
