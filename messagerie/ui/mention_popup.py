"""Typing `@` in the message box offers the names present, to complete a mention.

The list shows under the box while the word being typed starts with `@` and fits some names
(compared by skeleton, so "@zo" offers "Zoé"). Up and Down choose, Tab or Enter completes,
Escape closes, a click completes. Its keys are bound on a tag put before the box's own, so
that Enter completes instead of sending while the list is open.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie import protocol

_TAG = "MentionPopup"
# The word being typed: an @ and what follows it up to the cursor, with no space.
_TYPED = re.compile(r"@([^\s@]*)$")
_SHOWN_AT_MOST = 8


class MentionPopup:
    """Completion of `@name` in `entry` (a MessageInput) from `names()`, the names present."""

    def __init__(self, entry: Any, names: Callable[[], list[str]]) -> None:
        self.entry = entry
        self.names = names
        self.list = ttk.Listbox(entry.master, height=4, activestyle="none", exportselection=False)
        self.shown: list[str] = []
        entry.bindtags((_TAG + str(id(self)), *entry.bindtags()))
        tag = _TAG + str(id(self))
        for sequence in ("<Return>", "<KP_Enter>", "<Tab>"):
            entry.bind_class(tag, sequence, self._complete_key)
        entry.bind_class(tag, "<Escape>", self._escape)
        entry.bind_class(tag, "<Down>", lambda _e: self._move(1))
        entry.bind_class(tag, "<Up>", lambda _e: self._move(-1))
        entry.bind("<KeyRelease>", self._typed, add="+")
        entry.bind("<FocusOut>", lambda _e: self.hide(), add="+")
        self.list.bind("<ButtonRelease-1>", self._clicked)

    @property
    def visible(self) -> bool:
        return bool(self.shown)

    def _typed(self, event: Any) -> None:
        if event.keysym in ("Up", "Down", "Escape", "Return", "KP_Enter", "Tab"):
            return
        match = _TYPED.search(self.entry.get("insert linestart", "insert"))
        if match is None:
            self.hide()
            return
        typed = protocol.name_skeleton(match.group(1)) if match.group(1) else ""
        fits = [n for n in self.names() if protocol.name_skeleton(n).startswith(typed)]
        self.show(sorted(fits, key=_alphabetical)[:_SHOWN_AT_MOST])

    def show(self, names: list[str]) -> None:
        if not names:
            self.hide()
            return
        self.shown = names
        self.list.delete(0, "end")
        for name in names:
            self.list.insert("end", name)
        self.list.configure(height=len(names))
        self.list.selection_clear(0, "end")
        self.list.selection_set(0)
        self.list.place(in_=self.entry, x=0, y=0, anchor="sw")
        self.list.lift()

    def hide(self) -> None:
        if self.shown:
            self.shown = []
            self.list.place_forget()

    def _move(self, step: int) -> str | None:
        if not self.shown:
            return None
        chosen = self.list.curselection()
        at = (chosen[0] if chosen else 0) + step
        at = max(0, min(len(self.shown) - 1, at))
        self.list.selection_clear(0, "end")
        self.list.selection_set(at)
        return "break"

    def _complete_key(self, _event: Any) -> str | None:
        if not self.shown:
            return None  # the box's own key: send, new line, next field
        chosen = self.list.curselection()
        self.complete(self.shown[chosen[0] if chosen else 0])
        return "break"

    def _escape(self, _event: Any) -> str | None:
        if not self.shown:
            return None
        self.hide()
        return "break"

    def _clicked(self, _event: Any) -> None:
        chosen = self.list.curselection()
        if chosen:
            self.complete(self.shown[chosen[0]])
            self.entry.focus_set()

    def complete(self, name: str) -> None:
        """Replace the `@…` being typed with `@name ` (found by search: an emoji in a name
        takes two index positions, so no index is computed from a length)."""
        at = self.entry.search("@", "insert", backwards=True, stopindex="insert linestart")
        if at:
            self.entry.delete(at, "insert")
            self.entry.insert(at, f"@{name} ")
        self.hide()


def _alphabetical(name: str) -> str:
    """A sort key that puts "Béa" before "Bob", as a reader expects (accents set aside)."""
    folded = unicodedata.normalize("NFD", name.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))
