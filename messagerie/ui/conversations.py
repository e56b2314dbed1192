"""The room's conversation and one per person written to privately, side by side.

Each conversation has its own `History`, all in the same place of the chat view, only the
open one shown: each keeps its scroll position, its "new messages" marker and its pending
lines, and a flood in the room costs a private conversation nothing (one history filtered
per conversation would redraw everything at each switch). The list of conversations (the
room first, then one entry per person, with the count of messages not read yet) shows once
there is more than the room.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import tr
from messagerie.ui.history import History

ROOM = ""  # the room's key; a private conversation's key is the other person's member id


class Conversations:
    """The histories of one chat view, by key, and the list to switch between them."""

    def __init__(
        self,
        room: History,
        *,
        cell: Any,
        list_parent: Any,
        on_switch: Callable[[str], None],
        prepare: Callable[[History], None],
    ) -> None:
        self.histories: dict[str, History] = {ROOM: room}
        self.names: dict[str, str] = {}
        self.unread: dict[str, int] = {}
        # Our private messages whose recipient has not received them yet, by conversation.
        self.waiting: dict[str, set[str]] = {}
        self.current = ROOM
        self._cell = cell
        self._on_switch = on_switch
        self._prepare = prepare
        self._keys: list[str] = [ROOM]
        self.box = ttk.LabelFrame(list_parent, padding=6)
        self.list = ttk.Listbox(self.box, width=20, height=5, activestyle="none")
        self.list.grid(row=0, column=0, sticky="nsew")
        self.list.bind("<<ListboxSelect>>", self._selected)

    @property
    def room(self) -> History:
        return self.histories[ROOM]

    def history_for(self, key: str, name: str = "") -> History:
        """The conversation `key`'s history, made the first time (hidden until opened)."""
        if name:
            self.names[key] = name
        history = self.histories.get(key)
        if history is None:
            history = self.histories[key] = History(self._cell)
            self._prepare(history)
            self.redraw()
        return history

    def open(self, key: str, name: str = "") -> None:
        """Show the conversation `key` (ROOM or a member id) and count it as read."""
        history = self.history_for(key, name)
        if key != self.current:
            self.histories[self.current].widget.grid_remove()
            history.widget.grid(row=0, column=0, sticky="nsew")
            self.current = key
        self.unread.pop(key, None)
        self.redraw()
        self._on_switch(key)

    def arrived(self, key: str) -> None:
        """A message from someone else in `key`: unread unless it is the open one."""
        if key != self.current:
            self.unread[key] = self.unread.get(key, 0) + 1
            self.redraw()

    def wait(self, key: str, msg_id: str) -> None:
        self.waiting.setdefault(key, set()).add(msg_id)

    def reached(self, msg_id: str) -> None:
        for ids in self.waiting.values():
            ids.discard(msg_id)

    def label(self, key: str) -> str:
        name = tr("gui.chat.room_conversation") if key == ROOM else self.names.get(key, "…")
        count = self.unread.get(key, 0)
        return tr("gui.chat.conversation_unread", name=name, count=count) if count else name

    def redraw(self) -> None:
        """The list: the room, then the people in the order their conversation began."""
        self._keys = list(self.histories)
        self.box.configure(text=tr("gui.chat.conversations"))
        self.list.delete(0, "end")
        for key in self._keys:
            self.list.insert("end", self.label(key))
        self.list.selection_clear(0, "end")
        self.list.selection_set(self._keys.index(self.current))
        if len(self._keys) > 1:
            self.box.grid()
        else:
            self.box.grid_remove()

    def _selected(self, _event: Any) -> None:
        chosen = self.list.curselection()
        if chosen and self._keys[chosen[0]] != self.current:
            self.open(self._keys[chosen[0]])
