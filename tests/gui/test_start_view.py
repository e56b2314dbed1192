"""The start view in a real Tk window: field checks, core failures, remembered values."""

from __future__ import annotations

import ttkbootstrap as ttk

from messagerie.i18n import tr
from messagerie.store import settings
from messagerie.ui.identity_view import IdentityView
from messagerie.ui.start_view import StartView
from tests.gui.conftest import free_port, pump_until, screenshot


def _set(entry, text: str) -> None:
    entry.delete(0, "end")
    entry.insert(0, text)


def _error(label) -> str:
    return str(label.cget("text")) if label.winfo_ismapped() else ""


def test_start_view_rejects_bad_port_and_ip_next_to_the_field(app):
    c = app()
    view = c.window.view
    assert isinstance(view, StartView)
    assert c.root.title() == "Messagerie"
    screenshot(c.root, "start_view")
    host = view.panels["host"]
    _set(host.port, "99999")
    host.button.invoke()
    pump_until(c.root, lambda: _error(host.errors["port"]), what="port error")
    assert _error(host.errors["port"]) == "Port invalide : un nombre entre 1 et 65535 est attendu."
    assert c.session is None

    join = view.panels["join"]
    _set(join.ip, "300.1.1.1")
    join.button.invoke()
    pump_until(c.root, lambda: _error(join.errors["ip"]), what="ip error")
    assert _error(join.errors["ip"]) == tr("error.bad_host")
    assert "adresse IP" in _error(join.errors["ip"])
    # The earlier port error was cleared by the new attempt.
    assert _error(host.errors["port"]) == ""

    _set(view.name, "x" * 41)
    _set(join.ip, "127.0.0.1")
    join.button.invoke()
    pump_until(c.root, lambda: _error(view.name_error), what="name error")
    assert c.session is None
    screenshot(c.root, "start_view_errors")


def test_connection_refused_is_explained_and_values_are_remembered(app, tmp_path):
    data = tmp_path / "data"
    c = app(data)
    view = c.window.view
    port = free_port()  # nobody listens there
    _set(view.name, "Zoé")
    join = view.panels["join"]
    _set(join.ip, "127.0.0.1")
    _set(join.port, str(port))
    join.button.invoke()
    pump_until(c.root, lambda: _error(join.errors["ip"]), what="connection refused")
    message = _error(join.errors["ip"])
    assert "Personne n'écoute" in message and "pare-feu" in message
    assert str(join.button.cget("state")) == "normal"  # ready to try again
    pump_until(c.root, lambda: c.session is None, what="session stopped")
    c.window.set_theme("dark")
    c.close()

    stored = settings.load(data).settings
    assert (stored.name, stored.join_ip, stored.join_port) == ("Zoé", "127.0.0.1", port)
    assert (stored.last_mode, stored.theme) == ("join", "dark")

    # The next run shows them.
    c2 = app(data)
    view2 = c2.window.view
    assert view2.name.get() == "Zoé"
    assert view2.panels["join"].ip.get() == "127.0.0.1"
    assert view2.panels["join"].port.get() == str(port)
    assert ttk.Style.get_instance().theme_use() == "bootstrap-dark"
    screenshot(c2.root, "start_view_dark")


def test_port_in_use_suggests_a_free_port(app):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        c = app()
        host = c.window.view.panels["host"]
        _set(host.ip, "127.0.0.1")
        _set(host.port, str(port))
        host.button.invoke()
        pump_until(c.root, lambda: _error(host.errors["port"]), what="port in use")
    assert f"Le port {port} est déjà utilisé" in _error(host.errors["port"])
    suggested = int(host.port.get())
    assert suggested != port
    pump_until(c.root, lambda: c.session is None, what="session stopped")


def test_damaged_settings_are_set_aside_with_a_notice(app, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "settings.json").write_text("{oops", "utf-8")
    c = app(data)
    assert "mis de côté" in c.window.notice_text()
    assert any(p.name.startswith("settings.json.corrupt-") for p in data.iterdir())


