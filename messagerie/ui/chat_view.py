"""The chat view: status, history, participants and the message field.

`apply(events)` takes a batch of network events (already on the Tk thread, from the
bridge) and updates everything in one pass over the history widget. The words come from the
renderer headless mode uses too (`wording.describe`): this view only draws them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie import protocol
from messagerie.errors import MessagerieError
from messagerie.i18n import tr
from messagerie.net import events as ev
from messagerie.ui import forms
from messagerie.ui.history import History
from messagerie.ui.widgets import Texts, wrap_label
from messagerie.validators import validate_message_text
from messagerie.wording import Delivered, SystemLine, Viewpoint, describe, explain

# Below this width the participants list is hidden so the history keeps room to breathe,
# and the host's address bar takes two lines.
_NARROW_BELOW_PX = 600
_COPIED_MS = 1500


class ChatView(ttk.Frame):
    """One discussion. `send(text)` returns nothing or raises MessagerieError.

    `on_error(exc)` reports an event that could not be shown (the window's notice).
    """

    def __init__(
        self,
        master: Any,
        *,
        mode: str,
        name: str,
        send: Callable[[str], object],
        leave: Callable[[], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        super().__init__(master, padding=(16, 12))
        self.mode = mode
        self.viewpoint = Viewpoint(own_name=name)
        self._send = send
        self._on_error = on_error
        self.texts = Texts()
        self.state = "connecting"
        self.participants: list[str] = []
        self._people_dirty = False
        self._status_shown: tuple[str, str] | None = None
        self.addresses: list[str] = []
        # Whether the session is encrypted and its safety code, once known (None before).
        self._tls: bool | None = None
        self._code: str | None = None
        self._retry_in = 0.0
        self.columnconfigure(0, weight=1)
        self.rowconfigure(2, weight=1)

        self._build_top(leave)
        self._build_address_bar()
        self._build_middle()
        self._build_bottom()
        self.bind("<Configure>", self._on_resize, add="+")
        self._refresh_status()

    # -- construction -------------------------------------------------------------------

    def _build_top(self, leave: Callable[[], None]) -> None:
        top = ttk.Frame(self)
        top.grid(row=0, column=0, sticky="ew")
        # The status takes the spare width and wraps when the window is narrow, so the
        # "Quitter" button is never pushed out of sight.
        top.columnconfigure(0, weight=1)
        self.status = wrap_label(top, font="-size 11 -weight bold")
        self.status.grid(row=0, column=0, sticky="ew")
        self.leave_button = ttk.Button(top, bootstyle="outline-secondary", command=leave)
        self.texts.bind(self.leave_button, "gui.chat.leave")
        self.leave_button.grid(row=0, column=1, sticky="e", padx=(8, 0))
        info = ttk.Frame(top)
        info.grid(row=1, column=0, columnspan=2, sticky="w", pady=(2, 0))
        self.security = ttk.Label(info, compound="left")
        self.security.pack(side="left")
        self.safety = ttk.Label(info, bootstyle="secondary")
        self.safety.pack(side="left", padx=(12, 0))

    def _build_address_bar(self) -> None:
        bar = self.address_bar = ttk.Frame(self)
        self.address_label = ttk.Label(bar)
        self.texts.bind(self.address_label, "gui.chat.address_label")
        self.address = ttk.Combobox(bar, state="readonly", width=22)
        self.copy_button = ttk.Button(
            bar,
            bootstyle="secondary",
            icon="clipboard",
            compound="left",
            command=self.copy_address,
        )
        self.texts.bind(self.copy_button, "gui.chat.copy")
        self._narrow: bool | None = None
        self._layout_address_bar(narrow=False)
        if self.mode == "host":
            bar.grid(row=1, column=0, sticky="ew", pady=(8, 0))

    def _layout_address_bar(self, *, narrow: bool) -> None:
        """Label, address and button on one line, or the label above them when narrow."""
        if narrow == self._narrow:
            return
        self._narrow = narrow
        bar = self.address_bar
        if narrow:
            self.address_label.grid(row=0, column=0, columnspan=2, sticky="w", pady=(0, 4))
            self.address.grid(row=1, column=0, sticky="ew", padx=0)
            self.copy_button.grid(row=1, column=1, padx=(8, 0))
            bar.columnconfigure(0, weight=1)
            bar.columnconfigure(1, weight=0)
        else:
            self.address_label.grid(row=0, column=0, columnspan=1, sticky="w", pady=0)
            self.address.grid(row=0, column=1, sticky="w", padx=8)
            self.copy_button.grid(row=0, column=2, padx=0)
            bar.columnconfigure(0, weight=0)

    def _build_middle(self) -> None:
        middle = ttk.Frame(self)
        middle.grid(row=2, column=0, sticky="nsew", pady=10)
        middle.columnconfigure(0, weight=1)
        middle.rowconfigure(0, weight=1)
        self.history = History(middle)
        self.history.widget.grid(row=0, column=0, sticky="nsew")
        self.people_box = ttk.LabelFrame(middle, padding=6)
        self.texts.bind(self.people_box, "gui.chat.participants")
        self.people_box.grid(row=0, column=1, sticky="ns", padx=(10, 0))
        self.people_box.rowconfigure(0, weight=1)
        self.people = ttk.Listbox(self.people_box, width=20, activestyle="none", height=8)
        self.people.grid(row=0, column=0, sticky="ns")

    def _build_bottom(self) -> None:
        bottom = ttk.Frame(self)
        bottom.grid(row=3, column=0, sticky="ew")
        bottom.columnconfigure(0, weight=1)
        self.entry = ttk.Entry(bottom)
        self.entry.grid(row=0, column=0, sticky="ew", ipady=3)
        self.send_button = ttk.Button(
            bottom, bootstyle="primary", icon="send", compound="left", command=self.submit
        )
        self.texts.bind(self.send_button, "gui.chat.send")
        self.send_button.grid(row=0, column=1, padx=(8, 0))
        self.hint = wrap_label(bottom, bootstyle="secondary")
        self.hint.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(4, 0))
        self._show_hint(None)
        self.entry.bind("<Return>", self._on_return)
        self.entry.bind("<KP_Enter>", self._on_return)
        self.entry.bind("<KeyRelease>", self._on_typing, add="+")

    # -- actions ------------------------------------------------------------------------

    def focus_entry(self) -> None:
        self.entry.focus_set()

    def _on_return(self, _event: Any) -> str:
        self.submit()
        return "break"

    def submit(self) -> None:
        """Send what is typed. Empty is ignored; too long is refused with a hint."""
        raw = self.entry.get()
        if not raw.strip():
            return
        text, error = validate_message_text(raw)
        if error:
            self._show_hint(error)
            return
        try:
            self._send(text)
        except MessagerieError as exc:
            self._show_hint(explain(exc))
            return
        self.entry.delete(0, "end")
        self._show_hint(None)

    def _on_typing(self, _event: Any) -> None:
        length = len(self.entry.get())
        if length > protocol.MAX_TEXT:
            self._show_hint(tr("gui.error.text_too_long", length=length, limit=protocol.MAX_TEXT))
        elif self._hint_error:
            self._show_hint(None)

    def _show_hint(self, error: str | None) -> None:
        self._hint_error = bool(error)
        if error:
            self.hint.configure(text=error, bootstyle="danger")
        else:
            self.hint.configure(text=tr("gui.chat.input_hint"), bootstyle="secondary")

    def copy_address(self) -> None:
        address = self.address.get()
        if not address:
            return
        self.clipboard_clear()
        self.clipboard_append(address)
        self.copy_button.configure(text=tr("gui.chat.copied"))
        self.after(_COPIED_MS, self._copy_done)

    def _copy_done(self) -> None:
        if self.winfo_exists():
            self.copy_button.configure(text=tr("gui.chat.copy"))

    # -- events -------------------------------------------------------------------------

    def apply(self, events: list[Any]) -> int:
        """Show a batch of events. Returns how many new live messages came from others.

        An event that fails to show is reported (`on_error`) and the rest of the batch is
        still shown: one bad event must not eat the messages that came with it.
        """
        incoming = 0
        self.history.begin()
        try:
            for event in events:
                try:
                    incoming += self._apply_one(event)
                except Exception as exc:
                    self._on_error(exc)
        finally:
            self.history.end()
        # The participants list is redrawn once per batch, not once per join or leave.
        if self._people_dirty:
            self._show_people()
        self._refresh_status()
        return incoming

    def _apply_one(self, e: Any) -> int:
        """Update the view's state for `e`, then draw the renderer's lines for it."""
        lines = describe(e, self.viewpoint)
        self.viewpoint = self.viewpoint.after(e)
        if isinstance(e, ev.Joined):
            self._set_people([*self.participants, e.name])
        elif isinstance(e, ev.Left):
            self._set_people([p for p in self.participants if p != e.name])
        elif isinstance(e, ev.Listening):
            self.on_listening(e)
        elif isinstance(e, ev.Connected):
            self.on_connected(e)
        elif isinstance(e, ev.Disconnected):
            self.state = "disconnected"
        elif isinstance(e, ev.Reconnecting):
            self.state = "reconnecting"
            self._retry_in = e.delay_s
        elif (isinstance(e, ev.Failed) and e.fatal) or isinstance(e, ev.Stopped):
            self.end_session()
        return self._draw(lines)

    def _draw(self, lines: list[Any]) -> int:
        """Put the renderer's lines into the history; count new live messages from others."""
        h = self.history
        incoming = 0
        for line in lines:
            if isinstance(line, SystemLine):
                h.add_system(line.text, error=line.error)
            elif isinstance(line, Delivered):
                h.acked(line.id)
            elif line.pending:
                h.add_pending(line.id, line.sender, line.text, line.ts)
            else:
                shown = h.add_message(line.id, line.sender, line.text, line.ts, own=line.own)
                incoming += int(shown and not line.own and not line.history)
        return incoming

    @property
    def own_name(self) -> str:
        """Our name in the room: the one typed, then the one the room gave us."""
        return self.viewpoint.own_name

    def on_listening(self, e: ev.Listening) -> None:
        self.state = "hosting"
        self._set_security(e.tls, e.safety_code)
        self.addresses = forms.shareable_addresses(e.addresses, e.host, e.port)
        self.address.configure(values=self.addresses)
        if self.addresses:
            self.address.set(self.addresses[0])
        else:
            self.address.set(tr("gui.chat.no_address"))
        self._set_people([e.name])

    def on_connected(self, e: ev.Connected) -> None:
        self.state = "connected"
        self._set_security(e.tls, e.safety_code)
        self._set_people(list(e.participants) or [e.name])

    def end_session(self) -> None:
        """The session is over: say so and stop accepting input."""
        self.state = "disconnected"
        self.entry.configure(state="disabled")
        self.send_button.configure(state="disabled")
        self._refresh_status()

    # -- display state ------------------------------------------------------------------

    def _set_security(self, tls: bool, code: str | None) -> None:
        """Show whether the chat is encrypted, and the safety code (kept for a retranslation)."""
        self._tls, self._code = tls, code
        # Icons rather than emoji: a padlock emoji is a blank box without a colour-emoji font.
        if tls:
            self.security.configure(
                text=tr("gui.chat.encrypted"), bootstyle="success", icon="lock-fill"
            )
        else:
            self.security.configure(
                text=tr("gui.chat.not_encrypted"), bootstyle="danger", icon="unlock-fill"
            )
        self.safety.configure(text=tr("gui.chat.safety_code", code=code) if code else "")

    def _set_people(self, names: list[str]) -> None:
        """Remember the participants; `apply()` shows them at the end of its batch."""
        self.participants = sorted(dict.fromkeys(names), key=str.casefold)
        self._people_dirty = True

    def _show_people(self) -> None:
        self._people_dirty = False
        self.people.delete(0, "end")
        for name in self.participants:
            label = tr("gui.chat.you", name=name) if name == self.own_name else name
            self.people.insert("end", label)

    def _refresh_status(self) -> None:
        others = len([p for p in self.participants if p != self.own_name])
        if self.state == "hosting":
            text, style = (
                (tr("gui.chat.status_people", count=others + 1), "success")
                if others
                else (tr("gui.chat.status_waiting"), "warning")
            )
        else:
            text, style = {
                "connecting": (tr("gui.chat.status_connecting"), "secondary"),
                "connected": (
                    tr("gui.chat.status_people", count=len(self.participants)),
                    "success",
                ),
                "reconnecting": (
                    tr("line.reconnecting", delay=f"{self._retry_in:.0f}"),
                    "warning",
                ),
                "disconnected": (tr("gui.chat.status_disconnected"), "danger"),
            }[self.state]
        # Called once per batch: configure the label (and relayout) only when it changes.
        if (text, style) != self._status_shown:
            self._status_shown = (text, style)
            self.status.configure(text="● " + text, bootstyle=style)

    def retranslate(self) -> None:
        self.texts.refresh()
        self._status_shown = None  # same state, new language
        self._set_people(self.participants)
        self._show_people()
        if self._tls is not None:
            self._set_security(self._tls, self._code)
        if not self._hint_error:
            self._show_hint(None)
        self._refresh_status()

    def _on_resize(self, event: Any) -> None:
        if event.widget is not self:
            return
        narrow = event.width < _NARROW_BELOW_PX
        if narrow:
            self.people_box.grid_remove()
        else:
            self.people_box.grid()
        self._layout_address_bar(narrow=narrow)
