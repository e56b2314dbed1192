"""The joiner's side of shared files: send one, get one, resume after a drop, never block the chat.

Each transfer is a task on the network thread's loop. It asks the room for a token on the chat
connection (`RoomClient.request_file`), opens a transfer connection of its own, and moves the
bytes with flow control (`drain()` on the way up; on the way down, net/download_stream.py's
reads pause while the disk catches up). A dropped connection is retried (up to
`Limits.transfer_attempts`), resuming from what the other side holds; a refusal from the room
is final. Progress is told at most 4 times a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import mimetypes
import os
import time
from collections.abc import Callable
from pathlib import Path

from messagerie import protocol
from messagerie.errors import MessagerieError, NetworkError, TransferError
from messagerie.limits import Limits
from messagerie.net import events
from messagerie.net.client import ConnectionEnded, RoomClient, open_streams
from messagerie.net.download_stream import DownloadStream
from messagerie.protocol import transfer
from messagerie.protocol.filenames import clean_file_name
from messagerie.store import downloads
from messagerie.store.unfinished import DOWNLOAD, UPLOAD, Unfinished, UnfinishedTransfers

log = logging.getLogger(__name__)

# An upload reads the file on the loop, this much at a time: from the page cache that is
# microseconds. (Read on a worker thread, a block ahead, the sender used 0.3 s more CPU per
# GiB and the upload measured no faster: see PERFORMANCE.md.)
CHUNK = 256 * 1024
# An upload's connection carries only the host's frames back: a read of this much holds any.
READ_CHUNK = 64 * 1024
# Codes after which trying again cannot help (the room said no, or the bytes are wrong).
FINAL_CODES = frozenset(
    {
        "bad_file_name",
        "file_too_large",
        "file_over_quota",
        "unknown_file",
        "file_gone",
        "files_disabled",
        "sha256_mismatch",
        "file_unreadable",
        "not_a_file",
        "file_unwritable",
        "identity_changed",
        "bad_field",
    }
)


def _unwritable(partial: Path, exc: OSError) -> TransferError:
    return TransferError(
        "file_unwritable", path=str(partial.parent), detail=exc.strerror or str(exc)
    )


class Progress:
    """Tells `FileProgress` at most every `every_s`, and always at the end.

    A value held back by the limit is told once `every_s` has passed, even if nothing moves
    meanwhile: a transfer that stalls shows where it stands, not where it was a moment
    before. `stop()` when the transfer ends, so that nothing is told after its last event.
    """

    def __init__(
        self, emit: Callable[[events.Event], None], file_id: str, direction: str, every_s: float
    ):
        self.emit = emit
        self.id = file_id
        self.direction = direction
        self.every_s = every_s
        self.told_at = float("-inf")
        self.told_done = -1
        self.held: tuple[int, int] | None = None
        self.timer: asyncio.TimerHandle | None = None

    def __call__(self, done: int, total: int) -> None:
        if done == self.told_done:
            return
        now = time.monotonic()
        if done == total or now - self.told_at >= self.every_s:
            self._tell(done, total, now)
            return
        self.held = (done, total)
        if self.timer is None:
            wait = self.told_at + self.every_s - now
            self.timer = asyncio.get_running_loop().call_later(wait, self._tell_held)

    def stop(self) -> None:
        self.held = None
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _tell_held(self) -> None:
        self.timer = None
        if self.held is not None:
            self._tell(*self.held, time.monotonic())

    def _tell(self, done: int, total: int, now: float) -> None:
        self.stop()
        self.told_done = done
        self.told_at = now
        self.emit(events.FileProgress(id=self.id, direction=self.direction, done=done, total=total))


def media_type_of(name: str) -> str:
    guessed = mimetypes.guess_type(name, strict=False)[0] or ""
    try:
        protocol.UploadRequest(id="x", name="x", size=0, sha256="0" * 64, media_type=guessed)
    except MessagerieError:
        return "application/octet-stream"
    return guessed


class Transfers:
    """A joiner's uploads and downloads (on the network thread)."""

    def __init__(
        self,
        client: RoomClient,
        on_event: Callable[[events.Event], None],
        limits,
        unfinished: UnfinishedTransfers,
    ):
        self.client = client
        self.emit = on_event
        self.limits: Limits = limits
        # Written down while they run: what a stop or a crash cuts short resumes next time.
        self.unfinished = unfinished
        self.tasks: set[asyncio.Task] = set()
        # The running transfers by the id their events carry, for `cancel`.
        self.running: dict[str, asyncio.Task] = {}
        self.cancelled: set[str] = set()

    def send_file(self, path: Path, transfer_id: str) -> None:
        path = Path(os.path.abspath(path))  # the app may start elsewhere next time
        self.unfinished.add(Unfinished(transfer_id, UPLOAD, str(path)))
        self._spawn(self._upload(path, transfer_id), transfer_id)

    def get_file(self, file_id: str, folder: Path) -> None:
        if file_id in self.running:
            return  # already under way (resumed, or asked twice): one writer per partial
        folder = Path(os.path.abspath(folder))
        info = self.client.offers.get(file_id)
        if info is not None:
            offer = dataclasses.asdict(info)
            self.unfinished.add(Unfinished(file_id, DOWNLOAD, str(folder), offer))
        self._spawn(self._download(file_id, folder, info), file_id)

    def resume_unfinished(self) -> None:
        """Go on with what an earlier session left unfinished (once joined, so that the
        room can hand out tokens), each from the bytes the other side already holds."""
        for left in self.unfinished.pending():
            if left.id in self.running:
                continue
            path = Path(left.path)
            if left.direction == UPLOAD:
                name = clean_file_name(path.name)
                size, media_type, sender = downloads.size_to_send(path), media_type_of(name), ""
                work = self._upload(path, left.id, resumed=True)
            else:
                try:
                    info = protocol.FileInfo(**left.offer)
                except (TypeError, MessagerieError):
                    log.warning("unfinished download %s: damaged offer, forgotten", left.id)
                    self.unfinished.remove(left.id)
                    continue
                name = clean_file_name(info.name)
                size, media_type, sender = info.size, info.media_type, info.sender
                work = self._download(left.id, path, info)
            self.emit(
                events.FileResumed(
                    id=left.id,
                    direction=left.direction,
                    name=name,
                    size=size,
                    media_type=media_type,
                    sender=sender,
                    path=str(path),
                )
            )
            self._spawn(work, left.id)

    def cancel(self, transfer_id: str) -> bool:
        """Stop the upload or download `transfer_id` at once; its task then tells
        FileFailed(code="cancelled"). Returns False when no such transfer runs."""
        task = self.running.get(transfer_id)
        if task is None or task.done():
            return False
        self.cancelled.add(transfer_id)
        task.cancel()
        return True

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def _spawn(self, coro, transfer_id: str) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        self.running[transfer_id] = task

        def done(task: asyncio.Task) -> None:
            self.tasks.discard(task)
            if self.running.get(transfer_id) is task:
                del self.running[transfer_id]
            # Ended in a way the person was told (sent, received, failed, cancelled by
            # them): crossed off. Cut by the session's end: kept, to resume next time.
            if not task.cancelled():
                self.unfinished.remove(transfer_id)
            self.cancelled.discard(transfer_id)

        task.add_done_callback(done)

    async def _cancellable(self, transfer_id: str, attempts, failed, on_cancel=None):
        """`attempts` awaited; a cancel asked by `cancel()` (not a session stop) is told as
        FileFailed("cancelled") after `on_cancel` has cleaned up."""
        try:
            return await attempts
        except asyncio.CancelledError:
            if transfer_id not in self.cancelled:
                raise
            if on_cancel is not None:
                await asyncio.to_thread(on_cancel)
            failed("cancelled")
            return None

    # --- upload ---

    async def _upload(self, path: Path, transfer_id: str, *, resumed: bool = False) -> None:
        name = clean_file_name(path.name)

        def failed(code: str, **details: object) -> None:
            self.emit(
                events.FileFailed(
                    id=transfer_id, direction="upload", name=name, code=code, details=details
                )
            )

        try:
            size, sha256 = await asyncio.to_thread(downloads.hash_file, path)
        except downloads.NotARegularFile:
            failed("not_a_file")
            return
        except OSError as exc:
            failed("file_unreadable", detail=exc.strerror or str(exc))
            return
        if resumed and (stored := self._already_offered(name, size, sha256)) is not None:
            # The room had stored and announced it when the last session ended, before
            # that session heard so: sent already, not a second copy for everyone.
            self.emit(events.FileSent(id=transfer_id, file_id=stored, name=name))
            return
        request_fields = dict(name=name, size=size, sha256=sha256, media_type=media_type_of(name))
        progress = Progress(self.emit, transfer_id, "upload", self.limits.progress_every_s)

        async def once() -> str:
            request = protocol.UploadRequest(id=protocol.new_message_id(), **request_fields)
            token = await self.client.request_file(request, self.limits.handshake_timeout_s)
            return await self._upload_once(path, token, size, progress)

        try:
            file_id = await self._cancellable(transfer_id, self._attempts(once, failed), failed)
        finally:
            progress.stop()
        if file_id is not None:
            self.emit(events.FileSent(id=transfer_id, file_id=file_id, name=name))

    def _already_offered(self, name: str, size: int, sha256: str) -> str | None:
        """The id of our own offer of this very file in what the room has shown us, if any."""
        for offer in reversed(self.client.offers.values()):
            if (offer.sha256, offer.size, offer.sender) == (sha256, size, self.client.name) and (
                clean_file_name(offer.name) == name
            ):
                return offer.id
        return None

    async def _upload_once(self, path: Path, token, size: int, progress: Progress) -> str:
        reader, writer = await open_streams(self.client.open_transfer)
        try:
            state = transfer.ClientTransfer(transfer.UPLOAD, token.token)
            writer.write(state.opener())
            ready = await self._next(reader, state, transfer.ReadyReceived)
            done = ready.offset
            with downloads.open_to_send(path) as handle:
                handle.seek(done)
                while done < size:
                    chunk = handle.read(min(CHUNK, size - done))
                    if not chunk:
                        raise TransferError("file_unreadable", detail="changed while sent")
                    writer.write(chunk)
                    await writer.drain()
                    done += len(chunk)
                    progress(done, size)
            progress(size, size)
            stored = await self._next(reader, state, transfer.UploadStored)
            return stored.file_id
        finally:
            writer.close()

    # --- download ---

    async def _download(self, file_id: str, folder: Path, info: protocol.FileInfo | None) -> None:
        name = clean_file_name(info.name) if info else file_id

        def failed(code: str, **details: object) -> None:
            self.emit(
                events.FileFailed(
                    id=file_id, direction="download", name=name, code=code, details=details
                )
            )

        if info is None:
            failed("unknown_file")
            return
        partial = downloads.partial_path(folder, name, info.sha256)
        progress = Progress(self.emit, file_id, "download", self.limits.progress_every_s)

        async def once() -> Path:
            offset, digest = await asyncio.to_thread(downloads.resume, partial, info.size)
            request = protocol.DownloadRequest(
                id=protocol.new_message_id(), file=file_id, offset=offset
            )
            token = await self.client.request_file(request, self.limits.handshake_timeout_s)
            await self._download_once(token, partial, digest, info.size, progress)
            if digest.hexdigest() != info.sha256:
                partial.unlink(missing_ok=True)
                raise TransferError("sha256_mismatch")
            return await asyncio.to_thread(downloads.place, partial, folder, name)

        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            failed("file_unwritable", path=str(folder), detail=exc.strerror or str(exc))
            return
        # A download the person cancels leaves nothing behind: they said they do not want the
        # file, and a hidden .part in their Downloads folder would only take space (a drop or
        # a restart, which nobody chose, keeps it for the resume).
        try:
            saved = await self._cancellable(
                file_id,
                self._attempts(once, failed),
                failed,
                on_cancel=lambda: partial.unlink(missing_ok=True),
            )
        finally:
            progress.stop()
        if saved is not None:
            self.emit(events.FileReceived(id=file_id, name=saved.name, path=str(saved)))

    async def _download_once(self, token, partial: Path, digest, size: int, progress) -> None:
        state = transfer.ClientTransfer(transfer.DOWNLOAD, token.token, offset=token.offset)
        stream = DownloadStream(state, lambda done: progress(done, size), self.limits.dead_peer_s)
        transport, _ = await self.client.open_transfer(lambda: stream)
        handle = None
        try:
            try:
                handle = open(partial, "ab")  # noqa: SIM115 - closed here or by the sink
            except OSError as exc:
                raise _unwritable(partial, exc) from None
            stream.begin(handle, digest)
            await stream.ended
            try:
                await stream.sink.finish()
                handle.close()
            except OSError as exc:
                raise _unwritable(partial, exc) from None
            handle = None
            progress(size, size)
        finally:
            transport.close()
            if handle is not None:
                await stream.give_up()

    # --- both ---

    async def _attempts(self, once, failed):
        """Run `once` until it succeeds, a final error, or the attempts run out."""
        last = "transfer_failed"
        for attempt in range(self.limits.transfer_attempts):
            try:
                return await once()
            except (MessagerieError, ConnectionEnded, OSError, TimeoutError) as exc:
                error = exc.error if isinstance(exc, ConnectionEnded) else exc
                code = getattr(error, "code", "network_error")
                if code in FINAL_CODES:
                    failed(code, **dict(getattr(error, "details", {})))
                    return None
                last = code
                log.info("transfer attempt %d failed (%s); trying again", attempt + 1, code)
                await asyncio.sleep(min(self.limits.reconnect_max_s, 0.5 * 2**attempt))
        failed("transfer_failed", last=last)
        return None

    async def _next(self, reader: asyncio.StreamReader, state, kind):
        """Read until the transfer gives an event of `kind` (raise on a failure)."""
        while True:
            for event in state.receive_data(await self._read(reader)):
                if isinstance(event, kind):
                    return event
                if isinstance(event, transfer.TransferFailed):
                    raise TransferError(event.code)

    async def _read(self, reader: asyncio.StreamReader) -> bytes:
        # asyncio.timeout, not wait_for: Python 3.11's wait_for loses a cancellation that
        # comes while the read completes, and with a fast host it always just completed.
        try:
            async with asyncio.timeout(self.limits.dead_peer_s):
                data = await reader.read(READ_CHUNK)
        except (OSError, EOFError) as exc:
            raise NetworkError("connection_lost") from exc
        if not data:
            raise NetworkError("connection_lost")
        return data


