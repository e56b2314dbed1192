"""One card of the start view: "Créer une discussion" or "Rejoindre une discussion".

The main path of a card holds only what a non-technical person needs (the join card's
address, a password, the button). The network details (listening address, port,
encryption) live under "Options avancées", collapsed until asked for or until one of them
has an error to show.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import tr
from messagerie.ui import forms
from messagerie.ui.widgets import Texts, set_error, wrap_label

# Bootstrap Icons drawn by ttkbootstrap, the same padlock as in the list of rooms.
LOCK_ICON = "lock-fill"


class _Column:
    """Widgets stacked in column 0 of a frame, one grid row each."""

    def __init__(self, frame: Any) -> None:
        self.frame = frame
        self.row = 0
        frame.columnconfigure(0, weight=1)

    def add(self, widget: Any, **grid: Any) -> Any:
        widget.grid(row=self.row, column=0, sticky=grid.pop("sticky", "ew"), **grid)
        self.row += 1
        return widget


class Panel:
    """A card's fields, their error labels, its advanced options and its button."""

    def __init__(
        self, master: Any, texts: Texts, kind: str, submit: Callable[[], None], *, tls: bool
    ) -> None:
        self.kind = kind
        self.frame = ttk.LabelFrame(master, padding=(16, 10))
        texts.bind(self.frame, f"gui.start.{kind}_title")
        self._texts = texts
        main = _Column(self.frame)
        texts.bind(
            main.add(wrap_label(self.frame, bootstyle="secondary")), f"gui.start.{kind}_intro"
        )
        # The join panel's list of rooms found on the network goes here (StartView fills it).
        self.list_row = main.row
        main.row += 1
        self.errors: dict[str, ttk.Label] = {}
        self.ip_text = tk.StringVar(master)
        self.port_text = tk.StringVar(master)
        self.advanced = tk.BooleanVar(master, value=False)
        self.advanced_frame = ttk.Frame(self.frame)
        advanced = _Column(self.advanced_frame)
        # Both are combo boxes: the host's offers this machine's addresses, the joiner's the
        # hosts joined before. The host's is a network detail; the joiner's is how one joins
        # a room that the list does not show.
        ip_column = advanced if kind == "host" else main
        self.ip = ttk.Combobox(ip_column.frame, width=28, textvariable=self.ip_text)
        self._field(
            ip_column, "ip", f"gui.start.{kind}_ip", self.ip, hint=f"gui.start.{kind}_ip_hint"
        )
        self.password_line = None
        if kind == "join":
            self.lock = ttk.Icon(LOCK_ICON, size=14)
            self.password_line = ttk.Label(self.frame, image=self.lock, compound="left")
            texts.bind(
                main.add(self.password_line, sticky="w", pady=(4, 0)), "gui.start.needs_password"
            )
            self.password_line.grid_remove()
        self.password = ttk.Entry(self.frame, width=30, show="•")
        password_key = "gui.start.password" if kind == "host" else "gui.start.join_password"
        self._field(main, "password", password_key, self.password)
        self.remember_password = tk.BooleanVar(master, value=False)
        self.remember_box = None
        if kind == "host":
            # Only the host's password is ever kept, and only when asked (SECURITY.md).
            box = self.remember_box = ttk.Checkbutton(self.frame, variable=self.remember_password)
            texts.bind(main.add(box, sticky="w", pady=(4, 0)), "label.remember_password")

        self.advanced_toggle = ttk.Checkbutton(
            self.frame,
            bootstyle="round-toggle",
            variable=self.advanced,
            command=self._show_advanced,
        )
        texts.bind(main.add(self.advanced_toggle, sticky="w", pady=(10, 0)), "gui.start.advanced")
        main.add(self.advanced_frame, padx=(12, 0))
        self.port = ttk.Entry(self.advanced_frame, width=8, textvariable=self.port_text)
        self._field(advanced, "port", "gui.start.port", self.port, stretch=False)
        self.port_note = advanced.add(wrap_label(self.advanced_frame, bootstyle="secondary"))
        self.port_note.grid_remove()
        tls_line = advanced.add(wrap_label(self.advanced_frame, bootstyle="secondary"), pady=(8, 0))
        texts.bind(tls_line, "gui.start.tls_on" if tls else "gui.start.tls_off")
        self.advanced_frame.grid_remove()

        self.button = ttk.Button(self.frame, bootstyle="primary", command=submit)
        self.button_key = f"gui.start.{kind}_button"
        texts.bind(main.add(self.button, sticky="w", pady=(10, 0), ipadx=8), self.button_key)
        self.errors["general"] = main.add(wrap_label(self.frame, bootstyle="danger"), pady=(8, 0))
        self.errors["general"].grid_remove()
        self.advanced_fields = {"port", "ip"} if kind == "host" else {"port"}
        for widget in (self.ip, self.port, self.password):
            widget.bind("<Return>", lambda _e: submit())
            widget.bind("<KP_Enter>", lambda _e: submit())
        if kind == "join":
            self._syncing = False
            self.ip_text.trace_add("write", lambda *_: self._address_changed())
            self.port_text.trace_add("write", lambda *_: self._port_changed())

    def _field(
        self,
        column: _Column,
        key: str,
        label_key: str,
        entry: Any,
        *,
        hint: str | None = None,
        stretch: bool = True,
    ) -> None:
        self._texts.bind(column.add(wrap_label(column.frame), pady=(8, 2)), label_key)
        column.add(entry, sticky="ew" if stretch else "w")
        if hint:
            label = column.add(wrap_label(column.frame, bootstyle="secondary"))
            self._texts.bind(label, hint)
        self.errors[key] = column.add(wrap_label(column.frame, bootstyle="danger"))
        self.errors[key].grid_remove()

    # -- advanced options ---------------------------------------------------------------

    def _show_advanced(self) -> None:
        if self.advanced.get():
            self.advanced_frame.grid()
        else:
            self.advanced_frame.grid_remove()

    def open_advanced(self) -> None:
        """Unfold the advanced options (an error in one of them must be seen)."""
        self.advanced.set(True)
        self._show_advanced()

    # -- the address's port and the port field agree ------------------------------------

    def _address_changed(self) -> None:
        """A port typed in the address is the one used: the port field shows it."""
        embedded = forms.embedded_port(self.ip_text.get())
        if embedded and embedded != self.port_text.get() and not self._syncing:
            self._set_quietly(self.port_text, embedded)
        self.refresh_port_note()

    def _port_changed(self) -> None:
        """A port typed in the port field replaces the one in the address, if any."""
        if self._syncing:
            return
        address = self.ip_text.get()
        synced = forms.with_port(address, self.port_text.get())
        if synced != address:
            self._set_quietly(self.ip_text, synced)
        self.refresh_port_note()

    def _set_quietly(self, variable: tk.StringVar, value: str) -> None:
        """Set one of the two fields without the other reacting to it in turn."""
        self._syncing = True
        try:
            variable.set(value)
        finally:
            self._syncing = False

    def refresh_port_note(self) -> None:
        """Say under the port field that its value comes from the address."""
        if self.kind != "join":
            return
        embedded = forms.embedded_port(self.ip_text.get())
        if embedded:
            self.port_note.configure(text=tr("gui.start.port_from_address", port=embedded))
            self.port_note.grid()
        else:
            self.port_note.grid_remove()

    def show_password_line(self, needed: bool) -> None:
        """Show or hide the padlock line saying that the typed room asks a password."""
        if self.password_line is None:
            return
        if needed:
            self.password_line.grid()
        else:
            self.password_line.grid_remove()

    # -- errors and state ---------------------------------------------------------------

    def clear_errors(self) -> None:
        entries = {"ip": self.ip, "port": self.port}
        for key, label in self.errors.items():
            set_error(entries.get(key), label, None)

    def show_error(self, key: str, message: str) -> None:
        entry = {"ip": self.ip, "port": self.port, "password": self.password}.get(key)
        if key in self.advanced_fields:
            self.open_advanced()
        set_error(entry, self.errors.get(key, self.errors["general"]), message)

    def set_busy(self, busy: bool) -> None:
        if busy:
            self.button.configure(
                state="disabled",
                text=tr("gui.start.starting" if self.kind == "host" else "gui.start.connecting"),
            )
        else:
            self.button.configure(state="normal", text=tr(self.button_key))
