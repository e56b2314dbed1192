"""The joiner's side: connect to a room, keep the connection alive, never lose a message.

`RoomClient.run()` is a loop: connect, complete the handshake, exchange messages until the
connection ends, then wait (exponential backoff with jitter) and connect again. Errors that
another try cannot fix (wrong password, changed server identity, refused name) end the loop;
so do network errors on the very first try, since the address is probably wrong and the
person needs to know now rather than watch retries.

Every message typed goes to the outbox first and leaves it only when the room acknowledges it;
after a reconnect, what is still there is sent again with the same id.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import random
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from typing import Any

from messagerie import protocol
from messagerie.errors import (
    LocalProtocolError,
    MessagerieError,
    NetworkError,
    RemoteProtocolError,
    SecurityError,
)
from messagerie.limits import Limits
from messagerie.net import events
from messagerie.net.loop import widen_tls_reads
from messagerie.protocol import State
from messagerie.protocol.filenames import clean_file_name
from messagerie.security import identity
from messagerie.security.known_hosts import TrustDecision, TrustState
from messagerie.store.client_ids import ClientIds
from messagerie.store.outbox import Outbox, OutgoingMessage

log = logging.getLogger(__name__)

# Error codes after which trying again cannot help: the session ends.
FATAL_CODES = frozenset(
    {
        "bad_name",
        "unsupported_version",
        "wrong_password",
        "wrong_password_or_impostor",
        "password_required",
        "too_many_attempts",
        "identity_changed",
        "tls_required",
        "server_auth_failed",
    }
)
READ_SIZE = 256 * 1024


class ConnectionEnded(Exception):
    """The current connection is over; `error` says why."""

    def __init__(self, error: MessagerieError) -> None:
        super().__init__(str(error))
        self.error = error


class RoomClient:
    """A participant's connection to a room, with reconnects and an outbox.

    What to send and how to read the room's answers is decided by a sans-IO
    `protocol.ClientConnection`, a new one per connection attempt; this class moves its
    bytes, keeps the time (handshake deadline, pings) and decides when to try again.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        name: str,
        limits: Limits,
        outbox: Outbox,
        on_event: Callable[[events.Event], None],
        client_ids: ClientIds | None = None,
        ssl_context: ssl.SSLContext | None = None,
        pinning: Any = None,
        password_prover: Callable[[str | None], Any] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.wanted_name = name
        self.name = name
        self.limits = limits
        self.outbox = outbox
        self.on_event = on_event
        self.ssl_context = ssl_context
        # Checks the server's certificate before anything is sent (security.pinning).
        self.pinning = pinning
        # Makes the password exchange's prover for a connection, if we have a password.
        self.password_prover = password_prover
        # Kept per room and room identity (store.client_ids), read at each connection;
        # without a store, one for this client's life.
        self.client_ids = client_ids
        self.client_id = uuid.uuid4().hex
        self.member_id = protocol.member_id(self.client_id)
        self.last_seq = 0
        self.own_ids: set[str] = set()
        self.ever_connected = False
        self.stopping = False
        self._writer: asyncio.StreamWriter | None = None
        self._conn: protocol.ClientConnection | None = None
        # Connection attempts since the last welcome: the backoff grows with it. It is reset
        # by a welcome (_session never returns normally, it always ends with an exception).
        self._failures = 0
        self._outbox_empty = asyncio.Event()
        self._wake = asyncio.Event()
        self._typing_told_at = float("-inf")
        if not outbox.has_pending():
            self._outbox_empty.set()
        # Shared files: the certificate fingerprint of the current chat connection (a
        # transfer connection must show the same), the file requests waiting for an answer,
        # and the files announced so far (what get_file needs to know).
        self.fingerprint: str | None = None
        self._file_requests: dict[str, asyncio.Future] = {}
        self._joined_event = asyncio.Event()
        self.offers: dict[str, protocol.FileInfo] = {}

    @property
    def _joined(self) -> bool:
        return self._conn is not None and self._conn.state is State.JOINED

    # --- public API (called on the network thread) ---

    async def run(self) -> None:
        """Connect and stay connected until `stop()` or a fatal error."""
        while not self.stopping:
            try:
                await self._session()
            except ConnectionEnded as ended:
                error = ended.error
                if self.stopping:
                    break
                if error.code == "room_closed" and self.ever_connected:
                    # The host closed the room on purpose: trying again cannot help, and it
                    # is not an error either.
                    self.on_event(events.Disconnected.of(error))
                    return
                if error.code in FATAL_CODES or not self.ever_connected:
                    self.on_event(events.Failed.of(error))
                    return
                self.on_event(events.Disconnected.of(error))
            if self.stopping:
                break
            delay = self._backoff(self._failures)
            self._failures += 1
            self.on_event(events.Reconnecting(delay_s=round(delay, 1)))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    def say(self, say: protocol.Say) -> None:
        """Queue a message: outbox first, then the wire if we are connected."""
        ts = round(time.time(), 3)
        message = OutgoingMessage(say.id, say.text, ts, to=say.to, reply_to=say.reply_to)
        self.outbox.add(message)
        self.own_ids.add(say.id)
        self._outbox_empty.clear()
        self.on_event(events.Pending(id=say.id, text=say.text, ts=ts, to=say.to))
        if self._joined:
            self._conn.say(say.id, say.text, to=say.to, reply_to=say.reply_to)
            self._flush()

    def typing(self) -> None:
        """Tell the room we are typing, at most once per `typing_every_s`."""
        now = time.monotonic()
        if self._joined and now - self._typing_told_at >= self.limits.typing_every_s:
            self._typing_told_at = now
            self._conn.typing()
            self._flush()

    def retry_now(self) -> None:
        """Cut the wait before the next connection attempt short."""
        self._wake.set()

    async def request_file(
        self, request: protocol.UploadRequest | protocol.DownloadRequest, timeout: float
    ) -> protocol.TransferToken:
        """Ask the room for a transfer token on the chat connection (once joined).

        Raises NetworkError with the room's code when it refuses (a refusal's `reason` is a
        detail), or when the connection is lost before the answer.
        """
        await asyncio.wait_for(self._joined_event.wait(), timeout)
        answer = asyncio.get_running_loop().create_future()
        self._file_requests[request.id] = answer
        try:
            self._conn.request_file(request)
            self._flush()
            return await asyncio.wait_for(answer, timeout)
        finally:
            self._file_requests.pop(request.id, None)

    async def open_transfer(self, protocol_factory: Callable[[], asyncio.BaseProtocol]):
        """A new connection to the room for a transfer, to the same identity as the chat's,
        run by the protocol `protocol_factory` makes. Returns (transport, protocol)."""
        transport, proto = await self._connect(protocol_factory)
        if self.ssl_context is not None:
            seen = identity.peer_fingerprint(transport.get_extra_info("ssl_object"))
            if seen != self.fingerprint:
                transport.close()
                raise ConnectionEnded(SecurityError("identity_changed"))
            widen_tls_reads(transport)
        return transport, proto

    async def stop(self, drain_timeout: float = 0.0) -> None:
        """Leave: optionally wait for the outbox to empty, then say `bye` and close."""
        if drain_timeout > 0 and self._joined:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox_empty.wait(), drain_timeout)
        self.stopping = True
        self._wake.set()
        writer = self._writer
        if writer is not None and not writer.is_closing():
            if self._conn is not None:
                self._conn.bye()
                self._flush()
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    # --- one connection ---

    async def _session(self) -> None:
        reader, writer = await self._open()
        self._writer = writer
        try:
            trust = None
            try:
                if self.pinning is not None:
                    # Step 0: check the server's identity before sending anything at all.
                    trust = self.pinning.check(writer.get_extra_info("ssl_object"))
                fingerprint = trust.fingerprint if trust else None
                self.fingerprint = fingerprint
                if self.client_ids is not None:
                    self.client_id = self.client_ids.client_id(fingerprint)
                    self.member_id = protocol.member_id(self.client_id)
                prover = self.password_prover(fingerprint) if self.password_prover else None
            except MessagerieError as exc:
                raise ConnectionEnded(exc) from None
            # Step 1: the password exchange if we have one, then hello with the last sequence
            # number we saw, so that the room sends what we missed.
            conn = self._conn = protocol.ClientConnection(
                name=self.wanted_name,
                client_id=self.client_id,
                last_seq=self.last_seq,
                password=prover,
            )
            conn.start()
            self._flush()
            # Step 2: the welcome (or an error) within the handshake's time, then messages.
            deadline = time.monotonic() + self.limits.handshake_timeout_s
            while not self._joined:
                remaining = deadline - time.monotonic()
                try:
                    data = await self._read_some(reader, max(remaining, 0.0))
                except TimeoutError:
                    raise ConnectionEnded(NetworkError("handshake_timeout")) from None
                self._apply(conn.receive_data(data), trust)
            await self._read_loop(reader, conn)
        finally:
            self._joined_event.clear()
            for answer in self._file_requests.values():
                if not answer.done():
                    answer.set_exception(NetworkError("connection_lost"))
            if self._conn is not None:
                self.last_seq = self._conn.last_seq
            self._conn = None
            self._writer = None
            if not writer.is_closing():
                writer.close()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The chat's connection, as streams."""
        return await open_streams(self._connect)

    async def _connect(self, protocol_factory: Callable[[], asyncio.BaseProtocol]):
        try:
            return await asyncio.wait_for(
                asyncio.get_running_loop().create_connection(
                    protocol_factory,
                    self.host,
                    self.port,
                    ssl=self.ssl_context,
                    # No hostname check: a LAN address proves nothing; the pinned
                    # fingerprint does (see messagerie.security.pinning).
                    server_hostname="" if self.ssl_context else None,
                    ssl_handshake_timeout=self.limits.handshake_timeout_s
                    if self.ssl_context
                    else None,
                ),
                self.limits.connect_timeout_s,
            )
        except MessagerieError as exc:
            raise ConnectionEnded(exc) from None
        except Exception as exc:
            raise ConnectionEnded(connect_error(exc, self.host, self.port)) from None

    async def _read_some(self, reader: asyncio.StreamReader, timeout: float) -> bytes:
        try:
            data = await asyncio.wait_for(reader.read(READ_SIZE), timeout)
        except TimeoutError:
            raise
        except (ssl.SSLError, OSError) as exc:
            raise ConnectionEnded(NetworkError(self._closed_code())) from exc
        if not data:
            raise ConnectionEnded(NetworkError(self._closed_code()))
        return data

    async def _read_loop(self, reader: asyncio.StreamReader, conn: protocol.ClientConnection):
        limits = self.limits
        silent_since = time.monotonic()
        next_ping = limits.ping_interval_s
        while True:
            # Wake at the next ping, or when the room is declared dead if that comes first.
            silent = time.monotonic() - silent_since
            wait = max(0.0, min(next_ping, limits.dead_peer_s) - silent)
            try:
                data = await self._read_some(reader, wait)
            except TimeoutError:
                if time.monotonic() - silent_since >= limits.dead_peer_s:
                    raise ConnectionEnded(NetworkError("peer_timeout")) from None
                conn.ping()
                self._flush()
                next_ping += limits.ping_interval_s
                continue
            silent_since = time.monotonic()
            next_ping = limits.ping_interval_s
            self._apply(conn.receive_data(data))

    def _apply(self, happened: list, trust: TrustDecision | None = None) -> None:
        """Act on the connection's events, then send what it has to say."""
        try:
            for event in happened:
                if isinstance(event, protocol.MessageArrived):
                    chat = event.chat
                    own = chat.id in self.own_ids or (
                        chat.private and chat.from_id == self.member_id
                    )
                    self.on_event(
                        events.MessageReceived.of(event.chat, history=event.history, own=own)
                    )
                    if event.chat.file is not None:
                        self._offered(event.chat.file, event.history)
                elif isinstance(event, protocol.TransferToken | protocol.TransferRefused):
                    self._answered(event)
                elif isinstance(event, protocol.Ack):
                    self._settled(event.id)
                    self.on_event(events.Acked(id=event.id, seq=event.seq))
                elif isinstance(event, protocol.Refused):
                    self._settled(event.id)
                    self.on_event(events.SendRefused(id=event.id, code=event.code))
                elif isinstance(event, protocol.Delivered):
                    self.on_event(events.Delivered(id=event.id, seq=event.seq))
                elif isinstance(event, protocol.Joined):
                    joined = events.Joined(
                        name=event.name, member_id=event.id, private=event.private
                    )
                    self.on_event(joined)
                elif isinstance(event, protocol.Left):
                    left = events.Left(name=event.name, reason=event.reason, member_id=event.id)
                    self.on_event(left)
                elif isinstance(event, protocol.Typing):
                    self.on_event(events.Typing(name=event.name))
                elif isinstance(event, protocol.Welcomed):
                    if trust is not None:
                        self.pinning.accept(trust.fingerprint)
                    self._on_welcome(event.welcome, trust)
                elif isinstance(event, protocol.Ended):
                    raise ConnectionEnded(_ended_error(event, trust))
        finally:
            self._flush()

    def _settled(self, msg_id: str) -> None:
        """The room answered our message `msg_id` (stored it, or refused it): forget it."""
        self.outbox.remove(msg_id)
        # has_pending(), not pending(): reading the whole outbox after every ack made a burst
        # of N messages cost O(N²) (half the client's CPU in the chaos test).
        if not self.outbox.has_pending():
            self._outbox_empty.set()

    def _offered(self, file: protocol.FileInfo, history: bool) -> None:
        self.offers[file.id] = file
        # The host cleaned the name already; a host that is not ours may not have.
        name = clean_file_name(file.name)
        self.on_event(events.FileOffered.of(file.to_wire(), name, history=history))

    def _answered(self, answer: protocol.TransferToken | protocol.TransferRefused) -> None:
        waiting = self._file_requests.get(answer.request)
        if waiting is None or waiting.done():
            return
        if isinstance(answer, protocol.TransferToken):
            waiting.set_result(answer)
        else:
            details: dict[str, object] = {"reason": answer.reason} if answer.reason else {}
            if answer.limit:
                details["limit"] = answer.limit
            waiting.set_exception(NetworkError(answer.code, **details))

    def _on_welcome(self, welcome: protocol.Welcome, trust: TrustDecision | None) -> None:
        self.name = welcome.name
        self._failures = 0
        self.on_event(
            events.Connected(
                host=self.host,
                port=self.port,
                name=welcome.name,
                room=welcome.room,
                participants=welcome.participants,
                tls=self.ssl_context is not None,
                fingerprint=trust.fingerprint if trust else None,
                safety_code=trust.safety_code if trust else None,
                reconnect=self.ever_connected,
                first_contact=trust is not None and trust.state is TrustState.NEW,
                host_name=welcome.host,
                previous_safety_code=trust.old_safety_code if trust else None,
                members=tuple(m.to_wire() for m in welcome.members),
                member_id=welcome.id or self.member_id,
            )
        )
        self.ever_connected = True
        self._joined_event.set()
        # Step 3: whatever the room has not acknowledged yet goes again, same ids, in order.
        for message in self.outbox.pending():
            self.own_ids.add(message.id)
            try:
                self._conn.say(message.id, message.text, to=message.to, reply_to=message.reply_to)
            except LocalProtocolError as exc:
                # Saved by an older version with text the room now refuses (C1 controls):
                # resending it would only get the connection closed again, forever.
                self.outbox.remove(message.id)
                self.on_event(events.Failed.of(exc, fatal=False))

    def _closed_code(self) -> str:
        """Why the server closed on us without an error frame."""
        if self._joined or self.ever_connected:
            return "connection_lost"
        # Closed during the very first handshake: a plaintext client meeting a TLS room sees
        # exactly this, since the room cannot even send it a readable error.
        return "handshake_failed" if self.ssl_context else "tls_required"

    def _flush(self) -> None:
        """Write what the connection has to send, if the socket is still open."""
        conn, writer = self._conn, self._writer
        if conn is None:
            return
        data = conn.data_to_send()
        if data and writer is not None and not writer.is_closing():
            writer.write(data)

    def _backoff(self, failures: int) -> float:
        """Exponential backoff with full jitter between the limits' bounds.

        The first retry is jittered too (between min and twice min): when a host restarts,
        all its participants lose it at the same instant and must not all come back at once.
        """
        ceiling = min(
            self.limits.reconnect_max_s, self.limits.reconnect_min_s * 2 ** (failures + 1)
        )
        return random.uniform(
            self.limits.reconnect_min_s, max(ceiling, self.limits.reconnect_min_s)
        )


