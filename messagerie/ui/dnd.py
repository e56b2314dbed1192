"""Files dropped onto the chat, with tkdnd (the tkinterdnd2 package).

tkinterdnd2's own root (`TkinterDnD.Tk`) would replace ttkbootstrap's, which allows one root
only; so its `DnDWrapper` is mixed into our root class (`DnDApp`) and the Tcl package is
loaded into that root with `TkinterDnD._require`. Where it cannot load (no tkdnd binary for
this platform, a frozen build without it), drops are simply off: it is logged, the
"Envoyer un fichier…" button does the same job, and the person sees no error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

log = logging.getLogger(__name__)

try:
    from tkinterdnd2 import TkinterDnD
except ImportError:  # a source checkout without the dependency: drops are off
    TkinterDnD = None  # type: ignore[assignment]

# The type name tkdnd gives to a list of files, on every platform.
DND_FILES = "DND_Files"


if TkinterDnD is not None:

    class DnDApp(ttk.App, TkinterDnD.DnDWrapper):
        """ttkbootstrap's root with tkdnd's widget methods (drop_target_register, dnd_bind)."""

else:
    DnDApp = ttk.App  # type: ignore[misc,assignment]


def load(root: Any) -> str | None:
    """Load tkdnd into `root`; its version, or None (logged) when drops cannot work here."""
    if TkinterDnD is None:
        log.info("drag and drop off: tkinterdnd2 is not installed")
        return None
    try:
        return str(TkinterDnD._require(root))
    except Exception as exc:  # RuntimeError from tkinterdnd2; a broken binary may raise more
        log.info("drag and drop off: %s", exc)
        return None


def dropped_paths(root: Any, data: str) -> list[str]:
    """The paths in a drop's data: a Tcl list, so a path with spaces comes braced."""
    return [path for path in root.tk.splitlist(data) if path]


def accept_files(widget: Any, on_files: Callable[[list[str]], None]) -> bool:
    """Make `widget` take dropped files (tkdnd must be loaded). True when it does."""
    try:
        widget.drop_target_register(DND_FILES)
    except Exception as exc:  # TclError when tkdnd is not loaded in this interpreter
        log.info("drag and drop off for %s: %s", widget, exc)
        return False

    def on_drop(event: Any) -> str:
        paths = dropped_paths(widget, event.data)
        if paths:
            on_files(paths)
        return event.action

    widget.dnd_bind("<<Drop>>", on_drop)
    return True
