"""Opening our SQLite files so that a damaged or unwritable one never stops the chat.

Used by the room history (host) and the outbox (joiner). A damaged database is moved aside
(`storage.quarantine`) and a fresh one created; a folder where nothing can be written gives
an in-memory database. Either way the caller gets a working connection and a warning text
to show the user.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from messagerie import storage
from messagerie.i18n import tr

log = logging.getLogger(__name__)

MEMORY = ":memory:"


def connect(target: str, schema: str) -> sqlite3.Connection:
    """Open `target` with our settings and make sure `schema` exists; raise sqlite3.Error."""
    # isolation_level=None: callers open transactions themselves (batched commits).
    db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    try:
        if target != MEMORY:
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
    except sqlite3.Error:
        db.close()
        raise
    return db


def open_database(path: Path | None, schema: str) -> tuple[sqlite3.Connection, str | None]:
    """Open the database at `path` (None: in memory). Return (connection, warning or None)."""
    if path is None:
        return connect(MEMORY, schema), None
    try:
        return connect(str(path), schema), None
    except sqlite3.DatabaseError as exc:
        error: sqlite3.Error = exc
        if is_corruption(exc):
            log.warning("database %s is damaged (%s); moving it aside", path, exc)
            moved = storage.quarantine(path)
            for suffix in ("-wal", "-shm"):
                side = Path(f"{path}{suffix}")
                if side.exists():
                    storage.quarantine(side)
            try:
                return connect(str(path), schema), tr(
                    "warning.database_corrupt", path=str(moved or path)
                )
            except sqlite3.Error as again:
                error = again
        log.warning("database %s unusable (%s); keeping it in memory", path, error)
        return connect(MEMORY, schema), memory_warning(path, error)


def memory_warning(path: Path | None, error: Exception) -> str:
    return tr("warning.database_memory", path=str(path), detail=str(error))


def is_corruption(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text
