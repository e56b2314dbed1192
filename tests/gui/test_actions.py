"""Issue 14's measure: the actions from double-click to first message, host and joiner, in the
real window on a fresh data folder. An action is a click (on a button, or on a field that does
not have the keyboard yet), typing a value into a field, or a key that does something (Enter).
The first measure gave host 3 and joiner 5; a test fails if either grows."""

from __future__ import annotations

from tests.gui.conftest import free_port, pump_until, type_keys

HOST_ACTIONS = 3  # "Lancer le serveur", type, Enter
JOIN_ACTIONS = 5  # click the address, type it, "Se connecter", type, Enter


class Person:
    """Drives the window as a person would and counts what it takes."""

    def __init__(self, c) -> None:
        self.c = c
        self.actions: list[str] = []

    def _focus(self, widget) -> None:
        if self.c.root.focus_get() is not widget:
            self.actions.append(f"click {widget.winfo_class()}")
            widget.focus_force()
            pump_until(self.c.root, lambda: self.c.root.focus_get() is widget, what="focus")

    def fill(self, entry, text: str) -> None:
        self._focus(entry)
        entry.delete(0, "end")
        entry.insert(0, text)
        self.actions.append("type")

    def click(self, button) -> None:
        self.actions.append(f"click {button.cget('text')}")
        button.invoke()

    def write(self, box, text: str) -> None:
        """Type a message in the message box (needs the focus there, or a click)."""
        self._focus(box)
        type_keys(box, text)
        self.actions.append("type")
        box.event_generate("<KeyPress>", keysym="Return")
        box.update()
        self.actions.append("Enter")


def test_actions_from_double_click_to_first_message(app, procs, tmp_path):
    # The host: the window opens on the start view (this is the double-click).
    port = free_port()
    c = app(tmp_path / "host")
    host = Person(c)
    panel = c.window.view.panels["host"]
    # A test must not listen on every interface: the address is set by the test, not counted.
    panel.ip.delete(0, "end")
    panel.ip.insert(0, "127.0.0.1")
    panel.port.delete(0, "end")
    panel.port.insert(0, str(port))
    host.click(panel.button)
    pump_until(c.root, lambda: c.chat is not None, what="hosting")
    joiner_peer = procs(
        "join", f"127.0.0.1:{port}", "--headless", "--no-tls", data_dir=tmp_path / "p"
    )
    joiner_peer.event("connected")
    host.write(c.chat.entry, "Bonjour")
    assert joiner_peer.event("message", text="Bonjour")["from"] == "Serveur"
    print(f"host: {len(host.actions)} actions: {host.actions}")
    assert len(host.actions) <= HOST_ACTIONS
    c.close()  # one Tk root per process (ttkbootstrap)

    # The joiner, against a headless host.
    server = procs(
        "serve", "--host", "127.0.0.1", "--port", "0", "--headless", "--no-tls",
        data_dir=tmp_path / "server",
    )  # fmt: skip
    server_port = server.event("listening")["port"]
    j = app(tmp_path / "join")
    joiner = Person(j)
    join = j.window.view.panels["join"]
    joiner.fill(join.ip, f"127.0.0.1:{server_port}")
    joiner.click(join.button)
    pump_until(j.root, lambda: j.chat is not None, what="joined")
    joiner.write(j.chat.entry, "Salut")
    assert server.event("message", text="Salut")["from"] == "Client"
    print(f"joiner: {len(joiner.actions)} actions: {joiner.actions}")
    assert len(joiner.actions) <= JOIN_ACTIONS
