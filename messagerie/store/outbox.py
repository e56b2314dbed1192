"""The joiner's outbox: every message typed waits here until the room acknowledges it.

It lives in SQLite under the data dir, so messages typed while the host was unreachable, or
just before the app was closed, are sent again (with the same id) at the next connection.
The room removes duplicates by id, so a resent message appears once for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from messagerie.store import sqlite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    ts REAL NOT NULL,
    to_id TEXT NOT NULL DEFAULT '',
    reply_to TEXT NOT NULL DEFAULT ''
);
"""
# Columns added with private messages and replies, added to an older outbox when opened.
_LATER_COLUMNS = ("to_id", "reply_to")


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    id: str
    text: str
    ts: float
    # A private message's recipient (member id) and the id of the message it answers.
    to: str = ""
    reply_to: str = ""


class Outbox:
    """Unacknowledged messages for one room (`room` is "host:port"), oldest first."""

    def __init__(self, path: Path | None, room: str) -> None:
        self.path = path
        self.room = room
        self._store = sqlite.FallbackDatabase(path, _SCHEMA, "outbox")
        self._write = self._store.write
        columns = {row[1] for row in self._store.db.execute("PRAGMA table_info(outbox)")}
        for column in _LATER_COLUMNS:
            if column not in columns:
                self._write(f"ALTER TABLE outbox ADD COLUMN {column} TEXT NOT NULL DEFAULT ''", ())

    def add(self, message: OutgoingMessage) -> None:
        self._write(
            "INSERT OR IGNORE INTO outbox (room, id, text, ts, to_id, reply_to)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (self.room, message.id, message.text, message.ts, message.to, message.reply_to),
        )

    def remove(self, msg_id: str) -> bool:
        """Forget an acknowledged message; return True if it was waiting."""
        return self._write("DELETE FROM outbox WHERE id = ?", (msg_id,)) > 0

    def pending(self) -> list[OutgoingMessage]:
        rows = self._store.db.execute(
            "SELECT id, text, ts, to_id, reply_to FROM outbox WHERE room = ? ORDER BY position",
            (self.room,),
        ).fetchall()
        return [OutgoingMessage(*row) for row in rows]

    def has_pending(self) -> bool:
        """Whether anything waits. Cheap, unlike pending(): called after every ack."""
        row = self._store.db.execute("SELECT 1 FROM outbox WHERE room = ? LIMIT 1", (self.room,))
        return row.fetchone() is not None

    @property
    def warning(self):
        """A Degraded when the outbox lives in memory (its file could not be used)."""
        return self._store.warning

    def close(self) -> None:
        self._store.close()