async def open_streams(connect) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """`asyncio.open_connection` over `connect(protocol_factory)` (RoomClient._connect or
    open_transfer), so that the chat and an upload share the connection code of a download."""
    reader = asyncio.StreamReader(limit=protocol.MAX_FRAME * 2)
    transport, stream = await connect(lambda: asyncio.StreamReaderProtocol(reader))
    return reader, asyncio.StreamWriter(transport, stream, reader, asyncio.get_running_loop())


def _ended_error(ended: protocol.Ended, trust: TrustDecision | None) -> MessagerieError:
    """Why the connection ended, as the error the session reports."""
    if ended.code == "wrong_password" and trust is not None and trust.state is TrustState.NEW:
        # At a first contact, a refused password may be a right one checked against another
        # identity than the host's (someone in the middle): say both, with the code to compare.
        return SecurityError("wrong_password_or_impostor", safety_code=trust.safety_code)
    if not ended.by_peer:
        cls = SecurityError if ended.code in FATAL_CODES else RemoteProtocolError
        return cls(ended.code, **ended.details)
    if ended.code in ("room_closed", "connection_lost"):
        return NetworkError(ended.code)
    return _error_from_server(ended.code, ended.details.get("server_text", ""))


def _error_from_server(code: str, server_text: str) -> MessagerieError:
    """An `error` frame from the room. The faces word it; the room's own sentence is kept
    as a detail, shown (quoted) only for a code they do not know."""
    cls = SecurityError if code in FATAL_CODES else NetworkError
    return cls(code, server_text=server_text) if server_text else cls(code)


def connect_error(exc: BaseException, host: str, port: int) -> MessagerieError:
    """Turn a failure to connect into a sentence a person can act on."""
    if isinstance(exc, TimeoutError):
        return NetworkError("connection_timeout", host=host, port=port)
    if isinstance(exc, socket.gaierror):
        return NetworkError("unknown_host", host=host)
    if isinstance(exc, ConnectionRefusedError):
        return NetworkError("connection_refused", host=host, port=port)
    if isinstance(exc, ssl.SSLError):
        return identity.tls_error(exc)
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return NetworkError("connection_timeout", host=host, port=port)
    if isinstance(exc, ConnectionError | OSError):
        return NetworkError("network_error", detail=exc.strerror or str(exc))
    raise exc
