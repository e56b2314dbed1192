"""The thread-safe door between a front end and the network core.

A session runs on a network thread (messagerie.net.loop.NetworkThread): the front end's own,
kept for its whole life, or one the session makes and stops. Front ends call `start()`,
`send()` and `stop()` from any thread; every call crosses into the loop through
`loop.call_soon_threadsafe`, the only door. Events come back through the `on_event` callback,
which runs on the network thread and must only hand the event over (the GUI puts it on a
queue; headless mode prints it).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import json
import logging
import socket
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path

from messagerie import protocol
from messagerie.errors import MessagerieError, NetworkError
from messagerie.limits import DEFAULT_CLIENT_NAME, DEFAULT_HOST_NAME, DEFAULT_LIMITS, Limits
from messagerie.net import discovery, events, lan, transfer_client
from messagerie.net.client import RoomClient
from messagerie.net.loop import NetworkThread
from messagerie.net.security import ClientSecurity, ServerSecurity
from messagerie.net.server import Peer, Room, stored_chat
from messagerie.net.transfer import RoomFiles
from messagerie.protocol.filenames import clean_file_name
from messagerie.store.blobs import FileStore
from messagerie.store.client_ids import ClientIds
from messagerie.store.history import HistoryStore
from messagerie.store.outbox import Outbox
from messagerie.store.unfinished import UnfinishedTransfers

log = logging.getLogger(__name__)

EventCallback = Callable[[events.Event], None]
# How long stop() waits for the session to finish.
STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True, kw_only=True)
class SessionConfig:
    """What a session needs to know, decided before it starts.

    `host` is the address to listen on (hosting) or to join; `data_dir` holds the identity,
    history, outbox and known hosts. `trust_new` (joining only) accepts a changed identity.
    """

    host: str
    port: int
    name: str
    data_dir: Path
    limits: Limits = DEFAULT_LIMITS
    tls: bool = True
    password: str | None = None
    trust_new: bool = False

    @classmethod
    def hosting(cls, **fields: object) -> SessionConfig:
        """A config for hosting, with the host's defaults (every interface, "Serveur")."""
        fields.setdefault("host", "0.0.0.0")
        fields.setdefault("name", DEFAULT_HOST_NAME)
        return cls(**fields)

    @classmethod
    def joining(cls, **fields: object) -> SessionConfig:
        """A config for joining, with the joiner's default name ("Client")."""
        fields.setdefault("name", DEFAULT_CLIENT_NAME)
        return cls(**fields)


