"""The chat view against real headless peers (subprocesses): host and join."""

from __future__ import annotations

import pytest

from messagerie import protocol
from messagerie.net import events as ev
from tests.gui.conftest import (
    free_port,
    press_return,
    pump_for,
    pump_until,
    screenshot,
    type_keys,
)
from tests.gui.conftest import (
    host_from_start_view as _host,
)


def _history(c) -> str:
    return c.chat.history.content() if c.chat is not None else ""


TLS = pytest.mark.parametrize("tls", [False, True], ids=["no-tls", "tls"])


def _flags(tls: bool) -> list[str]:
    return [] if tls else ["--no-tls"]


@TLS
def test_host_chat_with_a_headless_client(app, procs, tmp_path, tls):
    c, port = _host(app, tls)
    chat = c.chat
    assert "En attente" in chat.status.cget("text")
    if tls:
        assert chat.security.cget("text") == "chiffré"
        assert "Code de sécurité" in chat.safety.cget("text")
    else:
        assert "non chiffré" in chat.security.cget("text")
    assert chat.address.get() == f"127.0.0.1:{port}"
    # The message field has the keyboard focus when the view opens.
    chat.entry.focus_force()
    pump_until(c.root, lambda: c.root.focus_get() is chat.entry, what="focus")

    client = procs(
        "join", f"127.0.0.1:{port}", "--headless", *_flags(tls), data_dir=tmp_path / "client"
    )
    connected = client.event("connected")
    if tls:  # both sides show the same safety code
        assert connected["safety_code"] in chat.safety.cget("text")
    pump_until(c.root, lambda: "Connexion établie avec 127.0.0.1" in _history(c), what="join")
    assert "Client a rejoint la discussion" in _history(c)
    pump_until(c.root, lambda: "Client" in chat.participants, what="participants")

    client.send("Bonjour le serveur 😀")
    pump_until(c.root, lambda: "Client : Bonjour le serveur 😀" in _history(c), what="message")

    # Typed into the focused field, then Return: it reaches the headless client.
    chat.entry.focus_force()
    c.root.update()
    type_keys(chat.entry, "Salut client, ca marche!")
    press_return(chat.entry)
    got = client.event("message", text="Salut client, ca marche!")
    assert got["from"] == "Serveur"
    assert chat.entry.get() == ""
    pump_until(c.root, lambda: "Serveur : Salut client, ca marche!" in _history(c), what="own")
    pump_until(c.root, lambda: "envoi…" not in _history(c), what="acked")

    # Empty input is ignored.
    press_return(chat.entry)
    pump_for(c.root, 0.2)
    assert _history(c).count("Serveur :") == 1

    # Emoji, right-to-left text and a maximal message display without error.
    long_text = ("Un très long message. " * 800)[: protocol.MAX_TEXT - 1] + "!"
    for text in ("👩‍👩‍👧 🇫🇷 😀😀 é", "שלום עולם — مرحبا بالعالم", long_text):
        client.send(text)
    pump_until(c.root, lambda: long_text in _history(c), what="long message")
    assert "Client : שלום עולם — مرحبا بالعالم" in _history(c)
    assert "Client : 👩‍👩‍👧 🇫🇷 😀😀 é" in _history(c)
    # Our own emoji message goes through the pending mark and the ack intact.
    chat.entry.insert(0, "Réponse 🎉🎉 fin")
    chat.submit()
    client.event("message", text="Réponse 🎉🎉 fin")
    pump_until(c.root, lambda: "Serveur : Réponse 🎉🎉 fin\n" in _history(c), what="ack")
    chat.history.text.see("1.0")
    screenshot(c.root, f"chat_host_{'tls' if tls else 'no_tls'}")
    c.window.set_theme("dark")
    screenshot(c.root, f"chat_host_dark_{'tls' if tls else 'no_tls'}")
    c.window.set_theme("light")

    # Unread count in the title while the window is not focused; reset on focus.
    c.window.unread.focus_out()
    client.send("un")
    client.send("deux")
    pump_until(c.root, lambda: c.root.title() == "(2) Messagerie", what="unread title")
    c.window._focus_in(None)
    assert c.root.title() == "Messagerie"

    # Closing the window tells the client the room is closing.
    c.close()
    assert c.session is None
    client.event("disconnected", reason="room_closed")


def test_over_long_input_is_refused_with_a_hint(app):
    c, _port = _host(app)
    chat = c.chat
    chat.entry.insert(0, "x" * (protocol.MAX_TEXT + 1))
    chat.submit()
    assert "Message trop long" in chat.hint.cget("text")
    assert len(chat.entry.get()) == protocol.MAX_TEXT + 1  # kept, so it can be shortened
    pump_for(c.root, 0.2)
    assert "xxxx" not in _history(c)


