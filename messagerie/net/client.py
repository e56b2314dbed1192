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
from collections.abc import Awaitable, Callable
from typing import Any

from messagerie import i18n, protocol
from messagerie.errors import MessagerieError, NetworkError, RemoteProtocolError, SecurityError
from messagerie.limits import Limits
from messagerie.net import events
from messagerie.security import identity
from messagerie.store.outbox import Outbox, OutgoingMessage

log = logging.getLogger(__name__)

# Error codes after which trying again cannot help: the session ends.
FATAL_CODES = frozenset(
    {
        "bad_name",
        "unsupported_version",
        "wrong_password",
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
    """A participant's connection to a room, with reconnects and an outbox."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        name: str,
        limits: Limits,
        outbox: Outbox,
        on_event: Callable[[events.Event], None],
        ssl_context: ssl.SSLContext | None = None,
        pinning: Any = None,
        authenticate: Callable[..., Awaitable[None]] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.wanted_name = name
        self.name = name
        self.limits = limits
        self.outbox = outbox
        self.on_event = on_event
        self.ssl_context = ssl_context
        # Checks the server's certificate before anything is sent (messagerie.security.pinning).
        self.pinning = pinning
        # Runs the password exchange before `hello`, if we have a password.
        self.authenticate = authenticate
        self.client_id = uuid.uuid4().hex
        self.last_seq = 0
        self.own_ids: set[str] = set()
        self.ever_connected = False
        self.stopping = False
        self._writer: asyncio.StreamWriter | None = None
        self._joined = False
        # Connection attempts since the last welcome: the backoff grows with it. It is reset
        # by a welcome (_session never returns normally, it always ends with an exception).
        self._failures = 0
        self._outbox_empty = asyncio.Event()
        self._wake = asyncio.Event()
        if not outbox.has_pending():
            self._outbox_empty.set()

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

    def say(self, msg_id: str, text: str) -> None:
        """Queue a message: outbox first, then the wire if we are connected."""
        message = OutgoingMessage(id=msg_id, text=text, ts=round(time.time(), 3))
        self.outbox.add(message)
        self.own_ids.add(msg_id)
        self._outbox_empty.clear()
        self.on_event(events.Pending(id=msg_id, text=text, ts=message.ts))
        if self._joined:
            self.send(protocol.Say(id=msg_id, text=text))

    async def stop(self, drain_timeout: float = 0.0) -> None:
        """Leave: optionally wait for the outbox to empty, then say `bye` and close."""
        if drain_timeout > 0 and self._joined:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox_empty.wait(), drain_timeout)
        self.stopping = True
        self._wake.set()
        writer = self._writer
        if writer is not None and not writer.is_closing():
            if self._joined:
                writer.write(protocol.encode(protocol.Bye()))
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    # --- one connection ---

    async def _session(self) -> None:
        reader, writer = await self._open()
        self._writer = writer
        try:
            fingerprint, safety_code = None, None
            decoder = protocol.Decoder()
            pending: list[protocol.Message] = []
            try:
                if self.pinning is not None:
                    # Step 0: check the server's identity before sending anything at all.
                    ssl_object = writer.get_extra_info("ssl_object")
                    fingerprint, safety_code = self.pinning.check(ssl_object)
                if self.authenticate is not None:
                    # Step 0b: prove we know the room password, and make the room prove it.
                    await self.authenticate(self, reader, decoder, pending, fingerprint)
            except MessagerieError as exc:
                raise ConnectionEnded(exc) from None
            # Step 1: hello, with the last sequence number we saw so the room sends what
            # we missed.
            self.send(
                protocol.Hello(
                    version=protocol.PROTOCOL_VERSION,
                    name=self.wanted_name,
                    client_id=self.client_id,
                    last_seq=self.last_seq,
                )
            )
            # Step 2: the welcome (or an error).
            welcome = await self._expect_welcome(reader, decoder, pending)
            if self.pinning is not None:
                self.pinning.accept(fingerprint)
            self._on_welcome(welcome, fingerprint, safety_code)
            for message in pending:
                self._handle(message, welcome.last_seq)
            await self._read_loop(reader, decoder, welcome.last_seq)
        finally:
            self._joined = False
            self._writer = None
            if not writer.is_closing():
                writer.close()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            return await asyncio.wait_for(
                asyncio.open_connection(
                    self.host,
                    self.port,
                    ssl=self.ssl_context,
                    # No hostname check: a LAN address proves nothing; the pinned
                    # fingerprint does (see messagerie.security.pinning).
                    server_hostname="" if self.ssl_context else None,
                    ssl_handshake_timeout=self.limits.handshake_timeout_s
                    if self.ssl_context
                    else None,
                    limit=protocol.MAX_FRAME * 2,
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

    async def read_message(
        self, reader: asyncio.StreamReader, decoder: protocol.Decoder, pending: list
    ) -> protocol.Message:
        """Next message during the handshake (used by the password exchange too)."""
        deadline = time.monotonic() + self.limits.handshake_timeout_s
        while not pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConnectionEnded(NetworkError("handshake_timeout"))
            try:
                data = await self._read_some(reader, remaining)
            except TimeoutError:
                raise ConnectionEnded(NetworkError("handshake_timeout")) from None
            pending.extend(self._decode(decoder, data))
        message = pending.pop(0)
        if isinstance(message, protocol.Error):
            raise ConnectionEnded(_error_from_server(message))
        return message

    async def _expect_welcome(self, reader, decoder, pending) -> protocol.Welcome:
        message = await self.read_message(reader, decoder, pending)
        if not isinstance(message, protocol.Welcome):
            raise ConnectionEnded(RemoteProtocolError(protocol.UNEXPECTED_MESSAGE))
        return message

    def _on_welcome(self, welcome: protocol.Welcome, fingerprint, safety_code) -> None:
        self.name = welcome.name
        self._joined = True
        self._failures = 0
        self.on_event(
            events.Connected(
                host=self.host,
                port=self.port,
                name=welcome.name,
                room=welcome.room,
                participants=welcome.participants,
                tls=self.ssl_context is not None,
                fingerprint=fingerprint,
                safety_code=safety_code,
                reconnect=self.ever_connected,
            )
        )
        self.ever_connected = True
        if welcome.last_seq < self.last_seq:
            # The room's history was reset (a new host data dir): start over.
            self.last_seq = 0
        # Step 3: whatever the room has not acknowledged yet goes again, same ids, in order.
        for message in self.outbox.pending():
            self.own_ids.add(message.id)
            self.send(protocol.Say(id=message.id, text=message.text))

    async def _read_loop(self, reader, decoder, history_until: int) -> None:
        silent_since = time.monotonic()
        while True:
            try:
                data = await self._read_some(reader, self.limits.ping_interval_s)
            except TimeoutError:
                if time.monotonic() - silent_since > self.limits.dead_peer_s:
                    raise ConnectionEnded(NetworkError("peer_timeout")) from None
                self.send(protocol.Ping())
                continue
            silent_since = time.monotonic()
            for message in self._decode(decoder, data):
                self._handle(message, history_until)

    def _decode(self, decoder: protocol.Decoder, data: bytes) -> list[protocol.Message]:
        try:
            return decoder.feed(data)
        except RemoteProtocolError as exc:
            # The server sent something we cannot read: say so and reconnect.
            message = i18n.fallback(f"error.{exc.code}", **exc.details)
            with contextlib.suppress(Exception):
                self._writer.write(protocol.encode(protocol.Error(code=exc.code, message=message)))
            raise ConnectionEnded(exc) from None

    def _handle(self, message: protocol.Message, history_until: int) -> None:
        if isinstance(message, protocol.Chat):
            if message.seq <= self.last_seq:
                return  # already shown (a resend after a reconnect)
            self.last_seq = message.seq
            self.on_event(
                events.MessageReceived(
                    id=message.id,
                    seq=message.seq,
                    sender=message.sender,
                    text=message.text,
                    ts=message.ts,
                    history=message.seq <= history_until,
                    own=message.id in self.own_ids,
                )
            )
        elif isinstance(message, protocol.Ack):
            self.outbox.remove(message.id)
            self.on_event(events.Acked(id=message.id, seq=message.seq))
            # has_pending(), not pending(): reading the whole outbox after every ack made a
            # burst of N messages cost O(N²) (half the client's CPU in the chaos test).
            if not self.outbox.has_pending():
                self._outbox_empty.set()
        elif isinstance(message, protocol.Joined):
            self.on_event(events.Joined(name=message.name))
        elif isinstance(message, protocol.Left):
            self.on_event(events.Left(name=message.name, reason=message.reason))
        elif isinstance(message, protocol.Ping):
            self.send(protocol.Pong())
        elif isinstance(message, protocol.Bye):
            code = message.reason if message.reason == "room_closed" else "connection_lost"
            raise ConnectionEnded(NetworkError(code))
        elif isinstance(message, protocol.Error):
            raise ConnectionEnded(_error_from_server(message))

    def _closed_code(self) -> str:
        """Why the server closed on us without an error frame."""
        if self._joined or self.ever_connected:
            return "connection_lost"
        # Closed during the very first handshake: a plaintext client meeting a TLS room sees
        # exactly this, since the room cannot even send it a readable error.
        return "handshake_failed" if self.ssl_context else "tls_required"

    def send(self, message: protocol.Message) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(protocol.encode(message))

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


def _error_from_server(message: protocol.Error) -> MessagerieError:
    """An `error` frame from the room. Its sentence travels as `server_text`: the face shows it
    (quoted and neutralised) only for a code it has no sentence of its own for."""
    cls = SecurityError if message.code in FATAL_CODES else NetworkError
    if message.message:
        return cls(message.code, server_text=message.message)
    return cls(message.code)


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
