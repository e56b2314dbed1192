"""Files in the window (issue 15): the button, drops through tkdnd, cards, cancel, safety.

The room is real (127.0.0.1, no TLS to keep the tests quick; TLS transfers are covered by
tests/test_files.py). No real file dialog opens and no real program starts: the controller's
`pick_files` and its opener's `run` are replaced.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from messagerie.i18n import tr
from messagerie.net import events as ev
from tests.conftest import FAST_LIMITS
from tests.gui.conftest import host_from_start_view, pump_until, screenshot

SIZE = 300_000
BIG = 48 * 1024 * 1024  # many turns of the loop (1 MiB reads): a cancel lands mid-way


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def make(path: Path, size: int = SIZE) -> Path:
    path.write_bytes(os.urandom(size))
    return path


class Commands(list):
    """The commands the opener would have started (nothing is started)."""

    def __call__(self, command):
        self.append(list(command))


def joined_gui(app, tmp_path, port):
    c = app(mode="join", host="127.0.0.1", port=port, name="Zoé", limits=FAST_LIMITS)
    c.settings.download_dir = str(tmp_path / "reçus")
    c.opener.run = Commands()
    pump_until(c.root, lambda: c.chat is not None and c.chat.state == "connected", what="join")
    return c


def card_of(c, file_id):
    return pump_until(c.root, lambda: c.chat.cards.get(file_id), what=f"card {file_id}")


def test_the_button_sends_several_files_and_each_gets_a_card(app, sessions, tmp_path):
    _, join = sessions
    c, port = host_from_start_view(app)
    bob, bob_rec = join(port, "Bob")
    first = make(tmp_path / "notes de réunion.txt")
    second = make(tmp_path / "deux.bin", 1000)
    c.pick_files = lambda: [str(first), str(second)]
    c.chat.file_button.invoke()
    cards = [card for card in c.chat.cards.values() if card.upload]
    assert sorted(card.name for card in cards) == ["deux.bin", "notes de réunion.txt"]
    pump_until(c.root, lambda: all(card.state == "sent" for card in cards), what="both sent")
    offers = bob_rec.wait_for(lambda evs: [e for e in evs if isinstance(e, ev.FileOffered)][1:])
    assert offers
    first_id = next(card.file_id for card in cards if card.name == "notes de réunion.txt")
    bob.get_file(first_id, tmp_path / "bob")
    assert sha(bob_rec.first(ev.FileReceived, id=first_id).path) == sha(first)
    # The host's own offers did not make a second card, nor a "/get" line.
    assert len(set(c.chat.cards.values())) == 2
    assert "/get" not in c.chat.history.content()


def test_a_late_joiner_downloads_from_the_card_and_opens_it(app, sessions, tmp_path):
    host, _ = sessions
    server, server_rec, port = host()
    source = make(tmp_path / "compte rendu.pdf")
    server.send_file(source)
    file_id = server_rec.first(ev.FileSent).file_id
    c = joined_gui(app, tmp_path, port)  # joins after the file was shared
    card = card_of(c, file_id)
    assert (card.state, card.name, card.sender) == ("offered", "compte rendu.pdf", "Serveur")
    assert card.download_button.winfo_manager()
    card.download_button.invoke()
    pump_until(c.root, lambda: card.state == "received", what="received")
    saved = tmp_path / "reçus" / "compte rendu.pdf"
    assert card.path == saved and sha(saved) == sha(source)
    assert os.listdir(tmp_path / "reçus") == ["compte rendu.pdf"]
    assert card.open_button.winfo_manager() and card.folder_button.winfo_manager()
    card.open_button.invoke()
    card.folder_button.invoke()
    assert c.opener.run == [["xdg-open", str(saved)], ["xdg-open", str(saved.parent)]]


@pytest.mark.parametrize("name", ["installer.exe", "script.sh", "Lancer.BAT"])
def test_open_is_never_offered_for_programs_or_scripts(app, sessions, tmp_path, name):
    host, _ = sessions
    server, server_rec, port = host()
    server.send_file(make(tmp_path / name, 2000))
    file_id = server_rec.first(ev.FileSent).file_id
    c = joined_gui(app, tmp_path, port)
    card = card_of(c, file_id)
    card.download_button.invoke()
    pump_until(c.root, lambda: card.state == "received", what="received")
    assert not card.open_button.winfo_manager()  # only "Afficher dans le dossier"
    assert card.folder_button.winfo_manager()
    card.open()  # even when asked directly, the file itself is not opened
    assert c.opener.run == [["xdg-open", str(card.path.parent)]]
    assert "programme ou un script" in card.status.cget("text")


def test_cancel_mid_download_ends_cancelled_with_nothing_left(app, sessions, tmp_path):
    host, _ = sessions
    server, server_rec, port = host()
    server.send_file(make(tmp_path / "film.mkv", BIG))
    file_id = server_rec.first(ev.FileSent).file_id
    c = joined_gui(app, tmp_path, port)
    card = card_of(c, file_id)
    # The first progress of the download holds the session's loop until "Annuler" is
    # clicked: the cancel then runs at the loop's next turn, long before 48 MiB are in.
    clicked = threading.Event()
    held = threading.Event()
    forward = c.session._on_event

    def gate(event):
        forward(event)
        moving = isinstance(event, ev.FileProgress) and 0 < event.done < event.total
        if moving and not held.is_set():
            held.set()
            clicked.wait(20)  # bounded: a test that never clicks fails on its own wait

    c.session._on_event = gate
    card.download_button.invoke()
    pump_until(c.root, lambda: card.meter.done > 0, what="first progress")
    assert card.cancel_button.winfo_manager() and card.bar.winfo_manager()
    card.cancel_button.invoke()
    clicked.set()
    pump_until(c.root, lambda: card.state == "cancelled", what="cancelled")
    assert card.status.cget("text") == "vous l'avez annulé."
    folder = tmp_path / "reçus"
    assert not (folder / "film.mkv").exists()
    assert os.listdir(folder) == []
    assert card.download_button.winfo_manager()  # it can be fetched again


def test_own_image_gets_a_preview_and_a_broken_one_none(app, sessions, tmp_path):
    from PIL import Image

    c, _ = host_from_start_view(app)
    picture = tmp_path / "photo.png"
    Image.new("RGB", (640, 400), (30, 120, 200)).save(picture)
    broken = tmp_path / "cassée.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(5000))
    c.pick_files = lambda: [str(picture), str(broken)]
    c.chat.file_button.invoke()
    good, bad = (
        next(card for card in c.chat.cards.values() if card.name == n)
        for n in ("photo.png", "cassée.png")
    )
    pump_until(c.root, lambda: good.image is not None, what="preview")
    assert max(good.image.width(), good.image.height()) <= 220
    pump_until(c.root, lambda: bad.state == "sent" and good.state == "sent", what="sent")
    c.previews.close()  # every preview asked for is made: the broken one gave none
    c.root.update()
    assert bad.image is None and not bad.preview.winfo_manager()
    assert c.window.notice_text() == ""


def drop(widget, paths: list[str]) -> None:
    """A drop as tkdnd's XDND code delivers it: enter, position, drop, in Tcl.

    The data is the Tcl list X11 gives (a path with spaces braced); tkdnd then finds the
    registered target under the pointer and runs its <<Drop>> binding.
    """
    tk = widget.tk
    widget.update()
    x = widget.winfo_rootx() + widget.winfo_width() // 2
    y = widget.winfo_rooty() + widget.winfo_height() // 2
    source = "0x1"  # an outside window (a file manager)
    types = ("text/uri-list",)
    tk.call("tkdnd::generic::SetDroppedData", tk.call("list", *paths))
    tk.call("tkdnd::generic::HandleEnter", widget._w, source, types, ("0x1",), ("copy",), ())
    tk.call("tkdnd::generic::HandlePosition", widget._w, source, (), x, y, "copy", 0)
    tk.call("tkdnd::generic::HandleDrop", widget._w, source, (), x, y, 0)


def test_files_dropped_onto_the_chat_are_sent(app, sessions, tmp_path):
    c, port = host_from_start_view(app)
    if not c.window.drops:
        pytest.skip("tkdnd (package tkinterdnd2) cannot load here: drag and drop is off")
    _, join = sessions
    bob, bob_rec = join(port, "Bob")
    spaced = make(tmp_path / "avec des espaces {et accolades}.txt")
    plain = make(tmp_path / "simple.bin", 1234)
    drop(c.chat.history.text, [str(spaced), str(plain)])
    cards = pump_until(
        c.root,
        lambda: [card for card in c.chat.cards.values() if card.upload][1:] and c.chat.cards,
        what="two cards",
    )
    uploads = {card.name: card for card in set(cards.values()) if card.upload}
    assert sorted(uploads) == ["avec des espaces {et accolades}.txt", "simple.bin"]
    pump_until(c.root, lambda: all(u.state == "sent" for u in uploads.values()), what="sent")
    file_id = uploads["avec des espaces {et accolades}.txt"].file_id
    bob.get_file(file_id, tmp_path / "bob")
    assert sha(bob_rec.first(ev.FileReceived, id=file_id).path) == sha(spaced)
    screenshot(c.root, "chat-files-dropped")


def test_a_dropped_folder_gets_a_card_that_says_why_it_is_not_sent(app, tmp_path):
    c, _ = host_from_start_view(app)
    if not c.window.drops:
        pytest.skip("tkdnd (package tkinterdnd2) cannot load here: drag and drop is off")
    folder = tmp_path / "Vacances"
    folder.mkdir()
    drop(c.chat.history.text, [str(folder)])
    card = pump_until(
        c.root,
        lambda: next((k for k in c.chat.cards.values() if k.state == "failed"), None),
        what="a failed card",
    )
    assert card.name == "Vacances"
    assert card.status.cget("text") == tr("error.not_a_file")
    screenshot(c.root, "chat-folder-dropped")
