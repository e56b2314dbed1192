"""Files received, on the receiver's disk: a partial name until the SHA-256 matches, then the
final name, never over an existing file.

A download goes to `<name>.<first 12 hex of its SHA-256>.part` in the download folder: named
by its content, so that a download cut short (a drop, a restart of the app) resumes from the
bytes already there. Once complete and checked, it is linked to `<name>`, or `<stem> (2)<ext>`
and so on when that exists: a link fails rather than replace, so nothing is overwritten even
if another program creates the same name meanwhile.

Every function here blocks on the disk: the network thread runs them with asyncio.to_thread.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

READ_CHUNK = 1024 * 1024
# How many "name (n)" are tried before giving up.
MAX_SUFFIX = 10_000


class NotARegularFile(OSError):
    """A folder, a pipe or a device was given where a file to send was expected."""


class CopyCancelled(Exception):
    """A copy stopped between two blocks because its transfer was cancelled."""


def open_to_send(path: Path) -> BinaryIO:
    """`path` opened for reading if it is a regular file, else NotARegularFile.

    A pipe would block the open until someone writes to it, and a device such as /dev/zero
    would be read forever: the open does not wait (O_NONBLOCK, which changes nothing for a
    regular file), and the check is made on what was opened, not on the name.
    """
    if Path(path).is_dir():  # Windows cannot open a folder at all
        raise NotARegularFile(errno.EISDIR, "not a regular file", str(path))
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotARegularFile(errno.EINVAL, "not a regular file", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def size_to_send(path: Path) -> int:
    """The size of the file at `path` as a card or an event shows it before the transfer
    reads it: 0 for what is no regular file (a folder's own size means nothing here) or
    cannot be read."""
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def copy_blocks(
    src: BinaryIO,
    dst: BinaryIO,
    stop: threading.Event,
    digest: Any = None,
    on_block: Callable[[int], None] | None = None,
) -> int:
    """Copy `src` to `dst` block by block (hashing into `digest` if given) until the end or
    `stop` is set (CopyCancelled): a cancel takes effect within one block. `on_block` is
    told the size copied so far after each block. Returns the size copied, which is what
    the digest covers even if the file changed since it was measured."""
    copied = 0
    while chunk := src.read(READ_CHUNK):
        if stop.is_set():
            raise CopyCancelled
        if digest is not None:
            digest.update(chunk)
        dst.write(chunk)
        copied += len(chunk)
        if on_block is not None:
            on_block(copied)
    return copied


def partial_path(folder: Path, name: str, sha256: str) -> Path:
    """Where the download of `name` (already cleaned) with this SHA-256 is written."""
    return Path(folder) / f"{name}.{sha256[:12]}.part"


def hash_file(path: Path) -> tuple[int, str]:
    """(size, SHA-256 hex) of the file at `path`."""
    digest = hashlib.sha256()
    size = 0
    with open_to_send(path) as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def resume(path: Path, size: int) -> tuple[int, hashlib._Hash]:
    """How much of a partial download to keep, and the hash of that much.

    A partial longer than the file is damaged: it is emptied.
    """
    digest = hashlib.sha256()
    try:
        held = path.stat().st_size
    except FileNotFoundError:
        return 0, digest
    if held > size:
        os.truncate(path, 0)
        return 0, digest
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return held, digest


def place(partial: Path, folder: Path, name: str) -> Path:
    """Give a complete, checked partial its final name (never over an existing file)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    for n in range(1, MAX_SUFFIX + 1):
        target = Path(folder) / (name if n == 1 else f"{stem} ({n}){suffix}")
        try:
            os.link(partial, target)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            # A file system without hard links (FAT, some shares): check, then rename.
            if target.exists():
                continue
            os.replace(partial, target)
            return target
        with contextlib.suppress(OSError):
            os.unlink(partial)
        return target
    raise FileExistsError(errno.EEXIST, "no free name", str(Path(folder) / name))
