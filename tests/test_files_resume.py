"""Transfers cut by the app's end go on by themselves at the next start (real sockets).

The first session is stopped from its own thread once the transfer is past half way, as a
crash or a closed window would; the second one, with the same data folder, is only started:
nothing is asked of it, and the file must arrive, resumed from the bytes already there.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3

from messagerie.net import events
from messagerie.store.unfinished import DOWNLOAD, UPLOAD, Unfinished, UnfinishedTransfers
from tests.adversarial.chaos_proxy import ChaosProxy
from tests.cli import Proc
from tests.test_files import EVERY_CHUNK, digest, make_file, stop_at_half
from tests.test_files_cancel import cancel_at_first_progress

SIZE = 48 * 1024 * 1024


def nothing_resumed(session, rec) -> bool:
    """True when a started session resumed nothing: resumes are queued on the loop before
    Connected is told, so once the session is caught up after Connected, none can follow."""
    rec.first(events.Connected)
    assert session.caught_up(5.0)
    return not rec.of(events.FileResumed)


def test_a_download_cut_by_the_apps_end_goes_on_at_the_next_start(sessions, tmp_path):
    host, join = sessions
    server, _, port = host(limits=EVERY_CHUNK)
    source = tmp_path / "film.mkv"
    sha = make_file(source, SIZE)
    server.send_file(source)
    data = tmp_path / "bob-data"
    box: dict = {}
    bob, bob_rec = join(port, "Bob", limits=EVERY_CHUNK, data_dir=data)
    box["session"] = bob
    bob_rec.watchers = [stop_at_half(box, "download")]
    offered = bob_rec.first(events.FileOffered)
    folder = tmp_path / "Téléchargements"
    bob.get_file(offered.id, folder)
    bob_rec.first(events.Stopped, timeout=30)
    assert not bob_rec.of(events.FileReceived)

    again, again_rec = join(port, "Bob", limits=EVERY_CHUNK, data_dir=data)
    resumed = again_rec.first(events.FileResumed)
    assert (resumed.id, resumed.direction, resumed.name) == (offered.id, DOWNLOAD, "film.mkv")
    assert (resumed.size, resumed.sender, resumed.path) == (SIZE, offered.sender, str(folder))
    received = again_rec.first(events.FileReceived, id=offered.id, timeout=30)
    # After the catch-up that the welcome brought (its offer first, then the resume).
    told = [type(e) for e in again_rec.events if getattr(e, "id", None) == offered.id]
    assert told.index(events.FileOffered) < told.index(events.FileResumed)
    assert again_rec.of(events.FileProgress)[0].done >= box["stopped"] // 2  # not from zero
    assert digest(received.path) == sha
    assert os.listdir(folder) == ["film.mkv"]
    again.stop()
    again_rec.first(events.Stopped)

    # Done: crossed off, so the start after that resumes nothing.
    third, third_rec = join(port, "Bob", limits=EVERY_CHUNK, data_dir=data)
    assert nothing_resumed(third, third_rec)


def test_an_upload_cut_by_the_apps_end_goes_on_at_the_next_start(sessions, tmp_path):
    host, join = sessions
    _, host_rec, port = host(limits=EVERY_CHUNK)
    source = tmp_path / "gros.bin"
    sha = make_file(source, SIZE)
    data = tmp_path / "ana-data"
    box: dict = {}
    one_try = dataclasses.replace(EVERY_CHUNK, transfer_attempts=1)
    # Through a proxy that lets at most 60 % through per connection (see test_files.py's
    # sender cut): the bytes in flight when the first session stops cannot finish the file.
    # The second session uses the same proxy: the room's address is what a resume is kept by.
    with ChaosProxy(port, cap_bytes=SIZE * 6 // 10) as proxy:
        ana, ana_rec = join(proxy.port, "Ana", limits=one_try, data_dir=data)
        box["session"] = ana
        ana_rec.watchers = [stop_at_half(box, "upload")]
        transfer_id = ana.send_file(source)
        ana_rec.first(events.Stopped, timeout=30)
        assert not ana_rec.of(events.FileSent)

        _, again_rec = join(proxy.port, "Ana", limits=EVERY_CHUNK, data_dir=data)
        resumed = again_rec.first(events.FileResumed)
        assert (resumed.id, resumed.direction, resumed.name) == (transfer_id, UPLOAD, "gros.bin")
        assert (resumed.size, resumed.path) == (SIZE, str(source))
        sent = again_rec.first(events.FileSent, id=transfer_id, timeout=30)
    assert again_rec.of(events.FileProgress)[0].done > SIZE // 4  # from the host's bytes
    offered = host_rec.first(events.FileOffered, id=sent.file_id)
    assert offered.sha256 == sha and len(host_rec.of(events.FileOffered)) == 1


def test_a_transfer_the_person_cancelled_is_not_resumed(sessions, tmp_path):
    host, join = sessions
    server, _, port = host(limits=EVERY_CHUNK)
    source = tmp_path / "film.mkv"
    make_file(source, SIZE)
    server.send_file(source)
    data = tmp_path / "bob-data"
    bob, bob_rec = join(port, "Bob", limits=EVERY_CHUNK, data_dir=data)
    bob_rec.watchers = [cancel_at_first_progress({"session": bob}, "download")]
    offered = bob_rec.first(events.FileOffered)
    bob.get_file(offered.id, tmp_path / "bob")
    assert bob_rec.first(events.FileFailed, id=offered.id).code == "cancelled"
    bob.stop()
    bob_rec.first(events.Stopped)
    again, again_rec = join(port, "Bob", limits=EVERY_CHUNK, data_dir=data)
    assert nothing_resumed(again, again_rec)


# --- the list itself ------------------------------------------------------------------------


def test_unfinished_transfers_are_kept_per_room_in_order_and_crossed_off(tmp_path):
    offer = {"id": "f1", "name": "a.pdf", "size": 3, "sha256": "ab" * 32}
    first = UnfinishedTransfers(tmp_path, room="10.0.0.2:5000")
    first.add(Unfinished("t1", UPLOAD, "/home/ana/é.txt"))
    first.add(Unfinished("f1", DOWNLOAD, "/home/ana/Téléchargements", offer))
    other = UnfinishedTransfers(tmp_path, room="10.0.0.3:5000")
    other.add(Unfinished("t2", UPLOAD, "/x"))
    other.close()
    first.close()
    reopened = UnfinishedTransfers(tmp_path, room="10.0.0.2:5000")
    assert reopened.pending() == [
        Unfinished("t1", UPLOAD, "/home/ana/é.txt"),
        Unfinished("f1", DOWNLOAD, "/home/ana/Téléchargements", offer),
    ]
    reopened.remove("t1")
    assert [u.id for u in reopened.pending()] == ["f1"]
    assert reopened.warning is None
    reopened.close()


def test_a_second_copy_of_the_app_in_the_same_room_resumes_nothing_of_the_first(tmp_path):
    first = UnfinishedTransfers(tmp_path, room="h:1")
    first.add(Unfinished("t1", UPLOAD, "/a"))
    second = UnfinishedTransfers(tmp_path, room="h:1")  # the same data folder, meanwhile
    try:
        assert second.warning is not None and second.warning.code == "database_in_use"
        assert second.pending() == []  # so the two never write one partial file
        second.add(Unfinished("t2", UPLOAD, "/b"))
        assert [u.id for u in first.pending()] == ["t1"]
    finally:
        second.close()
        first.close()


class WritesFail:
    """A connection whose disk fails for writes (reads and the backup still work)."""

    def __init__(self, db) -> None:
        self.db = db

    def execute(self, sql: str, params: tuple = ()):
        if sql.lstrip().startswith(("INSERT", "DELETE")):
            raise sqlite3.OperationalError("disk I/O error")
        return self.db.execute(sql, params)

    def backup(self, target) -> None:
        self.db.backup(target)

    def close(self) -> None:
        self.db.close()


def test_a_list_whose_disk_fails_goes_on_in_memory_with_all_it_held(tmp_path):
    transfers = UnfinishedTransfers(tmp_path, room="h:1")
    transfers.add(Unfinished("t1", UPLOAD, "/a"))
    transfers._store.db = WritesFail(transfers._store.db)
    transfers.add(Unfinished("t2", UPLOAD, "/b"))
    assert transfers.warning is not None and transfers.warning.code == "database_memory"
    assert [u.id for u in transfers.pending()] == ["t1", "t2"]
    transfers.remove("t1")
    assert [u.id for u in transfers.pending()] == ["t2"]


def test_a_headless_download_killed_mid_way_goes_on_when_join_runs_again(sessions, tmp_path):
    host, _ = sessions
    server, _, port = host(limits=EVERY_CHUNK)
    size = 16 * 1024 * 1024
    source = tmp_path / "compte rendu.pdf"
    sha = make_file(source, size)
    server.send_file(source)
    data, folder = tmp_path / "join-data", tmp_path / "dl"
    # The proxy stalls every connection at 60 %: the first run is killed (SIGKILL, no
    # goodbye) while it waits there, whatever the machine's speed, and the second needs
    # only the 40 % left.
    with ChaosProxy(port, stall_after=size * 6 // 10) as proxy:
        args = ("join", f"127.0.0.1:{proxy.port}", "--headless", "--no-tls")
        first = Proc(*args, "--download-dir", str(folder), data_dir=data)
        try:
            offered = first.event("file_offered")
            first.send(f"/get {offered['id']}")
            first.wait_line(lambda v: isinstance(v, dict) and v.get("done", 0) >= size // 2)
        finally:
            first.close()  # kills it
        again = Proc(*args, "--download-dir", str(folder), data_dir=data)
        try:
            resumed = again.event("file_resumed")
            assert (resumed["id"], resumed["direction"], resumed["from"]) == (
                offered["id"],
                "download",
                offered["from"],
            )
            assert resumed["path"] == str(folder)
            saved = again.event("file_received", timeout=30)
        finally:
            again.close()
    assert digest(saved["path"]) == sha
    assert saved["path"] == str(folder / "compte rendu.pdf")


def test_an_upload_the_room_had_already_announced_is_not_sent_twice(sessions, tmp_path):
    host, join = sessions
    _, host_rec, port = host(limits=EVERY_CHUNK)
    source = tmp_path / "bilan.xlsx"
    make_file(source, 2 * 1024 * 1024)
    data = tmp_path / "ana-data"
    ana, ana_rec = join(port, "Ana", limits=EVERY_CHUNK, data_dir=data)
    transfer_id = ana.send_file(source)
    stored = ana_rec.first(events.FileSent, id=transfer_id).file_id
    ana.stop()
    ana_rec.first(events.Stopped)
    # What a session cut between the room's announcement and its answer leaves behind:
    # the upload still written down as unfinished.
    left = UnfinishedTransfers(data, room=f"127.0.0.1:{port}")
    left.add(Unfinished(transfer_id, UPLOAD, str(source)))
    left.close()

    again, again_rec = join(port, "Ana", limits=EVERY_CHUNK, data_dir=data)
    assert again_rec.first(events.FileResumed).id == transfer_id
    # Found in the catch-up: told as sent, with the room's id, and nothing moved.
    assert again_rec.first(events.FileSent, id=transfer_id).file_id == stored
    assert not again_rec.of(events.FileProgress)
    assert again.caught_up(5.0)
    assert [o.id for o in host_rec.of(events.FileOffered)] == [stored]
    again.stop()
    again_rec.first(events.Stopped)
    third, third_rec = join(port, "Ana", limits=EVERY_CHUNK, data_dir=data)
    assert nothing_resumed(third, third_rec)
