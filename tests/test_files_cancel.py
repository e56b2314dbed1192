"""Cancelling a transfer (`Session.cancel_file`), on real sockets (127.0.0.1).

The cancel is asked from the network thread at the first progress event: it runs at the
loop's next turn, while a 48 MiB transfer needs dozens of turns (1 MiB reads, a yield after
each), so the transfer is always cut in the middle, whatever the machine's speed.
"""

from __future__ import annotations

import os

from messagerie.net import events
from tests.test_files import EVERY_CHUNK, make_file

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