@TLS
def test_join_view_against_a_headless_server(app, procs, tmp_path, tls):
    args = ("serve", "--host", "127.0.0.1", "--port", "0", "--headless", *_flags(tls))
    server = procs(*args, data_dir=tmp_path / "server")
    listening = server.event("listening")
    port = listening["port"]
    c = app(tls=tls)
    view = c.window.view
    join = view.panels["join"]
    join.ip.delete(0, "end")
    join.ip.insert(0, f"127.0.0.1:{port}")  # pasted with its port, as the host shows it
    join.button.invoke()
    pump_until(c.root, lambda: "Connecté au serveur" in _history(c), what="connected line")
    chat = c.chat
    assert "Connecté" in chat.status.cget("text")
    if tls:
        assert listening["safety_code"] in chat.safety.cget("text")
    assert chat.participants == ["Client", "Serveur"]
    assert not chat.address_bar.winfo_ismapped()  # only a host has an address to give

    server.send("Bienvenue 👋")
    pump_until(c.root, lambda: "Serveur : Bienvenue 👋" in _history(c), what="server message")
    chat.entry.focus_force()
    c.root.update()
    type_keys(chat.entry, "Merci")
    press_return(chat.entry)
    assert server.event("message", text="Merci")["from"] == "Client"
    pump_until(c.root, lambda: "Client : Merci\n" in _history(c), what="own echo")
    screenshot(c.root, f"chat_join_{'tls' if tls else 'no_tls'}")

    # "Quitter la discussion" goes back to the start view and the server sees us leave.
    chat.leave_button.invoke()
    assert c.session is None
    server.event("left", name="Client")
    pump_until(c.root, lambda: c.window.view.panels["join"].ip.get(), what="start view")
    if tls:  # a host joined over TLS is offered again in the join form
        assert f"127.0.0.1:{port}" in c.window.view.panels["join"].ip.cget("values")


def test_events_of_a_left_session_are_ignored(app):
    c, _port = _host(app)
    token = object()  # not the current session's token
    c.bridge.sink(token)(ev.MessageReceived(id="x1", seq=1, sender="Ghost", text="boo", ts=0))
    pump_for(c.root, 0.2)
    assert "Ghost" not in _history(c)


def test_wrong_password_is_shown_next_to_the_password_field(app, procs, tmp_path):
    server = procs(
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--headless",
        "--password",
        "sésame",
        data_dir=tmp_path / "server",
    )
    port = server.event("listening")["port"]
    c = app(tls=True)
    join = c.window.view.panels["join"]
    join.ip.delete(0, "end")
    join.ip.insert(0, f"127.0.0.1:{port}")
    join.password.insert(0, "mauvais")
    join.button.invoke()
    label = join.errors["password"]
    pump_until(c.root, lambda: label.winfo_ismapped(), what="password error")
    # A first contact: the refusal may also be an impostor, and the window says both.
    assert "Mot de passe refusé" in label.cget("text")
    pump_until(c.root, lambda: c.session is None, what="session ended")
    join.password.delete(0, "end")
    join.password.insert(0, "sésame")
    join.button.invoke()
    pump_until(c.root, lambda: "Connecté au serveur" in _history(c), what="connected")


def test_direct_launch_opens_the_chat_and_is_remembered(app, tmp_path):
    from messagerie.store import settings

    data = tmp_path / "data"
    port = free_port()
    c = app(data, mode="serve", host="127.0.0.1", port=port, name="Hôte")
    pump_until(c.root, lambda: "En attente de connexion..." in _history(c), what="chat")
    assert c.chat.participants == ["Hôte"]
    stored = settings.load(data).settings
    assert (stored.last_mode, stored.name, stored.host_ip, stored.host_port) == (
        "host",
        "Hôte",
        "127.0.0.1",
        port,
    )


def test_join_view_survives_a_host_restart_and_delivers_what_was_typed_meanwhile(
    app, procs, tmp_path
):
    import dataclasses

    from messagerie.limits import DEFAULT_LIMITS

    server_dir = tmp_path / "server"
    args = ("serve", "--host", "127.0.0.1", "--headless")
    server = procs(*args, "--port", "0", data_dir=server_dir)
    port = server.event("listening")["port"]
    fast = dataclasses.replace(DEFAULT_LIMITS, reconnect_min_s=0.1, reconnect_max_s=0.5)
    c = app(tls=True, limits=fast, mode="join", host="127.0.0.1", port=port, name="Zoé")
    pump_until(c.root, lambda: "Connecté au serveur" in _history(c), what="connected")
    chat = c.chat

    server.proc.kill()  # the host's machine crashes
    pump_until(c.root, lambda: "Reconnexion" in chat.status.cget("text"), what="reconnecting")
    # The user keeps typing: the message waits, visibly, in the outbox.
    chat.entry.insert(0, "écrit pendant la coupure")
    chat.submit()
    pump_until(c.root, lambda: "envoi…" in _history(c), what="pending mark")

    server = procs(*args, "--port", str(port), data_dir=server_dir)
    got = server.event("message", text="écrit pendant la coupure")
    assert got["from"] == "Zoé"
    pump_until(c.root, lambda: "envoi…" not in _history(c), what="acknowledged")
    pump_until(c.root, lambda: "Connecté" in chat.status.cget("text"), what="connected again")
    assert _history(c).count("écrit pendant la coupure") == 1
    screenshot(c.root, "chat_after_reconnect")


def test_a_private_message_opens_its_own_conversation_and_a_refused_one_says_why(app):
    c, _port = _host(app)
    sink = c.bridge.sink(c.token)
    sink(
        ev.MessageReceived(
            id="p1",
            seq=1,
            sender="Bob",
            text="tu as deux minutes ?",
            ts=0,
            to="host",
            to_name="Serveur",
            from_id="b" * 20,
        )
    )
    sink(ev.SendRefused(id="p2", code="unknown_recipient"))
    pump_until(c.root, lambda: "Message non envoyé" in _history(c), what="refusal")
    assert "Destinataire inconnu" in _history(c)
    conversations = c.chat.conversations
    # Not in the room's history: in Bob's conversation, counted as unread.
    assert "tu as deux minutes ?" not in _history(c)
    assert "Bob : tu as deux minutes ?" in conversations.histories["b" * 20].content()
    assert conversations.list.get(0, "end") == ("Discussion", "Bob (1)")
    assert conversations.box.winfo_ismapped()
