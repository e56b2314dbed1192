"""A small question window of ours: "Fermer la discussion pour tout le monde ?".

ttkbootstrap's Messagebox waits in a nested event loop until it is answered; this one does not
wait: it calls `on_yes` when the person agrees and simply closes otherwise. The Tk thread keeps
running the chat meanwhile (messages still arrive), and a test can answer it like a person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import tr
from messagerie.ui.widgets import wrap_label


class ConfirmDialog(ttk.Toplevel):
    """Ask `message`; "yes" runs `on_yes`, "no", Escape or the close button do nothing."""

    def __init__(
        self, master: Any, *, title: str, message: str, yes: str, on_yes: Callable[[], None]
    ) -> None:
        super().__init__(master=master, title=title, resizable=(False, False))
        self._on_yes = on_yes
        self.transient(master)
        # A border of its own: without a window manager (or with a flat one) it would blend in.
        body = ttk.Frame(self, padding=20, relief="solid", borderwidth=1)
        body.pack(fill="both", expand=True)
        self.message = wrap_label(body, text=message, width=44)
        self.message.pack(fill="x")
        buttons = ttk.Frame(body)
        buttons.pack(fill="x", pady=(16, 0))
        self.yes_button = ttk.Button(buttons, text=yes, bootstyle="danger", command=self.yes)
        self.yes_button.pack(side="right")
        self.no_button = ttk.Button(
            buttons, text=tr("gui.confirm.no"), bootstyle="secondary", command=self.no
        )
        self.no_button.pack(side="right", padx=(0, 8))
        self.protocol("WM_DELETE_WINDOW", self.no)
        self.bind("<Escape>", lambda _e: self.no())
        # The safe answer has the keyboard: Enter on it keeps the room open.
        self.no_button.focus_set()
        self._center_on(master)

    def _center_on(self, master: Any) -> None:
        self.update_idletasks()
        x = master.winfo_rootx() + (master.winfo_width() - self.winfo_reqwidth()) // 2
        y = master.winfo_rooty() + (master.winfo_height() - self.winfo_reqheight()) // 3
        self.geometry(f"+{max(x, 0)}+{max(y, 0)}")

    def yes(self) -> None:
        self.destroy()
        self._on_yes()

    def no(self) -> None:
        self.destroy()