async def host_send(files, path: Path, transfer_id: str, sender: str, emit, stop) -> None:
    """The host shares one of its own files: copied into the store, then announced.
    Setting `stop` (a threading.Event) cancels it within one block, leaving nothing."""
    name = clean_file_name(Path(path).name)
    file_id = protocol.new_message_id()

    def failed(code: str, **details: object) -> None:
        emit(
            events.FileFailed(
                id=transfer_id, direction="upload", name=name, code=code, details=details
            )
        )

    progress = Progress(emit, transfer_id, "upload", files.limits.progress_every_s)
    on_block = _told_on_loop(progress, downloads.size_to_send(Path(path)))
    try:
        size, sha256, pushed_out = await _copy_off_loop(
            lambda: files.store.add_copy(path, file_id, stop, on_block), stop
        )
    except downloads.CopyCancelled:
        failed("cancelled")
        return
    except ValueError as exc:
        failed(str(exc), **files.limit_details(str(exc)))
        return
    except downloads.NotARegularFile:
        failed("not_a_file")
        return
    except OSError as exc:
        failed("file_unreadable", detail=exc.strerror or str(exc))
        return
    finally:
        progress.stop()
    progress(size, size)
    files.forget(pushed_out)
    info = protocol.FileInfo(
        id=file_id,
        name=name,
        size=size,
        sha256=sha256,
        media_type=media_type_of(name),
        sender=sender,
    )
    files.announce(info)
    emit(events.FileSent(id=transfer_id, file_id=file_id, name=name))


