"""Issue 16, item 3: the window marks the host in the roster and before its messages, with a
mark no participant's name may hold, so that nobody can pass for the host."""

from __future__ import annotations

from messagerie import protocol
from messagerie.net import events as ev
from tests.gui.chat_helpers import chat_view


def test_the_host_is_marked_in_the_roster_and_before_its_messages(app):
    c = app()
    chat = chat_view(c)
    connected = ev.Connected(
        host="10.0.0.1",
        port=5566,
        name="Ana",
        room="Salle",
        participants=("Serveur", "Ana", "Serveur (2)"),
        tls=False,
        host_name="Serveur",
    )
    chat.apply(
        [
            connected,
            ev.MessageReceived(id="m1", seq=1, sender="Serveur", text="du vrai hôte", ts=1.0),
            ev.MessageReceived(id="m2", seq=2, sender="Serveur (2)", text="d'un autre", ts=2.0),
        ]
    )
    c.root.update()
    roster = list(chat.people.get(0, "end"))
    assert f"{protocol.HOST_MARK} Serveur" in roster
    assert "Serveur (2)" in roster and f"{protocol.HOST_MARK} Serveur (2)" not in roster
    shown = chat.history.text.get("1.0", "end")
    assert f"{protocol.HOST_MARK} Serveur : du vrai hôte" in shown
    assert f"{protocol.HOST_MARK} Serveur (2)" not in shown


def test_no_name_may_hold_the_host_mark():
    assert protocol.name_problem(f"{protocol.HOST_MARK} Serveur") == "forbidden_character"
    assert protocol.name_problem(f"Serveur {protocol.HOST_MARK}") == "forbidden_character"
