"""The "server identity changed" screen.

A pinned server that shows a new identity is either reinstalled or impersonated. The person
must decide deliberately: the screen shows both safety codes, explains how to check them,
and trusting the new identity takes a separate, clearly labelled button (never the default).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie.ui.widgets import Texts, wrap_label


class IdentityView(ttk.Frame):
    def __init__(
        self,
        master: Any,
        *,
        host: str,
        port: int,
        old_code: str,
        new_code: str,
        on_cancel: Callable[[], None],
        on_trust: Callable[[], None],
    ) -> None:
        super().__init__(master, padding=(32, 24))
        self.texts = Texts()
        self.columnconfigure(0, weight=1)
        title = ttk.Label(self, font="-size 16 -weight bold", bootstyle="danger")
        self.texts.bind(title, "gui.identity.title")
        title.grid(row=0, column=0, sticky="w", pady=(0, 12))
        body = wrap_label(self)
        self.texts.bind(body, "gui.identity.body", host=host, port=port)
        body.grid(row=1, column=0, sticky="ew")
        codes = ttk.Frame(self, padding=(0, 12))
        codes.grid(row=2, column=0, sticky="w")
        old = ttk.Label(codes, font="-size 12", bootstyle="secondary")
        self.texts.bind(old, "gui.identity.old_code", code=old_code or "?")
        old.pack(anchor="w")
        new = ttk.Label(codes, font="-size 12 -weight bold")
        self.texts.bind(new, "gui.identity.new_code", code=new_code or "?")
        new.pack(anchor="w", pady=(4, 0))
        advice = wrap_label(self, bootstyle="secondary")
        self.texts.bind(advice, "gui.identity.advice")
        advice.grid(row=3, column=0, sticky="ew")
        buttons = ttk.Frame(self)
        buttons.grid(row=4, column=0, sticky="w", pady=(16, 0))
        self.cancel_button = ttk.Button(buttons, bootstyle="primary", command=on_cancel)
        self.texts.bind(self.cancel_button, "gui.identity.cancel")
        self.cancel_button.pack(side="left")
        self.trust_button = ttk.Button(buttons, bootstyle="outline-danger", command=on_trust)
        self.texts.bind(self.trust_button, "gui.identity.trust")
        self.trust_button.pack(side="left", padx=(12, 0))

    def focus_first(self, _kind: str | None = None) -> None:
        self.cancel_button.focus_set()

    def retranslate(self) -> None:
        self.texts.refresh()
