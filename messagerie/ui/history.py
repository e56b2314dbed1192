"""The chat history: a read-only text widget that stays fast in a long discussion.

Three Tk 8.6 facts shape it (NOTES.md):
- tags are shared (`system`, `own`, `other`, `pending`...), never one per message: per-message
  tags live until `tag_delete` and made 50,000 inserts take 69 s instead of 6 s;
- the history is capped at MAX_LINES and trimmed in batches, so memory and redraws stay flat;
- an emoji outside the BMP takes two index positions, so we never compute `+Nc` indexes
  from `len()`: positions are found with marks and tag ranges instead;
- each Tcl call costs a round trip through tkinter, and the Tk thread must win the GIL back
  from the network thread for every one of them; so the lines of a batch are buffered as
  (text, tags) pairs and go into the widget in ONE `insert` call at the end of the batch.

A message we sent shows at once with "envoi…" and the `pending` tag; a mark named after its
id remembers where it starts, so the acknowledgement can find and update that line.
"""

from __future__ import annotations

import tkinter.font as tkfont
from collections import deque
from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import tr
from messagerie.ui.forms import format_time

MAX_LINES = 5_000
# Trim only once this many extra lines have piled up, so trimming happens in batches.
TRIM_SLACK = 500
# How many message ids to remember for deduplication.
_SEEN_IDS = 20_000
_MARK_PREFIX = "pending-"


