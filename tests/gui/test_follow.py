"""Issue 14, item 1: the view follows the newest message while the reader is at the bottom;
scrolled up, it stays put with a "nouveaux messages ↓" marker; an unread line after a
reconnect. Real window under Xvfb."""

from __future__ import annotations

from tests.gui.chat_helpers import (
    chat_view,
    connected,
    feed,
    last_line_visible,
    message,
    scroll_up,
)
from tests.gui.conftest import pump_for, pump_until, screenshot


def test_the_view_follows_500_history_lines_and_a_resize(app):
    c = app()
    chat = chat_view(c)
    feed(c, chat, [connected()])
    feed(c, chat, [message(i, history=True) for i in range(500)])
    pump_until(c.root, lambda: last_line_visible(chat), timeout=5, what="the newest line")
    assert "message numéro 499" in chat.history.content()

    # A smaller window: Tk keeps the top line still, the view must keep the bottom instead.
    c.root.geometry("520x470")
    pump_until(c.root, lambda: chat.winfo_width() < 600, what="resized")
    pump_until(c.root, lambda: last_line_visible(chat), timeout=5, what="bottom after resize")
    c.root.geometry("980x700")
    pump_until(c.root, lambda: chat.winfo_width() > 900, what="resized back")

    # Live messages after that still come into view.
    feed(c, chat, [message(500 + i) for i in range(30)])
    pump_until(c.root, lambda: last_line_visible(chat), timeout=5, what="live messages")
    assert not chat.history.new_below.winfo_ismapped()


def test_scrolled_up_the_view_stays_and_a_marker_jumps_down(app):
    c = app()
    chat = chat_view(c)
    feed(c, chat, [connected(), *[message(i, history=True) for i in range(200)]])
    pump_until(c.root, lambda: last_line_visible(chat), what="bottom")
    scroll_up(c, chat)
    top = chat.history.text.index("@0,0")

    feed(c, chat, [message(1000 + i) for i in range(500)])
    c.root.update()
    assert chat.history.text.index("@0,0") == top  # the reader's place is kept
    assert not last_line_visible(chat)
    marker = chat.history.new_below
    assert marker.winfo_ismapped()
    assert marker.cget("text") == "Nouveaux messages (500) ↓"
    screenshot(c.root, "issue14_new_messages_marker_fr")

    marker.invoke()
    pump_until(c.root, lambda: last_line_visible(chat), what="jumped down")
    assert not marker.winfo_ismapped()
    # Following again: the next message is in view without anything to click.
    feed(c, chat, [message(2000)])
    pump_until(c.root, lambda: last_line_visible(chat), what="follows again")

    # Scrolling back down by hand also hides the marker.
    scroll_up(c, chat)
    feed(c, chat, [message(2001)])
    assert marker.winfo_ismapped()
    for _ in range(200):
        chat.history.text.event_generate("<Button-5>", x=20, y=20)
    pump_until(c.root, lambda: not marker.winfo_ismapped(), what="marker gone at the bottom")


def test_a_line_marks_where_unread_messages_begin_after_a_reconnect(app):
    c = app()
    chat = chat_view(c)
    feed(c, chat, [connected(), message(1, text="lu avant la coupure")])
    feed(c, chat, [connected(reconnect=True)])
    feed(c, chat, [message(2, text="manqué pendant la coupure", history=True), message(3)])
    lines = chat.history.content().splitlines()
    marker = lines.index("── Non lus depuis la reconnexion ──")
    assert next(i for i, line in enumerate(lines) if "lu avant la coupure" in line) < marker
    assert "manqué pendant la coupure" in lines[marker + 1]
    # A second reconnect moves the line: there is only ever one.
    feed(c, chat, [connected(reconnect=True), message(4, text="après la deuxième")])
    lines = chat.history.content().splitlines()
    assert lines.count("── Non lus depuis la reconnexion ──") == 1
    assert "après la deuxième" in lines[lines.index("── Non lus depuis la reconnexion ──") + 1]


def test_no_unread_line_before_a_live_message_long_after_the_reconnect(app, monkeypatch):
    from messagerie.ui import chat_view as chat_view_module

    monkeypatch.setattr(chat_view_module, "CATCH_UP_MS", 50)
    c = app()
    chat = chat_view(c)
    feed(c, chat, [connected(), message(1), connected(reconnect=True)])  # nothing was missed
    pump_for(c.root, 0.2)
    feed(c, chat, [message(2, text="bien plus tard")])
    assert "── Non lus depuis la reconnexion ──" not in chat.history.content()
