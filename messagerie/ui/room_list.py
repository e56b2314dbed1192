"""The live list of rooms in the join panel: pick one, and its address is filled in.

The browser (net/discovery.py) runs on its own threads. Tk is not thread-safe, so it only
puts each new list on a queue, and the Tk thread drains that queue with `after()`; only the
newest list is drawn, however many arrived in between. The list is bounded by the browser
(200 rooms), so a flood of forged announcements costs at most one redraw per tick.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import tr
from messagerie.net import discovery
from messagerie.net.lan import format_address
from messagerie.ui.diagnosis import findings_text
from messagerie.ui.widgets import Texts, wrap_label

DRAIN_MS = 250
ROWS = 3
# How long an empty list says "searching" before it says "nothing found".
SEARCHING_S = 4.0
COLUMNS = ("room", "host", "address")
SHOWN = ("room", "host")
# Bootstrap Icons drawn by ttkbootstrap: an emoji padlock would need a colour-emoji font,
# which many Linux desktops lack (and old libXft crashes on, NOTES.md).
LOCK_ICON = "lock-fill"

BrowserFactory = Callable[..., Any]


def make_browser(**options: Any) -> Any:
    """The real browser, or None when discovery is off (tests replace this function)."""
    chosen = discovery.options()
    if not chosen.enabled:
        return None
    return discovery.RoomBrowser(interface=chosen.interface, **options)


class RoomList(ttk.Frame):
    """A table of the rooms found; `on_pick(room)` runs on a click or on Enter.

    `on_empty()` runs once when the search has found nothing for SEARCHING_S seconds, and
    `on_show()` each time a new list is drawn.
    """

    def __init__(
        self,
        master: Any,
        texts: Texts,
        *,
        on_pick: Callable[[discovery.FoundRoom], None],
        pinned: Callable[[str, int], str | None] | None = None,
        on_empty: Callable[[], None] | None = None,
        on_show: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(master)
        self._on_empty = on_empty
        self._on_show = on_show
        self.columnconfigure(0, weight=1)
        self._on_pick = on_pick
        self._texts = texts
        self.rooms: list[discovery.FoundRoom] = []
        self._queue: queue.Queue[list[discovery.FoundRoom]] = queue.Queue()
        # The tree column (#0) holds only the padlock of rooms that ask a password.
        # The address stays in each row's values but is not shown: people pick a room by
        # its name and computer, and a raw IP has no place in the main path.
        self.tree = ttk.Treeview(
            self, columns=COLUMNS, displaycolumns=SHOWN, show="tree headings", height=ROWS
        )
        self.tree.column("#0", width=30, minwidth=30, stretch=False, anchor="center")
        for column, width in zip(COLUMNS, (170, 130, 130), strict=True):
            self.tree.column(column, width=width, stretch=True, anchor="w")
        self.lock = ttk.Icon(LOCK_ICON, size=14)
        self.tree.grid(row=0, column=0, sticky="ew")
        self.tree.tag_configure("suspicious", foreground="#b02a37")
        self.status = wrap_label(self, bootstyle="secondary")
        self.status.grid(row=1, column=0, sticky="ew", pady=(2, 0))
        self._headings()
        self.tree.bind("<ButtonRelease-1>", self._clicked, add="+")
        self.tree.bind("<Return>", self._entered, add="+")
        self.tree.bind("<KP_Enter>", self._entered, add="+")
        self.bind("<Destroy>", self._destroyed, add="+")
        self._started = time.monotonic()
        self.browser = make_browser(on_change=self._queue.put, pinned=pinned)
        if self.browser is None:
            self._set_status("gui.rooms.off")
        else:
            self._set_status("gui.rooms.searching")
            self.browser.start()
            self._after = self.after(DRAIN_MS, self._drain)

    def _headings(self) -> None:
        self.tree.heading("#0", text="")
        for column in COLUMNS:
            self.tree.heading(column, text=tr(f"gui.rooms.column_{column}"), anchor="w")

    def retranslate(self) -> None:
        self._headings()
        status = self.status_key
        self._show(self.rooms)
        if not self.rooms:
            # An empty list keeps what it said ("searching", "off"), only in the new language.
            self._set_status(status)

    def _set_status(self, key: str, **values: object) -> None:
        self.status_key = key
        self.status.configure(text=tr(key, **values))

    def _drain(self) -> None:
        """On the Tk thread: draw the newest list that the browser handed over."""
        newest = None
        while True:
            try:
                newest = self._queue.get_nowait()
            except queue.Empty:
                break
        if newest is not None:
            self._show(newest)
        elif (
            not self.rooms
            and self.status_key == "gui.rooms.searching"
            and time.monotonic() - self._started > SEARCHING_S
        ):
            self._set_status("gui.rooms.none")
            if self._on_empty is not None:
                self._on_empty()
        self._after = self.after(DRAIN_MS, self._drain)

    def _show(self, rooms: list[discovery.FoundRoom]) -> None:
        selected = self.tree.selection()
        keep = self.tree.item(selected[0], "values") if selected else None
        self.rooms = list(rooms)
        self.tree.delete(*self.tree.get_children())
        for index, room in enumerate(self.rooms):
            name = f"⚠ {room.name}" if room.suspicious else room.name
            values = (name, room.host, format_address(room.addresses[0], room.port))
            iid = str(index)
            self.tree.insert(
                "", "end", iid=iid, values=values, image=self.lock if room.password else ""
            )
            if room.suspicious:
                self.tree.item(iid, tags=("suspicious",))
            if keep and tuple(str(v) for v in values) == tuple(str(v) for v in keep):
                self.tree.selection_set(iid)
        if any(room.suspicious for room in self.rooms):
            self._set_status("gui.rooms.suspicious")
        elif self.rooms:
            self._set_status("gui.rooms.pick")
        else:
            self._set_status("gui.rooms.none")
        if self._on_show is not None:
            self._on_show()

    def show_findings(self, findings: list[Any]) -> None:
        """The doctor's findings about an empty list, under it (on the Tk thread)."""
        if not self.rooms:
            self.status.configure(text=f"{tr(self.status_key)}\n{findings_text(findings)}")

    def _clicked(self, event: Any) -> None:
        row = self.tree.identify_row(event.y)
        if row:
            self.pick(int(row))

    def _entered(self, _event: Any) -> str:
        focus = self.tree.focus() or next(iter(self.tree.selection()), "")
        if focus:
            self.pick(int(focus))
        return "break"

    def pick(self, index: int) -> None:
        """Hand the room in row `index` to `on_pick`."""
        if 0 <= index < len(self.rooms):
            self.tree.selection_set(str(index))
            self._on_pick(self.rooms[index])

    def _destroyed(self, event: Any) -> None:
        if event.widget is not self:
            return
        if getattr(self, "_after", None):
            self.after_cancel(self._after)
        browser, self.browser = self.browser, None
        if browser is not None:
            # Closing waits for the browser's thread (up to a tick and zeroconf's goodbye):
            # done off the Tk thread, so that leaving the start view stays instant.
            threading.Thread(target=browser.close, name="messagerie-browse-close").start()
