"""The join panel's list of rooms, fed by a fake browser (the real one is tested in
namespaces: tests/discovery), in a real Tk window."""

from __future__ import annotations

import threading
from typing import ClassVar

import pytest

from messagerie.i18n import tr
from messagerie.net.discovery import FoundRoom
from messagerie.ui import room_list
from tests.gui.conftest import pump_until, screenshot


class FakeBrowser:
    """Stands in for RoomBrowser: hands lists over from another thread, like the real one."""

    made: ClassVar[list[FakeBrowser]] = []

    def __init__(self, *, on_change, pinned=None) -> None:
        self.on_change = on_change
        self.pinned = pinned
        self.closed = threading.Event()
        FakeBrowser.made.append(self)

    def start(self) -> None:
        pass

    def feed(self, rooms: list[FoundRoom]) -> None:
        thread = threading.Thread(target=self.on_change, args=(rooms,))
        thread.start()
        thread.join()

    def close(self) -> None:
        self.closed.set()


@pytest.fixture
def fake_browser(monkeypatch):
    FakeBrowser.made.clear()
    monkeypatch.setattr(room_list, "make_browser", lambda **kw: FakeBrowser(**kw))
    yield FakeBrowser.made
    FakeBrowser.made.clear()


def _room(port: int, **kw) -> FoundRoom:
    values = dict(
        name="Salle de Zoé",
        host="pc-zoe",
        port=port,
        addresses=("127.0.0.1",),
        tls=False,
        password=False,
        fingerprint_prefix=None,
    )
    values.update(kw)
    return FoundRoom(**values)


def _click_row(tree, index: int) -> None:
    x, y, _w, h = tree.bbox(str(index))
    tree.event_generate("<ButtonRelease-1>", x=x + 5, y=y + h // 2)
    tree.update()


def test_the_list_shows_rooms_and_one_click_joins(app, procs, fake_browser, tmp_path):
    headless_host = ["serve", "--host", "127.0.0.1", "--port", "0", "--headless", "--no-tls"]
    server = procs(*headless_host, data_dir=tmp_path / "server")
    port = server.event("listening")["port"]
    c = app()
    rooms = c.window.view.rooms
    assert rooms.status_key == "gui.rooms.searching"
    browser = fake_browser[0]
    browser.feed([_room(port), _room(port + 1, name="Compta", password=True)])
    pump_until(c.root, lambda: len(rooms.tree.get_children()) == 2, what="two rows")
    rows = [rooms.tree.item(i, "values") for i in rooms.tree.get_children()]
    assert rows[0] == ("Salle de Zoé", "pc-zoe", f"127.0.0.1:{port}")
    assert rows[1][0] == "Compta"
    # The padlock is on the room that asks a password, and only there.
    assert not rooms.tree.item("0", "image")
    assert rooms.tree.item("1", "image")[0] == str(rooms.lock)
    screenshot(c.root, "start_view_rooms")

    _click_row(rooms.tree, 0)
    pump_until(c.root, lambda: c.chat is not None, what="chat view")
    server.event("joined", name="Client")
    pump_until(c.root, lambda: browser.closed.is_set(), what="browser closed with the view")


def test_a_room_with_a_password_asks_for_it_and_enter_joins(app, fake_browser):
    c = app()
    view = c.window.view
    rooms = view.rooms
    fake_browser[0].feed([_room(6001, name="Compta", password=True)])
    pump_until(c.root, lambda: rooms.tree.get_children(), what="one row")
    rooms.tree.focus_force()
    rooms.tree.focus("0")
    rooms.tree.event_generate("<KeyPress>", keysym="Return")
    c.root.update()
    join = view.panels["join"]
    assert (join.ip.get(), join.port.get()) == ("127.0.0.1", "6001")
    assert c.session is None  # it waits for the password instead of failing
    assert join.errors["password"].cget("text") == tr("gui.rooms.needs_password", room="Compta")
    # Typing an address by hand still works next to the list.
    join.ip.delete(0, "end")
    join.ip.insert(0, "192.0.2.7")
    assert view.form("join").host == "192.0.2.7"


def test_a_suspicious_room_is_flagged(app, fake_browser):
    c = app()
    rooms = c.window.view.rooms
    fake_browser[0].feed([_room(6002, trust="changed", tls=True, fingerprint_prefix="bb" * 8)])
    pump_until(c.root, lambda: rooms.tree.get_children(), what="one row")
    assert rooms.tree.item("0", "values")[0] == "⚠ Salle de Zoé"
    assert rooms.tree.item("0", "tags") == ("suspicious",)
    assert rooms.status_key == "gui.rooms.suspicious"


def test_only_the_newest_of_many_lists_is_drawn(app, fake_browser):
    c = app()
    rooms = c.window.view.rooms
    # 1,000 lists arrive between two drains (a flood): the Tk thread draws the last one.
    for n in range(1000):
        rooms._queue.put([_room(7000 + n)])
    pump_until(c.root, lambda: rooms.tree.get_children(), what="a row")
    assert rooms._queue.empty()
    assert [rooms.tree.item(i, "values")[2] for i in rooms.tree.get_children()] == [
        "127.0.0.1:7999"
    ]


def test_with_discovery_off_the_list_says_so(app):
    c = app()
    rooms = c.window.view.rooms
    assert rooms.browser is None
    assert rooms.status_key == "gui.rooms.off"
    c.set_language("en")  # and still says so in the other language
    assert rooms.status_key == "gui.rooms.off"
    assert rooms.status.cget("text") == tr("gui.rooms.off")
    c.set_language("fr")


def test_a_refused_join_gets_the_doctors_diagnosis(app):
    import socket

    c = app()
    view = c.window.view
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]  # closed again: nobody listens there
    join = view.panels["join"]
    join.ip.delete(0, "end")
    join.ip.insert(0, f"127.0.0.1:{port}")
    join.button.invoke()
    pump_until(c.root, lambda: view.diagnosis.findings, what="the doctor's findings")
    assert [f.code for f in view.diagnosis.findings] == ["not_listening"]
    # The doctor's finding replaces the generic sentence next to the address.
    shown = join.errors["ip"].cget("text")
    assert shown == view.diagnosis.findings[0].message and "Créer la discussion" in shown
    view.diagnosis.thread.join(5)
    screenshot(c.root, "start_view_doctor")


