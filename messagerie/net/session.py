"""The thread-safe door between a front end and the network core.

A session owns one network thread running an asyncio event loop (the "listener thread" of
the original brief). Front ends call `start()`, `send()` and `stop()` from any thread; every
call crosses into the loop through `loop.call_soon_threadsafe`, the only door. Events come
back through the `on_event` callback, which runs on the network thread and must only hand
the event over (the GUI puts it on a queue; headless mode prints it).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from messagerie import protocol
from messagerie.errors import LocalProtocolError, MessagerieError, NetworkError
from messagerie.i18n import tr
from messagerie.limits import DEFAULT_CLIENT_NAME, DEFAULT_HOST_NAME, DEFAULT_LIMITS, Limits
from messagerie.net import discovery, events, lan
from messagerie.net.client import RoomClient
from messagerie.net.security import ClientSecurity, ServerSecurity
from messagerie.net.server import Participant, Room
from messagerie.store.history import HistoryStore
from messagerie.store.outbox import Outbox

log = logging.getLogger(__name__)

EventCallback = Callable[[events.Event], None]
# How long stop() waits for the network thread to finish.
STOP_TIMEOUT_S = 5.0


class Session:
    """Base of HostSession and JoinSession: the network thread and its event loop."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        name: str,
        data_dir: Path,
        on_event: EventCallback,
        limits: Limits,
        tls: bool,
        password: str | None,
    ) -> None:
        self.host = host
        self.port = port
        self.name = name
        self.tls = tls
        self.password = password
        self._on_event = on_event
        self.limits = limits
        self.data_dir = data_dir
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop_requested: asyncio.Event | None = None
        self._drain_timeout = 0.0

    def start(self) -> None:
        """Start the network thread. Returns at once; events follow."""
        self._thread = threading.Thread(target=self._run, name="messagerie-network", daemon=True)
        self._thread.start()
        self._ready.wait()

    def send(self, text: str) -> str:
        """Post a message (thread-safe). Returns its id; raises LocalProtocolError if invalid."""
        problem = protocol.text_problem(text)
        if problem == "too_long":
            raise LocalProtocolError(protocol.TEXT_TOO_LONG, limit=protocol.MAX_TEXT)
        if problem:
            raise LocalProtocolError(protocol.BAD_FIELD, field="text")
        msg_id = protocol.new_message_id()
        self._call(self._send_on_loop, msg_id, text)
        return msg_id

    def caught_up(self, timeout: float) -> bool:
        """Wait until the network thread has run every call made so far (thread-safe).

        A producer faster than the room (headless input from a file or a pipe) calls it now
        and then, so that what it sends waits in the pipe, not in this process's memory.
        """
        done = threading.Event()
        self._call(done.set)
        return done.wait(timeout)

    def stop(self, *, drain_timeout: float = 0.0, timeout: float = STOP_TIMEOUT_S) -> None:
        """Leave (thread-safe, idempotent) and wait for the network thread to end.

        `drain_timeout` lets a joiner wait that long for its outbox to be acknowledged.
        """
        self._drain_timeout = drain_timeout
        self._call(self._request_stop)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout + drain_timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- on the network thread ---

    def _call(self, fn: Callable, *args: object) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(fn, *args)

    def _request_stop(self) -> None:
        if self._stop_requested is not None:
            self._stop_requested.set()

    def _emit(self, event: events.Event) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("event callback failed for %r", event)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._stop_requested = asyncio.Event()
            self._ready.set()
            loop.run_until_complete(self._guarded_main())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            self._ready.set()
            loop.close()
            self._emit(events.Stopped())

    async def _guarded_main(self) -> None:
        try:
            await self._main()
        except MessagerieError as exc:
            self._emit(events.Failed(code=exc.code, message=exc.message, details=exc.details))
        except Exception:
            log.exception("network core failed")
            self._emit(events.Failed(code="internal", message=tr("error.internal")))

    async def _main(self) -> None:
        raise NotImplementedError

    def _send_on_loop(self, msg_id: str, text: str) -> None:
        raise NotImplementedError

    def _data_file(self, name: str) -> Path:
        return self.data_dir / name


