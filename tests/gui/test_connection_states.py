"""Issue 14, items 4, 9 and 11 in the real window: the live reconnect countdown, "Réessayer
maintenant", the offline roster and padlock; the safety code explained at first contact and
large on the host's screen; "Quelqu'un écrit…" shown, expired and sent at most every 3 s."""

from __future__ import annotations

import tkinter.font as tkfont

from messagerie.net import events as ev
from messagerie.ui import typing_hint
from tests.gui.chat_helpers import CODE, Calls, chat_view, connected, feed, listening, message
from tests.gui.conftest import pump_until, type_keys


def _status(chat) -> str:
    return str(chat.status.cget("text"))


def test_reconnecting_counts_down_live_and_can_retry_now(app):
    c = app()
    calls = Calls()
    chat = chat_view(c, calls)
    feed(c, chat, [connected()])
    assert chat.security.winfo_ismapped() and chat.safety.winfo_ismapped()
    assert str(chat.people.cget("state")) == "normal"

    feed(c, chat, [ev.Disconnected(reason="connection_lost"), ev.Reconnecting(delay_s=3.0)])
    seen = {_status(chat)}
    assert "Reconnexion dans 3 s…" in _status(chat)
    # The text changes each second without any new event.
    pump_until(c.root, lambda: "dans 2 s" in _status(chat), timeout=3, what="2 s")
    seen.add(_status(chat))
    pump_until(c.root, lambda: "dans 1 s" in _status(chat), timeout=3, what="1 s")
    seen.add(_status(chat))
    assert len(seen) == 3
    # Offline: no padlock, the roster greyed and titled so.
    assert not chat.security.winfo_ismapped() and not chat.safety.winfo_ismapped()
    assert str(chat.people.cget("state")) == "disabled"
    assert chat.people_box.cget("text") == "Participants (hors ligne)"

    assert chat.retry_button.winfo_ismapped()
    chat.retry_button.invoke()
    assert calls.retries == 1
    assert "Reconnexion…" in _status(chat)

    # Back online: the padlock and the roster come back, the retry button goes.
    feed(c, chat, [connected(reconnect=True)])
    c.root.update()
    assert chat.security.winfo_ismapped()
    assert str(chat.people.cget("state")) == "normal"
    assert chat.people_box.cget("text") == "Participants"
    assert not chat.retry_button.winfo_ismapped()
    assert chat.people.get(0, "end") == ("Ana (vous)", "Bob", "Cléo")


def test_a_closed_room_says_so_and_offers_to_join_again(app):
    c = app()
    calls = Calls()
    chat = chat_view(c, calls)
    feed(c, chat, [connected()])
    feed(c, chat, [ev.Disconnected(reason="room_closed"), ev.Stopped()])
    c.root.update()
    assert "L'hôte a fermé la discussion" in _status(chat)
    assert "Reconnexion" not in _status(chat)
    assert "Déconnecté : L'hôte a fermé la discussion." in chat.history.content()
    assert chat.rejoin_button.winfo_ismapped()
    assert str(chat.entry.cget("state")) == "disabled"
    chat.rejoin_button.invoke()
    assert calls.rejoins == 1


def test_first_contact_explains_the_safety_code_without_blocking(app):
    c = app()
    calls = Calls()
    chat = chat_view(c, calls)
    feed(c, chat, [connected(first_contact=True)])
    c.root.update()
    panel = chat.safety_panel
    assert panel.winfo_ismapped()
    assert CODE in panel.message.cget("text")
    assert "même que sur son écran" in panel.message.cget("text")
    # Chatting goes on while it is shown.
    chat.entry.insert(0, "je peux écrire")
    chat.submit()
    assert calls.sent == ["je peux écrire"]

    panel.compare_button.invoke()
    c.root.update()
    assert panel.big_code.winfo_ismapped() and panel.big_code.cget("text") == CODE
    panel.same_button.invoke()
    assert "Code vérifié" in panel.message.cget("text")
    panel.close_button.invoke()
    c.root.update()
    assert not panel.winfo_ismapped()

    # A known host (no first contact) is not explained again.
    chat2 = chat_view(c, Calls())
    feed(c, chat2, [connected()])
    c.root.update()
    assert not chat2.safety_panel.winfo_ismapped()


