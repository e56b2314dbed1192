"""The message box: a small multi-line text field where Enter sends and Shift+Enter breaks.

It grows from one line up to MAX_LINES as the text wraps or gets line breaks, then scrolls.
It also answers the Entry calls the views and tests use (`get()`, `insert(0, ...)`,
`delete(0, "end")`), so code written for a one-line field keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

MAX_LINES = 5


def _index(index: Any) -> str:
    """An Entry index (0, "end") as a Text index."""
    if index == 0 or index == "0":
        return "1.0"
    if index == "end":
        return "end-1c"
    return str(index)


class MessageInput(ttk.Text):
    """`on_send()` runs on Enter; Shift+Enter inserts a newline."""

    def __init__(self, master: Any, *, on_send: Callable[[], None], **options: Any) -> None:
        super().__init__(master, height=1, wrap="word", undo=True, **options)
        self._on_send = on_send
        self._lines = 1
        self.bind("<Return>", self._send)
        self.bind("<KP_Enter>", self._send)
        self.bind("<Shift-Return>", self._newline)
        self.bind("<Shift-KP_Enter>", self._newline)
        # Tab moves to the next control, as in a one-line field, instead of typing a tab.
        self.bind("<Tab>", self._focus_next)
        self.bind("<KeyRelease>", lambda _e: self.fit(), add="+")
        self.bind("<Configure>", lambda _e: self.fit(), add="+")

    def _send(self, _event: Any) -> str:
        self._on_send()
        return "break"

    def _newline(self, _event: Any) -> str:
        self.insert("insert", "\n")
        self.see("insert")
        self.fit()
        return "break"

    def _focus_next(self, _event: Any) -> str:
        following = self.tk_focusNext()
        if following is not None:
            following.focus_set()
        return "break"

    def fit(self) -> None:
        """Show as many lines as the text needs, from one to MAX_LINES."""
        counted = self.count("1.0", "end", "displaylines")
        # tkinter gives a tuple, or an int from Python 3.13 on.
        lines = counted[0] if isinstance(counted, tuple) else counted
        wanted = max(1, min(MAX_LINES, int(lines or 1)))
        if wanted != self._lines:
            self._lines = wanted
            self.configure(height=wanted)

    # -- the Entry calls ----------------------------------------------------------------

    def get(self, first: Any = "1.0", last: Any = "end-1c") -> str:  # type: ignore[override]
        return super().get(_index(first), _index(last))

    def insert(self, index: Any, chars: str, *args: Any) -> None:  # type: ignore[override]
        super().insert(_index(index), chars, *args)
        self.fit()

    def delete(self, first: Any, last: Any = None) -> None:  # type: ignore[override]
        super().delete(_index(first), None if last is None else _index(last))
        self.fit()
