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
id remembers where it starts, so the acknowledgement can find and update that line, and the
room's echo can put the room's time on it (everyone shows the host's `ts`).

The view follows the newest line while the reader is at the bottom. Whether they are is
decided when they scroll (wheel, keys, scrollbar), from whether the last line is on screen,
never from `yview()` fractions: Tk computes line heights lazily, so right after a big insert
the fractions say "not at the bottom" for a while and the view would stop following. When the
reader has scrolled up, new messages leave the view where it is and a "nouveaux messages ↓"
button jumps down.
"""

from __future__ import annotations

import re
import time
import tkinter as tk
import tkinter.font as tkfont
import webbrowser
from collections import deque
from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie import protocol
from messagerie.i18n import tr
from messagerie.ui.forms import day_key, day_label, format_time

MAX_LINES = 5_000
# Trim only once this many extra lines have piled up, so trimming happens in batches.
TRIM_SLACK = 500
# How many message ids to remember for deduplication.
_SEEN_IDS = 20_000
_MARK_PREFIX = "pending-"
_ECHO_PREFIX = "echo-"
# The mark at the start of a message's line, named after its id.
_ID_PREFIX = "msg-"
# http and https links; the punctuation that usually ends a sentence is not part of them.
LINK = re.compile(r"https?://[^\s<>\"'«»]+[^\s<>\"'«».,;:!?)\]]")
# How many measured widths (time stamps, "Name : ") to remember before starting afresh.
_WIDTHS_KEPT = 2_000
# Keys and buttons after which the reader may have moved away from (or back to) the bottom.
_SCROLL_EVENTS = ("<MouseWheel>", "<Button-4>", "<Button-5>", "<KeyRelease>")


def links_of(text: str) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_link) pieces, in order."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in LINK.finditer(text):
        if match.start() > at:
            pieces.append((text[at : match.start()], False))
        pieces.append((match.group(), True))
        at = match.end()
    if at < len(text) or not pieces:
        pieces.append((text[at:], False))
    return pieces


def open_in_browser(url: str) -> None:
    """Open `url` in the person's browser (a new tab when it is already open)."""
    webbrowser.open(url, new=2)


class History:
    """A read-only text widget with a scrollbar; call `begin()`, add lines, `end()` per batch.

    `now` is the clock that says which day is today (tests replace it).
    """

    def __init__(self, master: Any, *, max_lines: int = MAX_LINES) -> None:
        self.widget = ttk.Frame(master, bootstyle="highlight", padding=2)
        self.widget.rowconfigure(0, weight=1)
        self.widget.columnconfigure(0, weight=1)
        self.text = ttk.Text(
            self.widget,
            wrap="word",
            height=12,
            width=50,
            padx=10,
            pady=8,
            undo=False,
            cursor="arrow",
            borderwidth=0,
            highlightthickness=0,
        )
        self.text.grid(row=0, column=0, sticky="nsew")
        self.scrollbar = ttk.Scrollbar(self.widget, orient="vertical", command=self._scrollbar)
        self.scrollbar.grid(row=0, column=1, sticky="ns")
        self.text.configure(yscrollcommand=self.scrollbar.set)
        self.new_below = ttk.Button(
            self.widget, bootstyle="primary", command=self.jump_to_end, takefocus=False
        )
        # The text widget defaults to a fixed-width font; a chat reads better in the UI font,
        # one point larger.
        base = tkfont.nametofont("TkDefaultFont").actual()
        self._family, self._size = base["family"], abs(int(base["size"])) + 1
        self._font = tkfont.Font(family=self._family, size=self._size)
        self._bold = tkfont.Font(family=self._family, size=self._size, weight="bold")
        self.text.configure(font=self._font)
        self.max_lines = max_lines
        self.text.configure(state="disabled")
        self.now: Callable[[], float] = time.time
        self.following = True
        self.unseen = 0  # messages added below the view since the reader scrolled up
        self._unread_due = False
        self._last_day: tuple[int, int, int] | None = None
        self._indent_tags: set[int] = set()
        self._widths: dict[tuple[bool, str], int] = {}
        self._pending: set[str] = set()
        self._awaiting_echo: set[str] = set()
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque()
        self._depth = 0
        self._added = 0
        # Alternating text, tags of the lines not yet in the widget (see `_flush`).
        self._buffer: list[Any] = []
        self.open_link: Callable[[str], object] = open_in_browser
        # "Répondre" on a message (right click): called with (id, sender, first line).
        self.on_reply: Callable[[str, str, str], object] | None = None
        # What a reply to each shown message quotes: its sender and first line, by id; what
        # each reply shown answers; the marks to set at the next flush (buffer position, id).
        self._quotable: dict[str, tuple[str, str]] = {}
        self._replies: dict[str, str] = {}
        self._marks_due: list[tuple[int, str]] = []
        # The messages with a mark, oldest first: a trim forgets them from the front, with
        # one comparison per message cut, not one per message shown (5,000 Tcl calls, about
        # 15 ms, at every trim).
        self._marked: deque[str] = deque()
        self._marked_ids: set[str] = set()
        self.apply_colors()
        # A theme change rebuilds the widget colors; our tag colors follow.
        self.widget.bind("<<ThemeChanged>>", lambda _e: self.apply_colors(), add="+")
        for sequence in _SCROLL_EVENTS:
            self.text.bind(sequence, self._after_scroll, add="+")
        self.text.bind("<Configure>", self._on_resize, add="+")
        self.text.tag_bind("link", "<Button-1>", self._click_link)
        self.text.tag_bind("quote", "<Button-1>", self._click_quote)
        self.text.bind("<Button-3>", self._context_menu, add="+")
        self.menu = tk.Menu(self.text, tearoff=False)
        self.menu.add_command(command=self._reply_to_clicked)
        self._clicked: str | None = None
        self.text.tag_bind("link", "<Enter>", lambda _e: self.text.configure(cursor="hand2"))
        self.text.tag_bind("link", "<Leave>", lambda _e: self.text.configure(cursor="arrow"))

    # -- look ---------------------------------------------------------------------------

    def apply_colors(self) -> None:
        colors = ttk.Style.get_instance().colors
        muted = colors.secondary
        t = self.text
        family, size = self._family, self._size
        t.tag_configure("line", spacing1=3, spacing3=3, lmargin2=self._font.measure("00:00 "))
        t.tag_configure("system", foreground=muted, font=(family, size, "italic"))
        t.tag_configure("time", foreground=muted)
        t.tag_configure("name_own", foreground=colors.primary, font=(family, size, "bold"))
        t.tag_configure("name_other", foreground=colors.success, font=(family, size, "bold"))
        t.tag_configure("own")
        t.tag_configure("other")
        t.tag_configure("link", foreground=colors.info, underline=True)
        t.tag_configure("pending", foreground=muted)
        t.tag_configure("pending_mark", foreground=muted, font=(family, size, "italic"))
        t.tag_configure("error", foreground=colors.danger)
        t.tag_configure(
            "day", foreground=muted, justify="center", font=(family, size - 1, "bold"), spacing1=8
        )
        t.tag_configure("unread_line", foreground=colors.danger, justify="center")
        # A quote of the message a reply answers, and a message that mentions us: the theme's
        # own colors, so that both read in the light and the dark themes.
        t.tag_configure("quote", foreground=muted, font=(family, size - 1, "italic"))
        # Dark text on the warning colour: readable on a yellow in light and dark themes.
        t.tag_configure("mention", background=colors.warning, foreground="#212529")
        # The pending look must win over the own/other colors.
        t.tag_raise("pending")
        t.tag_raise("pending_mark")

    def _width(self, font: tkfont.Font, text: str) -> int:
        """`font.measure(text)`, remembered: a flood must not cost a Tcl call per message."""
        key = (font is self._bold, text)
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) > _WIDTHS_KEPT:
                self._widths.clear()
            width = self._widths[key] = font.measure(text)
        return width

    def _indent(self, before: str, stamp: str) -> tuple[str, str]:
        """Tags that put wrapped and continuation lines under the text, not under the name.

        There is a pair of tags per indent width, not per message (see above): a room has a
        few senders and time stamps a few widths, so a few dozen pairs serve a whole history.
        """
        px = self._width(self._font, stamp) + self._width(self._bold, before)
        if px not in self._indent_tags:
            self._indent_tags.add(px)
            self.text.tag_configure(f"hang{px}", lmargin2=px)
            self.text.tag_configure(f"cont{px}", lmargin1=px, lmargin2=px)
        return f"hang{px}", f"cont{px}"

    # -- batching -----------------------------------------------------------------------

    def begin(self) -> None:
        """Open the widget for writing (once per batch of events)."""
        if self._depth == 0:
            self._added = 0
            self.text.configure(state="normal")
        self._depth += 1

    def end(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._flush()
            self._trim()
            self.text.configure(state="disabled")
            if self.following:
                self.text.see("end")
            elif self._added:
                self.unseen += self._added
                self._show_new_below()

    # -- following the newest line ------------------------------------------------------

    def at_bottom(self) -> bool:
        """Whether the last line is on screen (as laid out now, not Tk's estimate)."""
        return self.text.dlineinfo("end-1c linestart -1c") is not None

    def jump_to_end(self) -> None:
        """Show the newest line and follow the new ones again ("nouveaux messages ↓")."""
        self.text.see("end")
        self._set_following(True)

    def _scrollbar(self, *args: Any) -> None:
        self.text.yview(*args)
        self._after_scroll(None)

    def _after_scroll(self, _event: Any) -> None:
        # The class bindings scroll after ours have run: look once Tk is idle again.
        self.text.after_idle(self._check_following)

    def _check_following(self) -> None:
        if self.text.winfo_exists():
            self._set_following(self.at_bottom())

    def _set_following(self, following: bool) -> None:
        self.following = following
        if following:
            self.unseen = 0
            self.new_below.place_forget()

    def _show_new_below(self) -> None:
        self.new_below.configure(text=tr("gui.chat.new_below", count=self.unseen))
        self.new_below.place(relx=0.5, rely=1.0, anchor="s", y=-10)
        self.new_below.lift()

    def _on_resize(self, _event: Any) -> None:
        # Tk keeps the top line in place when the widget changes size, so the newest line
        # would fall out of sight at the bottom.
        if self.following:
            self.text.after_idle(self._follow_again)

    def _follow_again(self) -> None:
        if self.text.winfo_exists() and self.following:
            self.text.see("end")

    # -- lines --------------------------------------------------------------------------

    def add_system(self, message: str, *, error: bool = False) -> None:
        self.begin()
        try:
            self._buffer += (message + "\n", ("line", "error" if error else "system"))
        finally:
            self.end()

    def mark_unread(self) -> None:
        """Put a "nouveaux messages" line before the next message from someone else."""
        self._unread_due = True

    def unread_over(self) -> None:
        """The catch-up is over: a later message is simply live, with no line before it."""
        self._unread_due = False

    def add_message(
        self,
        msg_id: str,
        sender: str,
        text: str,
        ts: float,
        *,
        own: bool,
        history: bool = False,
        reply: tuple[str, str, str] | None = None,
        mention: bool = False,
    ) -> bool:
        """Show a message of the room once. Returns False if it was already shown.

        Our own message echoed by the room completes its pending line instead of adding one,
        and takes the room's time.
        """
        if msg_id in self._pending:
            self.acked(msg_id)
            self._remember(msg_id)
        if msg_id in self._awaiting_echo:
            self._take_room_time(msg_id, ts)
            return False
        if msg_id in self._seen:
            return False
        self._remember(msg_id)
        self._insert(
            sender, text, ts, own=own, history=history, msg_id=msg_id, reply=reply, mention=mention
        )
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
            self._insert(sender, text, ts, own=True, pending=True, msg_id=msg_id)
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
            # The echo that follows brings the room's time: keep the place until then.
            self.text.mark_set(_ECHO_PREFIX + msg_id, mark)
            self.text.mark_gravity(_ECHO_PREFIX + msg_id, "left")
            self._awaiting_echo.add(msg_id)
            self.text.mark_unset(mark)
        finally:
            self.end()
        self._remember(msg_id)

    def add_widget(self, make: Callable[[Any], Any]) -> Any:
        """Embed the widget `make(text)` returns on a line of its own (a file's card).

        The lines buffered so far go in first, so the widget keeps its place in the order.
        Trimming deletes its line like any other, which destroys the widget.
        """
        self.begin()
        try:
            self._flush()
            widget = make(self.text)
            self.text.window_create("end-1c", window=widget, padx=2, pady=4)
            self._buffer += ("\n", ("line",))
            self._added += 1
        finally:
            self.end()
        return widget

    def is_pending(self, msg_id: str) -> bool:
        return msg_id in self._pending

    def content(self) -> str:
        return self.text.get("1.0", "end-1c")

    def line_count(self) -> int:
        return int(self.text.index("end-1c").split(".")[0]) - 1

    # -- internals ----------------------------------------------------------------------

    def _take_room_time(self, msg_id: str, ts: float) -> None:
        self._awaiting_echo.discard(msg_id)
        mark = _ECHO_PREFIX + msg_id
        self.begin()
        try:
            self._flush()
            found = self.text.tag_nextrange("time", mark)
            if found and self.text.compare(found[0], "==", mark):
                tags = self.text.tag_names(found[0])
                self.text.delete(*found)
                self.text.insert(mark, format_time(ts) + " ", tags)
            self.text.mark_unset(mark)
        finally:
            self.end()

    def _day_line(self, ts: float, *, history: bool) -> None:
        """A day separator ("Aujourd'hui", "Hier", "lundi 30 novembre") when the day changes.

        Before the first message only when it is an earlier day's catch-up: a live message
        is from today, which needs no saying.
        """
        day = day_key(ts)
        previous, self._last_day = self._last_day, day
        if day is None or day == previous:
            return
        if previous is None and (not history or day == day_key(self.now())):
            return
        self._buffer += (day_label(ts, self.now()) + "\n", ("line", "day"))

    def _unread_line(self) -> None:
        self._unread_due = False
        self._flush()
        old = self.text.tag_ranges("unread_line")
        if old:
            self.text.delete(old[0], old[1])
        self._buffer += (tr("gui.chat.unread_line") + "\n", ("line", "unread_line"))

    def _insert(
        self,
        sender: str,
        text: str,
        ts: float,
        *,
        own: bool,
        pending: bool = False,
        history: bool = False,
        msg_id: str = "",
        reply: tuple[str, str, str] | None = None,
        mention: bool = False,
    ) -> None:
        who = "own" if own else "other"
        extra = ("pending",) if pending else ()
        if msg_id:
            self._quotable[msg_id] = (sender, protocol.quote_of(text))
        # The catalog decides the punctuation ("Nom : texte" in French, "Name: text" in
        # English); split its template around the text to style the name part.
        before, _, after = tr("line.chat", name=sender, text="\x00").partition("\x00")
        stamp = format_time(ts) + " "
        hang, cont = self._indent(before, stamp)
        self.begin()
        try:
            if self._unread_due and not own:
                self._unread_line()
            elif own:
                self._unread_due = False
            self._day_line(ts, history=history)
            self._added += 1
            if reply is not None:
                quote = tr("gui.chat.quote", name=reply[1], text=reply[2])
                self._buffer += (quote + "\n", ("line", "quote"))
                self._replies[msg_id] = reply[0]
            if msg_id:
                # A mark named after the id will start the line, set once the batch is in
                # the widget (`_flush`): how "Répondre" and a quote find a message, with no
                # tag per message (each costs Tk in every redraw of a flood).
                self._marks_due.append((len(self._buffer), msg_id))
            # The margins come from the text's tags: a line wraps inside the text, and every
            # tag less on the other pieces is less work for Tk in a flood.
            self._buffer += (
                stamp,
                ("line", "time", who, *extra),
                before,
                ("line", f"name_{who}", who, *extra),
            )
            if mention:
                extra = (*extra, "mention")
            first, newline, rest = (text + after).partition("\n")
            self._text_pieces(first, ("line", who, hang, *extra))
            if newline:
                self._text_pieces(newline + rest, ("line", who, cont, *extra))
            if pending:
                self._buffer += ("  " + tr("gui.chat.pending"), ("line", "pending_mark"))
            self._buffer += ("\n", ("line",))
        finally:
            self.end()

    def _text_pieces(self, text: str, tags: tuple[str, ...]) -> None:
        for piece, is_link in links_of(text):
            self._buffer += (piece, (*tags, "link") if is_link else tags)

    def _click_link(self, event: Any) -> str:
        index = self.text.index(f"@{event.x},{event.y}")
        found = self.text.tag_prevrange("link", f"{index} +1c")
        if found:
            self.open_link(self.text.get(*found))
        return "break"

    def message_at(self, index: str) -> str | None:
        """The id of the message whose line holds `index`, if it is a message. The second
        and later lines of a message (continuation lines) lead up to its first."""
        self._flush()
        line = int(self.text.index(index).split(".")[0])
        while line >= 1:
            for kind, name, _where in self.text.dump(f"{line}.0", f"{line}.0 +1c", mark=True):
                if kind == "mark" and name.startswith(_ID_PREFIX):
                    return name[len(_ID_PREFIX) :]
            if not any(name.startswith("cont") for name in self.text.tag_names(f"{line}.0")):
                return None
            line -= 1
        return None

    def show_message(self, msg_id: str) -> bool:
        """Scroll to the message `msg_id` if it is still here; False when it is not."""
        self._flush()
        mark = f"{_ID_PREFIX}{msg_id}"
        if mark not in self.text.mark_names():
            return False
        self.text.see(mark)
        self._set_following(False)
        return True

    def _context_menu(self, event: Any) -> str | None:
        msg_id = self.message_at(f"@{event.x},{event.y}")
        if msg_id is None or self.on_reply is None or msg_id not in self._quotable:
            return None
        self._clicked = msg_id
        self.menu.entryconfigure(0, label=tr("gui.chat.reply"))
        self.menu.tk_popup(event.x_root, event.y_root)
        return "break"

    def _reply_to_clicked(self) -> None:
        self.reply_to(self._clicked or "")

    def reply_to(self, msg_id: str) -> None:
        """Start a reply to `msg_id` (the menu's "Répondre")."""
        quoted = self._quotable.get(msg_id)
        if quoted is not None and self.on_reply is not None:
            self.on_reply(msg_id, *quoted)

    def _click_quote(self, event: Any) -> str:
        # The quote is the line above its reply, whose mark starts the next line.
        reply = self.message_at(f"@{event.x},{event.y} +1l")
        if reply in self._replies:
            self.show_message(self._replies[reply])
        return "break"

    def _flush(self) -> None:
        """Insert the buffered lines in one call (the widget is writable: inside a batch),
        then set the messages' marks, at the line each one starts (line numbers, counted
        from the newlines before it: an emoji makes character counts wrong, not lines)."""
        if not self._buffer:
            return
        first_line = int(self.text.index("end-1c").split(".")[0])
        self.text.insert("end-1c", *self._buffer)
        if self._marks_due:
            newlines, counted = 0, 0
            for position, msg_id in self._marks_due:
                for piece in self._buffer[counted:position:2]:
                    newlines += piece.count("\n")
                counted = position
                mark = f"{_ID_PREFIX}{msg_id}"
                self.text.mark_set(mark, f"{first_line + newlines}.0")
                self.text.mark_gravity(mark, "left")
                if msg_id not in self._marked_ids:  # shown again long after: moved only
                    self._marked_ids.add(msg_id)
                    self._marked.append(msg_id)
            self._marks_due.clear()
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
        # Lines about to disappear lose their marks; their ack or echo has nothing to update.
        for prefix, ids in ((_MARK_PREFIX, self._pending), (_ECHO_PREFIX, self._awaiting_echo)):
            for msg_id in list(ids):
                mark = prefix + msg_id
                if self.text.compare(mark, "<", cut):
                    self.text.mark_unset(mark)
                    ids.discard(msg_id)
        # The marks of the messages cut would gather at the start: forget them.
        marked = self._marked
        while marked and self.text.compare(_ID_PREFIX + marked[0], "<", cut):
            msg_id = marked.popleft()
            self._marked_ids.discard(msg_id)
            self.text.mark_unset(_ID_PREFIX + msg_id)
            self._quotable.pop(msg_id, None)
            self._replies.pop(msg_id, None)
        self.text.delete("1.0", cut)
