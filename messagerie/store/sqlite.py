"""Opening our SQLite files so that a damaged or unwritable one never stops the chat.

Used by the room history (host) and the outbox (joiner). A damaged database is moved aside
(`files.quarantine`) and a fresh one created; a folder where nothing can be written gives
an in-memory database. Either way the caller gets a working connection and a warning (a
code and details, `errors.Degraded`) for the user.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path

from messagerie.errors import Degraded
from messagerie.store import files

log = logging.getLogger(__name__)

MEMORY = ":memory:"
# How long opening an exclusive database waits for another process to let go of it: long
# enough for a host that is just closing, short enough not to look stuck. Shared databases
# keep sqlite's own 5 s for a busy file.
LOCK_WAIT_S = 2.0
SHARED_BUSY_WAIT_S = 5.0


def connect(target: str, schema: str, *, exclusive: bool = False) -> sqlite3.Connection:
    """Open `target` with our settings and make sure `schema` exists; raise sqlite3.Error.

    `exclusive` keeps the file locked for this connection until it closes: a second process
    cannot open it (SQLITE_BUSY), and every transaction skips the file locking and the
    shared-memory index that sharing would need (15 against 21 us per commit, measured here).
    """
    # isolation_level=None: callers open transactions themselves (batched commits).
    wait = LOCK_WAIT_S if exclusive else SHARED_BUSY_WAIT_S
    if target != MEMORY:
        files.make_private(Path(target))
    db = sqlite3.connect(target, isolation_level=None, check_same_thread=False, timeout=wait)
    try:
        if target != MEMORY:
            if exclusive:
                # Before WAL is entered, so that its index lives in memory, not in a -shm file.
                db.execute("PRAGMA locking_mode=EXCLUSIVE")
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a commit survives a crash of the process (SIGKILL), and
            # only a power cut can lose the last ones. FULL would fsync every batch.
            db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(schema)
        # Reading sqlite_master proves the file is really a database, but only its first
        # page: a file damaged further in opens fine and fails at the first real query
        # ("database disk image is malformed"), after the caller thought it was safe. Check
        # every page now, while a damaged file can still be set aside. quick_check reads the
        # whole file once: about 40 ms for 200,000 messages (33 MB), measured here.
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        if target != MEMORY:
            verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed: {verdict}")
            if exclusive:
                # The exclusive lock is taken by the first write and then kept; take it now,
                # so that a second process fails here rather than at its first message.
                db.execute("BEGIN EXCLUSIVE")
                db.execute("COMMIT")
    except sqlite3.Error:
        db.close()
        raise
    return db


def open_database(
    path: Path | None, schema: str, *, exclusive: bool = False
) -> tuple[sqlite3.Connection, Degraded | None]:
    """Open the database at `path` (None: in memory). Return (connection, warning or None)."""
    if path is None:
        return connect(MEMORY, schema), None
    try:
        return connect(str(path), schema, exclusive=exclusive), None
    except sqlite3.DatabaseError as exc:
        error: sqlite3.Error = exc
        # (Our own "malformed" error, raised above, carries no code.)
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY:
            log.warning("database %s is used by another process; keeping it in memory", path)
            return connect(MEMORY, schema), Degraded("database_in_use", {"path": str(path)})
        if is_corruption(exc):
            log.warning("database %s is damaged (%s); moving it aside", path, exc)
            moved = files.quarantine(path)
            for suffix in ("-wal", "-shm"):
                side = Path(f"{path}{suffix}")
                if side.exists():
                    files.quarantine(side)
            try:
                return connect(str(path), schema, exclusive=exclusive), Degraded(
                    "database_corrupt", {"path": str(moved or path)}
                )
            except sqlite3.Error as again:
                error = again
        log.warning("database %s unusable (%s); keeping it in memory", path, error)
        return connect(MEMORY, schema), memory_warning(path, error)


class FallbackDatabase:
    """A database that moves to memory, with its rows, when the disk fails under a write:
    nothing it holds is lost while the app runs, and `warning` tells the user."""

    def __init__(self, path: Path | None, schema: str, what: str, exclusive: bool = False):
        self.path = path
        self.schema = schema
        self.what = what
        self.db, self.warning = open_database(path, schema, exclusive=exclusive)

    def write(self, sql: str, params: tuple) -> int:
        """Run a write; return how many rows it changed."""
        try:
            return self.db.execute(sql, params).rowcount
        except sqlite3.Error as exc:
            log.warning("%s %s failed (%s); keeping it in memory", self.what, self.path, exc)
            self.warning = memory_warning(self.path, exc)
            memory = connect(MEMORY, self.schema)
            try:
                self.db.backup(memory)
            except sqlite3.Error:
                log.exception("could not copy the %s to memory", self.what)
            self.close()
            self.db = memory
            return self.db.execute(sql, params).rowcount

    def close(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:
            log.exception("closing the %s", self.what)


def per_room_path(data_dir: Path | None, kind: str, room: str) -> Path | None:
    """`<data_dir>/<kind>-<digest of room>.sqlite3`: one small database per room, so that
    two copies of the app in different rooms never wait for each other's lock."""
    if data_dir is None:
        return None
    digest = hashlib.sha256(room.encode()).hexdigest()[:16]
    return Path(data_dir) / f"{kind}-{digest}.sqlite3"


def memory_warning(path: Path | None, error: Exception) -> Degraded:
    """The warning for a database that now lives in memory because `path` failed."""
    return Degraded("database_memory", {"path": str(path), "detail": str(error)})


def is_corruption(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text
