"""Issue 14, items 6 and 7: the message box (Enter, Shift+Enter, focus after "Envoyer"),
continuation lines under the text, links, own colour from history, day separators across a
fake clock, and the host's time for everyone. Real window under Xvfb."""

from __future__ import annotations

import datetime as dt

import pytest

from messagerie import i18n
from messagerie.net import events as ev
from messagerie.ui.forms import format_time
from tests.gui.chat_helpers import Calls, chat_view, connected, feed, message
from tests.gui.conftest import press_return, pump_until, type_keys


def _focus(c, widget) -> None:
    widget.focus_force()
    pump_until(c.root, lambda: c.root.focus_get() is widget, what="focus")


def test_shift_enter_breaks_the_line_and_enter_sends(app):
    c = app()
    calls = Calls()
    chat = chat_view(c, calls)
    feed(c, chat, [connected()])
    _focus(c, chat.entry)
    type_keys(chat.entry, "ligne un")
    chat.entry.event_generate("<KeyPress>", keysym="Return", state=1)  # Shift held
    c.root.update()
    type_keys(chat.entry, "ligne deux")
    assert calls.sent == []
    assert chat.entry.get() == "ligne un\nligne deux"
    assert int(chat.entry.cget("height")) == 2  # the box grew to show both lines
    press_return(chat.entry)
    assert calls.sent == ["ligne un\nligne deux"]
    assert chat.entry.get() == ""
    assert int(chat.entry.cget("height")) == 1


def test_focus_returns_to_the_message_box_after_clicking_send(app):
    c = app()
    calls = Calls()
    chat = chat_view(c, calls)
    feed(c, chat, [connected()])
    chat.entry.insert(0, "cliqué")
    # A real click: the pointer presses and releases the button (which takes the focus).
    _focus(c, chat.send_button)
    button = chat.send_button
    x, y = button.winfo_width() // 2, button.winfo_height() // 2
    button.event_generate("<Enter>", x=x, y=y)
    button.event_generate("<ButtonPress-1>", x=x, y=y)
    button.event_generate("<ButtonRelease-1>", x=x, y=y)
    pump_until(c.root, lambda: calls.sent == ["cliqué"], what="sent by the click")
    pump_until(c.root, lambda: c.root.focus_get() is chat.entry, what="focus back in the box")


def test_continuation_lines_start_under_the_text_not_under_the_name(app):
    c = app()
    chat = chat_view(c)
    text = "première ligne\ndeuxième ligne\ntroisième"
    feed(c, chat, [connected(), message(1, sender="Bérénice", text=text)])
    t = chat.history.text
    first = t.search("première", "1.0")
    second = t.search("deuxième", "1.0")
    third = t.search("troisième", "1.0")
    t.see(first)
    c.root.update()
    x_text = t.bbox(first)[0]
    x_name = t.bbox(t.search("Bérénice", "1.0"))[0]
    assert x_text - x_name > 30
    for index in (second, third):
        assert abs(t.bbox(index)[0] - x_text) <= 1  # under the text
    assert "première ligne\ndeuxième ligne\ntroisième" in chat.history.content()


