"""Local files: where they live, how they are written, what happens when one is damaged.

Every file of ours (settings, known hosts, identity, room history, outbox) goes through here:
- `data_dir()` chooses the folder: --data-dir, then MESSAGERIE_HOME, then the platform's
  per-user config folder;
- `atomic_write()` writes a temporary file in the same folder, fsyncs it and renames it over
  the old one, so a crash leaves either the old or the new file, never half of one;
- `quarantine()` moves a damaged file aside as `<name>.corrupt-<timestamp>` so the app can
  start on defaults without destroying what the user might want to recover;
- `check_owned()` and `make_private()` keep other accounts of the machine out: the data
  folder is created 0700, our files 0600, and a folder, key or log that another account owns
  (or a symbolic link it planted) is refused.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
import time
from pathlib import Path

from messagerie.errors import StorageError

log = logging.getLogger(__name__)

APP_NAME = "Messagerie"
ENV_HOME = "MESSAGERIE_HOME"

# On Windows, an antivirus or indexer briefly holding the target makes os.replace fail with
# PermissionError; retrying for a moment is what Thonny and others do.
_REPLACE_TRIES = 10
_REPLACE_PAUSE_S = 0.05


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The folder for settings, history and identity, created if needed."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get(ENV_HOME):
        path = Path(os.environ[ENV_HOME])
    else:
        # Imported here: platformdirs is only needed when no folder was given.
        import platformdirs

        path = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    path = path.expanduser()
    # A folder we create is ours alone. An existing one keeps its mode: it may be a folder
    # the user chose for other uses too (tightening /tmp would break the machine).
    check_owned(path)
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError("storage", path=str(path), detail=exc.strerror or str(exc)) from exc
    check_owned(path)
    return path


def check_owned(path: Path) -> None:
    """Refuse `path` if another account owns it, or planted it as a symbolic link (POSIX).

    Whoever owns our folder, key or log can read them or swap them for their own: the host's
    identity, the history, the log of who connected. A missing path is fine (we create it).
    Raises StorageError "not_owned".
    """
    if os.name != "posix":
        return
    me = os.geteuid()
    try:
        link = os.lstat(path)
        if stat.S_ISLNK(link.st_mode) and link.st_uid != me:
            raise StorageError("not_owned", path=str(path), owner=_owner(link.st_uid))
        target = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return  # missing (the caller meets that when it creates it), or our link to nothing
    except OSError as exc:
        raise StorageError("storage", path=str(path), detail=exc.strerror or str(exc)) from exc
    if target.st_uid != me:
        raise StorageError("not_owned", path=str(path), owner=_owner(target.st_uid))


def _owner(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def make_private(path: Path) -> None:
    """Create `path` empty if it is missing, and make it 0600 (POSIX; best effort).

    For files that other code opens itself (SQLite, the log): created by them, they would get
    the umask's 0644. SQLite gives its -wal and -shm files the mode of the database file.
    """
    if os.name != "posix":
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        if stat.S_IMODE(os.stat(path).st_mode) != 0o600:
            os.chmod(path, 0o600)
    except OSError as exc:
        # The caller opening the file will meet the same problem and report it.
        log.warning("could not make %s private: %s", path, exc)


def downloads_dir(explicit: str | os.PathLike[str] | None) -> Path:
    """Where received files go: `explicit` (--download-dir), else the user's Downloads folder.

    Created when it is first written to, not here.
    """
    if explicit:
        return Path(explicit).expanduser()
    import platformdirs

    return Path(platformdirs.user_downloads_dir())


def atomic_write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Replace `path` with `data` atomically. `private` makes the file 0600 on POSIX.

    Raises StorageError (with a sentence for people) when the folder is read-only or full.
    """
    path = Path(path)
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as tmp:
            if private and os.name == "posix":
                os.fchmod(tmp.fileno(), 0o600)
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        _replace_with_retry(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise StorageError("storage", path=str(path), detail=exc.strerror or str(exc)) from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _replace_with_retry(src: str, dst: Path) -> None:
    for attempt in range(_REPLACE_TRIES):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if os.name != "nt" or attempt == _REPLACE_TRIES - 1:
                raise
            time.sleep(_REPLACE_PAUSE_S)


def quarantine(path: Path) -> Path | None:
    """Move a damaged file aside as `<name>.corrupt-<timestamp>`; return the new path.

    Returns None if even that failed (the caller goes on with defaults either way).
    """
    path = Path(path)
    target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{counter}")
    try:
        os.replace(path, target)
    except OSError:
        log.exception("could not move damaged file %s aside", path)
        return None
    log.warning("damaged file %s moved aside to %s", path, target)
    return target
