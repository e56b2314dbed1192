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
    file TEXT,
    from_id TEXT,
    to_id TEXT,
    to_name TEXT,
    reply TEXT,
    delivered INTEGER
);
CREATE TABLE IF NOT EXISTS members (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    private INTEGER NOT NULL
);
"""
# Columns added after the first version, each added to an older history when it is opened:
# shared files, then private messages and replies.
_LATER_COLUMNS = {
    "file": "TEXT",
    "from_id": "TEXT",
    "to_id": "TEXT",
    "to_name": "TEXT",
    "reply": "TEXT",
    "delivered": "INTEGER",
}
# Finds a returning member's waiting private messages without reading the whole history; room
# messages are not in it, so it costs their inserts nothing.
_PRIVATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS private_to ON messages (to_id, seq) WHERE to_id IS NOT NULL"
)
_INSERT = (
    "INSERT OR IGNORE INTO messages (seq, id, sender, text, ts, file) VALUES (?, ?, ?, ?, ?, ?)"
)
# Private messages and replies: the room's hot path keeps the short insert above.
_INSERT_ADDRESSED = (
    "INSERT OR IGNORE INTO messages (seq, id, sender, text, ts, file, from_id, to_id, to_name,"
    " reply, delivered) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)"
)
_COLUMNS = "seq, id, sender, text, ts, file, from_id, to_id, to_name, reply, delivered"


@dataclass(frozen=True, slots=True)
class StoredMessage:
    seq: int
    id: str
    sender: str
    text: str
    ts: float
    # A shared file's description (the JSON of the message's `file` object), if it is one.
    file: str | None = None
    # A private message's parties (member ids) and recipient's name, else None.
    from_id: str | None = None
    to_id: str | None = None
    to_name: str | None = None
    # What a reply quotes (the JSON of the message's `reply` object), if it is one.
    reply: str | None = None
    # For a private message: whether its recipient has received it.
    delivered: bool | None = None


@dataclass(frozen=True, slots=True)
class Addressed:
    """What makes a message more than a room message: a private recipient, a reply, or both.

    `from_id` is the sender's member id; `to_id` and `to_name` its recipient (None: the room);
    `reply` the JSON of the quote.
    """

    from_id: str
    to_id: str | None = None
    to_name: str | None = None
    reply: str | None = None


@dataclass(frozen=True, slots=True)
class KnownMember:
    """Someone who joined this room once: private messages to them wait while they are away."""

    id: str
    name: str
    private: bool


class HistoryStore:
    """Messages of one room, keyed by sequence number and deduplicated by message id."""

    def __init__(self, path: Path | None) -> None:
        """Open (or create) the history at `path`; None keeps it in memory only."""
        self.path = path
        # Exclusive: one room per file. Two rooms appending to one history would hand out the
        # same sequence numbers.
        self._db, self.warning = sqlite.open_database(path, _SCHEMA, exclusive=True)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(messages)")}
        for column, kind in _LATER_COLUMNS.items():
            if column not in columns:
                self._db.execute(f"ALTER TABLE messages ADD COLUMN {column} {kind}")
        self._db.execute(_PRIVATE_INDEX)
        self.last_seq: int = self._db.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM messages"
        ).fetchone()[0]
        # Rows added since the last commit (with the insert that adds each), replayed if the
        # disk fails before the commit.
        self._uncommitted: list[tuple[str, tuple]] = []

    def add(
        self,
        msg_id: str,
        sender: str,
        text: str,
        ts: float,
        file: str | None = None,
        addressed: Addressed | None = None,
    ) -> tuple[int, bool]:
        """Store a message (`file`: a shared file's description; `addressed`: a private
        message's parties or a reply's quote); return (seq, is_new).

        A known id returns its existing seq."""
        if addressed is None:
            sql, row = _INSERT, (self.last_seq + 1, msg_id, sender, text, ts, file)
        else:
            a = addressed
            delivered = None if a.to_id is None else 0
            row = (self.last_seq + 1, msg_id, sender, text, ts, a.from_id, a.to_id)
            row += (a.to_name, a.reply, delivered)
            sql = _INSERT_ADDRESSED
        try:
            if not self._uncommitted:
                self._db.execute("BEGIN")
            cur = self._db.execute(sql, row)
        except sqlite3.Error as exc:
            self._fall_back_to_memory(exc)
            return self.add(msg_id, sender, text, ts, file, addressed)
        if cur.rowcount == 0:
            found = self._db.execute("SELECT seq FROM messages WHERE id = ?", (msg_id,)).fetchone()
            if not self._uncommitted:
                self._db.execute("COMMIT")
            return found[0], False
        self._uncommitted.append((sql, row))
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

    def since(
        self, after_seq: int, limit: int, *, reader: str | None = None
    ) -> list[StoredMessage]:
        """Up to `limit` messages with seq > after_seq that `reader` may read, oldest first.

        `reader` is a member id: its private messages, sent or received, come with the room's;
        None reads the room's messages only (a client that cannot receive private ones).
        If the file fails now (damaged or removed after start), the history goes on in memory
        with what could be saved; the lost part is simply not sent.
        """
        if reader is None:
            visible, params = "to_id IS NULL", (after_seq, limit)
        else:
            visible = "(to_id IS NULL OR to_id = ? OR from_id = ?)"
            params = (after_seq, reader, reader, limit)
        query = f"SELECT {_COLUMNS} FROM messages WHERE seq > ? AND {visible} ORDER BY seq LIMIT ?"
        return [StoredMessage(*row) for row in self._read(query, params)]

    def find(self, msg_id: str) -> StoredMessage | None:
        """The message with id `msg_id`, if the history holds it."""
        rows = self._read(f"SELECT {_COLUMNS} FROM messages WHERE id = ?", (msg_id,))
        return StoredMessage(*rows[0]) if rows else None

    def undelivered(self, to_id: str, up_to_seq: int) -> list[StoredMessage]:
        """Private messages to `to_id` it has not received, with seq <= up_to_seq, in order."""
        query = (
            f"SELECT {_COLUMNS} FROM messages WHERE to_id = ? AND delivered = 0 AND seq <= ?"
            " ORDER BY seq"
        )
        return [StoredMessage(*row) for row in self._read(query, (to_id, up_to_seq))]

    def mark_delivered(self, seq: int) -> None:
        """The private message `seq` reached its recipient (committed with the next flush)."""
        self._change("UPDATE messages SET delivered = 1 WHERE seq = ?", (seq,))

    def remember_member(self, member: KnownMember) -> None:
        """Keep who joined (committed with the next flush), for private messages while away."""
        self._change(
            "INSERT OR REPLACE INTO members (id, name, private) VALUES (?, ?, ?)",
            (member.id, member.name, int(member.private)),
        )

    def member(self, member_id: str) -> KnownMember | None:
        """The member `member_id` if it ever joined this room."""
        rows = self._read("SELECT id, name, private FROM members WHERE id = ?", (member_id,))
        return KnownMember(rows[0][0], rows[0][1], bool(rows[0][2])) if rows else None

    def files(self) -> list[str]:
        """Every shared file's description (JSON) in the history, oldest first."""
        query = "SELECT file FROM messages WHERE file IS NOT NULL ORDER BY seq"
        return [row[0] for row in self._read(query, ())]

    def _read(self, query: str, params: tuple) -> list[tuple]:
        try:
            return self._db.execute(query, params).fetchall()
        except sqlite3.Error as exc:
            self._fall_back_to_memory(exc)
            return self._db.execute(query, params).fetchall()

    def _change(self, sql: str, params: tuple) -> None:
        """A change that rides on the current batch (or starts one), replayed like a row."""
        try:
            if not self._uncommitted:
                self._db.execute("BEGIN")
            self._db.execute(sql, params)
        except sqlite3.Error as exc:
            self._fall_back_to_memory(exc)
            self._db.execute(sql, params)
            return
        self._uncommitted.append((sql, params))

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
        for sql, row in self._uncommitted:
            memory.execute(sql, row)
        self._uncommitted.clear()
        self._db = memory