async def host_get(files, file_id: str, folder: Path, emit, stop) -> None:
    """The host saves a stored file into a folder of its own (never over an existing one).
    Setting `stop` (a threading.Event) cancels it within one block, leaving nothing."""
    known = files.known.get(file_id)
    path = files.store.path(file_id)
    name = clean_file_name(known.name) if known else file_id

    def failed(code: str, **details: object) -> None:
        emit(
            events.FileFailed(
                id=file_id, direction="download", name=name, code=code, details=details
            )
        )

    if known is None or path is None:
        failed("unknown_file" if known is None else "file_gone")
        return

    progress = Progress(emit, file_id, "download", files.limits.progress_every_s)
    on_block = _told_on_loop(progress, known.size)

    def copy() -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        partial = downloads.partial_path(folder, name, known.sha256)
        try:
            with open(path, "rb") as src, open(partial, "wb") as dst:
                downloads.copy_blocks(src, dst, stop, on_block=on_block)
        except BaseException:
            # Cancelled or failed: a local copy starts over next time, nothing to keep.
            partial.unlink(missing_ok=True)
            raise
        return downloads.place(partial, folder, name)

    try:
        saved = await _copy_off_loop(copy, stop)
    except downloads.CopyCancelled:
        failed("cancelled")
        return
    except OSError as exc:
        failed("file_unwritable", path=str(folder), detail=exc.strerror or str(exc))
        return
    finally:
        progress.stop()
    progress(known.size, known.size)
    emit(events.FileReceived(id=file_id, name=saved.name, path=str(saved)))


def _told_on_loop(progress: Progress, total: int) -> Callable[[int], None]:
    """A copy thread's `on_block`: each size copied goes to `progress` on the loop (which
    keeps at most 4 a second), posted in order before the copy's own end."""
    loop = asyncio.get_running_loop()

    def told(done: int) -> None:
        # A closed loop (RuntimeError): the session is over and nobody listens.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(progress, done, total)

    return told


async def _copy_off_loop(copy, stop):
    """`copy()` on a worker thread. If the task is cancelled (the session stops), `stop` is
    set too: the thread would otherwise finish the copy, unseen, after we are gone."""
    try:
        return await asyncio.to_thread(copy)
    except asyncio.CancelledError:
        stop.set()
        raise
