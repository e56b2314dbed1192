"""The room's durable history, on the host, in SQLite.

Every message gets its sequence number when it is stored. The server batches inserts and
commits once per event-loop iteration, and sends acknowledgements only after the commit, so
an `ack` always means "on disk" (WAL with synchronous=NORMAL survives a crash of the process;
only a power cut can lose the last commits).

A damaged database is moved aside and a fresh one started. A folder where nothing can be
written makes the history live in memory. Both leave a `warning` for the user, never a crash.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from messagerie.store import sqlite

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    sender TEXT NOT NULL,
    text TEXT NOT NULL,
    ts REAL NOT NULL,
    file TEXT
);
"""
# A history from before shared files has no `file` column: it is added when opened.
_ADD_FILE_COLUMN = "ALTER TABLE messages ADD COLUMN file TEXT"
_INSERT = (
    "INSERT OR IGNORE INTO messages (seq, id, sender, text, ts, file) VALUES (?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    seq: int
    id: str
    sender: str
    text: str
    ts: float
    # A shared file's description (the JSON of the message's `file` object), if it is one.
    file: str | None = None


class HistoryStore:
    """Messages of one room, keyed by sequence number and deduplicated by message id."""

    def __init__(self, path: Path | None) -> None:
        """Open (or create) the history at `path`; None keeps it in memory only."""
        self.path = path
        # Exclusive: one room per file. Two rooms appending to one history would hand out the
        # same sequence numbers.
        self._db, self.warning = sqlite.open_database(path, _SCHEMA, exclusive=True)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(messages)")}
        if "file" not in columns:
            self._db.execute(_ADD_FILE_COLUMN)
        self.last_seq: int = self._db.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM messages"
        ).fetchone()[0]
        # Rows added since the last commit, replayed if the disk fails before the commit.
        self._uncommitted: list[tuple[int, str, str, str, float, str | None]] = []

    def add(
        self, msg_id: str, sender: str, text: str, ts: float, file: str | None = None
    ) -> tuple[int, bool]:
        """Store a message (`file`: a shared file's description); return (seq, is_new).

        A known id returns its existing seq."""
        row = (self.last_seq + 1, msg_id, sender, text, ts, file)
        try:
            if not self._uncommitted:
                self._db.execute("BEGIN")
            cur = self._db.execute(_INSERT, row)
        except sqlite3.Error as exc:
            self._fall_back_to_memory(exc)
            return self.add(msg_id, sender, text, ts, file)
        if cur.rowcount == 0:
            found = self._db.execute("SELECT seq FROM messages WHERE id = ?", (msg_id,)).fetchone()
            if not self._uncommitted:
                self._db.execute("COMMIT")
            return found[0], False
        self._uncommitted.append(row)
        self.last_seq = row[0]
        return row[0], True

    def commit(self) -> None:
        """Make everything added so far durable. Called once per event-loop iteration."""
        if not self._uncommitted:
            return
        try:
            self._db.execute("COMMIT")
            self._uncommitted.clear()
        except sqlite3.Error as exc:
            self._fall_back_to_memory(exc)

    def since(self, after_seq: int, limit: int) -> list[StoredMessage]:
        """Up to `limit` messages with seq > after_seq, oldest first.

        If the file fails now (damaged or removed after start), the history goes on in memory
        with what could be saved; the lost part is simply not sent.
        """
        query = (
            "SELECT seq, id, sender, text, ts, file FROM messages"
            " WHERE seq > ? ORDER BY seq LIMIT ?"
        )
        try:
            rows = self._db.execute(query, (after_seq, limit)).fetchall()
        except sqlite3.Error as exc:
            self._fall_back_to_memory(exc)
            rows = self._db.execute(query, (after_seq, limit)).fetchall()
        return [StoredMessage(*row) for row in rows]

    def files(self) -> list[str]:
        """Every shared file's description (JSON) in the history, oldest first."""
        query = "SELECT file FROM messages WHERE file IS NOT NULL ORDER BY seq"
        try:
            return [row[0] for row in self._db.execute(query)]
        except sqlite3.Error as exc:
            self._fall_back_to_memory(exc)
            return [row[0] for row in self._db.execute(query)]

    def close(self) -> None:
        self.commit()
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def _fall_back_to_memory(self, exc: sqlite3.Error) -> None:
        """The disk failed under us (full, removed, read-only): copy what we have to memory."""
        log.warning("history %s failed (%s); keeping it in memory", self.path, exc)
        self.warning = sqlite.memory_warning(self.path, exc)
        memory = sqlite.connect(sqlite.MEMORY, _SCHEMA)
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("ROLLBACK")
        with contextlib.suppress(sqlite3.Error):
            self._db.backup(memory)
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        memory.executemany(_INSERT, self._uncommitted)
        self._uncommitted.clear()
        self._db = memory
