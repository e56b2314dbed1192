"""File cards in the history, fed with constructed events: trimming, themes, batching, text."""

from __future__ import annotations

from messagerie.net import events as ev
from messagerie.ui.file_card import FileActions
from messagerie.ui.opener import FileOpener
from tests.gui.chat_helpers import chat_view, connected, feed, message
from tests.gui.conftest import pump_until, screenshot


class FakeFiles:
    """The session side of the cards: records what they ask for."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.ran: list[list[str]] = []

    def actions(self) -> FileActions:
        return FileActions(
            send=lambda path: self.asked.append(("send", path)) or "t1",
            get=lambda file_id: self.asked.append(("get", file_id)),
            cancel=lambda transfer_id: self.asked.append(("cancel", transfer_id)),
            ask_files=list,
            opener=FileOpener(run=self.ran.append),
        )


def offer(i: int, **kw) -> ev.FileOffered:
    values = dict(
        id=f"f{i}",
        name=f"document {i}.pdf",
        size=2_500_000,
        sha256="ab" * 32,
        media_type="application/pdf",
        sender="Bob",
    )
    values.update(kw)
    return ev.FileOffered(**values)


def resumed(file_id: str, name: str, **kw) -> ev.FileResumed:
    """A transfer of the last session going on: an upload of ours unless told otherwise."""
    values = dict(direction="upload", size=0, media_type="", sender="", path="/d")
    values.update(kw)
    return ev.FileResumed(id=file_id, name=name, **values)


def test_a_card_shows_name_size_sender_and_replaces_the_get_line(app):
    c = app()
    files = FakeFiles()
    chat = chat_view(c, files=files.actions())
    feed(c, chat, [connected(), message(1), offer(1), message(2)])
    card = chat.cards["f1"]
    assert card.title.cget("text") == "document 1.pdf"
    assert card.meta.cget("text") == "2,4 Mo · de Bob"
    assert "/get" not in chat.history.content()
    assert chat.history.text.window_names() == (str(card),)
    card.download_button.invoke()
    assert files.asked == [("get", "f1")]
    # Progress: the bar, the rate and the time left, and "Annuler".
    clock = iter(float(t) for t in range(100))
    card.clock = lambda: next(clock)
    chat.apply([ev.FileProgress(id="f1", direction="download", done=0, total=2_500_000)])
    chat.apply([ev.FileProgress(id="f1", direction="download", done=500_000, total=2_500_000)])
    pump_until(c.root, lambda: "encore" in card.status.cget("text"), what="rate shown")
    assert card.status.cget("text") == "488,3 Ko sur 2,4 Mo · 488,3 Ko/s · encore 4 s"
    assert card.cancel_button.winfo_manager() and card.bar.winfo_manager()
    card.cancel_button.invoke()
    assert files.asked[-1] == ("cancel", "f1")
    chat.apply(
        [
            ev.FileFailed(
                id="f1", direction="download", name="document 1.pdf", code="sha256_mismatch"
            )
        ]
    )
    assert "empreinte SHA-256" in card.status.cget("text")
    assert card.download_button.winfo_manager()  # try again
    assert not chat.history.content().count("Transfert de")  # the card says it, once


def test_cards_survive_trimming_and_theme_switches_and_batches_stay_one_insert(app):
    c = app()
    chat = chat_view(c, files=FakeFiles().actions())
    chat.history.max_lines = 200
    feed(c, chat, [connected(), offer(0)])
    old = chat.cards["f0"]
    # A batch with a file in the middle: one insert for the lines before it, one after.
    calls = []
    real_insert = chat.history.text.insert
    chat.history.text.insert = lambda *a: calls.append(a) or real_insert(*a)
    chat.apply(
        [message(i) for i in range(1, 100)] + [offer(1)] + [message(i) for i in range(100, 200)]
    )
    assert len(calls) == 2
    chat.history.text.insert = real_insert
    # Trimming deletes the oldest lines: the first card goes with them, cleanly.
    feed(c, chat, [message(i) for i in range(200, 1000)])
    assert not old.winfo_exists() and "f0" not in chat.cards
    chat.apply(
        [ev.FileProgress(id="f0", direction="download", done=1, total=2)]
    )  # no card: ignored
    assert chat.history.line_count() <= 200 + 500 + 1
    # A newer card lives on through theme switches (ttk styles follow the theme).
    feed(c, chat, [offer(2)])
    card = chat.cards["f2"]
    for theme in ("dark", "light"):
        c.window.set_theme(theme)
        c.root.update()
    assert card.winfo_exists() and card.title.cget("text") == "document 2.pdf"
    card.download_button.invoke()
    assert card.state == "downloading"


def test_the_card_follows_the_language(app):
    from messagerie import i18n

    c = app()
    chat = chat_view(c, files=FakeFiles().actions())
    feed(c, chat, [connected(), offer(1)])
    card = chat.cards["f1"]
    assert card.download_button.cget("text") == "Télécharger"
    c.set_language("en")
    try:
        assert card.download_button.cget("text") == "Download"
        assert card.meta.cget("text") == "2.4 MB · from Bob"
    finally:
        c.set_language(None)
        i18n.set_language(None)


def test_screenshots_of_file_cards_in_light_and_dark(app, tmp_path):
    from PIL import Image, ImageDraw

    c = app()
    files = FakeFiles()
    chat = chat_view(c, files=files.actions())
    picture = tmp_path / "vacances.png"
    image = Image.new("RGB", (800, 500), (40, 110, 190))
    ImageDraw.Draw(image).ellipse((250, 100, 550, 400), fill=(250, 200, 60))
    image.save(picture)
    feed(
        c,
        chat,
        [
            connected(),
            message(1, text="Voici le compte rendu et une photo."),
            offer(1, name="compte rendu.pdf"),
            offer(2, name="vacances.png", size=picture.stat().st_size, media_type="image/png"),
            ev.FileReceived(id="f2", name="vacances.png", path=str(picture)),
            offer(3, name="film de la fête.mkv", size=700_000_000, media_type="video/x-matroska"),
            resumed("t7", "Vacances", path=str(tmp_path / "Vacances")),
            ev.FileFailed(id="t7", direction="upload", name="Vacances", code="not_a_file"),
        ],
    )
    assert chat.cards["t7"].state == "failed"
    chat.show_preview("f2", image.resize((220, 137)))
    big = chat.cards["f3"]
    clock = iter(float(t) for t in range(100))
    big.clock = lambda: next(clock)
    big.download()
    for done in (0, 120_000_000, 240_000_000):
        chat.apply([ev.FileProgress(id="f3", direction="download", done=done, total=700_000_000)])
    pump_until(c.root, lambda: "encore" in big.status.cget("text"), what="progress")
    assert chat.cards["f2"].preview.winfo_manager() and big.bar.winfo_manager()
    chat.history.jump_to_end()
    screenshot(c.root, "issue15_file_cards_light")
    c.window.set_theme("dark")
    c.root.update()
    screenshot(c.root, "issue15_file_cards_dark")
    c.window.set_theme("light")


def test_a_flood_of_progress_redraws_the_card_a_few_times_a_second(app):
    c = app()
    chat = chat_view(c, files=FakeFiles().actions())
    feed(c, chat, [connected(), offer(1)])
    card = chat.cards["f1"]
    card.download_button.invoke()
    redraws = []
    real = card.redraw
    card.redraw = lambda: redraws.append(1) or real()
    for done in range(0, 2_500_000, 2_500):  # 1,000 reports in one go
        chat.apply([ev.FileProgress(id="f1", direction="download", done=done, total=2_500_000)])
    c.root.update()
    assert redraws == []  # none yet: the next redraw waits for its turn
    pump_until(c.root, lambda: redraws, what="the throttled redraw")
    assert len(redraws) == 1 and card.bar.cget("value") == 2_497_500


def test_the_download_folder_is_chosen_from_the_menu_and_remembered(app, tmp_path, monkeypatch):
    from messagerie.store import settings as settings_mod
    from messagerie.ui import controller as controller_mod

    c = app(data_dir=tmp_path / "data")
    chosen = tmp_path / "Mes fichiers reçus"
    monkeypatch.setattr(controller_mod.filedialog, "askdirectory", lambda **_kw: str(chosen))
    c.choose_download_dir()
    assert c.download_dir() == chosen
    assert settings_mod.load(tmp_path / "data").settings.download_dir == str(chosen)


def test_narrow_the_file_button_keeps_its_icon_only(app):
    c = app()
    chat = chat_view(c, files=FakeFiles().actions())
    assert str(chat.file_button.cget("compound")) == "left"
    c.root.geometry("460x460")
    pump_until(c.root, lambda: str(chat.file_button.cget("compound")) == "image", what="narrow")
    assert chat.entry.winfo_width() > 2 * chat.file_button.winfo_width()


def test_a_resumed_upload_gets_its_card_back_and_a_line_says_it_goes_on(app, tmp_path):
    c = app()
    chat = chat_view(c, files=FakeFiles().actions())
    feed(
        c,
        chat,
        [
            connected(),
            resumed("t9", "bilan.xlsx", size=3_000_000, path=str(tmp_path / "bilan.xlsx")),
        ],
    )
    card = chat.cards["t9"]
    assert card.upload and card.title.cget("text") == "bilan.xlsx"
    assert "Reprise de l’envoi de « bilan.xlsx »" in chat.history.content()
    chat.apply([ev.FileProgress(id="t9", direction="upload", done=1_500_000, total=3_000_000)])
    assert card.state == "uploading" and card.cancel_button.winfo_manager()
    # The line first, the card under it.
    text = chat.history.text
    assert text.compare(text.index(card), ">", text.search("Reprise de l’envoi", "1.0"))
    pump_until(c.root, lambda: "1,4 Mo sur 2,9 Mo" in card.status.cget("text"), what="shown")
    screenshot(c.root, "chat-file-resumed")
    # A resumed download finds the card its offer made in the history: no second one.
    feed(c, chat, [offer(1)])
    again = resumed("f1", "document 1.pdf", direction="download", size=2_500_000, sender="Bob")
    feed(c, chat, [again])
    assert sum(1 for k in chat.cards.values() if k.name == "document 1.pdf") == 1
