"""The start view: a name, then "Héberger une discussion" or "Rejoindre une discussion".

The view only collects and shows; the controller starts sessions. Each field's error
appears right under it, in the current language, and core failures (port in use, nobody
listening...) come back here so the person can fix the field and try again.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import tr
from messagerie.limits import DEFAULT_CLIENT_NAME, DEFAULT_HOST_NAME
from messagerie.net import doctor
from messagerie.net.discovery import FoundRoom
from messagerie.store.settings import Settings
from messagerie.ui import forms
from messagerie.ui.diagnosis import Diagnosis, findings_text
from messagerie.ui.room_list import RoomList
from messagerie.ui.widgets import Texts, set_error, wrap_label

# Below this width the two panels are stacked instead of side by side.
_STACK_BELOW_PX = 720
PANELS = ("host", "join")
# Join failures the connection doctor can explain (net/doctor.py).
DOCTOR_CODES = frozenset({"connection_refused", "connection_timeout", "network_error"})
DOCTOR_TIMEOUT_S = 1.5


class Panel:
    """One card of the start view: its fields, their error labels, its button."""

    def __init__(self, master: Any, texts: Texts, kind: str, submit: Callable[[], None]) -> None:
        self.kind = kind
        self.frame = ttk.LabelFrame(master, padding=(16, 10))
        texts.bind(self.frame, f"gui.start.{kind}_title")
        self.frame.columnconfigure(0, weight=1)
        self._texts = texts
        self._row = 0
        intro = self._next(wrap_label(self.frame, bootstyle="secondary"))
        texts.bind(intro, f"gui.start.{kind}_intro")
        # The join panel's list of rooms found on the network goes here (StartView fills it).
        self.list_row = self._row
        self._row += 1
        # Both are combo boxes: the host's offers this machine's addresses, the joiner's the
        # hosts joined before.
        self.ip = ttk.Combobox(self.frame, width=28)
        self.errors: dict[str, ttk.Label] = {}
        self.entries: dict[str, Any] = {"ip": self.ip}
        self._field("ip", f"gui.start.{kind}_ip", self.ip, hint=f"gui.start.{kind}_ip_hint")
        self.port = ttk.Entry(self.frame, width=8)
        self._field("port", "gui.start.port", self.port, stretch=False)
        self.password = ttk.Entry(self.frame, width=30, show="•")
        self._field("password", "gui.start.password", self.password)
        self.remember_password = tk.BooleanVar(master, value=False)
        if kind == "host":
            # Only the host's password is ever kept, and only when asked (SECURITY.md).
            box = ttk.Checkbutton(self.frame, variable=self.remember_password)
            texts.bind(box, "label.remember_password")
            self._next(box, sticky="w", pady=(4, 0))
        self.button = ttk.Button(self.frame, bootstyle="primary", command=submit)
        self.button_key = f"gui.start.{kind}_button"
        texts.bind(self.button, self.button_key)
        self.button.grid(row=self._row, column=0, sticky="w", pady=(10, 0), ipadx=8)
        self._row += 1
        self.errors["general"] = self._next(wrap_label(self.frame, bootstyle="danger"), pady=(8, 0))
        self.errors["general"].grid_remove()
        for widget in (self.ip, self.port, self.password):
            widget.bind("<Return>", lambda _e: submit())
            widget.bind("<KP_Enter>", lambda _e: submit())

    def _next(self, widget: Any, **grid: Any) -> Any:
        widget.grid(row=self._row, column=0, sticky=grid.pop("sticky", "ew"), **grid)
        self._row += 1
        return widget

    def _field(
        self, key: str, label_key: str, entry: Any, *, hint: str | None = None, stretch=True
    ) -> None:
        self._texts.bind(self._next(ttk.Label(self.frame), pady=(8, 2)), label_key)
        self._next(entry, sticky="ew" if stretch else "w")
        if hint:
            self._texts.bind(self._next(wrap_label(self.frame, bootstyle="secondary")), hint)
        self.errors[key] = self._next(wrap_label(self.frame, bootstyle="danger"))
        self.errors[key].grid_remove()

    def clear_errors(self) -> None:
        for key, label in self.errors.items():
            set_error(self.entries.get(key) if key in ("ip", "port") else None, label, None)

    def show_error(self, key: str, message: str) -> None:
        entry = {"ip": self.ip, "port": self.port, "password": self.password}.get(key)
        set_error(entry, self.errors.get(key, self.errors["general"]), message)

    def set_busy(self, busy: bool) -> None:
        if busy:
            self.button.configure(
                state="disabled",
                text=tr("gui.start.starting" if self.kind == "host" else "gui.start.connecting"),
            )
        else:
            self.button.configure(state="normal", text=tr(self.button_key))


class StartView(ttk.Frame):
    """The first screen. `on_submit(kind, FormResult)` is called with checked values.

    `pinned(host, port)` gives a known host's pinned fingerprint, so that the list of rooms
    found can flag one that announces another identity.
    """

    def __init__(
        self,
        master: Any,
        settings: Settings,
        *,
        addresses: list[str],
        on_submit: Callable[[str, forms.FormResult], None],
        pinned: Callable[[str, int], str | None] | None = None,
    ) -> None:
        super().__init__(master, padding=(24, 16))
        self._on_submit = on_submit
        self.texts = Texts()
        # "uniform" gives both panels the same width whatever their contents ask for.
        self.columnconfigure(0, weight=1, uniform="panels")
        self.columnconfigure(1, weight=1, uniform="panels")

        title = ttk.Label(self, font="-size 18 -weight bold")
        self.texts.bind(title, "gui.start.welcome")
        title.grid(row=0, column=0, columnspan=2, sticky="w")
        intro = wrap_label(self, bootstyle="secondary")
        self.texts.bind(intro, "gui.start.intro")
        intro.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(2, 12))

        name_box = ttk.Frame(self)
        name_box.grid(row=2, column=0, columnspan=2, sticky="ew", pady=(0, 12))
        name_box.columnconfigure(1, weight=1)
        self.texts.bind(ttk.Label(name_box, font="-weight bold"), "gui.start.name").grid(
            row=0, column=0, sticky="w", padx=(0, 10)
        )
        self.name = ttk.Entry(name_box, width=28)
        self.name.grid(row=0, column=1, sticky="w")
        hint = wrap_label(name_box, bootstyle="secondary")
        self.texts.bind(
            hint, "gui.start.name_hint", host=DEFAULT_HOST_NAME, client=DEFAULT_CLIENT_NAME
        )
        hint.grid(row=1, column=1, sticky="ew")
        self.name_error = wrap_label(name_box, bootstyle="danger")
        self.name_error.grid(row=2, column=1, sticky="ew")
        self.name_error.grid_remove()

        self.panels = {
            "host": Panel(self, self.texts, "host", lambda: self.submit("host")),
            "join": Panel(self, self.texts, "join", lambda: self.submit("join")),
        }
        join_panel = self.panels["join"]
        self.rooms = RoomList(
            join_panel.frame,
            self.texts,
            on_pick=self.pick_room,
            pinned=pinned,
            on_empty=self._list_stays_empty,
        )
        self.rooms.grid(row=join_panel.list_row, column=0, sticky="ew", pady=(8, 0))
        self.diagnosis = Diagnosis(self)
        self._stacked: bool | None = None
        self._layout(stacked=False)
        self.bind("<Configure>", self._on_resize, add="+")

        self.name.insert(0, settings.name)
        host = self.panels["host"]
        host.ip.configure(values=_unique(["0.0.0.0", "127.0.0.1", *addresses]))
        host.ip.insert(0, settings.host_ip)
        host.port.insert(0, str(settings.host_port))
        join = self.panels["join"]
        join.ip.insert(0, settings.join_ip)
        join.port.insert(0, str(settings.join_port))

    def _layout(self, *, stacked: bool) -> None:
        if stacked == self._stacked:
            return
        self._stacked = stacked
        host, join = self.panels["host"].frame, self.panels["join"].frame
        if stacked:
            host.grid(row=3, column=0, columnspan=2, sticky="new", pady=(0, 12))
            join.grid(row=4, column=0, columnspan=2, sticky="new")
        else:
            host.grid(row=3, column=0, columnspan=1, sticky="nsew", padx=(0, 8))
            join.grid(row=3, column=1, columnspan=1, sticky="nsew", padx=(8, 0))

    def _on_resize(self, event: Any) -> None:
        if event.widget is self:
            self._layout(stacked=event.width < _STACK_BELOW_PX)

    def focus_first(self, kind: str | None) -> None:
        """Put the keyboard focus where the person most likely types next."""
        panel = self.panels.get(kind or "host")
        target = panel.ip if panel and kind == "join" and not panel.ip.get() else None
        (target or (panel.button if panel else self.name)).focus_set()

    def form(self, kind: str) -> forms.FormResult:
        panel = self.panels[kind]
        check = forms.check_host_form if kind == "host" else forms.check_join_form
        return check(self.name.get(), panel.ip.get(), panel.port.get(), panel.password.get())

    def pick_room(self, room: FoundRoom) -> None:
        """A room was picked in the list: fill its address in, then join (or ask the password)."""
        panel = self.panels["join"]
        panel.ip.delete(0, "end")
        panel.ip.insert(0, room.addresses[0])
        panel.port.delete(0, "end")
        panel.port.insert(0, str(room.port))
        if room.password and not panel.password.get():
            self.clear_errors()
            panel.show_error("password", tr("gui.rooms.needs_password", room=room.name))
            panel.password.focus_set()
            return
        self.submit("join")

    def submit(self, kind: str) -> None:
        """Check the panel's fields; show errors next to them, or hand the values on."""
        result = self.form(kind)
        self.clear_errors()
        if kind == "join":
            self.diagnosis.cancel()
        if not result.ok:
            self.show_errors(kind, result.errors)
            return
        self._on_submit(kind, result)

    def clear_errors(self) -> None:
        set_error(self.name, self.name_error, None)
        for panel in self.panels.values():
            panel.clear_errors()

    def show_errors(self, kind: str, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            if key == "name":
                set_error(self.name, self.name_error, message)
            else:
                self.panels[kind].show_error(key, message)

    def show_failure(self, kind: str, code: str, details: dict[str, Any]) -> None:
        """Show a core failure next to the field that can fix it."""
        panel = self.panels[kind]
        self.set_busy(None)
        text = forms.failure_text(code, details)
        suggestion = details.get("suggestion")
        if code == "port_in_use" and suggestion:
            panel.port.delete(0, "end")
            panel.port.insert(0, str(suggestion))
            hint = tr(
                "gui.error.port_in_use_hint", suggestion=suggestion, button=tr(panel.button_key)
            )
            text = f"{text} {hint}"
        panel.show_error(forms.failure_field(code), text)
        focus = {"port": panel.port, "ip": panel.ip, "password": panel.password}
        focus.get(forms.failure_field(code), panel.button).focus_set()
        if kind == "join" and code in DOCTOR_CODES:
            self._diagnose_join()

    def _diagnose_join(self) -> None:
        """Ask the connection doctor why joining the address in the form failed."""
        form = self.form("join")
        if not form.ok or not form.host or not form.port:
            return
        host, port = form.host, form.port
        listed = None
        if self.rooms.browser is not None:
            listed = any(host in r.addresses and r.port == port for r in self.rooms.rooms)
        field = forms.failure_field("connection_refused")

        def show(findings: list[doctor.Finding]) -> None:
            # The doctor's findings come from real checks: they replace the sentence that
            # could only list the possible causes.
            self.panels["join"].show_error(field, findings_text(findings, title=False))

        self.diagnosis.run(
            lambda: doctor.diagnose(host, port, found_by_browser=listed, timeout=DOCTOR_TIMEOUT_S),
            show,
        )

    def _list_stays_empty(self) -> None:
        """No room showed up: say what this machine's side may be doing wrong."""
        self.diagnosis.run(doctor.diagnose_network, self.rooms.show_findings)

    def set_busy(self, kind: str | None) -> None:
        """Disable both buttons while a session starts (`kind`), or enable them (None)."""
        for name, panel in self.panels.items():
            panel.set_busy(name == kind)
            if kind is not None and name != kind:
                panel.button.configure(state="disabled")

    def retranslate(self) -> None:
        self.texts.refresh()
        self.rooms.retranslate()


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
