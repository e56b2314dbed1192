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
from pathlib import Path

READ_CHUNK = 1024 * 1024
# How many "name (n)" are tried before giving up.
MAX_SUFFIX = 10_000


def partial_path(folder: Path, name: str, sha256: str) -> Path:
    """Where the download of `name` (already cleaned) with this SHA-256 is written."""
    return Path(folder) / f"{name}.{sha256[:12]}.part"


def hash_file(path: Path) -> tuple[int, str]:
    """(size, SHA-256 hex) of the file at `path`."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
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
