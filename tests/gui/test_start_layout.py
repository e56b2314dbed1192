"""The start view at the minimum window size and at 125 % and 150 % scaling, in French and
English: every control can be brought into view and is then inside the window; and its main
path speaks plain words (real Tk under Xvfb)."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tkinter
import tkinter.font

import pytest

from messagerie.ui.window import MIN_SIZE
from tests.gui.conftest import pump_until, screenshot
from tests.needs import missing_tool

# Tk's scaling is pixels per point: 96 dpi is 100 % on Windows and most desktops.
SCALINGS = {"100": 96 / 72, "125": 120 / 72, "150": 144 / 72}
SMALL = "{}x{}+0+0".format(*MIN_SIZE)
# Words and values that belong in the advanced options, never in the main path.
BANNED = re.compile(
    r"adresse d'écoute|listening address|0\.0\.0\.0|\bport\b|serveur|server"
    r"|\b\d{1,3}(?:\.\d{1,3}){3}\b",
    re.IGNORECASE,
)


def _scale(root, scaling: float) -> None:
    """Display `scaling` as a desktop set to 125 % or 150 % would: Tk computes its named
    fonts' pixel sizes from the scaling, so redo them after changing it."""
    root.tk.call("tk", "scaling", scaling)
    for name in tkinter.font.names(root):
        font = tkinter.font.nametofont(name, root=root)
        font.configure(size=font.cget("size"))


def _small_view(app, lang: str, scale: str = "100"):
    c = app()
    c.set_language(lang)
    _scale(c.root, SCALINGS[scale])
    c.root.geometry(SMALL)
    view = c.show_start()  # built again, with the scaled fonts
    pump_until(c.root, lambda: c.root.winfo_width() == MIN_SIZE[0], what="small window")
    c.root.update()
    return c, view


def _controls(view) -> dict[str, object]:
    found = {"name": view.name, "rooms": view.rooms.tree}
    for kind, panel in view.panels.items():
        for attr in ("ip", "port", "password", "button", "advanced_toggle", "remember_box"):
            widget = getattr(panel, attr, None)
            if widget is not None:
                found[f"{kind}.{attr}"] = widget
    return found


def _mapped(widget) -> list:
    found = []
    for child in widget.winfo_children():
        if child.winfo_ismapped():
            found += [child, *_mapped(child)]
    return found


def _rect(widget) -> tuple[int, int, int, int]:
    x, y = widget.winfo_rootx(), widget.winfo_rooty()
    return x, y, x + widget.winfo_width(), y + widget.winfo_height()


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


@pytest.mark.parametrize("scale", list(SCALINGS))
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_control_can_be_reached_at_the_minimum_size(app, lang, scale):
    c, view = _small_view(app, lang, scale)
    base = tkinter.font.nametofont("TkDefaultFont", root=c.root)
    assert base.metrics("linespace") >= 13 * SCALINGS[scale] / SCALINGS["100"] - 1  # scaled
    for panel in view.panels.values():
        toggle = getattr(panel, "advanced_toggle", None)
        if toggle is not None:
            toggle.invoke()  # the advanced options count too, once unfolded
    c.root.update()
    # What can be seen of the view: the part of it inside the window.
    window, frame = _rect(c.root), _rect(view)
    viewport = (*map(max, window[:2], frame[:2]), *map(min, window[2:], frame[2:]))
    controls = _controls(view)
    hidden = [name for name, w in controls.items() if not _inside(_rect(w), viewport)]
    assert hidden  # at this size the view does not fit: it has to scroll
    for name, widget in controls.items():
        # Tab or a click gives the focus; the view scrolls the control into sight.
        widget.focus_force()
        pump_until(c.root, lambda w=widget: c.root.focus_get() is w, what=f"focus on {name}")
        c.root.update()
        assert widget.winfo_viewable(), name
        assert _inside(_rect(widget), viewport), (name, _rect(widget), viewport)
        if widget.winfo_class() in ("TButton", "TCheckbutton"):
            assert widget.winfo_width() >= widget.winfo_reqwidth(), f"{name} is cut"
    # Nothing is cut on the right: each widget fits the view's width, and each text its widget.
    for widget in _mapped(view.body):
        left, _top, right, _bottom = _rect(widget)
        assert viewport[0] <= left and right <= viewport[2], widget
        if widget.winfo_class() in ("TLabel", "TButton", "TCheckbutton"):
            assert widget.winfo_width() >= widget.winfo_reqwidth(), widget.cget("text")
    if scale == "100":
        view.scroll.yview_moveto(0)
        screenshot(c.root, f"start_view_460_{lang}")
        view.see(view.panels["join"].button)
        screenshot(c.root, f"start_view_460_{lang}_bottom")
    if scale == "150":
        screenshot(c.root, f"start_view_460_{lang}_150")


def test_the_mouse_wheel_scrolls_the_view(app):
    c, view = _small_view(app, "fr")
    card = view.panels["host"].frame  # not a widget that scrolls by itself
    # The wheel tag is put on the view's widgets when the pointer enters it.
    view.scroll.container.event_generate("<Enter>")
    assert view.scroll.yview()[0] == 0.0
    wheel_down, wheel_up = _wheel_events(view)
    card.event_generate(wheel_down[0], **wheel_down[1])
    c.root.update()
    assert view.scroll.yview()[0] > 0.0
    card.event_generate(wheel_up[0], **wheel_up[1])
    c.root.update()
    assert view.scroll.yview()[0] == 0.0