def test_a_list_that_stays_empty_asks_the_doctor(app, fake_browser, monkeypatch):
    from messagerie.net import doctor
    from messagerie.ui import start_view

    monkeypatch.setattr(room_list, "SEARCHING_S", 0.0)
    monkeypatch.setattr(
        start_view.doctor, "diagnose_network", lambda: [doctor.Finding("no_network")]
    )
    c = app()
    view = c.window.view
    pump_until(c.root, lambda: view.diagnosis.findings, what="the doctor's findings")
    assert view.rooms.status_key == "gui.rooms.none"
    assert tr("doctor.no_network") in view.rooms.status.cget("text")
    view.diagnosis.thread.join(5)


def test_a_typed_address_of_a_listed_room_with_a_password_shows_the_padlock(app, fake_browser):
    c = app()
    view = c.window.view
    join = view.panels["join"]
    fake_browser[0].feed([_room(6003, name="Compta", password=True), _room(6004)])
    pump_until(c.root, lambda: len(view.rooms.tree.get_children()) == 2, what="two rows")
    join.ip.delete(0, "end")
    join.ip.insert(0, "127.0.0.1:6003")
    c.root.update()
    assert join.password_line.winfo_ismapped()
    assert join.password_line.cget("text") == tr("gui.start.needs_password")
    assert str(join.password_line.cget("image")[0]) == str(join.lock)
    join.ip.delete(0, "end")
    join.ip.insert(0, "127.0.0.1:6004")  # the same machine, a room without a password
    c.root.update()
    assert not join.password_line.winfo_ismapped()


def test_joining_by_address_a_room_with_a_password_asks_for_it(app, procs, tmp_path):
    server = procs(
        "serve", "--host", "127.0.0.1", "--port", "0", "--headless", "--password", "sésame",
        data_dir=tmp_path / "server",
    )  # fmt: skip
    port = server.event("listening")["port"]
    c = app(tls=True)
    join = c.window.view.panels["join"]
    join.ip.delete(0, "end")
    join.ip.insert(0, f"127.0.0.1:{port}")  # typed, not picked in the list
    join.button.invoke()
    label = join.errors["password"]
    pump_until(c.root, lambda: label.winfo_ismapped(), what="the password error")
    assert label.cget("text") == tr("error.password_required")
    assert c.root.focus_get() is join.password
    pump_until(c.root, lambda: c.session is None, what="session stopped")
