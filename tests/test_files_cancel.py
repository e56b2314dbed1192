"""Cancelling a transfer (`Session.cancel_file`), on real sockets (127.0.0.1).

The cancel is asked from the network thread at the first progress event: it runs at the
loop's next turn, while a 48 MiB transfer needs dozens of turns (a read takes at most 1 MiB,
one read per turn), so the transfer is always cut in the middle, whatever the machine's speed.

The host's own transfers are copies on its disk, without progress events: their cancel is
asked right behind the request, so it reaches the loop before the copy's first block.
"""

from __future__ import annotations

import os

from messagerie.net import events
from tests.test_files import EVERY_CHUNK, host_leftovers, make_file, stored_files

SIZE = 48 * 1024 * 1024


def cancel_at_first_progress(box, direction):
    def watch(event):
        if (
            isinstance(event, events.FileProgress)
            and event.direction == direction
            and 0 < event.done < event.total
            and "at" not in box
        ):
            box["at"] = event.done
            box["session"].cancel_file(event.id)

    return watch


def test_a_cancelled_download_says_cancelled_and_leaves_nothing(sessions, tmp_path):
    host, join = sessions
    server, _, port = host(limits=EVERY_CHUNK)
    source = tmp_path / "film.mkv"
    make_file(source, SIZE)
    server.send_file(source)
    bob, bob_rec = join(port, "Bob", limits=EVERY_CHUNK)
    box = {"session": bob}
    bob_rec.watchers = [cancel_at_first_progress(box, "download")]
    offered = bob_rec.first(events.FileOffered)
    folder = tmp_path / "bob"
    bob.get_file(offered.id, folder)
    failed = bob_rec.first(events.FileFailed, id=offered.id)
    assert (failed.code, failed.direction, failed.name) == ("cancelled", "download", "film.mkv")
    assert not bob_rec.of(events.FileReceived)
    # Neither the final name nor the partial: the person chose to stop.
    assert os.listdir(folder) == []
    # The session goes on: the same file can be fetched again, whole.
    bob_rec.watchers = []
    bob.get_file(offered.id, folder)
    assert bob_rec.first(events.FileReceived, id=offered.id).path == str(folder / "film.mkv")


def test_a_cancelled_upload_says_cancelled_and_is_never_announced(sessions, tmp_path):
    host, join = sessions
    _, host_rec, port = host(limits=EVERY_CHUNK)
    ana, ana_rec = join(port, "Ana", limits=EVERY_CHUNK)
    box = {"session": ana}
    ana_rec.watchers = [cancel_at_first_progress(box, "upload")]
    source = tmp_path / "gros.bin"
    make_file(source, SIZE)
    transfer_id = ana.send_file(source)
    failed = ana_rec.first(events.FileFailed, id=transfer_id)
    assert (failed.code, failed.direction) == ("cancelled", "upload")
    assert not ana_rec.of(events.FileSent)
    assert not host_rec.of(events.FileOffered)


def test_cancelling_what_is_not_running_does_nothing(sessions, tmp_path):
    host, join = sessions
    _, _, port = host()
    ana, ana_rec = join(port, "Ana")
    ana.cancel_file("nothing-like-this")
    assert ana.caught_up(5.0)
    assert not ana_rec.of(events.FileFailed)


def test_the_hosts_own_send_cancelled_leaves_nothing_in_the_store(sessions, tmp_path):
    host, _ = sessions
    server, rec, _ = host(limits=EVERY_CHUNK)
    source = tmp_path / "gros.bin"
    make_file(source, SIZE)
    transfer_id = server.send_file(source)
    server.cancel_file(transfer_id)
    failed = rec.first(events.FileFailed, id=transfer_id)
    assert (failed.code, failed.direction, failed.name) == ("cancelled", "upload", "gros.bin")
    # Told once the copy has stopped and removed what it wrote: nothing stored, nothing
    # announced, nothing counted against the quota.
    assert stored_files(tmp_path / "host") == []
    assert host_leftovers(tmp_path / "host") == []
    assert not rec.of(events.FileOffered) and not rec.of(events.FileSent)
    # The room goes on: the same file is shared whole when asked again.
    shared = rec.first(events.FileSent, id=server.send_file(source))
    assert stored_files(tmp_path / "host") == [shared.file_id]


def test_the_hosts_own_save_cancelled_leaves_nothing_in_the_folder(sessions, tmp_path):
    host, _ = sessions
    server, rec, _ = host(limits=EVERY_CHUNK)
    source = tmp_path / "gros.bin"
    make_file(source, SIZE)
    file_id = rec.first(events.FileSent, id=server.send_file(source)).file_id
    folder = tmp_path / "saved"
    server.get_file(file_id, folder)
    server.cancel_file(file_id)
    failed = rec.first(events.FileFailed, id=file_id)
    assert (failed.code, failed.direction) == ("cancelled", "download")
    assert not rec.of(events.FileReceived)
    assert os.listdir(folder) == []
