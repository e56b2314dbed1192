"""Issue 14, item 3 (the window's part) and 11 with real peers: the host is asked before
closing a room people are in; a joiner whose host closed the room is told so and can join
again; typing in the window reaches the others."""

from __future__ import annotations

from messagerie.net import events as ev
from tests.gui.conftest import free_port, pump_until, type_keys
from tests.gui.conftest import host_from_start_view as _host


def _history(c) -> str:
    return c.chat.history.content() if c.chat is not None else ""


def test_quitting_asks_first_when_people_are_connected(app, procs, tmp_path):
    c, port = _host(app)
    client = procs("join", f"127.0.0.1:{port}", "--headless", "--no-tls", data_dir=tmp_path / "j")
    client.event("connected")
    pump_until(c.root, lambda: "Client" in c.chat.participants, what="joined")
    # Two more people, told by the room's events.
    sink = c.bridge.sink(c.token)
    sink(ev.Joined(name="Bob", address="127.0.0.1:1"))
    sink(ev.Joined(name="Cléo", address="127.0.0.1:2"))
    pump_until(c.root, lambda: len(c.chat.participants) == 4, what="three others")

    c.window.close_request()  # the window's close button and the "Quitter" menu item
    dialog = c.confirm
    assert dialog is not None and dialog.winfo_exists()
    assert dialog.message.cget("text") == (
        "3 personnes sont connectées. Fermer la discussion pour tout le monde ?"
    )
    dialog.no_button.invoke()
    c.root.update()
    assert not c.closed and c.session is not None
    # "Quitter la discussion" asks too; "no" keeps the room open.
    c.chat.leave_button.invoke()
    c.confirm.no_button.invoke()
    assert c.session is not None

    sink(ev.Left(name="Bob"))
    sink(ev.Left(name="Cléo"))
    pump_until(c.root, lambda: len(c.chat.participants) == 2, what="two left")
    c.window.close_request()
    assert c.confirm.message.cget("text") == (
        "1 personne est connectée. Fermer la discussion pour tout le monde ?"
    )
    c.confirm.yes_button.invoke()
    assert c.closed
    client.event("disconnected", reason="room_closed")
    assert client.proc.wait(20) == 0


def test_alone_in_the_room_the_host_quits_without_a_question(app):
    c, _port = _host(app)
    c.window.close_request()
    assert c.closed and c.confirm is None


def test_a_joiner_is_told_the_host_closed_the_room_and_can_join_again(app, procs, tmp_path):
    server_dir = tmp_path / "server"
    args = ("serve", "--host", "127.0.0.1", "--headless", "--no-tls")
    server = procs(*args, "--port", "0", data_dir=server_dir)
    port = server.event("listening")["port"]
    c = app(mode="join", host="127.0.0.1", port=port, name="Zoé")
    pump_until(c.root, lambda: "Connecté au serveur" in _history(c), what="connected")
    chat = c.chat

    assert server.finish() == 0  # the host quits: end of its input closes the room
    pump_until(c.root, lambda: chat.rejoin_button.winfo_ismapped(), what="rejoin offered")
    assert "L'hôte a fermé la discussion" in chat.status.cget("text")
    assert "Déconnecté : L'hôte a fermé la discussion." in _history(c)
    pump_until(c.root, lambda: c.session is None, what="session over")
    assert "Reconnexion" not in chat.status.cget("text") + _history(c)

    server = procs(*args, "--port", str(port), data_dir=server_dir)
    server.event("listening")
    chat.rejoin_button.invoke()
    pump_until(
        c.root,
        lambda: c.chat is not chat and c.chat is not None and "Connecté" in _history(c),
        what="joined again",
    )
    server.event("joined", name="Zoé")


def test_typing_in_the_window_reaches_a_headless_joiner(app, procs, tmp_path):
    c, port = _host(app)
    client = procs("join", f"127.0.0.1:{port}", "--headless", "--no-tls", data_dir=tmp_path / "j")
    client.event("connected")
    chat = c.chat
    chat.entry.focus_force()
    pump_until(c.root, lambda: c.root.focus_get() is chat.entry, what="focus")
    type_keys(chat.entry, "Bonjour")
    assert client.event("typing")["name"] == "Serveur"


def test_a_restarted_host_sees_its_earlier_messages_in_its_own_colour(app, procs, tmp_path):
    data, port = tmp_path / "host", free_port()
    c = app(data, mode="serve", host="127.0.0.1", port=port)
    pump_until(c.root, lambda: c.chat is not None, what="hosting")
    client = procs("join", f"127.0.0.1:{port}", "--headless", "--no-tls", data_dir=tmp_path / "j")
    client.event("connected")
    c.chat.entry.insert(0, "avant le redémarrage")
    c.chat.submit()
    client.event("message", text="avant le redémarrage")
    client.send("réponse du client")
    pump_until(c.root, lambda: "réponse du client" in _history(c), what="the reply")
    c.close()

    c = app(data, mode="serve", host="127.0.0.1", port=port)
    pump_until(c.root, lambda: "réponse du client" in _history(c), what="history after restart")
    text = c.chat.history.text
    assert "name_own" in text.tag_names(text.search("Serveur : avant", "1.0"))
    assert "name_other" in text.tag_names(text.search("Client : réponse", "1.0"))


def test_retry_now_reconnects_without_waiting_for_the_countdown(app, procs, tmp_path):
    import dataclasses

    from messagerie.limits import DEFAULT_LIMITS

    server_dir = tmp_path / "server"
    args = ("serve", "--host", "127.0.0.1", "--headless", "--no-tls")
    server = procs(*args, "--port", "0", data_dir=server_dir)
    port = server.event("listening")["port"]
    slow = dataclasses.replace(DEFAULT_LIMITS, reconnect_min_s=60.0, reconnect_max_s=60.0)
    c = app(limits=slow, mode="join", host="127.0.0.1", port=port, name="Zoé")
    pump_until(c.root, lambda: "Connecté au serveur" in _history(c), what="connected")
    chat = c.chat

    server.proc.kill()  # the host's machine crashes: a minute until the next attempt
    pump_until(c.root, lambda: chat.retry_button.winfo_ismapped(), what="retry offered")
    assert chat.seconds_to_retry() > 30
    server = procs(*args, "--port", str(port), data_dir=server_dir)
    server.event("listening")
    chat.retry_button.invoke()
    pump_until(c.root, lambda: chat.state == "connected", timeout=10, what="connected again")
    assert not chat.retry_button.winfo_ismapped()
    server.event("joined", name="Zoé")
