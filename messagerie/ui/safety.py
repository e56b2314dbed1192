"""The safety code explained to a joiner at first contact, and the optional comparison step.

It sits above the history and never blocks the chat: the person may read it, compare the code
with the one on the host's screen, or close it.
"""

from __future__ import annotations

from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import tr
from messagerie.ui.widgets import Texts, wrap_label


class SafetyPanel(ttk.Frame):
    """A one-line explanation with "Comparer le code"; the comparison asks "the same code?"."""

    def __init__(self, master: Any, *, texts: Texts) -> None:
        super().__init__(master, padding=(0, 4))
        self.columnconfigure(0, weight=1)
        self.code = ""
        self.step = "hidden"  # hidden, intro, compare, same, different
        self.message = wrap_label(self)
        self.message.grid(row=0, column=0, sticky="ew")
        self.big_code = ttk.Label(self, font="-size 22 -weight bold", bootstyle="success")
        buttons = ttk.Frame(self)
        buttons.grid(row=2, column=0, sticky="w", pady=(6, 0))
        self.compare_button = ttk.Button(
            buttons, bootstyle="primary", command=lambda: self._go("compare")
        )
        texts.bind(self.compare_button, "gui.safety.compare_button")
        self.same_button = ttk.Button(
            buttons, bootstyle="success", command=lambda: self._go("same")
        )
        texts.bind(self.same_button, "gui.safety.same_button")
        self.different_button = ttk.Button(
            buttons, bootstyle="danger", command=lambda: self._go("different")
        )
        texts.bind(self.different_button, "gui.safety.different_button")
        self.close_button = ttk.Button(buttons, bootstyle="secondary-outline", command=self.hide)
        texts.bind(self.close_button, "gui.safety.close_button")

    def show_intro(self, code: str) -> None:
        """First contact: explain the code in one line and offer the comparison."""
        self.code = code
        self._go("intro")
        self.grid(row=1, column=0, sticky="ew", pady=(8, 0))

    def hide(self) -> None:
        self.step = "hidden"
        self.grid_remove()

    def retranslate(self) -> None:
        if self.step != "hidden":
            self._go(self.step)

    def _go(self, step: str) -> None:
        self.step = step
        self.message.configure(text=tr(f"gui.safety.step_{step}", code=self.code))
        for button in (self.compare_button, self.same_button, self.different_button):
            button.pack_forget()
        self.close_button.pack_forget()
        if step == "compare":
            self.big_code.configure(text=self.code)
            self.big_code.grid(row=1, column=0, sticky="w", pady=(4, 0))
            self.same_button.pack(side="left")
            self.different_button.pack(side="left", padx=(8, 0))
        else:
            self.big_code.grid_remove()
            if step == "intro":
                self.compare_button.pack(side="left")
        self.close_button.pack(side="left", padx=(8, 0))
        self.message.configure(bootstyle="danger" if step == "different" else "default")
