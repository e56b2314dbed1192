"""`messagerie --self-test [PATH]`: prove that this build works, from inside the binary.

PyInstaller decides what to bundle by following imports, and a module it missed only fails
when a user reaches it. This check reaches everything at once: it imports every module the
app uses, opens the themed window when there is a display, hosts a TLS room with a password
on 127.0.0.1 and has a client in the same process exchange a message with accents and emoji,
announces a room over DNS-SD on loopback and finds it, and writes settings to a temporary
data dir. It exits 0 only if all of that worked.

A windowed Windows build has no stdout, so the report is also written as JSON to PATH.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from messagerie import __version__

# Every module the app may import, including lazy imports, so a frozen build that lacks
# one fails here rather than in a user's hands.
MODULES = (
    "messagerie.app",
    "messagerie.headless",
    "messagerie.security.identity",
    "messagerie.security.known_hosts",
    "messagerie.security.pake",
    "messagerie.net.session",
    "messagerie.security.room_password",
    "messagerie.net.discovery",
    "messagerie.net.doctor",
    "messagerie.security.pinning",
    "messagerie.store.settings",
    "messagerie.ui",
    "messagerie.locale.fr",
    "messagerie.locale.en",
    "cryptography.hazmat.primitives.asymmetric.ed25519",
    "cryptography.x509",
    "spake2",
    "sqlite3",
    "ssl",
    "platformdirs",
    "ttkbootstrap",
    "PIL._tkinter_finder",
    "desktop_notifier",
    "messagerie.ui.notify",
    # python-zeroconf's compiled modules import each other from C, out of PyInstaller's
    # sight (pyinstaller#8935 names this one).
    "zeroconf",
    "zeroconf._utils.ipaddress",
    "zeroconf._handlers.query_handler",
    "ifaddr",
)
PRIVATE = "rien que pour toi"
MESSAGE = "Ça marche 🎉 — café, naïve, 日本"
PASSWORD = "mot de passe é"
FILE_NAME = "relevé café 日本.pdf"
FILE_BYTES = 3 * 1024 * 1024 + 17
WAIT_S = 20.0


def run_self_test(report_path: str | None) -> int:
    """Run every check; print and write the JSON report; return the exit code."""
    from messagerie.net import discovery

    # CI runs the self-test outside any network namespace: the room and the window must not
    # announce or browse on the real network cards. The discovery check works on loopback.
    discovery.configure(enabled=False)
    checks: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="messagerie-selftest-") as tmp:
        data = Path(tmp)
        _check(checks, "imports", _imports)
        _check(checks, "settings", lambda: _settings(data / "settings"))
        _check(checks, "room", lambda: _room(data))
        _check(checks, "notifications", _notifications)
        _check(checks, "discovery", _discovery)
        if _has_display():
            _check(checks, "window", lambda: _window(data / "window"))
            _check(checks, "drag_and_drop", _drag_and_drop)
        else:
            checks["window"] = {"ok": True, "skipped": "no display"}
            checks["drag_and_drop"] = {"ok": True, "skipped": "no display"}
    ok = all(c["ok"] for c in checks.values())
    report = {"ok": ok, "version": __version__, "frozen": bool(getattr(sys, "frozen", False))}
    report["python"] = sys.version.split()[0]
    report["checks"] = checks
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if sys.stdout is not None:
        print(text, flush=True)
    if report_path:
        Path(report_path).write_text(text + "\n", encoding="utf-8")
    return 0 if ok else 1


def _check(checks: dict, name: str, fn: Callable[[], object]) -> None:
    started = time.monotonic()
    try:
        detail = fn()
        checks[name] = {"ok": True, "detail": detail}
    except Exception as exc:
        checks[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        checks[name]["traceback"] = traceback.format_exc(limit=5)
    checks[name]["seconds"] = round(time.monotonic() - started, 3)


def _imports() -> int:
    for name in MODULES:
        importlib.import_module(name)
    return len(MODULES)


def _settings(folder: Path) -> str:
    from messagerie.store import settings

    saved = settings.Settings(name="Zoé 🎉", join_port=6000, theme="dark")
    settings.save(saved, folder)
    loaded = settings.load(folder)
    if loaded.settings != saved or loaded.damaged:
        raise RuntimeError(f"settings did not round-trip: {loaded!r}")
    return str(settings.settings_path(folder))


def _room(data: Path) -> dict[str, object]:
    """Host a TLS room with a password; a client in this process chats, writes privately,
    and sends a file up and gets it back."""
    from messagerie.net import events
    from messagerie.net.session import HostSession, JoinSession, SessionConfig

    host_events: queue.Queue = queue.Queue()
    join_events: queue.Queue = queue.Queue()
    (data / "host").mkdir()
    (data / "join").mkdir()
    host = HostSession(
        SessionConfig.hosting(host="127.0.0.1", port=0, data_dir=data / "host", password=PASSWORD),
        host_events.put,
    )
    joiner = None
    host.start()
    try:
        listening = _wait(host_events, events.Listening)
        joiner = JoinSession(
            SessionConfig.joining(
                host="127.0.0.1", port=listening.port, data_dir=data / "join", password=PASSWORD
            ),
            join_events.put,
        )
        joiner.start()
        connected = _wait(join_events, events.Connected)
        if connected.fingerprint != listening.fingerprint:
            raise RuntimeError("the client saw another certificate than the host's")
        joiner.send(MESSAGE)
        received = _wait(host_events, events.MessageReceived)
        echoed = _wait(join_events, events.MessageReceived)
        if received.text != MESSAGE or echoed.text != MESSAGE:
            raise RuntimeError(f"message damaged: {received.text!r} / {echoed.text!r}")
        # A private message from the host to the joiner, answering the joiner's message.
        host.send(PRIVATE, to=connected.member_id, reply_to=received.id)
        private = _wait(join_events, events.MessageReceived)
        if not private.private or private.text != PRIVATE or private.reply is None:
            raise RuntimeError(f"private message damaged: {private!r}")
        # A file up to the room and down again, each on a TLS connection of its own.
        payload = os.urandom(FILE_BYTES)
        (data / FILE_NAME).write_bytes(payload)
        joiner.send_file(data / FILE_NAME)
        offered = _wait(join_events, events.FileOffered)
        joiner.get_file(offered.id, data / "received")
        saved = Path(_wait(join_events, events.FileReceived).path)
        if saved.name != FILE_NAME or saved.read_bytes() != payload:
            raise RuntimeError(f"file damaged: {saved.name!r}")
        return {
            "tls": connected.tls,
            "password": listening.password,
            "safety_code": connected.safety_code,
            "private": private.peer_id == listening.member_id,
            "file_bytes": FILE_BYTES,
        }
    finally:
        if joiner is not None:
            joiner.stop()
        host.stop()


def _notifications() -> dict[str, object]:
    """desktop-notifier's backend for this system loads, and a failure falls back quietly.

    The backend is chosen at run time (D-Bus, WinRT or macOS), so a build that lacks it only
    fails here. On Linux the fallback path runs for real: with the session bus pointed at
    nothing, a notification must come back as "unavailable", not as an exception. Elsewhere no
    notification is sent: a self-test must not pop up a toast.
    """
    from desktop_notifier.main import get_backend_class

    from messagerie.net.loop import NetworkThread
    from messagerie.ui.notify import DesktopNotices, NotificationsUnavailable

    result: dict[str, object] = {"backend": get_backend_class().__name__}
    if not sys.platform.startswith("linux"):
        return result
    posted: queue.Queue = queue.Queue()
    network = NetworkThread(name="selftest-notifications").start()
    saved = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    with tempfile.TemporaryDirectory() as nowhere:
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={nowhere}/no-bus"
        try:
            DesktopNotices(network, posted.put).show("Messagerie", MESSAGE)
            event = posted.get(timeout=WAIT_S)
        finally:
            if saved is None:
                os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
            else:
                os.environ["DBUS_SESSION_BUS_ADDRESS"] = saved
            network.stop()
    if not isinstance(event, NotificationsUnavailable):
        raise RuntimeError(f"expected the fallback, got {event!r}")
    result["fallback"] = event.detail
    return result


def _discovery() -> dict[str, object]:
    """Announce a room on loopback only, then find it by a unicast query and by browsing.

    Loopback only: CI runs the self-test outside any network namespace, where nothing may be
    multicast on the machine's real cards. zeroconf sends only on the addresses it is given
    (127.0.0.1 here), and the probe fallback's broadcast goes to 127.255.255.255.
    """
    import socket
    import threading

    from messagerie.net import discovery

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    advertiser = discovery.Advertiser(
        room="Auto-test é",
        port=port,
        tls=True,
        password=False,
        fingerprint="0123456789abcdef" * 4,
        interface="127.0.0.1",
        host_name="selftest",
    )
    found = threading.Event()
    browser = discovery.RoomBrowser(
        interface="127.0.0.1",
        probe_ports=(port,),
        on_change=lambda rooms: any(r.port == port for r in rooms) and found.set(),
    )
    advertiser.start()
    try:
        if not advertiser.registered.wait(WAIT_S):
            raise TimeoutError(f"the room was not announced within {WAIT_S} s")
        names = discovery.query_unicast("127.0.0.1", timeout=2.0)
        if not any(name.startswith("Auto-test") for name in names):
            raise RuntimeError(f"the responder did not answer a unicast query: {names}")
        browser.start()
        if not found.wait(WAIT_S):
            raise TimeoutError(f"the browser did not find the room within {WAIT_S} s")
        room = next(r for r in browser.rooms() if r.port == port)
        return {"instance": names[0], "via": room.via, "fingerprint": room.fingerprint_prefix}
    finally:
        browser.close()
        advertiser.close()


def _wait(events_queue: queue.Queue, kind: type):
    from messagerie.net import events

    deadline = time.monotonic() + WAIT_S
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            event = events_queue.get(timeout=remaining)
        except queue.Empty:
            break
        if isinstance(event, kind):
            return event
        if isinstance(event, events.Failed | events.FileFailed):
            raise RuntimeError(f"{event.code}: {event.details}")
    raise TimeoutError(f"no {kind.__name__} within {WAIT_S} s")


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _window(data: Path) -> str:
    """Open the themed window, draw accents and emoji in it, and close it.

    Drawing an emoji is the point: with an old libXft, colour-emoji fonts crash Tk
    (NOTES.md), and a frozen Linux binary carries the build machine's libXft.
    """
    from messagerie import ui

    controller = ui.build(data_dir=data, mode=None)
    try:
        entry = controller.window.view.name
        entry.delete(0, "end")
        entry.insert(0, MESSAGE)
        controller.root.update()
        return controller.root.title()
    finally:
        controller.close()


def _drag_and_drop() -> dict[str, object]:
    """Load tkdnd into a themed root, as the window does, and register a drop target.

    On the platforms tkinterdnd2 ships binaries for, a failure means the build lost them
    (its PyInstaller hook): that fails the check. Elsewhere drops are simply off, and the
    report says so ("Envoyer un fichier…" still works).
    """
    import platform

    from messagerie.ui import dnd

    root = dnd.DnDApp(title="self-test")
    try:
        version = dnd.load(root)
        supported = (platform.system(), platform.machine()) in _TKDND_PLATFORMS
        if version is None:
            if supported:
                raise RuntimeError("tkdnd did not load: drag and drop would be off")
            return {"drops": "off", "reason": f"no tkdnd for {platform.platform()}"}
        # The root itself is the drop target: this module may not make widgets (only ui/
        # imports ttkbootstrap), and the root is a widget like the chat's.
        if not dnd.accept_files(root, lambda _paths: None):
            raise RuntimeError("tkdnd loaded but a drop target could not be registered")
        return {"drops": "on", "tkdnd": version}
    finally:
        root.destroy()


# (system, machine) pairs for which tkinterdnd2 0.7.0 ships tkdnd.
_TKDND_PLATFORMS = frozenset(
    {
        ("Linux", "x86_64"),
        ("Linux", "aarch64"),
        ("Windows", "AMD64"),
        ("Windows", "ARM64"),
        ("Windows", "x86"),
        ("Darwin", "x86_64"),
        ("Darwin", "arm64"),
    }
)