def test_the_wheel_over_the_address_scrolls_the_view_and_keeps_the_address(app):
    c, view = _small_view(app, "fr")
    join = view.panels["join"]
    join.ip.configure(values=["192.0.2.1:5566", "192.0.2.2:5566"])
    join.ip.set("192.0.2.1:5566")
    view.scroll.yview_moveto(0.5)
    c.root.update()
    before = view.scroll.yview()[0]
    wheel_down, _up = _wheel_events(view)
    join.ip.event_generate(wheel_down[0], **wheel_down[1])
    c.root.update()
    assert join.ip.get() == "192.0.2.1:5566"
    assert view.scroll.yview()[0] > before


def _wheel_events(view):
    """X11's Tk 8.6 sends the wheel as buttons 4 and 5; Tk 8.7+ and others as MouseWheel."""
    if tkinter.TkVersion < 8.7 and view.tk.call("tk", "windowingsystem") == "x11":
        return ("<Button-5>", {}), ("<Button-4>", {})
    return ("<MouseWheel>", {"delta": -120}), ("<MouseWheel>", {"delta": 120})


@pytest.mark.skipif(bool(missing_tool("xdotool")), reason=str(missing_tool("xdotool")))
def test_a_real_wheel_over_the_view_scrolls_it(app):
    c, view = _small_view(app, "en")
    intro = view.panels["host"].frame
    x = intro.winfo_rootx() + 10
    y = intro.winfo_rooty() + 10
    xdotool = shutil.which("xdotool")
    subprocess.run([xdotool, "mousemove", str(x), str(y)], check=True, timeout=10)
    pump_until(c.root, lambda: c.root.winfo_containing(x, y) is not None, what="pointer")
    subprocess.run([xdotool, "click", "--repeat", "3", "5"], check=True, timeout=10)
    pump_until(c.root, lambda: view.scroll.yview()[0] > 0.0, what="scrolled by the wheel")


def _main_path_texts(widget) -> list[str]:
    """The texts a person sees in the view: mapped widgets only (the collapsed advanced
    options are not), with their labels, entries' contents and the list's headings."""
    texts = []
    if not widget.winfo_ismapped():
        return texts
    cls = widget.winfo_class()
    if cls in ("TEntry", "TCombobox"):
        texts.append(widget.get())
    elif cls == "Treeview":
        shown = widget["displaycolumns"]
        columns = widget["columns"] if tuple(shown) == ("#all",) else shown
        texts += [widget.heading(c, "text") for c in ("#0", *columns)]
    else:
        with contextlib.suppress(tkinter.TclError):  # a frame or a scroll bar has no text
            texts.append(str(widget.cget("text")))
    for child in widget.winfo_children():
        texts += _main_path_texts(child)
    return texts


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_main_path_speaks_plain_words(app, lang):
    c = app()
    c.set_language(lang)
    view = c.window.view
    c.root.update()
    texts = [t for t in _main_path_texts(view) if t]
    assert texts and not [t for t in texts if BANNED.search(t)], texts
    words = {
        "fr": ("Créer une discussion", "Rejoindre", "Options avancées"),
        "en": ("Create a discussion", "Join", "Advanced options"),
    }[lang]
    for word in words:
        assert word in texts
    assert view.panels["join"].button.cget("text") == words[1]
    screenshot(c.root, f"start_view_{lang}")
    # The network details are one toggle away.
    host = view.panels["host"]
    assert not host.port.winfo_ismapped()
    host.advanced_toggle.invoke()
    c.root.update()
    assert host.port.winfo_ismapped() and host.ip.get() == "0.0.0.0"
    screenshot(c.root, f"start_view_{lang}_advanced")


def test_the_address_port_and_the_port_field_agree(app):
    c = app()
    join = c.window.view.panels["join"]
    join.ip.delete(0, "end")
    join.ip.insert(0, "127.0.0.1:6123")
    assert join.port.get() == "6123"
    join.advanced_toggle.invoke()
    c.root.update()
    assert join.port_note.winfo_ismapped() and "6123" in join.port_note.cget("text")
    # Editing the port field changes the address's port: both show the one used.
    join.port.delete(0, "end")
    join.port.insert(0, "6124")
    assert join.ip.get() == "127.0.0.1:6124"
    assert c.window.view.form("join").port == 6124
    # An address without a port leaves the port field as it is.
    join.ip.delete(0, "end")
    join.ip.insert(0, "192.0.2.7")
    c.root.update()
    assert join.port.get() == "6124" and not join.port_note.winfo_ismapped()
    assert c.window.view.form("join").port == 6124


def test_an_error_in_an_advanced_option_unfolds_them(app):
    c = app()
    host = c.window.view.panels["host"]
    host.port.delete(0, "end")
    host.port.insert(0, "0")
    host.button.invoke()
    c.root.update()
    assert host.advanced.get() and host.errors["port"].winfo_ismapped()
