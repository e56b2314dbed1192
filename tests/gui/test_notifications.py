"""Issue 14, item 10: desktop notifications against a real notification daemon on a private
D-Bus session bus, one per burst, none while the window has the focus, a click brings the
window forward, a setting turns them off; without a daemon, the window's fallback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from messagerie.net import events as ev
from messagerie.store import settings
from tests.gui.conftest import free_port, pump_for, pump_until

DAEMON = Path(__file__).with_name("notification_daemon.py")


class Daemon:
    """Our notification daemon under `dbus-run-session`; `received()` is what it got."""

    def __init__(self, tmp: Path, *, click: bool) -> None:
        self.record = tmp / "received.jsonl"
        ready = tmp / "bus-address"
        args = [sys.executable, str(DAEMON), str(self.record), str(ready)]
        self.proc = subprocess.Popen(
            ["dbus-run-session", "--", *args, *(["--click"] if click else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the notification daemon did not start")
            time.sleep(0.05)
        self.address = ready.read_text()

    def received(self) -> list[dict]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def stop(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(5)
        assert self.proc.poll() is not None


@pytest.fixture
def daemon(tmp_path, monkeypatch):
    if not shutil.which("dbus-run-session"):
        pytest.skip("needs dbus-run-session (Debian package dbus-daemon)")
    made: list[Daemon] = []

    def start(*, click: bool = False) -> Daemon:
        d = Daemon(tmp_path, click=click)
        made.append(d)
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", d.address)
        return d

    yield start
    for d in made:
        d.stop()


def _hosting(app, **kw):
    c = app(mode="serve", host="127.0.0.1", port=free_port(), **kw)
    pump_until(c.root, lambda: c.chat is not None, what="hosting")
    return c


def _say(c, i: int, text: str, sender: str = "Bob") -> None:
    c.bridge.sink(c.token)(ev.MessageReceived(id=f"n{i}", seq=i, sender=sender, text=text, ts=0))


def _unfocus(c) -> None:
    # What the window sees when another application takes the focus.
    c.window.unread.focus_out()


def test_a_burst_gives_one_notification_with_the_sender_and_first_line(app, daemon):
    d = daemon()
    c = _hosting(app)
    # Focused: nothing is notified.
    _say(c, 1, "vu dans la fenêtre")
    pump_until(c.root, lambda: "vu dans la fenêtre" in c.chat.history.content(), what="shown")
    pump_for(c.root, 0.5)
    assert d.received() == []

    _unfocus(c)
    _say(c, 2, "Salut Hôte !\ndeuxième ligne")
    _say(c, 3, "et encore")
    pump_until(c.root, lambda: d.received(), timeout=10, what="a notification")
    _say(c, 4, "toujours la même rafale", sender="Cléo")
    pump_until(c.root, lambda: c.root.title() == "(3) Messagerie", what="title count")
    pump_for(c.root, 0.5)
    got = d.received()
    assert len(got) == 1
    assert got[0]["summary"] == "Bob"
    assert got[0]["body"] == "Salut Hôte !"
    assert got[0]["app"] == "Messagerie"
    assert c.window.attention_requests == 0  # the notification was enough
    assert c.window.notice_text() == ""


def test_clicking_the_notification_brings_the_window_forward(app, daemon, monkeypatch):
    daemon(click=True)
    c = _hosting(app)
    forward = []
    real = c.window.bring_forward
    monkeypatch.setattr(c.window, "bring_forward", lambda: (forward.append(1), real()))
    _unfocus(c)
    _say(c, 1, "clique-moi")
    pump_until(c.root, lambda: forward, timeout=10, what="the click")
    pump_until(c.root, lambda: c.root.focus_get() is c.chat.entry, what="focus in the box")


def test_the_setting_turns_notifications_off_and_is_remembered(app, daemon, tmp_path):
    d = daemon()
    data = tmp_path / "data"
    c = _hosting(app, data_dir=data)
    assert c.window.notifications_var.get() is True
    c.window.notifications_var.set(False)  # the menu's check item
    c.set_notifications(False)
    assert settings.load(data).settings.notifications is False
    _unfocus(c)
    _say(c, 1, "pas de notification")
    pump_until(c.root, lambda: c.window.attention_requests == 1, what="attention instead")
    pump_for(c.root, 0.5)
    assert d.received() == []
    c.close()
    c2 = app(data)
    assert c2.window.notifications_var.get() is False


def test_without_a_daemon_the_window_asks_for_attention_without_an_error(
    app, monkeypatch, tmp_path
):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    c = _hosting(app)
    _unfocus(c)
    _say(c, 1, "personne pour l'afficher")
    pump_until(c.root, lambda: c.window.attention_requests == 1, timeout=10, what="fallback")
    assert c.root.title() == "(1) Messagerie"
    assert c.window.notice_text() == ""
    assert c.notices.available is False
    # The next burst goes straight to the fallback, without trying again.
    c.window._focus_in(None)
    _unfocus(c)
    _say(c, 2, "rafale suivante")
    pump_until(c.root, lambda: c.window.attention_requests == 2, what="second fallback")