class History:
    """Wraps a ttk.ScrolledText; call `begin()`, add lines, then `end()` once per batch."""

    def __init__(self, master: Any, *, max_lines: int = MAX_LINES) -> None:
        self.widget = ttk.ScrolledText(
            master, wrap="word", height=12, width=50, padx=10, pady=8, undo=False, cursor="arrow"
        )
        self.text = self.widget.text
        # The Text widget defaults to a fixed-width font; a chat reads better in the UI font,
        # one point larger.
        base = tkfont.nametofont("TkDefaultFont").actual()
        self._family, self._size = base["family"], abs(int(base["size"])) + 1
        self.text.configure(font=(self._family, self._size))
        self.max_lines = max_lines
        self.text.configure(state="disabled")
        self._pending: set[str] = set()
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque()
        self._at_bottom = True
        self._depth = 0
        # Alternating text, tags of the lines not yet in the widget (see `_flush`).
        self._buffer: list[Any] = []
        self.apply_colors()
        # A theme change rebuilds the widget colors; our tag colors follow.
        self.widget.bind("<<ThemeChanged>>", lambda _e: self.apply_colors(), add="+")

    # -- look ---------------------------------------------------------------------------

    def apply_colors(self) -> None:
        colors = ttk.Style.get_instance().colors
        muted = colors.secondary
        t = self.text
        family, size = self._family, self._size
        # Wrapped lines of a long message start under its text, not under its time.
        indent = tkfont.Font(family=family, size=size).measure("00:00 ")
        t.tag_configure("line", spacing1=3, spacing3=3, lmargin2=indent)
        t.tag_configure("system", foreground=muted, font=(family, size, "italic"))
        t.tag_configure("time", foreground=muted)
        t.tag_configure("name_own", foreground=colors.primary, font=(family, size, "bold"))
        t.tag_configure("name_other", foreground=colors.success, font=(family, size, "bold"))
        t.tag_configure("own")
        t.tag_configure("other")
        t.tag_configure("pending", foreground=muted)
        t.tag_configure("pending_mark", foreground=muted, font=(family, size, "italic"))
        t.tag_configure("error", foreground=colors.danger)
        # The pending look must win over the own/other colors.
        t.tag_raise("pending")
        t.tag_raise("pending_mark")

    # -- batching -----------------------------------------------------------------------

    def begin(self) -> None:
        """Open the widget for writing (once per batch of events)."""
        if self._depth == 0:
            self._at_bottom = self.text.yview()[1] >= 0.999
            self.text.configure(state="normal")
        self._depth += 1

    def end(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._flush()
            self._trim()
            self.text.configure(state="disabled")
            if self._at_bottom:
                self.text.see("end")

    # -- lines --------------------------------------------------------------------------

    def add_system(self, message: str, *, error: bool = False) -> None:
        self.begin()
        try:
            self._buffer += (message + "\n", ("line", "error" if error else "system"))
        finally:
            self.end()

    def add_message(self, msg_id: str, sender: str, text: str, ts: float, *, own: bool) -> bool:
        """Show a message of the room once. Returns False if it was already shown.

        Our own message echoed by the room completes its pending line instead of adding one.
        """
        if msg_id in self._pending:
            self.acked(msg_id)
            self._remember(msg_id)
            return False
        if msg_id in self._seen:
            return False
        self._remember(msg_id)
        self._insert(sender, text, ts, own=own)
        return True

    def add_pending(self, msg_id: str, sender: str, text: str, ts: float) -> None:
        """Show a message we just sent, marked "envoi…" until the room acknowledges it."""
        if msg_id in self._pending or msg_id in self._seen:
            return
        self.begin()
        try:
            mark = _MARK_PREFIX + msg_id
            self._flush()  # the mark goes after the lines buffered so far
            self.text.mark_set(mark, "end-1c")
            self.text.mark_gravity(mark, "left")
            self._pending.add(msg_id)
            self._insert(sender, text, ts, own=True, pending=True)
        finally:
            self.end()

    def acked(self, msg_id: str) -> None:
        """The room stored our message: drop its "envoi…" and its muted look."""
        if msg_id not in self._pending:
            return
        self._pending.discard(msg_id)
        mark = _MARK_PREFIX + msg_id
        self.begin()
        try:
            self._flush()  # the pending line may still be in the buffer
            found = self.text.tag_nextrange("pending_mark", mark)
            if found:
                self.text.tag_remove("pending", mark, found[0])
                self.text.delete(*found)
            self.text.mark_unset(mark)
        finally:
            self.end()
        self._remember(msg_id)

    def is_pending(self, msg_id: str) -> bool:
        return msg_id in self._pending

    def content(self) -> str:
        return self.text.get("1.0", "end-1c")

    def line_count(self) -> int:
        return int(self.text.index("end-1c").split(".")[0]) - 1

    # -- internals ----------------------------------------------------------------------

    def _insert(self, sender: str, text: str, ts: float, *, own: bool, pending=False) -> None:
        who = "own" if own else "other"
        extra = ("pending",) if pending else ()
        # The catalog decides the punctuation ("Nom : texte" in French, "Name: text" in
        # English); split its template around the text to style the name part.
        before, _, after = tr("line.chat", name=sender, text="\x00").partition("\x00")
        self.begin()
        try:
            self._buffer += (
                format_time(ts) + " ",
                ("line", "time", who, *extra),
                before,
                ("line", f"name_{who}", who, *extra),
                text + after,
                ("line", who, *extra),
            )
            if pending:
                self._buffer += ("  " + tr("gui.chat.pending"), ("line", "pending_mark"))
            self._buffer += ("\n", ("line",))
        finally:
            self.end()

    def _flush(self) -> None:
        """Insert the buffered lines in one call (the widget is writable: inside a batch)."""
        if self._buffer:
            self.text.insert("end-1c", *self._buffer)
            self._buffer.clear()

    def _remember(self, msg_id: str) -> None:
        if msg_id in self._seen:
            return
        self._seen.add(msg_id)
        self._seen_order.append(msg_id)
        if len(self._seen_order) > _SEEN_IDS:
            self._seen.discard(self._seen_order.popleft())

    def _trim(self) -> None:
        lines = self.line_count()
        if lines <= self.max_lines + TRIM_SLACK:
            return
        cut = f"{lines - self.max_lines + 1}.0"
        # Pending lines about to disappear lose their mark; their ack has nothing to update.
        for msg_id in list(self._pending):
            mark = _MARK_PREFIX + msg_id
            if self.text.compare(mark, "<", cut):
                self.text.mark_unset(mark)
                self._pending.discard(msg_id)
        self.text.delete("1.0", cut)
