"""The joiner's client_id for a room: the same across restarts, held by one process at a time.

The room knows a participant again by its client_id: it gives back its place after a drop,
and keeps private messages for it while it is away. So the id is kept in the data folder,
one small database per room ("host:port"), and changes only when the room's identity does (a
changed certificate gets a new id: the id is a secret between us and the room it was given
to, and must not go to another identity, even one the user chose to trust).

Two copies of Messagerie with the same data folder, joining the same room, must not share
one id: each would take the other's place in turn, forever. The database is held open in
SQLite's exclusive mode for the whole session; a second process finds it locked and makes a
fresh id of its own for this session, as every client did before ids were kept.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from pathlib import Path

from messagerie.store import sqlite

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS identity (
    fingerprint TEXT NOT NULL,
    client_id TEXT NOT NULL
);
"""


class ClientIds:
    """Our client_id for the room `room`, kept under `data_dir` (None: this session only)."""

    def __init__(self, data_dir: Path | None, room: str) -> None:
        path = sqlite.per_room_path(data_dir, "client", room)
        self._db, warning = sqlite.open_database(path, _SCHEMA, exclusive=True)
        if warning is not None:
            # In use by another copy of Messagerie, damaged, or unwritable: this session
            # gets an id of its own, which is only worse for private messages sent while away.
            log.info("client id for %s not kept: %s", room, warning.code)

    def client_id(self, fingerprint: str | None) -> str:
        """The id to give the room whose certificate has `fingerprint` (None: no TLS)."""
        seen = fingerprint or ""
        try:
            row = self._db.execute("SELECT fingerprint, client_id FROM identity").fetchone()
            if row is not None and row[0] == seen:
                return row[1]
            client_id = uuid.uuid4().hex
            self._db.execute("DELETE FROM identity")
            self._db.execute("INSERT INTO identity VALUES (?, ?)", (seen, client_id))
        except sqlite3.Error as exc:
            log.warning("client id not kept: %s", exc)
            return uuid.uuid4().hex
        return client_id

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.Error:
            log.exception("closing the client id store")
