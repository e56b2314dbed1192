"""The window draws the renderer's words, the same as headless text mode, and one event that
fails does not lose the rest of its batch (real Tk under Xvfb)."""

from __future__ import annotations

import logging

from messagerie.headless import human_lines
from messagerie.net import events as ev
from messagerie.ui.chat_view import ChatView
from messagerie.ui.forms import format_time
from messagerie.wording import Viewpoint
from tests.gui.conftest import free_port, pump_until

FP = "cd" * 32
# A joiner's whole session, with a case of each rule the two faces used to disagree on:
# our own join, a failed reconnect attempt, an error with a server's sentence.
SESSION = [
    ev.Connected(
        host="10.0.0.1",
        port=5566,
        name="Ana",
        room="Bob",
        participants=("Ana", "Bob"),
        tls=True,
        fingerprint=FP,
        safety_code="4321 8765",
    ),
    ev.Joined(name="Ana"),
    ev.Joined(name="Cléo"),
    ev.MessageReceived(id="m1", seq=1, sender="Bob", text="salut \x9b2J\u202e", ts=1e9),
    ev.Pending(id="m2", text="coucou", ts=1e9 + 60),
    ev.Acked(id="m2", seq=2),
    ev.MessageReceived(id="m2", seq=2, sender="Ana", text="coucou", ts=1e9 + 60, own=True),
    ev.Left(name="Cléo"),
    ev.Notice(code="storage", reason="database_memory", details={"path": "/h", "detail": "plein"}),
    ev.Failed(code="later_code", fatal=False, details={"server_text": "\x1b[2Jplus tard"}),
    ev.Disconnected(reason="connection_lost"),
    ev.Reconnecting(delay_s=0.5),
    ev.Disconnected(reason="connection_refused", details={"host": "10.0.0.1", "port": 5566}),
    ev.Reconnecting(delay_s=1.0),
]


def _chat(c, errors: list) -> ChatView:
    chat = ChatView(
        c.root,
        mode="join",
        name="Ana",
        send=lambda text: None,
        leave=lambda: None,
        on_error=errors.append,
    )
    c.window.show(chat)
    c.chat = chat
    return chat


def _without_times(content: str) -> list[str]:
    """The history's lines, without the "HH:MM " the window puts before each message."""
    stamps = {format_time(e.ts) + " " for e in SESSION if isinstance(e, ev.MessageReceived)}
    lines = []
    for line in content.rstrip("\n").split("\n"):
        for stamp in stamps:
            line = line.removeprefix(stamp)
        lines.append(line)
    return lines


def test_the_window_and_headless_text_mode_draw_the_same_words(app):
    c = app()
    errors: list = []
    chat = _chat(c, errors)
    chat.apply(SESSION)
    assert not errors
    printed, viewpoint = [], Viewpoint(own_name="Ana")
    for event in SESSION:
        printed += human_lines(event, viewpoint)
        viewpoint = viewpoint.after(event)
    assert _without_times(chat.history.content()) == printed
    # And the rules both now follow:
    assert "Ana a rejoint la discussion" not in printed
    assert [line for line in printed if line.startswith("Déconnecté")] == [
        "Déconnecté : La connexion avec le serveur a été perdue."
    ]
    assert "Le serveur signale : « \\x1b[2Jplus tard »" in printed
    assert "Bob : salut \\x9b2J\\u202e" in printed


def test_one_failing_event_is_reported_and_the_rest_of_its_batch_is_shown(app, caplog):
    c = app()
    host = c.window.view.panels["host"]
    host.ip.delete(0, "end")
    host.ip.insert(0, "127.0.0.1")
    host.port.delete(0, "end")
    host.port.insert(0, str(free_port()))
    host.button.invoke()
    pump_until(
        c.root, lambda: c.chat is not None and "En attente" in c.chat.history.content(), what="chat"
    )
    sink = c.bridge.sink(c.token)
    # The middle event is broken (text None, a bug of ours): the bridge hands all three to
    # the controller in one batch.
    sink(ev.MessageReceived(id="b1", seq=1, sender="Bob", text="avant", ts=0))
    sink(ev.MessageReceived(id="b2", seq=2, sender="Bob", text=None, ts=0))  # type: ignore[arg-type]
    sink(ev.MessageReceived(id="b3", seq=3, sender="Bob", text="après", ts=0))
    with caplog.at_level(logging.ERROR):
        pump_until(c.root, lambda: "après" in c.chat.history.content(), what="the whole batch")
    content = c.chat.history.content()
    assert "Bob : avant" in content and "Bob : après" in content
    assert c.window.notice_text() == "Erreur interne — voir le journal."
    assert "Traceback" in caplog.text and "TypeError" in caplog.text
    # The chat goes on after it.
    sink(ev.MessageReceived(id="b4", seq=4, sender="Bob", text="encore", ts=0))
    pump_until(c.root, lambda: "Bob : encore" in c.chat.history.content(), what="next batch")
