"""The bar above the message box while a reply is being written: "En réponse à …  ✕"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import tr
from messagerie.ui.widgets import wrap_label


class ReplyBar(ttk.Frame):
    """Shown by `open(id, sender, first line)`; `msg_id` is what the next message answers."""

    def __init__(self, master: Any, *, on_cancel: Callable[[], None]) -> None:
        super().__init__(master, padding=(8, 4))
        self.columnconfigure(0, weight=1)
        self.msg_id = ""
        self._quoted: tuple[str, str] = ("", "")
        self._on_cancel = on_cancel
        self.label = wrap_label(self, bootstyle="secondary")
        self.label.grid(row=0, column=0, sticky="ew")
        self.cancel = ttk.Button(self, text="✕", bootstyle="link", command=self.cancelled)
        self.cancel.grid(row=0, column=1, padx=(6, 0))

    def open(self, msg_id: str, sender: str, first_line: str) -> None:
        self.msg_id = msg_id
        self._quoted = (sender, first_line)
        self.retranslate()
        self.grid(row=2, column=0, sticky="ew", pady=(6, 0))

    def retranslate(self) -> None:
        sender, first_line = self._quoted
        self.label.configure(text=tr("gui.chat.replying", name=sender, text=first_line))
        self.cancel.configure(text="✕")

    def close(self) -> None:
        self.msg_id = ""
        self.grid_remove()

    def cancelled(self) -> None:
        self.close()
        self._on_cancel()
