"""Check 9: local errors. A damaged or unusable history (host) or outbox (joiner) never stops
the chat: the app starts, prints a `warning` event, chats, and shows no traceback.

"Read-only" has to be real even for root, who ignores permission bits: the data dir is made
immutable (chattr +i, which stops root too), or, for an ordinary user, chmod 0555.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from messagerie.store.history import HistoryStore
from messagerie.store.outbox import Outbox, OutgoingMessage
from tests.adversarial.helpers import assert_no_traceback
from tests.needs import missing_tool

FILES = {"serve": "history.sqlite3", "join": "outbox.sqlite3"}


def _make_damaged_pages(path: Path, side: str) -> None:
    """A real database whose first page is fine but whose tables are garbage: opening it
    works, the damage shows only when the rows are read."""
    if side == "serve":
        store = HistoryStore(path)
        for i in range(300):
            store.add(f"id{i}", "Ancien", f"message {i} " + "x" * 200, 1.0)
        store.commit()
        store.close()
    else:
        outbox = Outbox(path, room="127.0.0.1:1")
        for i in range(300):
            outbox.add(OutgoingMessage(id=f"id{i}", text="x" * 200, ts=1.0))
        outbox.close()
    with open(path, "r+b") as db:
        db.seek(4096)
        db.write(b"\xde\xad\xbe\xef" * (os.path.getsize(path) // 4 - 1024))


@contextlib.contextmanager
def _read_only(directory: Path):
    """Make `directory` refuse new files, for root as well; undo it afterwards."""
    directory.mkdir(parents=True, exist_ok=True)
    undo = None
    if os.geteuid() != 0:
        directory.chmod(0o555)
    elif reason := missing_tool("chattr"):
        pytest.skip(f"root ignores file modes, so this {reason}")
    elif subprocess.run(["chattr", "+i", str(directory)], capture_output=True).returncode == 0:
        undo = ["chattr", "-i", str(directory)]
    try:
        probe = directory / "probe"
        try:
            probe.touch()
        except OSError:
            pass
        else:
            probe.unlink()
            pytest.skip("cannot make a directory read-only here (needs chattr or a non-root user)")
        yield
    finally:
        if undo:
            subprocess.run(undo, check=True)
        directory.chmod(0o755)


def _printed(proc, kind: str) -> list[dict]:
    out = []
    for line in proc.seen:
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict) and value.get("event") == kind:
                out.append(value)
    return out


def _chat(server, client) -> None:
    client.send("ça marche quand même")
    server.event("message", text="ça marche quand même")
    server.send("bien reçu")
    client.event("message", text="bien reçu")


@pytest.mark.parametrize("side", ["serve", "join"])
@pytest.mark.parametrize("damage", ["garbage", "damaged_pages", "a_directory", "read_only_dir"])
def test_damaged_or_unusable_local_database_gives_a_warning_and_the_chat_goes_on(
    procs, tmp_path, side, damage
):
    broken_dir = tmp_path / "broken"
    broken_dir.mkdir()
    target = broken_dir / FILES[side]
    if damage == "garbage":
        target.write_bytes(b"ceci n'est pas une base de donnees\n" * 200)
    elif damage == "damaged_pages":
        _make_damaged_pages(target, side)
    elif damage == "a_directory":
        # The database path is taken by a folder: nothing can be opened or created there.
        target.mkdir()
    with _read_only(broken_dir) if damage == "read_only_dir" else contextlib.nullcontext():
        if side == "serve":
            server, port = procs.serve(data_dir=broken_dir)
            client = procs.join(port, "Client")
            victim = server
        else:
            server, port = procs.serve()
            client = procs.join(port, "Client", data_dir=broken_dir)
            victim = client
        warnings = _printed(victim, "warning")
        assert warnings, victim.seen
        # With TLS, a read-only folder also gives an "identity" warning (a temporary identity).
        storage = [w for w in warnings if w["code"] == "storage"]
        assert storage and storage[0]["message"], warnings
        _chat(server, client)
        # A message typed now still goes through the (possibly in-memory) outbox and history.
        client.send("encore un")
        server.event("message", text="encore un")
        assert client.finish() == 0
        assert server.finish() == 0
    assert_no_traceback(server)
    assert_no_traceback(client)
    assert not _printed(victim, "error"), victim.seen
    if damage in ("garbage", "damaged_pages"):
        assert list(broken_dir.glob(f"{FILES[side]}.corrupt-*")), "damaged file not set aside"
