"""Issue 14's screenshots for a reviewer, in French and English, written to tests/screenshots/:
the start view, a busy chat with a day separator, reconnecting, the close confirmation and the
safety-code explanation. Each state is checked before it is photographed."""

from __future__ import annotations

import datetime as dt

import pytest

from messagerie import i18n
from messagerie.net import events as ev
from tests.gui.chat_helpers import chat_view, connected, feed, message
from tests.gui.conftest import free_port, pump_until, screenshot

LANGS = pytest.mark.parametrize("lang", ["fr", "en"])


def _busy_chat(now: float) -> list:
    yesterday = now - 86_400
    lines = [
        (yesterday - 3600, "Bob", "On se voit demain pour le devis ?", False),
        (yesterday - 3000, "Ana", "Oui, 10 h dans la petite salle.", True),
        (now - 1800, "Cléo", "Bonjour à tous 👋", False),
        (now - 1700, "Bob", "Le devis est ici : https://intranet.exemple.fr/devis/42", False),
        (now - 1600, "Ana", "Merci !\nJe le relis et je reviens vers toi\navant midi.", True),
        (now - 600, "Cléo", "Quelqu'un a la clé de la salle ?", False),
    ]
    events = [
        message(i, sender=who, ts=ts, text=text, own=own, history=True)
        for i, (ts, who, text, own) in enumerate(lines)
    ]
    return [*events, ev.Typing(name="Bob")]


def _language(c, lang: str) -> None:
    c.set_language(lang)
    assert i18n.current_language() == lang


@LANGS
def test_screenshots_of_the_chat_states(app, lang):
    try:
        c = app()
        _language(c, lang)
        screenshot(c.root, f"issue14_start_{lang}")

        now = dt.datetime.now().replace(hour=15, minute=0).timestamp()
        chat = chat_view(c)
        chat.history.now = lambda: now
        feed(c, chat, [connected(first_contact=True), *_busy_chat(now)])
        content = chat.history.content()
        assert ("Hier" if lang == "fr" else "Yesterday") in content
        assert ("Aujourd'hui" if lang == "fr" else "Today") in content
        assert chat.safety_panel.winfo_ismapped()
        screenshot(c.root, f"issue14_safety_code_{lang}")
        chat.safety_panel.compare_button.invoke()
        screenshot(c.root, f"issue14_safety_compare_{lang}")
        chat.safety_panel.close_button.invoke()
        screenshot(c.root, f"issue14_chat_busy_{lang}")
        c.window.set_theme("dark")
        screenshot(c.root, f"issue14_chat_busy_dark_{lang}")
        c.window.set_theme("light")

        feed(c, chat, [ev.Disconnected(reason="connection_lost"), ev.Reconnecting(delay_s=12)])
        assert chat.retry_button.winfo_ismapped()
        screenshot(c.root, f"issue14_reconnecting_{lang}")
    finally:
        i18n.set_language("fr")


@LANGS
def test_screenshot_of_the_close_confirmation(app, lang):
    try:
        c = app(mode="serve", host="127.0.0.1", port=free_port(), tls=True)
        _language(c, lang)
        pump_until(c.root, lambda: c.chat is not None and c.chat.state == "hosting", what="host")
        sink = c.bridge.sink(c.token)
        for i, name in enumerate(("Bob", "Cléo", "Dani")):
            sink(ev.Joined(name=name, address=f"192.168.1.{40 + i}:50000"))
        pump_until(c.root, lambda: c.chat.others_count() == 3, what="three people")
        c.window.close_request()
        pump_until(c.root, lambda: c.confirm is not None and c.confirm.winfo_ismapped(), what="ask")
        assert "3" in c.confirm.message.cget("text")
        screenshot(c.root, f"issue14_close_confirmation_{lang}")
        c.confirm.no_button.invoke()
    finally:
        i18n.set_language("fr")