def test_unwritable_settings_warn_without_crashing(app, tmp_path):
    data = tmp_path / "data"
    c = app(data)
    (data / "settings.json").mkdir()  # a folder where the file should go: writing fails
    c.window.set_theme("dark")
    assert "Impossible d'enregistrer les réglages" in c.window.notice_text()
    c.window.set_theme("light")


def test_internal_errors_are_logged_and_shown_not_raised(app, caplog):
    c = app()
    c.root.after(0, lambda: 1 / 0)
    pump_until(c.root, lambda: c.window.notice_text(), what="internal error notice")
    assert c.window.notice_text() == "Erreur interne — voir le journal."
    assert "ZeroDivisionError" in caplog.text


def test_language_switch_redraws_the_view(app, tmp_path):
    data = tmp_path / "data"
    c = app(data)
    view = c.window.view
    c.set_language("en")
    assert view.panels["host"].button.cget("text") == "Create the discussion"
    assert settings.load(data).settings.language == "en"
    c.set_language("fr")
    assert view.panels["host"].button.cget("text") == "Créer la discussion"


def test_identity_changed_screen_needs_a_deliberate_click(app, procs, tmp_path):
    """A real TLS server replaced by another one (new identity) on the same port."""

    def serve(folder: str, port: str = "0"):
        proc = procs(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            port,
            "--headless",
            data_dir=tmp_path / folder,
        )
        return proc, proc.event("listening")

    first, listening = serve("server1")
    port = listening["port"]
    c = app(tls=True)
    join = c.window.view.panels["join"]
    _set(join.ip, "127.0.0.1")
    _set(join.port, str(port))
    join.button.invoke()
    pump_until(c.root, lambda: c.chat is not None, what="first connection")
    old_code = listening["safety_code"]
    assert old_code and old_code in c.chat.safety.cget("text")
    assert "chiffré" in c.chat.security.cget("text")
    assert "non chiffré" not in c.chat.security.cget("text")
    c.chat.leave_button.invoke()
    first.close()

    _second, listening2 = serve("server2", str(port))
    new_code = listening2["safety_code"]
    assert new_code != old_code
    join = c.window.view.panels["join"]
    join.button.invoke()
    pump_until(c.root, lambda: isinstance(c.window.view, IdentityView), what="identity screen")
    view = c.window.view
    texts = [str(widget.cget("text")) for widget, *_ in view.texts._items]
    assert any(old_code in t for t in texts) and any(new_code in t for t in texts)
    assert c.chat is None  # nothing was joined
    screenshot(c.root, "identity_changed")
    assert view.trust_button.cget("text") == "Faire confiance au nouveau"
    assert c.root.focus_get() is not view.trust_button  # never the default
    view.trust_button.invoke()
    pump_until(c.root, lambda: c.chat is not None, what="chat after trusting")
    assert new_code in c.chat.safety.cget("text")


def test_host_password_is_kept_only_when_asked(app, tmp_path):
    data = tmp_path / "data"
    c = app(data)
    host = c.window.view.panels["host"]
    _set(host.ip, "127.0.0.1")
    _set(host.port, str(free_port()))
    _set(host.password, "sésame")
    host.remember_password.set(True)
    host.button.invoke()
    pump_until(c.root, lambda: c.chat is not None, what="chat view")
    stored = data / "room-password"
    assert stored.read_text(encoding="utf-8") == "sésame"
    assert stored.stat().st_mode & 0o777 == 0o600
    c.close()

    c2 = app(data)
    host2 = c2.window.view.panels["host"]
    assert host2.password.get() == "sésame" and host2.remember_password.get()
    host2.remember_password.set(False)
    _set(host2.port, str(free_port()))
    host2.button.invoke()
    pump_until(c2.root, lambda: c2.chat is not None, what="chat view")
    assert not stored.exists()
