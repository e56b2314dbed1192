"""Small helpers shared by the views: translated texts and labels that wrap to their width."""

from __future__ import annotations

from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import tr


class Texts:
    """Remembers which widget shows which catalog key, so a language change can redo them."""

    def __init__(self) -> None:
        self._items: list[tuple[Any, str, str, dict[str, object]]] = []

    def bind(self, widget: Any, key: str, option: str = "text", **values: object) -> Any:
        widget.configure(**{option: tr(key, **values)})
        self._items.append((widget, key, option, values))
        return widget

    def refresh(self) -> None:
        for widget, key, option, values in self._items:
            widget.configure(**{option: tr(key, **values)})


def wrap_label(master: Any, **options: Any) -> ttk.Label:
    """A label whose text wraps to the width it is given by its geometry manager.

    Without this, a long French sentence either gets cut or forces the window wider.
    """
    label = ttk.Label(master, **options)

    def rewrap(event: Any) -> None:
        width = max(event.width - 4, 40)
        if str(label.cget("wraplength")) != str(width):
            label.configure(wraplength=width)

    label.bind("<Configure>", rewrap, add="+")
    return label


def set_error(entry: Any, label: ttk.Label, message: str | None) -> None:
    """Show `message` under a field and mark the field red, or clear both.

    An error label is gridded once, then hidden with grid_remove() while empty so that it
    takes no room; grid() brings it back with its remembered options.
    """
    label.configure(text=message or "")
    if message:
        label.grid()
    else:
        label.grid_remove()
    if entry is not None:
        entry.configure(bootstyle="danger" if message else "default")
