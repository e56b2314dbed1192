"""The start view: a name, then "Créer une discussion" or "Rejoindre une discussion".

The view only collects and shows; the controller starts sessions. Each field's error
appears right under it, in the current language, and core failures (port in use, nobody
listening...) come back here so the person can fix the field and try again.

The view scrolls (ttkbootstrap's ScrolledFrame handles the wheel of Linux, Windows and
macOS) and stacks its two cards when the window is narrow, so that every control can be
reached at the window's minimum size and at 150 % scaling. A control that gets the keyboard
focus is scrolled into view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import tr
from messagerie.net import doctor
from messagerie.net.discovery import FoundRoom
from messagerie.store.settings import Settings
from messagerie.ui import forms
from messagerie.ui.diagnosis import Diagnosis, findings_text
from messagerie.ui.room_list import RoomList
from messagerie.ui.start_panel import Panel
from messagerie.ui.widgets import Texts, set_error, wrap_label

# Below this width the two panels are stacked instead of side by side. In inches, so that
# Tk converts it with the display's scaling: larger text needs a wider window.
STACK_BELOW = "7.5i"
# X11's Tk 8.6 sends the wheel as buttons 4 and 5; Windows, macOS and Tk 8.7+ as MouseWheel.
WHEEL_SEQUENCES = ("<MouseWheel>", "<Button-4>", "<Button-5>")
PANELS = ("host", "join")
# Join failures the connection doctor can explain (net/doctor.py).
DOCTOR_CODES = frozenset({"connection_refused", "connection_timeout", "network_error"})
DOCTOR_TIMEOUT_S = 1.5


class StartView(ttk.Frame):
    """The first screen. `on_submit(kind, FormResult)` is called with checked values.

    `pinned(host, port)` gives a known host's pinned fingerprint, so that the list of rooms
    found can flag one that announces another identity. `tls` says whether sessions will be
    encrypted, for the advanced options.
    """

    def __init__(
        self,
        master: Any,
        settings: Settings,
        *,
        addresses: list[str],
        on_submit: Callable[[str, forms.FormResult], None],
        pinned: Callable[[str, int], str | None] | None = None,
        tls: bool = True,
    ) -> None:
        super().__init__(master)
        self._on_submit = on_submit
        self.texts = Texts()
        self.rowconfigure(0, weight=1)
        self.columnconfigure(0, weight=1)
        self.scroll = ttk.ScrolledFrame(self, padding=(24, 16))
        self.scroll.grid(row=0, column=0, sticky="nsew")
        body = self.body = self.scroll
        # "uniform" gives both panels the same width whatever their contents ask for.
        body.columnconfigure(0, weight=1, uniform="panels")
        body.columnconfigure(1, weight=1, uniform="panels")

        title = wrap_label(body, font="-size 18 -weight bold")
        self.texts.bind(title, "gui.start.welcome")
        title.grid(row=0, column=0, columnspan=2, sticky="ew")
        intro = wrap_label(body, bootstyle="secondary")
        self.texts.bind(intro, "gui.start.intro")
        intro.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(2, 12))

        # The label sits above the field, as in the cards: side by side, a long name field
        # and the label do not fit in a narrow window.
        name_box = ttk.Frame(body)
        name_box.grid(row=2, column=0, columnspan=2, sticky="ew", pady=(0, 12))
        name_box.columnconfigure(0, weight=1)
        self.texts.bind(ttk.Label(name_box, font="-weight bold"), "gui.start.name").grid(
            row=0, column=0, sticky="w", pady=(0, 2)
        )
        self.name = ttk.Entry(name_box, width=28)
        self.name.grid(row=1, column=0, sticky="w")
        hint = wrap_label(name_box, bootstyle="secondary")
        self.texts.bind(hint, "gui.start.name_hint")
        hint.grid(row=2, column=0, sticky="ew")
        self.name_error = wrap_label(name_box, bootstyle="danger")
        self.name_error.grid(row=3, column=0, sticky="ew")
        self.name_error.grid_remove()

        self.panels = {
            kind: Panel(body, self.texts, kind, lambda k=kind: self.submit(k), tls=tls)
            for kind in PANELS
        }
        join_panel = self.panels["join"]
        self.rooms = RoomList(
            join_panel.frame,
            self.texts,
            on_pick=self.pick_room,
            pinned=pinned,
            on_empty=self._list_stays_empty,
            on_show=self._check_password_needed,
        )
        self.rooms.grid(row=join_panel.list_row, column=0, sticky="ew", pady=(8, 0))
        self.diagnosis = Diagnosis(self)
        self._stacked: bool | None = None
        self._layout(stacked=False)
        body.bind("<Configure>", self._on_resize, add="+")
        self.scroll.container.bind("<Configure>", lambda _e: self._fit_scrollbar(), add="+")
        self._follow_focus(body)

        self.name.insert(0, settings.name)
        host = self.panels["host"]
        host.ip.configure(values=_unique(["0.0.0.0", "127.0.0.1", *addresses]))
        host.ip.insert(0, settings.host_ip)
        host.port.insert(0, str(settings.host_port))
        join = self.panels["join"]
        join.port.insert(0, str(settings.join_port))
        join.ip.insert(0, settings.join_ip)
        join.ip_text.trace_add("write", lambda *_: self._check_password_needed())
        join.port_text.trace_add("write", lambda *_: self._check_password_needed())

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
        if event.widget is self.body:
            self._layout(stacked=event.width < self.body.winfo_pixels(STACK_BELOW))
            self.after_idle(self._fit_scrollbar)

    def _fit_scrollbar(self) -> None:
        """Show the scroll bar only when the view does not fit (it keeps its lane)."""
        if not self.winfo_exists():
            return
        first, last = self.scroll.yview()
        if first <= 0.0 and last >= 1.0:
            self.scroll.vbar.grid_remove()
        else:
            self.scroll.vbar.grid()

    def _follow_focus(self, widget: Any) -> None:
        """Scroll a control into view when it gets the keyboard focus (Tab, a click)."""
        for child in widget.winfo_children():
            if child.winfo_class() not in ("TFrame", "TLabelframe", "TLabel"):
                child.bind("<FocusIn>", lambda e: self.see(e.widget), add="+")
            if child.winfo_class() == "TCombobox":
                # Tk's combo box picks its next value on a wheel turn: scrolling the view past
                # the address field would silently change the address. Here the wheel
                # scrolls the view instead, and "break" keeps the value.
                for sequence in WHEEL_SEQUENCES:
                    child.bind(sequence, self._wheel, add="+")
            self._follow_focus(child)

    def _wheel(self, event: Any) -> str:
        """One wheel turn over a combo box: scroll the view by one unit, up or down."""
        up = event.num == 4 or (event.num not in (4, 5) and event.delta > 0)
        self.scroll.yview_scroll(-1 if up else 1, "units")
        return "break"

    def see(self, widget: Any) -> None:
        """Scroll the view so that `widget` is entirely visible (its top first)."""
        self.update_idletasks()
        total = self.body.winfo_height()
        if total <= 1:
            return
        first, last = self.scroll.yview()
        top, bottom = first * total, last * total
        y = widget.winfo_rooty() - self.body.winfo_rooty()
        height = widget.winfo_height()
        if y < top or height > bottom - top:
            self.scroll.yview_moveto(y / total)
        elif y + height > bottom:
            self.scroll.yview_moveto((y + height - (bottom - top)) / total)

    def focus_first(self, kind: str | None) -> None:
        """Put the keyboard focus where the person most likely types next."""
        panel = self.panels.get(kind or "host")
        target = panel.ip if panel and kind == "join" and not panel.ip.get() else None
        (target or (panel.button if panel else self.name)).focus_set()

    def form(self, kind: str) -> forms.FormResult:
        panel = self.panels[kind]
        check = forms.check_host_form if kind == "host" else forms.check_join_form
        return check(self.name.get(), panel.ip.get(), panel.port.get(), panel.password.get())

    def _check_password_needed(self) -> None:
        """Show the padlock line when the typed address is a listed room with a password."""
        form = self.form("join")
        needed = form.host is not None and any(
            room.password and form.host in room.addresses and room.port == form.port
            for room in self.rooms.rooms
        )
        self.panels["join"].show_password_line(needed)

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
        self.panels["join"].refresh_port_note()


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
