"""Private conversations, mentions and replies in the window, against real headless peers."""

from __future__ import annotations

from tests.gui.conftest import (
    host_from_start_view,
    press_return,
    pump_until,
    screenshot,
    type_keys,
)


def _click_person(c, name: str) -> None:
    """A real click (press and release through Tk's event system) on `name` in the list."""
    people = c.chat.people
    row = c.chat.participants.index(name)
    people.see(row)
    x, y, _w, h = people.bbox(row)
    people.event_generate("<ButtonPress-1>", x=x + 5, y=y + h // 2)
    people.event_generate("<ButtonRelease-1>", x=x + 5, y=y + h // 2)
    c.root.update()


def _send(c, text: str) -> None:
    entry = c.chat.entry
    entry.focus_force()
    c.root.update()
    type_keys(entry, text)
    press_return(entry)


def _join(procs, port, name, data_dir):
    p = procs("join", f"127.0.0.1:{port}", "--headless", "--no-tls", "--name", name,
              data_dir=data_dir)  # fmt: skip
    p.event("connected")
    return p


def test_click_a_name_write_privately_and_see_it_wait_then_arrive(app, procs, tmp_path):
    c, port = host_from_start_view(app)
    chat = c.chat
    bob = _join(procs, port, "Bob", tmp_path / "bob")
    chloe = _join(procs, port, "Chloe", tmp_path / "chloe")
    pump_until(c.root, lambda: "Chloe" in chat.participants, what="both in the list")

    _click_person(c, "Bob")
    assert chat.conversations.current and chat.private_bar.winfo_ismapped()
    _send(c, "rien que pour toi")
    got = bob.event("message", text="rien que pour toi")
    assert got["private"] is True and got["peer"] == "Serveur"
    bobs = chat.conversations.histories[chat.conversations.current]
    pump_until(c.root, lambda: "rien que pour toi" in bobs.content(), what="own line")
    assert "rien que pour toi" not in chat.history.content()
    chloe.send("je suis là")
    chloe.event("message", text="je suis là")
    assert not any("rien que pour toi" in line for line in chloe.seen)

    # Bob leaves; what we write now waits for him, and says so, until he is back.
    assert bob.finish() == 0
    pump_until(c.root, lambda: "Bob" not in chat.participants, what="Bob gone")
    _send(c, "tu me rappelles")
    pump_until(c.root, lambda: "en attente" in chat.private_bar.cget("text"), what="waiting")
    # Room events are told in the room, not in the private conversation open meanwhile.
    assert "Bob a quitté la discussion" in chat.history.content()
    assert "a quitté" not in bobs.content()
    screenshot(c.root, "issue17_private_waiting_fr")
    bob = _join(procs, port, "Bob", tmp_path / "bob")
    assert bob.event("message", text="tu me rappelles")["private"] is True
    pump_until(c.root, lambda: "en attente" not in chat.private_bar.cget("text"), what="reached")

    # Back to the room: its conversation never had the private lines.
    chat.conversations.open("")
    assert not chat.private_bar.winfo_ismapped()
    assert "tu me rappelles" not in chat.history.content()


def test_a_private_message_and_a_mention_notify_with_room_notifications_off(app, procs, tmp_path):
    c, port = host_from_start_view(app)
    chat = c.chat
    c.settings.notifications = False
    shown: list[tuple[str, str]] = []
    c.notices.show = lambda title, body: shown.append((title, body)) or True
    bob = _join(procs, port, "Bob", tmp_path / "bob")
    pump_until(c.root, lambda: "Bob" in chat.participants, what="Bob")
    c.window.unread.focus_out()  # the window is in the background

    bob.send("bonjour à tous")
    pump_until(c.root, lambda: "bonjour à tous" in chat.history.content(), what="room line")
    assert shown == []  # room notifications are off

    bob.send("@Serveur tu as deux minutes ?")
    pump_until(c.root, lambda: shown, what="mention notified")
    assert shown[-1] == ("Bob", "@Serveur tu as deux minutes ?")
    text = chat.history.text
    ranges = text.tag_ranges("mention")
    assert ranges and "tu as deux minutes" in text.get(ranges[0], ranges[-1])

    bob.send("/msg Serveur c'est privé")
    pump_until(c.root, lambda: len(shown) == 2, what="private notified")
    conversations = chat.conversations
    pump_until(c.root, lambda: "Bob (1)" in conversations.list.get(0, "end"), what="unread")
    assert "c'est privé" not in chat.history.content()
    screenshot(c.root, "issue17_mention_and_conversations_fr")
    c.window.set_theme("dark")
    c.root.update()
    screenshot(c.root, "issue17_mention_and_conversations_dark_fr")
    c.window.set_theme("light")


def test_reply_from_the_menu_quotes_and_the_quote_leads_to_the_original(app, procs, tmp_path):
    c, port = host_from_start_view(app)
    chat = c.chat
    bob = _join(procs, port, "Bob", tmp_path / "bob")
    bob.send("Réunion à 10 h ?")
    original = bob.event("message", text="Réunion à 10 h ?")
    history = chat.history
    pump_until(c.root, lambda: "Réunion à 10 h ?" in history.content(), what="original")
    # Enough lines after it that the original is out of sight.
    for i in range(40):
        bob.send(f"ligne {i}")
    pump_until(c.root, lambda: "ligne 39" in history.content(), what="filler", timeout=30)

    # "Répondre" is the menu's entry for the message's line (found by its id's mark).
    history.show_message(original["id"])
    assert history.message_at(f"msg-{original['id']}") == original["id"]
    history._clicked = original["id"]
    history.menu.invoke(0)
    c.root.update()
    assert chat.reply_bar.winfo_ismapped() and "Réunion à 10 h ?" in chat.reply_bar.label.cget(
        "text"
    )
    _send(c, "oui")
    got = bob.event("message", text="oui")
    c.root.update()
    assert got["reply"] == {"id": original["id"], "from": "Bob", "text": "Réunion à 10 h ?"}
    pump_until(c.root, lambda: "↪ Bob : Réunion à 10 h ?" in history.content(), what="quote")
    assert not chat.reply_bar.winfo_ismapped()

    # A click on the quote brings the original into view.
    history.jump_to_end()
    c.root.update()
    screenshot(c.root, "issue17_reply_quote_fr")
    text = history.text
    assert text.bbox(f"msg-{original['id']}") is None  # scrolled away
    start = text.tag_ranges("quote")[-2]
    text.see(start)
    c.root.update()
    x, y, _w, h = text.bbox(start)
    # The pointer moves onto the quote (Tk's tag bindings follow it), then clicks.
    text.event_generate("<Motion>", x=x + 2, y=y + h // 2)
    text.event_generate("<Button-1>", x=x + 2, y=y + h // 2)
    c.root.update()
    assert text.bbox(f"msg-{original['id']}") is not None
    screenshot(c.root, "issue17_reply_fr")


def test_typing_at_offers_the_names_present_and_tab_completes(app, procs, tmp_path):
    c, port = host_from_start_view(app)
    chat = c.chat
    _join(procs, port, "Bob", tmp_path / "bob")
    _join(procs, port, "Béa", tmp_path / "bea")
    pump_until(c.root, lambda: "Béa" in chat.participants, what="both")
    entry = chat.entry
    entry.focus_force()
    c.root.update()
    type_keys(entry, "salut ")
    entry.event_generate("<KeyPress>", keysym="at")
    entry.event_generate("<KeyRelease>", keysym="at")
    c.root.update()
    assert chat.mentions.shown == ["Béa", "Bob"]  # everyone present but us
    entry.event_generate("<KeyPress>", keysym="b")
    entry.event_generate("<KeyRelease>", keysym="b")
    entry.event_generate("<KeyPress>", keysym="o")
    entry.event_generate("<KeyRelease>", keysym="o")
    c.root.update()
    assert chat.mentions.shown == ["Bob"] and chat.mentions.list.winfo_ismapped()
    entry.event_generate("<KeyPress>", keysym="Tab")
    c.root.update()
    assert entry.get() == "salut @Bob " and not chat.mentions.visible
    # Escape closes the list without sending; Return then sends as usual.
    entry.event_generate("<KeyPress>", keysym="at")
    entry.event_generate("<KeyRelease>", keysym="at")
    entry.event_generate("<KeyPress>", keysym="Escape")
    c.root.update()
    assert not chat.mentions.visible and entry.get() == "salut @Bob @"
