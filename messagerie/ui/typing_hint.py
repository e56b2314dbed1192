"""The "Bob écrit…" line above the message box.

The room says `typing` at most every few seconds per person while they type; the hint for a
person goes away TYPING_SHOWN_S after the last one, when their message arrives, when they
leave, or when we go offline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import tr
from messagerie.wording.sentences import neutralise

TYPING_SHOWN_S = 6.0


class TypingHint(ttk.Label):
    """A label showing who types; `clock` is monotonic seconds (tests replace it)."""

    def __init__(self, master: Any, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(master, bootstyle="secondary", font="-slant italic")
        self.clock = clock
        self.typists: dict[str, float] = {}  # name -> when their hint expires (clock)
        self._after: str | None = None
        self.bind("<Destroy>", self._on_destroy, add="+")

    def started(self, name: str) -> None:
        """`name` types. The name came from the network and the renderer draws no line for
        it: it is made safe here, as the renderer does for the names it draws."""
        self.typists[neutralise(name)] = self.clock() + TYPING_SHOWN_S
        self.refresh()

    def done(self, name: str) -> None:
        """`name`'s message arrived, or they left: their hint goes."""
        if self.typists.pop(neutralise(name), None) is not None:
            self.refresh()

    def clear(self) -> None:
        """Offline: nobody's typing reaches us, so an old hint would be a stale promise."""
        self.typists.clear()
        self.refresh()

    def refresh(self) -> None:
        """Redraw (also after a language change) and wake up at the next expiry."""
        now = self.clock()
        self.typists = {name: t for name, t in self.typists.items() if t > now}
        names = sorted(self.typists, key=str.casefold)
        if not names:
            text = ""
        elif len(names) == 1:
            text = tr("gui.chat.typing_one", name=names[0])
        elif len(names) == 2:
            text = tr("gui.chat.typing_two", first=names[0], second=names[1])
        else:
            text = tr("gui.chat.typing_many")
        self.configure(text=text)
        self._cancel()
        if self.typists:
            wait_ms = int((min(self.typists.values()) - now) * 1000) + 20
            self._after = self.after(max(wait_ms, 20), self._expired)

    def _expired(self) -> None:
        self._after = None
        self.refresh()

    def _cancel(self) -> None:
        if self._after is not None:
            self.after_cancel(self._after)
            self._after = None

    def _on_destroy(self, event: Any) -> None:
        if event.widget is self:
            self._cancel()
