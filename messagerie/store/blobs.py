"""The host's shared files, in `<data_dir>/files/`: partial uploads, stored files, the quota.

A file being uploaded is written to `partial/<sha256>-<size>`, named by what it must become,
so that an upload cut short resumes from the bytes already on disk, whoever sends it again and
whenever (after a restart of either side). Once every byte is in and the SHA-256 matches, it
is renamed to its file id; anything else (a wrong SHA-256, too many bytes) deletes it. Stored
files are named by their id, which starts with the time (protocol.new_message_id), so sorting
the names gives the oldest first: the quota pushes those out. Their description (name, sender,
type) lives in the room's history, not here.

Everything here blocks on the disk: the room calls the slow parts (hashing what is already
there, fsync) off its event loop.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from messagerie.store import downloads

log = logging.getLogger(__name__)

# Partial uploads untouched for this long are abandoned: removed when the store opens.
PARTIAL_MAX_AGE_S = 7 * 24 * 3600
READ_CHUNK = 1024 * 1024
_BLOB_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SHA_RE = re.compile(r"[0-9a-f]{64}")


class FileStore:
    """Stored files under `folder`, at most `cap` bytes each and `quota` bytes in all."""

    def __init__(self, folder: Path, *, cap: int, quota: int) -> None:
        self.folder = Path(folder)
        self.partials = self.folder / "partial"
        self.partials.mkdir(parents=True, exist_ok=True)
        self.cap = cap
        self.quota = quota
        self._drop_stale_partials()

    # --- uploads ---

    def refusal(self, size: int, reserved: int = 0) -> str | None:
        """Why a file of `size` bytes cannot be stored (`reserved`: uploads under way)."""
        if size > self.cap:
            return "file_too_large"
        if size + reserved > self.quota:
            return "file_over_quota"
        return None

    def partial_path(self, sha256: str, size: int) -> Path:
        if not _SHA_RE.fullmatch(sha256) or size < 0:
            raise ValueError("bad partial key")
        return self.partials / f"{sha256}-{size}"

    def resume_offset(self, sha256: str, size: int) -> int:
        """How many bytes of this upload are already on disk (0: none, or too many)."""
        try:
            held = self.partial_path(sha256, size).stat().st_size
        except OSError:
            return 0
        return held if held <= size else 0

    def open_partial(self, sha256: str, size: int, offset: int) -> tuple[BinaryIO, hashlib._Hash]:
        """The partial file, positioned at `offset` (cut there), and the hash of what precedes.

        Blocks while it reads the first `offset` bytes back: call it off the event loop.
        """
        path = self.partial_path(sha256, size)
        handle = open(path, "a+b")  # noqa: SIM115 - the transfer closes it
        try:
            handle.truncate(offset)
            handle.seek(0)
            digest = hashlib.sha256()
            left = offset
            while left:
                chunk = handle.read(min(READ_CHUNK, left))
                if not chunk:
                    raise OSError("partial file shorter than its offset")
                digest.update(chunk)
                left -= len(chunk)
            handle.seek(offset)
        except BaseException:
            handle.close()
            raise
        return handle, digest

    def discard_partial(self, sha256: str, size: int) -> None:
        with contextlib.suppress(OSError):
            self.partial_path(sha256, size).unlink()

    def commit(self, handle: BinaryIO, sha256: str, size: int, file_id: str) -> list[str]:
        """Make a complete, checked partial the stored file `file_id`; return the ids that the
        quota pushed out (oldest first). Blocks on fsync: call it off the event loop."""
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(self.partial_path(sha256, size), self._blob(file_id))
        return self._enforce_quota(keep=file_id)

    # --- the host's own files ---

    def add_copy(
        self,
        source: Path,
        file_id: str,
        stop: threading.Event,
        on_block: Callable[[int], None] | None = None,
    ) -> tuple[int, str, list[str]]:
        """Copy `source` in as `file_id`: (size, sha256, ids pushed out). Blocks.

        Raises OSError when the disk fails (NotARegularFile for a folder, pipe or device),
        ValueError with the refusal code when the file is over the cap or the quota, and
        CopyCancelled once `stop` is set, with nothing left behind. `on_block` is told
        the size copied so far after each block (on this thread).
        """
        tmp = self.partials / f".host-{file_id}"
        digest = hashlib.sha256()
        with downloads.open_to_send(source) as src:
            refusal = self.refusal(os.fstat(src.fileno()).st_size)
            if refusal:
                raise ValueError(refusal)
            try:
                with open(tmp, "wb") as dst:
                    size = downloads.copy_blocks(src, dst, stop, digest, on_block)
                    dst.flush()
                    os.fsync(dst.fileno())
                if stop.is_set():
                    raise downloads.CopyCancelled
                os.replace(tmp, self._blob(file_id))
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink()
        return size, digest.hexdigest(), self._enforce_quota(keep=file_id)

    # --- downloads ---

    def path(self, file_id: str) -> Path | None:
        """The stored file `file_id`, or None when it is gone (removed or pushed out)."""
        if not _BLOB_RE.fullmatch(file_id):
            return None
        path = self._blob(file_id)
        return path if path.is_file() else None

    def used(self) -> int:
        return sum(size for _, size in self._blobs())

    # --- inside ---

    def _blob(self, file_id: str) -> Path:
        return self.folder / file_id

    def _blobs(self) -> list[tuple[str, int]]:
        out = []
        for entry in os.scandir(self.folder):
            if entry.is_file() and _BLOB_RE.fullmatch(entry.name):
                out.append((entry.name, entry.stat().st_size))
        return sorted(out)

    def _enforce_quota(self, *, keep: str) -> list[str]:
        blobs = self._blobs()
        total = sum(size for _, size in blobs)
        removed = []
        for file_id, size in blobs:
            if total <= self.quota:
                break
            if file_id == keep:
                continue
            with contextlib.suppress(OSError):
                self._blob(file_id).unlink()
                total -= size
                removed.append(file_id)
                log.info("file %s pushed out by the quota", file_id)
        return removed

    def _drop_stale_partials(self) -> None:
        now = time.time()
        for entry in os.scandir(self.partials):
            with contextlib.suppress(OSError):
                if entry.name.startswith(".host-") or now - entry.stat().st_mtime > (
                    PARTIAL_MAX_AGE_S
                ):
                    os.unlink(entry.path)