def test_a_different_code_is_a_clear_warning(app):
    c = app()
    chat = chat_view(c)
    feed(c, chat, [connected(first_contact=True)])
    chat.safety_panel.compare_button.invoke()
    chat.safety_panel.different_button.invoke()
    assert "se fait peut-être passer pour l'hôte" in chat.safety_panel.message.cget("text")


def test_the_host_shows_its_code_large(app):
    c = app()
    chat = chat_view(c, mode="host")
    feed(c, chat, [listening()])
    c.root.update()
    assert chat.host_code.winfo_ismapped()
    assert chat.host_code.cget("text") == CODE
    size = tkfont.Font(font=chat.host_code.cget("font")).actual()["size"]
    assert abs(size) >= 20
    assert chat.host_code.winfo_height() >= 2 * chat.address.winfo_height() * 0.6


def test_someone_typing_is_shown_then_expires(app, monkeypatch):
    monkeypatch.setattr(typing_hint, "TYPING_SHOWN_S", 0.5)
    c = app()
    chat = chat_view(c)
    feed(c, chat, [connected(), ev.Typing(name="Bob")])
    assert chat.typing_label.cget("text") == "Bob écrit…"
    feed(c, chat, [ev.Typing(name="Cléo")])
    assert chat.typing_label.cget("text") == "Bob et Cléo écrivent…"
    # Bob's message ends Bob's hint; Cléo's expires by itself.
    feed(c, chat, [message(1, sender="Bob")])
    assert chat.typing_label.cget("text") == "Cléo écrit…"
    pump_until(c.root, lambda: chat.typing_label.cget("text") == "", timeout=3, what="expired")


def test_typing_is_sent_at_most_every_3_s(app):
    c = app()
    calls = Calls()
    chat = chat_view(c, calls)
    now = [100.0]
    chat.clock = lambda: now[0]
    feed(c, chat, [connected()])
    chat.entry.focus_force()
    pump_until(c.root, lambda: c.root.focus_get() is chat.entry, what="focus")
    for _ in range(10):
        type_keys(chat.entry, "a")
        now[0] += 0.25
    assert calls.typing == 1  # 2.5 s of typing: said once
    now[0] += 0.6
    type_keys(chat.entry, "b")
    assert calls.typing == 2
    # Keys that type nothing (arrows, Shift) say nothing.
    now[0] += 5
    chat.entry.event_generate("<KeyPress>", keysym="Left")
    chat.entry.event_generate("<KeyPress>", keysym="Shift_L")
    c.root.update()
    assert calls.typing == 2


def test_a_real_first_contact_is_explained_and_a_second_visit_is_not(app, procs, tmp_path):
    args = ("serve", "--host", "127.0.0.1", "--port", "0", "--headless")
    server = procs(*args, data_dir=tmp_path / "server")
    listening = server.event("listening")
    c = app(tls=True, mode="join", host="127.0.0.1", port=listening["port"], name="Zoé")
    pump_until(c.root, lambda: c.chat is not None and c.chat.state == "connected", what="joined")
    panel = c.chat.safety_panel
    pump_until(c.root, lambda: panel.winfo_ismapped(), what="the explanation")
    assert listening["safety_code"] in panel.message.cget("text")

    c.chat.leave_button.invoke()  # nobody else is there: no question
    c.start_session("join", c.form)
    pump_until(c.root, lambda: c.chat is not None and c.chat.state == "connected", what="again")
    c.root.update()
    assert not c.chat.safety_panel.winfo_ismapped()
