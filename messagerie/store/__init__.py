"""Everything on disk: atomic files, settings, the room history, the outbox, SQLite."""
