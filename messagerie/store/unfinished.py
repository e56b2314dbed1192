"""The joiner's transfers under way, so that those the app's end cut short resume by themselves.

A transfer is written down when it starts and crossed off when it ends in any way the person
sees (sent, received, failed, cancelled). What is left when the app starts again is what
was cut by a stop or a crash: it resumes at the next connection to the same room, from the
bytes already on the other side (net/transfer_client.py). A download keeps the file's offer,
so that it needs no history to resume; an upload keeps its source path, hashed again (a file
changed meanwhile is sent as the new file it is).

One small database per room, held in SQLite's exclusive mode for the session, like the
client_id (store/client_ids.py): a second copy of the app with the same data folder in the
same room finds it locked and keeps its own list in memory, so that two copies never resume
one download into the same partial file.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from messagerie.store import sqlite

log = logging.getLogger(__name__)

UPLOAD = "upload"
DOWNLOAD = "download"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS transfers (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    direction TEXT NOT NULL,
    path TEXT NOT NULL,
    offer TEXT NOT NULL DEFAULT ''
);
"""


@dataclass(frozen=True, slots=True)
class Unfinished:
    """An upload (`path`: the source) or a download (`path`: the folder, `offer`: the
    FileInfo's fields), under the id its events carry."""

    id: str
    direction: str
    path: str
    offer: dict | None = None


class UnfinishedTransfers:
    """The unfinished transfers for the room `room` ("host:port"), oldest first, kept under
    `data_dir` (None: this session only).

    Never stops a transfer: a file that cannot be used is replaced by memory (resumes then
    last only as long as the app), like the outbox.
    """

    def __init__(self, data_dir: Path | None, room: str) -> None:
        path = sqlite.per_room_path(data_dir, "transfers", room)
        self._store = sqlite.FallbackDatabase(path, _SCHEMA, "unfinished transfers", True)
        self._write = self._store.write

    def add(self, transfer: Unfinished) -> None:
        offer = json.dumps(transfer.offer, ensure_ascii=False) if transfer.offer else ""
        self._write(
            "INSERT OR REPLACE INTO transfers (id, direction, path, offer) VALUES (?, ?, ?, ?)",
            (transfer.id, transfer.direction, transfer.path, offer),
        )

    def remove(self, transfer_id: str) -> None:
        self._write("DELETE FROM transfers WHERE id = ?", (transfer_id,))

    def pending(self) -> list[Unfinished]:
        rows = self._store.db.execute(
            "SELECT id, direction, path, offer FROM transfers ORDER BY position"
        ).fetchall()
        found = []
        for transfer_id, direction, path, offer in rows:
            try:
                found.append(Unfinished(transfer_id, direction, path, json.loads(offer or "null")))
            except ValueError:
                log.warning("unfinished transfer %s: damaged offer, forgotten", transfer_id)
                self.remove(transfer_id)
        return found

    @property
    def warning(self):
        """A Degraded when the list lives in memory (its file could not be used)."""
        return self._store.warning

    def close(self) -> None:
        self._store.close()