class HostSession(Session):
    """Host a room on `host:port`, taking part in it as `name`."""

    def __init__(
        self,
        *,
        host: str = "0.0.0.0",
        port: int,
        name: str = DEFAULT_HOST_NAME,
        data_dir: Path,
        on_event: EventCallback,
        limits: Limits = DEFAULT_LIMITS,
        tls: bool = True,
        password: str | None = None,
    ) -> None:
        super().__init__(
            host=host,
            port=port,
            name=name,
            data_dir=data_dir,
            on_event=on_event,
            limits=limits,
            tls=tls,
            password=password,
        )
        self.room: Room | None = None

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        security = ServerSecurity.create(
            data_dir=self.data_dir, tls=self.tls, password=self.password, limits=self.limits
        )
        for warning in security.warnings:
            self._emit(events.Notice(code="identity", message=warning))
        history = HistoryStore(self._data_file("history.sqlite3"))
        if history.warning:
            self._emit(events.Notice(code="storage", message=history.warning))
            history.warning = None  # told; the room reports only what fails later
        room = Room(
            loop=loop,
            host_name=self.name,
            history=history,
            limits=self.limits,
            on_event=self._emit,
            authenticator=security.authenticator,
        )
        self.room = room
        try:
            server = await loop.create_server(
                lambda: Participant(room),
                self.host,
                self.port,
                ssl=security.ssl_context,
                ssl_handshake_timeout=self.limits.handshake_timeout_s
                if security.ssl_context
                else None,
                backlog=1024,
            )
        except OSError as exc:
            history.close()
            raise listen_error(exc, self.host, self.port) from None
        port = server.sockets[0].getsockname()[1]
        self._emit(
            events.Listening(
                host=self.host,
                port=port,
                name=self.name,
                addresses=tuple(lan.shareable_addresses(self.host, port)),
                tls=security.ssl_context is not None,
                fingerprint=security.fingerprint,
                safety_code=security.safety_code,
                password=self.password is not None,
            )
        )
        room.start_sweeper()
        advertiser = discovery.advertise_room(self, port, security)
        try:
            await self._stop_requested.wait()
        finally:
            await discovery.withdraw(advertiser)
            server.close()
            await room.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2.0)

    def _send_on_loop(self, msg_id: str, text: str) -> None:
        if self.room is not None and not self.room.closing:
            self.room.post(msg_id, self.name, text, sender=None)


class JoinSession(Session):
    """Join the room at `host:port` as `name`."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        name: str = DEFAULT_CLIENT_NAME,
        data_dir: Path,
        on_event: EventCallback,
        limits: Limits = DEFAULT_LIMITS,
        tls: bool = True,
        password: str | None = None,
        trust_new: bool = False,
    ) -> None:
        super().__init__(
            host=host,
            port=port,
            name=name,
            data_dir=data_dir,
            on_event=on_event,
            limits=limits,
            tls=tls,
            password=password,
        )
        self.trust_new = trust_new
        self.client: RoomClient | None = None

    async def _main(self) -> None:
        outbox = Outbox(self._data_file("outbox.sqlite3"), room=f"{self.host}:{self.port}")
        if outbox.warning:
            self._emit(events.Notice(code="storage", message=outbox.warning))
        security = ClientSecurity.create(
            data_dir=self.data_dir,
            tls=self.tls,
            password=self.password,
            trust_new=self.trust_new,
            host=self.host,
            port=self.port,
        )
        for warning in security.warnings:
            self._emit(events.Notice(code="identity", message=warning))
        client = RoomClient(
            host=self.host,
            port=self.port,
            name=self.name,
            limits=self.limits,
            outbox=outbox,
            on_event=self._emit,
            ssl_context=security.ssl_context,
            pinning=security.pinning,
            authenticate=security.authenticate,
        )
        self.client = client
        running = asyncio.create_task(client.run())
        stop = asyncio.create_task(self._stop_requested.wait())
        try:
            await asyncio.wait({running, stop}, return_when=asyncio.FIRST_COMPLETED)
            if stop.done():
                await client.stop(drain_timeout=self._drain_timeout)
            else:
                await running  # a fatal error ended it; surface any bug
        finally:
            for task in (running, stop):
                task.cancel()
            await asyncio.gather(running, stop, return_exceptions=True)
            outbox.close()

    def _send_on_loop(self, msg_id: str, text: str) -> None:
        if self.client is not None:
            self.client.say(msg_id, text)


def listen_error(exc: OSError, host: str, port: int) -> NetworkError:
    """Turn a failure to listen into a sentence a person can act on."""
    if isinstance(exc, socket.gaierror):
        return NetworkError("unknown_host", host=host)
    if exc.errno == errno.EADDRINUSE or getattr(exc, "winerror", None) == 10048:
        return NetworkError("port_in_use", port=port, suggestion=free_port_near(host, port))
    if exc.errno in (errno.EACCES, errno.EPERM):
        return NetworkError("port_denied", port=port)
    if exc.errno == errno.EADDRNOTAVAIL:
        return NetworkError("address_unavailable", host=host)
    return NetworkError("network_error", detail=exc.strerror or str(exc))


def free_port_near(host: str, port: int) -> int:
    """A port close to `port` that is free on `host` right now (or any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in [*range(port + 1, min(port + 20, 65535) + 1), 0]:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    return 0