class Session:
    """Base of HostSession and JoinSession: one hosted or joined room on a network thread."""

    def __init__(
        self,
        config: SessionConfig,
        on_event: EventCallback,
        *,
        network: NetworkThread | None = None,
    ) -> None:
        self.config = config
        self._on_event = on_event
        self._network = network
        self._owns_network = network is None
        self._task: concurrent.futures.Future | None = None
        # Not bound to a loop until first used, so it can be made here (Python 3.10+).
        self._stop_requested = asyncio.Event()
        self._drain_timeout = 0.0
        self._tasks: set[asyncio.Task] = set()

    def start(self) -> None:
        """Start the session on its network thread. Returns at once; events follow."""
        if self._network is None:
            self._network = NetworkThread()
        self._network.start()
        self._task = self._network.submit(self._run())

    def send(self, text: str, *, to: str = "", reply_to: str = "") -> str:
        """Post a message (thread-safe): to the room, or privately to the member id `to`; as
        an answer to the message `reply_to`. Returns its id; raises LocalProtocolError if
        invalid. A refusal by the room comes back as SendRefused."""
        say = protocol.Say(id=protocol.new_message_id(), text=text, to=to, reply_to=reply_to)
        self._call(self._send_on_loop, say)  # checked above, once
        return say.id

    def typing(self) -> None:
        """The person is typing (thread-safe, cheap: call it on every key press)."""
        self._call(self._typing_on_loop)

    def send_file(self, path: str | Path) -> str:
        """Share the file at `path` in the room (thread-safe). Returns the transfer's id,
        which its FileProgress, FileSent or FileFailed events carry."""
        transfer_id = protocol.new_message_id()
        self._call(self._send_file_on_loop, Path(path), transfer_id)
        return transfer_id

    def get_file(self, file_id: str, dest_dir: str | Path) -> None:
        """Download the room's file `file_id` into `dest_dir` (thread-safe). FileProgress,
        then FileReceived (with the saved path) or FileFailed follow."""
        self._call(self._get_file_on_loop, file_id, Path(dest_dir))

    def cancel_file(self, transfer_id: str) -> None:
        """Stop the upload (send_file's id) or download (the file id) `transfer_id`
        (thread-safe). FileFailed(code="cancelled") follows if it was still running."""
        self._call(self._cancel_file_on_loop, transfer_id)

    def caught_up(self, timeout: float) -> bool:
        """Wait until the network thread has run every call made so far (thread-safe).

        A producer faster than the room (headless input from a file or a pipe) calls it now
        and then, so that what it sends waits in the pipe, not in this process's memory.
        """
        done = concurrent.futures.Future()
        self._call(done.set_result, True)
        with contextlib.suppress(concurrent.futures.TimeoutError):
            return done.result(timeout)
        return False

    def stop(self, *, drain_timeout: float = 0.0, timeout: float = STOP_TIMEOUT_S) -> None:
        """Leave (thread-safe, idempotent) and wait for the session to end.

        `drain_timeout` lets a joiner wait that long for its outbox to be acknowledged.
        """
        self._drain_timeout = drain_timeout
        self._call(self._stop_requested.set)
        network = self._network
        if network is None or network.on_loop():
            return
        if self._task is not None:
            # _run reports every failure as an event, so only a timeout or a cancel (the
            # network thread stopping under it) can come out of the task.
            with contextlib.suppress(
                concurrent.futures.TimeoutError, concurrent.futures.CancelledError
            ):
                self._task.result(timeout + drain_timeout)
        if self._owns_network:
            network.stop(timeout)

    @property
    def running(self) -> bool:
        if self._task is None:
            return False
        if self._owns_network:
            return self._network.running
        return not self._task.done()

    # --- on the network thread ---

    def _call(self, fn: Callable, *args: object) -> None:
        if self._network is not None:
            self._network.call(fn, *args)

    def _emit(self, event: events.Event) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("event callback failed for %r", event)

    async def _run(self) -> None:
        try:
            await self._main()
        except MessagerieError as exc:
            self._emit(events.Failed.of(exc))
        except asyncio.CancelledError:
            pass  # the network thread is stopping: Stopped still follows
        except Exception:
            log.exception("network core failed")
            self._emit(events.Failed(code="internal"))
        finally:
            self._emit(events.Stopped())

    async def _main(self) -> None:
        raise NotImplementedError

    def _send_on_loop(self, say: protocol.Say) -> None:
        raise NotImplementedError

    def _typing_on_loop(self) -> None:
        raise NotImplementedError

    def _send_file_on_loop(self, path: Path, transfer_id: str) -> None:
        raise NotImplementedError

    def _get_file_on_loop(self, file_id: str, dest_dir: Path) -> None:
        raise NotImplementedError

    def _cancel_file_on_loop(self, transfer_id: str) -> None:
        raise NotImplementedError

    def _spawn(self, coro: Coroutine) -> asyncio.Task:
        """Run `coro` on the loop as a task of this session (cancelled when it stops)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _cancel_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class HostSession(Session):
    """Host a room on `config.host:config.port`, taking part in it as `config.name`."""

    room: Room | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # The host's own uploads and downloads by id, for `cancel_file`: the task, and the
        # event that stops its copy.
        self._host_transfers: dict[str, tuple[asyncio.Task, threading.Event]] = {}

    async def _main(self) -> None:
        config = self.config
        loop = asyncio.get_running_loop()
        security = ServerSecurity.create(
            data_dir=config.data_dir,
            tls=config.tls,
            password=config.password,
            limits=config.limits,
        )
        for warning in security.warnings:
            self._emit(events.Notice.of("identity", warning))
        history = HistoryStore(config.data_dir / "history.sqlite3")
        if history.warning:
            self._emit(events.Notice.of("storage", history.warning))
            history.warning = None  # told; the room reports only what fails later
        room = Room(
            loop=loop,
            host_name=config.name,
            history=history,
            limits=config.limits,
            on_event=self._emit,
            password=security.password,
            ssl_context=security.ssl_context,
        )
        self.room = room
        try:
            store = FileStore(
                config.data_dir / "files",
                cap=config.limits.file_cap_bytes,
                quota=config.limits.file_quota_bytes,
            )
        except OSError as exc:
            log.warning("shared files unavailable: %s", exc)
        else:
            room.files = RoomFiles(room=room, store=store, limits=config.limits)
            for described in history.files():
                room.files.remember(json.loads(described))
        try:
            server = await loop.create_server(
                lambda: Peer(room),
                config.host,
                config.port,
                backlog=1024,
            )
        except OSError as exc:
            history.close()
            raise listen_error(exc, config.host, config.port) from None
        port = server.sockets[0].getsockname()[1]
        self._emit(
            events.Listening(
                host=config.host,
                port=port,
                name=config.name,
                addresses=tuple(lan.shareable_addresses(config.host, port)),
                tls=security.ssl_context is not None,
                fingerprint=security.fingerprint,
                safety_code=security.safety_code,
                password=config.password is not None,
            )
        )
        # The host sees the same history as everyone: what was said before this start.
        last_seq = history.last_seq
        recent = config.limits.history_for_newcomers
        me = protocol.HOST_MEMBER_ID
        for stored in history.since(max(0, last_seq - recent), recent, reader=me):
            own = stored.from_id == me if stored.to_id else stored.sender == config.name
            message = events.MessageReceived.of(stored_chat(stored, me), history=True, own=own)
            self._emit(message)
            if message.file is not None:
                name = clean_file_name(message.file["name"])
                self._emit(events.FileOffered.of(message.file, name, history=True))
        room.start_sweeper()
        advertiser = discovery.advertise_room(config, port, security)
        try:
            await self._stop_requested.wait()
        finally:
            await discovery.withdraw(advertiser)
            await self._cancel_tasks()
            server.close()
            await room.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2.0)

    def _send_on_loop(self, say: protocol.Say) -> None:
        room = self.room
        if room is None or room.closing:
            return
        if say.to or say.reply_to:
            room.post_addressed(say.id, say.text, None, say.to, say.reply_to)
        else:
            room.post(say.id, self.config.name, say.text, sender=None)

    def _typing_on_loop(self) -> None:
        if self.room is not None and not self.room.closing:
            self.room.typing(None)

    def _send_file_on_loop(self, path: Path, transfer_id: str) -> None:
        room = self.room
        if room is None or room.closing or room.files is None:
            name = clean_file_name(path.name)
            self._emit(
                events.FileFailed(
                    id=transfer_id, direction="upload", name=name, code="files_disabled"
                )
            )
            return
        stop = threading.Event()
        task = self._spawn(
            transfer_client.host_send(
                room.files, path, transfer_id, self.config.name, self._emit, stop
            )
        )
        self._track(transfer_id, task, stop)

    def _get_file_on_loop(self, file_id: str, dest_dir: Path) -> None:
        room = self.room
        if room is None or room.closing or room.files is None:
            self._emit(
                events.FileFailed(
                    id=file_id, direction="download", name=file_id, code="files_disabled"
                )
            )
            return
        stop = threading.Event()
        task = self._spawn(
            transfer_client.host_get(room.files, file_id, dest_dir, self._emit, stop)
        )
        self._track(file_id, task, stop)

    def _track(self, transfer_id: str, task: asyncio.Task, stop: threading.Event) -> None:
        """Remember a running transfer of the host's for `cancel_file`, until it ends."""
        self._host_transfers[transfer_id] = (task, stop)

        def forget(done: asyncio.Task) -> None:
            if self._host_transfers.get(transfer_id, (None,))[0] is done:
                del self._host_transfers[transfer_id]

        task.add_done_callback(forget)

    def _cancel_file_on_loop(self, transfer_id: str) -> None:
        # The host's own transfers are copies on its disk, done by a worker thread: the copy
        # stops at its next block and removes what it wrote, then the task tells
        # FileFailed("cancelled"). A copy already complete is announced or saved as usual.
        _, stop = self._host_transfers.get(transfer_id, (None, None))
        if stop is not None:
            stop.set()


