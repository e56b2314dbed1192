"""Real Tk under Xvfb (pytest-xvfb starts it): build the app, pump its events, look at it."""

from __future__ import annotations

import gc
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.needs import missing_window

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
WAIT_S = 20.0


class _CannotOpenWindows(pytest.Module):
    """A test module of this folder on a machine where Tk windows cannot open: reported as
    skipped, naming the package, and never imported (it would fail on `import ttkbootstrap`)."""

    def collect(self):
        pytest.skip(f"{missing_window()} ({self.path.name})", allow_module_level=True)


def pytest_pycollect_makemodule(module_path, parent):
    # Every test here opens real Tk windows: on a Python without tkinter (Debian's python3
    # without python3-tk) or without a display, each module is skipped instead.
    if missing_window():
        return _CannotOpenWindows.from_parent(parent, path=module_path)
    return None


def pump_until(root, predicate: Callable[[], object], timeout: float = WAIT_S, what: str = ""):
    """Run the Tk event loop until `predicate()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        root.update()
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.01)


def pump_for(root, seconds: float) -> None:
    """Let the event loop run for a while (to show that something does NOT happen)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        root.update()
        time.sleep(0.01)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def type_keys(widget, text: str) -> None:
    """Type ASCII text into `widget` as key presses (the widget must have the focus)."""
    names = {" ": "space", "!": "exclam", ",": "comma", ".": "period", "'": "apostrophe"}
    for ch in text:
        widget.event_generate("<KeyPress>", keysym=names.get(ch, ch))
    widget.update()


def press_return(widget) -> None:
    widget.event_generate("<KeyPress>", keysym="Return")
    widget.update()


def host_from_start_view(app, tls: bool = False):
    """Open the app and host on 127.0.0.1 (a free port) from the start view; (app, port)."""
    c = app(tls=tls)
    host = c.window.view.panels["host"]
    host.ip.delete(0, "end")
    host.ip.insert(0, "127.0.0.1")
    host.port.delete(0, "end")
    port = free_port()
    host.port.insert(0, str(port))
    host.button.invoke()
    pump_until(
        c.root,
        lambda: c.chat is not None and "En attente de connexion..." in c.chat.history.content(),
        what="waiting line",
    )
    return c, port


def screenshot(root, name: str) -> Path | None:
    """Save the whole (virtual) screen as tests/screenshots/<name>.png, if `import` exists."""
    if not shutil.which("import") or not os.environ.get("DISPLAY"):
        return None
    root.update()
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    subprocess.run(
        ["import", "-window", "root", str(path)], check=True, timeout=30, capture_output=True
    )
    return path


@pytest.fixture
def root():
    """A bare ttkbootstrap root, for widgets tested without the application."""
    import ttkbootstrap as ttk

    app = ttk.App(title="Messagerie")
    yield app
    app.destroy()
    gc.collect()  # on the Tk thread, like the app fixture's


@pytest.fixture
def app(tmp_path):
    """Factory for the application (controller); every one is closed at the end."""
    from messagerie.ui import build

    made = []

    def make(data_dir: Path | None = None, **kw):
        kw.setdefault("mode", None)
        kw.setdefault("tls", False)
        controller = build(data_dir=data_dir or tmp_path / "gui", **kw)
        made.append(controller)
        root = controller.root
        root.geometry("980x700+0+0")
        root.update()
        return controller

    yield make
    for controller in made:
        if not controller.closed:
            controller.close()
        assert controller.session is None
    made.clear()
    # Tk wrappers of the destroyed window must be collected on this (the Tk) thread; a
    # collection on a later test's network thread would call Tcl from the wrong thread.
    gc.collect()