def test_a_link_opens_in_the_browser(app, monkeypatch):
    c = app()
    chat = chat_view(c)
    opened: list[str] = []
    monkeypatch.setattr(chat.history, "open_link", opened.append)
    feed(
        c,
        chat,
        [connected(), message(1, text="voir https://exemple.fr/page?x=1, et http://a.b/c.")],
    )
    t = chat.history.text
    for url in ("https://exemple.fr/page?x=1", "http://a.b/c"):
        start = t.search(url, "1.0")
        assert "link" in t.tag_names(f"{start} +3c")
        x, y, _w, h = t.bbox(f"{start} +3c")
        t.event_generate("<Motion>", x=x + 1, y=y + h // 2)
        t.event_generate("<ButtonPress-1>", x=x + 1, y=y + h // 2)
        t.event_generate("<ButtonRelease-1>", x=x + 1, y=y + h // 2)
        c.root.update()
    assert opened == ["https://exemple.fr/page?x=1", "http://a.b/c"]
    # Text that is not a link opens nothing.
    x, y, _w, h = t.bbox(t.search("voir", "1.0"))
    t.event_generate("<Motion>", x=x + 1, y=y + h // 2)
    t.event_generate("<ButtonPress-1>", x=x + 1, y=y + h // 2)
    c.root.update()
    assert len(opened) == 2


def test_the_default_browser_call_is_webbrowser_open(app, monkeypatch):
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, new=0: opened.append(url))
    c = app()
    chat = chat_view(c)
    feed(c, chat, [connected(), message(1, text="https://exemple.fr")])
    t = chat.history.text
    x, y, _w, h = t.bbox(f"{t.search('https', '1.0')} +2c")
    t.event_generate("<Motion>", x=x + 1, y=y + h // 2)
    t.event_generate("<ButtonPress-1>", x=x + 1, y=y + h // 2)
    c.root.update()
    assert opened == ["https://exemple.fr"]


def test_own_messages_from_history_keep_our_colour(app):
    c = app()
    chat = chat_view(c)
    feed(
        c,
        chat,
        [
            connected(),
            message(1, sender="Ana", text="à moi, d'avant", history=True, own=True),
            message(2, sender="Bob", text="de Bob, d'avant", history=True),
        ],
    )
    t = chat.history.text
    assert "name_own" in t.tag_names(t.search("Ana :", "1.0"))
    assert "name_other" in t.tag_names(t.search("Bob :", "1.0"))


def _local(y, m, d, hour=10, minute=0) -> float:
    return dt.datetime(y, m, d, hour, minute).timestamp()


@pytest.mark.parametrize(
    ("lang", "days"),
    [
        ("fr", ["lundi 30 novembre", "Hier", "Aujourd'hui"]),
        ("en", ["Monday 30 November", "Yesterday", "Today"]),
    ],
)
def test_day_separators_across_a_fake_clock(app, lang, days):
    c = app()  # reads the (default) settings, which set the language: ours comes after
    i18n.set_language(lang)
    try:
        chat = chat_view(c)
        chat.history.now = lambda: _local(2026, 12, 3, 15, 0)  # Thursday 3 December 2026
        stamps = [
            _local(2025, 12, 24, 9),  # last year: the year is said
            _local(2026, 11, 30, 9, 5),
            _local(2026, 11, 30, 17),
            _local(2026, 12, 2, 8),
            _local(2026, 12, 3, 14, 30),
        ]
        events = [message(i, ts=ts, text=f"n{i}", history=True) for i, ts in enumerate(stamps)]
        feed(c, chat, [connected(), *events])
        lines = chat.history.content().splitlines()
        last_year = "mercredi 24 décembre 2025" if lang == "fr" else "Wednesday 24 December 2025"
        separators = [line for line in lines if line in (last_year, *days)]
        assert separators == [last_year, *days]  # one per day, in order
        # Messages show the time only: the day is said by the separator above them.
        assert any(line.startswith(f"{format_time(stamps[-1])} Bob") for line in lines)
        assert all(not line.startswith("2026") for line in lines)
    finally:
        i18n.set_language("fr")


def test_a_live_chat_of_today_has_no_separator(app):
    c = app()
    chat = chat_view(c)
    now = _local(2026, 12, 3, 15, 0)
    chat.history.now = lambda: now
    feed(c, chat, [connected(), message(1, ts=now - 60), message(2, ts=now)])
    assert "Aujourd'hui" not in chat.history.content()


def test_our_message_shows_the_room_time_once_echoed(app):
    c = app()
    chat = chat_view(c)
    local, room = _local(2026, 12, 3, 10, 0), _local(2026, 12, 3, 10, 7)
    feed(c, chat, [connected()])
    feed(c, chat, [ev.Pending(id="p1", text="à l'heure de l'hôte", ts=local)])
    assert f"{format_time(local)} Ana : à l'heure de l'hôte" in chat.history.content()
    feed(c, chat, [ev.Acked(id="p1", seq=7)])
    echo = ev.MessageReceived(
        id="p1", seq=7, sender="Ana", text="à l'heure de l'hôte", ts=room, own=True
    )
    feed(c, chat, [echo])
    content = chat.history.content()
    assert f"{format_time(room)} Ana : à l'heure de l'hôte" in content
    assert content.count("à l'heure de l'hôte") == 1