class JoinSession(Session):
    """Join the room at `config.host:config.port` as `config.name`."""

    client: RoomClient | None = None
    transfers: transfer_client.Transfers | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # File transfers asked for before the network side exists.
        self._early_transfers: list[Callable[[], None]] = []

    async def _main(self) -> None:
        config = self.config
        room_key = f"{config.host}:{config.port}"
        outbox = Outbox(config.data_dir / "outbox.sqlite3", room=room_key)
        if outbox.warning:
            self._emit(events.Notice.of("storage", outbox.warning))
        security = ClientSecurity.create(
            data_dir=config.data_dir,
            tls=config.tls,
            password=config.password,
            trust_new=config.trust_new,
            host=config.host,
            port=config.port,
        )
        for warning in security.warnings:
            self._emit(events.Notice.of("identity", warning))
        client_ids = ClientIds(config.data_dir, room_key)
        unfinished = UnfinishedTransfers(config.data_dir, room_key)
        # In use by another copy of the app: it resumes them, and this one says nothing.
        if unfinished.warning and unfinished.warning.code != "database_in_use":
            self._emit(events.Notice.of("storage", unfinished.warning))
        resumed = False

        def on_client_event(event: events.Event) -> None:
            nonlocal resumed
            # Once joined (tokens come from the room), what the last session left unfinished
            # goes on: once per session, not after every reconnection. At the loop's next
            # turn, after the catch-up that the welcome carries, so that its lines come
            # first; queued before Connected is told, so nothing can be asked in between.
            if isinstance(event, events.Connected) and not resumed:
                resumed = True
                asyncio.get_running_loop().call_soon(self.transfers.resume_unfinished)
            self._emit(event)

        client = RoomClient(
            host=config.host,
            port=config.port,
            name=config.name,
            limits=config.limits,
            outbox=outbox,
            client_ids=client_ids,
            on_event=on_client_event,
            ssl_context=security.ssl_context,
            pinning=security.pinning,
            password_prover=security.password_prover,
        )
        self.client = client
        self.transfers = transfer_client.Transfers(client, self._emit, config.limits, unfinished)
        for early in self._early_transfers:
            early()
        self._early_transfers.clear()
        running = asyncio.create_task(client.run())
        stop = asyncio.create_task(self._stop_requested.wait())
        try:
            await asyncio.wait({running, stop}, return_when=asyncio.FIRST_COMPLETED)
            if stop.done():
                # Transfers first: leaving cuts them at once, like a crash would; what they
                # moved is kept for a resume.
                await self.transfers.close()
                await client.stop(drain_timeout=self._drain_timeout)
            else:
                await running  # a fatal error ended it; surface any bug
        finally:
            await self.transfers.close()
            for task in (running, stop):
                task.cancel()
            await asyncio.gather(running, stop, return_exceptions=True)
            outbox.close()
            unfinished.close()
            client_ids.close()

    def _send_on_loop(self, say: protocol.Say) -> None:
        if self.client is not None:
            self.client.say(say)

    def _typing_on_loop(self) -> None:
        if self.client is not None:
            self.client.typing()

    def _send_file_on_loop(self, path: Path, transfer_id: str) -> None:
        if self.transfers is None:  # asked before the session is up: done once it is
            self._early_transfers.append(lambda: self._send_file_on_loop(path, transfer_id))
            return
        self.transfers.send_file(path, transfer_id)

    def _get_file_on_loop(self, file_id: str, dest_dir: Path) -> None:
        if self.transfers is None:
            self._early_transfers.append(lambda: self._get_file_on_loop(file_id, dest_dir))
            return
        self.transfers.get_file(file_id, dest_dir)

    def _cancel_file_on_loop(self, transfer_id: str) -> None:
        if self.transfers is not None:
            self.transfers.cancel(transfer_id)

    def retry_now(self) -> None:
        """While reconnecting: try again now instead of at the end of the wait (thread-safe)."""
        self._call(self._retry_on_loop)

    def _retry_on_loop(self) -> None:
        if self.client is not None:
            self.client.retry_now()


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
