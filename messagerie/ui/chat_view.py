"""The chat view: status, history, participants and the message field.

`apply(events)` takes a batch of network events (already on the Tk thread, from the
bridge) and updates everything in one pass over the history widget. The words come from the
renderer headless mode uses too (`wording.describe`): this view only draws them.
"""

from __future__ import annotations

import mimetypes
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ttkbootstrap as ttk

from messagerie import protocol
from messagerie.errors import MessagerieError
from messagerie.i18n import tr
from messagerie.net import events as ev
from messagerie.net.directory import Directory
from messagerie.protocol.filenames import clean_file_name
from messagerie.store import downloads
from messagerie.ui import dnd, forms
from messagerie.ui.conversations import Conversations
from messagerie.ui.file_card import FileActions, FileCard
from messagerie.ui.history import History
from messagerie.ui.mention_popup import MentionPopup
from messagerie.ui.message_input import MessageInput
from messagerie.ui.preview import wants_preview
from messagerie.ui.reply_bar import ReplyBar
from messagerie.ui.safety import SafetyPanel
from messagerie.ui.typing_hint import TypingHint
from messagerie.ui.widgets import Texts, wrap_label
from messagerie.validators import validate_message_text
from messagerie.wording import (
    ChatLine,
    Delivered,
    Reached,
    Refused,
    SystemLine,
    Viewpoint,
    describe,
    explain,
)
from messagerie.wording.lines import file_failure, marked, shown_name

# Below this width the participants list is hidden so the history keeps room to breathe,
# and the host's address bar takes two lines.
_NARROW_BELOW_PX = 600
_COPIED_MS = 1500
# While the keys go on, the room is told at most this often that we type (the hint on the
# other side lasts typing_hint.TYPING_SHOWN_S).
TYPING_EVERY_S = 3.0
# What the room kept for us arrives right after a reconnect; a message later than this is
# live, and gets no "unread" line before it.
CATCH_UP_MS = 3000
# The states in which a connection is up (the padlock and the roster are shown as live).
_UP = ("hosting", "connected")


class ChatView(ttk.Frame):
    """One discussion. `send(text)` returns nothing or raises MessagerieError.

    `on_error(exc)` reports an event that could not be shown (the window's notice). The
    optional callbacks: `typing()` while the person types (at most every TYPING_EVERY_S),
    `retry()` for "Réessayer maintenant", `rejoin()` for "Rejoindre à nouveau" once a joined
    session has ended. At a first contact with the host's identity (`Connected.first_contact`)
    the safety code is explained. With `files`, files are shared: an "Envoyer un fichier…"
    button, drops when `drops` (tkdnd is loaded), and a card in the history for each file.
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
        typing: Callable[[], None] | None = None,
        retry: Callable[[], None] | None = None,
        rejoin: Callable[[], None] | None = None,
        files: FileActions | None = None,
        drops: bool = False,
    ) -> None:
        super().__init__(master, padding=(16, 12))
        self.files = files
        # The cards by the ids their events carry (a file id, and an upload's transfer id).
        self.cards: dict[str, FileCard] = {}
        self.mode = mode
        self._typing_cb = typing
        self._retry_cb = retry
        self._rejoin_cb = rejoin
        self.clock: Callable[[], float] = time.monotonic
        self._typing_sent_at = float("-inf")
        self._countdown_after: str | None = None
        self._catch_up_after: str | None = None
        self._retry_at = 0.0
        self.closed_by_host = False
        self.ended = False
        self.viewpoint = Viewpoint(own_name=name)
        # Who is who (member ids, for private conversations), and the history each of our
        # messages still waiting for the room's answer was drawn in.
        self.directory = Directory()
        self._home: dict[str, History] = {}
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
        self._roster_key: str | None = None  # the roster's title shown: live or offline
        self._look_shown: tuple[bool, bool, bool] | None = None  # (up, retry, rejoin)
        self.columnconfigure(0, weight=1)
        self.rowconfigure(2, weight=1)

        self._build_top(leave)
        self._build_address_bar()
        self._build_middle()
        self._build_bottom()
        self.drops = bool(files and drops and dnd.accept_files(self, self.send_files))
        self.bind("<Configure>", self._on_resize, add="+")
        self.bind("<Destroy>", self._on_destroy, add="+")
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
        self.leave_button.grid(row=0, column=2, sticky="e", padx=(8, 0))
        # Shown only in the states they belong to (see _refresh_status).
        self.retry_button = ttk.Button(top, bootstyle="warning", command=self.retry_now)
        self.texts.bind(self.retry_button, "gui.chat.retry_now")
        self.rejoin_button = ttk.Button(top, bootstyle="primary", command=self.rejoin)
        self.texts.bind(self.rejoin_button, "gui.chat.rejoin")
        info = ttk.Frame(top)
        info.grid(row=1, column=0, columnspan=3, sticky="w", pady=(2, 0))
        self.security = ttk.Label(info, compound="left")
        self.safety = ttk.Label(info, bootstyle="secondary")
        self.safety_panel = SafetyPanel(self, texts=self.texts)

    def _build_address_bar(self) -> None:
        bar = self.address_bar = ttk.Frame(self)
        self.address_label = ttk.Label(bar)
        self.texts.bind(self.address_label, "gui.chat.address_label")
        self.address = ttk.Combobox(bar, state="readonly", width=22)
        self.copy_button = self._icon_button(
            bar, "secondary", "clipboard", "gui.chat.copy", self.copy_address
        )
        # The host reads its safety code to the others across a desk: large, on its own.
        self.host_code_label = ttk.Label(bar, bootstyle="secondary")
        self.texts.bind(self.host_code_label, "gui.chat.host_code_label")
        self.host_code = ttk.Label(bar, font="-size 22 -weight bold", bootstyle="success")
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
            self.host_code_label.grid(row=2, column=0, columnspan=2, sticky="w", pady=(6, 0))
            self.host_code.grid(row=3, column=0, columnspan=2, sticky="w")
            bar.columnconfigure(0, weight=1)
            bar.columnconfigure(1, weight=0)
        else:
            self.address_label.grid(row=0, column=0, columnspan=1, sticky="w", pady=0)
            self.address.grid(row=0, column=1, sticky="w", padx=8)
            self.copy_button.grid(row=0, column=2, padx=0)
            self.host_code_label.grid(row=1, column=0, columnspan=3, sticky="w", pady=(6, 0))
            self.host_code.grid(row=2, column=0, columnspan=3, sticky="w")
            bar.columnconfigure(0, weight=0)

    def _build_middle(self) -> None:
        middle = ttk.Frame(self)
        middle.grid(row=2, column=0, sticky="nsew", pady=10)
        middle.columnconfigure(0, weight=1)
        middle.rowconfigure(0, weight=1)
        # Above the history: with whom a private conversation is; below it: the reply bar.
        self.private_bar = wrap_label(middle, bootstyle="info")
        cell = ttk.Frame(middle)
        cell.grid(row=1, column=0, sticky="nsew")
        cell.columnconfigure(0, weight=1)
        cell.rowconfigure(0, weight=1)
        middle.rowconfigure(0, weight=0)
        middle.rowconfigure(1, weight=1)
        self.history = History(cell)
        self.history.widget.grid(row=0, column=0, sticky="nsew")
        self.reply_bar = ReplyBar(middle, on_cancel=self._reply_cancelled)
        self.side = ttk.Frame(middle)
        self.side.grid(row=0, column=1, rowspan=3, sticky="ns", padx=(10, 0))
        self.side.rowconfigure(1, weight=1)
        self.conversations = Conversations(
            self.history,
            cell=cell,
            list_parent=self.side,
            on_switch=self._switched,
            prepare=self._prepare_history,
        )
        self.conversations.box.grid(row=0, column=0, sticky="ew", pady=(0, 8))
        self.conversations.redraw()
        self._prepare_history(self.history)
        self.people_box = ttk.LabelFrame(self.side, padding=6)
        self.texts.bind(self.people_box, "gui.chat.participants")
        self.people_box.grid(row=1, column=0, sticky="ns")
        self.people_box.rowconfigure(0, weight=1)
        self.people = ttk.Listbox(self.people_box, width=20, activestyle="none", height=8)
        self.people.grid(row=0, column=0, sticky="ns")
        # A click on someone opens the private conversation with them.
        self.people.bind("<ButtonRelease-1>", self._person_clicked)

    def _build_bottom(self) -> None:
        bottom = ttk.Frame(self)
        bottom.grid(row=3, column=0, sticky="ew")
        bottom.columnconfigure(0, weight=1)
        self.typing_label = TypingHint(bottom)
        self.typing_label.grid(row=0, column=0, columnspan=2, sticky="w", pady=(0, 2))
        self.entry = MessageInput(bottom, on_send=self.submit, padx=6, pady=5)
        self.entry.grid(row=1, column=0, sticky="ew")
        self.send_button = self._icon_button(
            bottom, "primary", "send", "gui.chat.send", self.send_clicked
        )
        self.send_button.grid(row=1, column=1, padx=(8, 0), sticky="s")
        self.file_button = self._icon_button(
            bottom, "outline-secondary", "paperclip", "gui.file.send", self.pick_files
        )
        if self.files is not None:
            self.file_button.grid(row=1, column=2, padx=(8, 0), sticky="s")
        self.hint = wrap_label(bottom, bootstyle="secondary")
        self.hint.grid(row=2, column=0, columnspan=3, sticky="ew", pady=(4, 0))
        self._show_hint(None)
        self.entry.bind("<KeyRelease>", self._check_length, add="+")
        self.entry.bind("<KeyPress>", self._on_key, add="+")
        self.mentions = MentionPopup(self.entry, self._present_names)

    def _icon_button(
        self, master: Any, style: str, icon: str, key: str, command: Callable[[], None]
    ) -> ttk.Button:
        """A button with an icon before its translated text."""
        button = ttk.Button(master, bootstyle=style, icon=icon, compound="left", command=command)
        return self.texts.bind(button, key)

    # -- actions ------------------------------------------------------------------------

    def focus_entry(self) -> None:
        self.entry.focus_set()

    def send_clicked(self) -> None:
        """The "Envoyer" button: send, and give the keyboard back to the message box."""
        self.submit()
        self.focus_entry()

    def submit(self) -> None:
        """Send what is typed. Empty is ignored; too long is refused with a hint."""
        raw = self.entry.get()
        if not raw.strip():
            return
        text, error = validate_message_text(raw)
        if error:
            self._show_hint(error)
            return
        # To the open conversation (a member id, or the room), answering the reply bar's.
        addressed = {}
        if self.conversations.current:
            addressed["to"] = self.conversations.current
        if self.reply_bar.msg_id:
            addressed["reply_to"] = self.reply_bar.msg_id
        try:
            self._send(text, **addressed)
        except MessagerieError as exc:
            self._show_hint(explain(exc))
            return
        self.entry.delete(0, "end")
        self.reply_bar.close()
        self._show_hint(None)
        # What we send is what we want to see, even when we had scrolled up to read.
        self.conversations.histories[self.conversations.current].jump_to_end()

    def pick_files(self) -> None:
        """ "Envoyer un fichier…": the files chosen in the dialog (several allowed) are sent."""
        if self.files is not None:
            paths = self.files.ask_files()
            if paths:
                self.send_files(list(paths))

    def send_files(self, paths: list[str]) -> None:
        """Share each file of `paths` (the button's choice or a drop), each with its card."""
        if self.files is None or self.ended:
            return
        for raw in paths:
            # A dropped folder or a vanished file gets its card too, which says why it
            # cannot be sent (not_a_file, file_unreadable): a drop is never ignored unseen.
            path = Path(raw)
            size = downloads.size_to_send(path)
            try:
                transfer_id = self.files.send(os.fspath(path))
            except MessagerieError as exc:  # the session is gone: say so under the field
                self._show_hint(explain(exc))
                return
            card = self._add_card(
                transfer_id,
                name=clean_file_name(path.name),  # the name the room will announce
                size=size,
                sender=self.own_name,
                media_type=mimetypes.guess_type(path.name, strict=False)[0] or "",
                upload=True,
                path=path,
            )
            self._want_preview(card, path)
        self.history.jump_to_end()

    def _on_key(self, event: Any) -> None:
        """A key in the message box: tell the room we type, at most every TYPING_EVERY_S."""
        if not event.char or not event.char.isprintable() or self._typing_cb is None:
            return
        now = self.clock()
        if now - self._typing_sent_at >= TYPING_EVERY_S:
            self._typing_sent_at = now
            self._typing_cb()

    def retry_now(self) -> None:
        """ "Réessayer maintenant": cut the reconnect wait short."""
        if self._retry_cb is not None:
            self._retry_cb()
        self._retry_at = 0.0
        self._refresh_status()

    def rejoin(self) -> None:
        """ "Rejoindre à nouveau" after the session ended."""
        if self._rejoin_cb is not None:
            self._rejoin_cb()

    def _check_length(self, _event: Any) -> None:
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

    def apply(self, events: list[Any]) -> list[ChatLine]:
        """Show a batch of events. Returns the new live messages from others, in order.

        An event that fails to show is reported (`on_error`) and the rest of the batch is
        still shown: one bad event must not eat the messages that came with it.
        """
        incoming: list[ChatLine] = []
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

    def _apply_one(self, e: Any) -> list[ChatLine]:
        """Update the view's state for `e`, then draw the renderer's lines for it."""
        lines = describe(e, self.viewpoint)
        self.viewpoint = self.viewpoint.after(e)
        self.directory.apply(e)
        if isinstance(e, ev.Joined):
            self._set_people([*self.participants, e.name])
        elif isinstance(e, ev.Left):
            self._set_people([p for p in self.participants if p != e.name])
            self.typing_label.done(e.name)
        elif isinstance(e, ev.Listening):
            self.on_listening(e)
        elif isinstance(e, ev.Connected):
            self.on_connected(e)
        elif isinstance(e, ev.Disconnected):
            self.state = "disconnected"
            self.closed_by_host = e.reason == "room_closed"
            self.typing_label.clear()
        elif isinstance(e, ev.Reconnecting):
            self.state = "reconnecting"
            self._retry_at = self.clock() + e.delay_s
            self._tick_countdown()
        elif isinstance(e, ev.Typing):
            self.typing_label.started(e.name)
        elif isinstance(e, ev.MessageReceived):
            self.typing_label.done(e.sender)
        elif (isinstance(e, ev.Failed) and e.fatal) or isinstance(e, ev.Stopped):
            self.end_session()
        elif isinstance(e, ev.FileResumed):
            drawn = self._draw(lines)  # the line that says so, then the card under it
            self._on_file_resumed(e)
            return drawn
        elif isinstance(e, ev.FileOffered | ev.FileProgress | ev.FileSent | ev.FileReceived):
            if self._on_file_event(e):
                return []  # the card shows it: no line besides
        elif isinstance(e, ev.FileFailed) and self._on_file_event(e):
            return []
        return self._draw(lines)

    # -- files ----------------------------------------------------------------------------

    def _add_card(self, card_id: str, **fields: Any) -> FileCard:
        actions = self.files

        def make(master: Any) -> FileCard:
            return FileCard(master, card_id=card_id, actions=actions, **fields)

        card = self.history.add_widget(make)
        self.cards[card_id] = card
        # A card trimmed off the history is destroyed with its line: forget it then.
        card.bind("<Destroy>", lambda e, c=card: self._forget_card(e, c), add="+")
        return card

    def _forget_card(self, event: Any, card: FileCard) -> None:
        if event.widget is card:
            for key in [k for k, v in self.cards.items() if v is card]:
                del self.cards[key]

    def _own_upload_of(self, e: ev.FileOffered) -> FileCard | None:
        """Our upload that this offer announces (the offer may come before FileSent)."""
        if e.sender != self.own_name:
            return None
        for card in self.cards.values():
            if card.upload and card.file_id is None and (card.name, card.size) == (e.name, e.size):
                return card
        return None

    def _on_file_event(self, e: Any) -> bool:
        """Update the file's card; False when there is none (the event's line is shown)."""
        if self.files is None:
            return False
        if isinstance(e, ev.FileOffered):
            if e.id in self.cards:
                return True
            own = self._own_upload_of(e)
            if own is not None:
                own.file_id = e.id
                self.cards[e.id] = own
                return True
            self._add_card(e.id, name=e.name, size=e.size, sender=e.sender, media_type=e.media_type)
            return True
        card = self.cards.get(e.id)
        if card is None:
            return False
        if isinstance(e, ev.FileProgress):
            card.progress(e.done, e.total)
        elif isinstance(e, ev.FileSent):
            card.sent(e.file_id)
            self.cards[e.file_id] = card
        elif isinstance(e, ev.FileReceived):
            card.received(Path(e.path))
            self._want_preview(card, Path(e.path))
        elif isinstance(e, ev.FileFailed):
            card.failed(e.code, file_failure(e.code, e.details))
        return True

    def _on_file_resumed(self, e: ev.FileResumed) -> None:
        """A transfer of the last session goes on: its card (a download's is usually there,
        from the history; an upload's never is, the window that made it is gone)."""
        if self.files is None or e.id in self.cards:
            return
        upload = e.direction == "upload"
        self._add_card(
            e.id,
            name=e.name,
            size=e.size,
            sender=self.own_name if upload else e.sender,
            media_type=e.media_type,
            upload=upload,
            path=Path(e.path) if upload else None,
        )

    def _want_preview(self, card: FileCard, path: Path) -> None:
        files = self.files
        if (
            files is not None
            and files.preview is not None
            and wants_preview(card.media_type, card.size)
        ):
            files.preview(card.card_id, path)

    def show_preview(self, card_id: str, image: Any) -> None:
        """A thumbnail is ready (on the Tk thread): show it on its card, if still there."""
        card = self.cards.get(card_id)
        if card is None or image is None or not card.winfo_exists():
            return
        from PIL import ImageTk

        card.show_preview(ImageTk.PhotoImage(image, master=card))

    def _draw(self, lines: list[Any]) -> list[ChatLine]:
        """Put the renderer's lines into the history; return the new live ones from others."""
        room = self.history
        incoming = []
        # Where the next system line goes: the room's, but the reason for a refusal goes
        # under the refused message, in its conversation.
        said_in = room
        for line in lines:
            if isinstance(line, SystemLine):
                said_in.add_system(line.text, error=line.error)
                said_in = room
            elif isinstance(line, Delivered | Refused):
                # A refused message loses its "envoi…" too; the line after it says why.
                home = self._home.pop(line.id, room)
                home.acked(line.id)
                if isinstance(line, Refused):
                    said_in = home
            elif isinstance(line, Reached):
                self.conversations.reached(line.id)
                self._show_private_bar()
            else:
                # The host is marked wherever its name shows; no participant's name may hold
                # the mark (protocol.name_problem), so no one can pass for it.
                sender = marked(line.sender, line.host)
                h = self._conversation_of(line) if line.private else room
                if line.pending:
                    self._home[line.id] = h
                    h.add_pending(line.id, sender, line.text, line.ts)
                    continue
                shown = h.add_message(
                    line.id,
                    sender,
                    line.text,
                    line.ts,
                    own=line.own,
                    history=line.history,
                    reply=line.reply,
                    mention=line.mention,
                )
                if line.private and line.own and line.waiting:
                    self.conversations.wait(line.peer_id, line.id)
                    self._show_private_bar()
                if shown and not line.own and not line.history:
                    if line.private:
                        self.conversations.arrived(line.peer_id)
                    incoming.append(line)
        return incoming

    # -- conversations, mentions, replies -------------------------------------------------

    def _conversation_of(self, line: ChatLine) -> History:
        """The private conversation a line belongs to, made when its first line comes."""
        peer = line.to_name if line.own else line.sender
        member = self.directory.get(line.peer_id)
        if not peer and member is not None:  # our pending line knows only the member id
            peer = member.name
        return self.conversations.history_for(line.peer_id, shown_name(peer, self.viewpoint))

    def _prepare_history(self, history: History) -> None:
        history.on_reply = self.reply_bar.open

    def _person_clicked(self, event: Any) -> None:
        """A click on a name in the list: its private conversation (not for us, not for
        someone whose Messagerie cannot receive private messages)."""
        index = self.people.nearest(event.y)
        if not 0 <= index < len(self.participants) or str(self.people.cget("state")) != "normal":
            return
        name = self.participants[index]
        if name == self.own_name:
            return
        try:
            member = self.directory.find(name)
        except MessagerieError:
            return
        if not member.private:
            self._show_hint(tr("error.recipient_cannot_receive"))
            return
        self.conversations.open(member.id, shown_name(member.name, self.viewpoint))
        self.focus_entry()

    def _switched(self, key: str) -> None:
        self.reply_bar.close()
        self._show_private_bar()
        self.conversations.histories[key].jump_to_end()

    def _show_private_bar(self) -> None:
        key = self.conversations.current
        if not key:
            self.private_bar.grid_remove()
            return
        name = self.conversations.names.get(key, "…")
        waiting = len(self.conversations.waiting.get(key, ()))
        text = tr("gui.chat.private_with", name=name)
        if waiting:
            key = "gui.chat.private_waiting_one" if waiting == 1 else "gui.chat.private_waiting"
            text += " " + tr(key, count=waiting, name=name)
        self.private_bar.configure(text=text)
        self.private_bar.grid(row=0, column=0, sticky="ew", pady=(0, 6))

    def _present_names(self) -> list[str]:
        """Who `@` offers: the others present."""
        return [name for name in self.participants if name != self.own_name]

    def _reply_cancelled(self) -> None:
        self.focus_entry()

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
        if e.reconnect:
            # What the room kept for us while we were away comes next: mark where it starts.
            self.history.mark_unread()
            self._cancel_after("_catch_up_after")
            self._catch_up_after = self.after(CATCH_UP_MS, self._catch_up_over)
        self.state = "connected"
        self._set_security(e.tls, e.safety_code)
        self._set_people(list(e.participants) or [e.name])
        if e.first_contact and e.safety_code and not e.reconnect:
            self.safety_panel.show_intro(e.safety_code)

    def end_session(self) -> None:
        """The session is over: say so and stop accepting input."""
        self.state = "disconnected"
        self.entry.configure(state="disabled")
        self.send_button.configure(state="disabled")
        self.file_button.configure(state="disabled")
        self.ended = True
        self._refresh_status()

    # -- the reconnect countdown ----------------------------------------------------------

    def seconds_to_retry(self) -> int:
        """Whole seconds until the next attempt (rounded up: "dans 1 s" until it happens)."""
        left = self._retry_at - self.clock()
        return max(0, int(left) + (left % 1 > 0))

    def _tick_countdown(self) -> None:
        """Redraw the countdown every second until it reaches 0 or the state changes."""
        self._cancel_after("_countdown_after")
        if self.state != "reconnecting":
            return
        self._refresh_status()
        left = self._retry_at - self.clock()
        if left > 0:
            wait_ms = int((left % 1 or 1.0) * 1000) + 10
            self._countdown_after = self.after(wait_ms, self._countdown_fired)

    def _catch_up_over(self) -> None:
        self._catch_up_after = None
        self.history.unread_over()

    def _cancel_after(self, name: str) -> None:
        after_id = getattr(self, name)
        if after_id is not None:
            self.after_cancel(after_id)
            setattr(self, name, None)

    def _countdown_fired(self) -> None:
        self._countdown_after = None
        self._tick_countdown()

    def _on_destroy(self, event: Any) -> None:
        if event.widget is not self:
            return
        self._cancel_after("_countdown_after")
        self._cancel_after("_catch_up_after")

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
        self.host_code.configure(text=code or "")
        if self.mode == "host" and code:
            self.host_code_label.grid()
            self.host_code.grid()
        else:
            self.host_code_label.grid_remove()
            self.host_code.grid_remove()

    def _show_security(self, up: bool) -> None:
        """The padlock and the code only while a connection is up: never a stale padlock."""
        if up:
            self.security.pack(side="left")
            if self.mode != "host":  # the host shows its code large, in the address bar
                self.safety.pack(side="left", padx=(12, 0))
        else:
            self.security.pack_forget()
            self.safety.pack_forget()

    def _set_people(self, names: list[str]) -> None:
        """Remember the participants; `apply()` shows them at the end of its batch."""
        self.participants = sorted(dict.fromkeys(names), key=str.casefold)
        self._people_dirty = True

    def _show_people(self) -> None:
        self._people_dirty = False
        # A disabled (offline) listbox ignores inserts: open it for the redraw.
        state = str(self.people.cget("state"))
        self.people.configure(state="normal")
        self.people.delete(0, "end")
        for name in self.participants:
            shown = shown_name(name, self.viewpoint)  # the host marked, as in the history
            label = tr("gui.chat.you", name=shown) if name == self.own_name else shown
            self.people.insert("end", label)
        self.people.configure(state=state)

    def others_count(self) -> int:
        """How many people besides us are in the room (as the Joined/Left events tell)."""
        return len([p for p in self.participants if p != self.own_name])

    def _status(self) -> tuple[str, str]:
        others = self.others_count()
        if self.state == "hosting":
            if others:
                return tr("gui.chat.status_people", count=others + 1), "success"
            return tr("gui.chat.status_waiting"), "warning"
        if self.state == "reconnecting":
            left = self.seconds_to_retry()
            if left:
                return tr("gui.chat.status_reconnecting", seconds=left), "warning"
            return tr("gui.chat.status_retrying"), "warning"
        if self.state == "disconnected" and self.closed_by_host:
            return tr("gui.chat.status_room_closed"), "danger"
        return {
            "connecting": (tr("gui.chat.status_connecting"), "secondary"),
            "connected": (tr("gui.chat.status_people", count=len(self.participants)), "success"),
            "disconnected": (tr("gui.chat.status_disconnected"), "danger"),
        }[self.state]

    def _refresh_status(self) -> None:
        text, style = self._status()
        # Called once per batch: configure the label (and relayout) only when it changes.
        if (text, style) != self._status_shown:
            self._status_shown = (text, style)
            self.status.configure(text="● " + text, bootstyle=style)
        up = self.state in _UP
        retry = self.state == "reconnecting" and self._retry_cb is not None
        rejoin = self.ended and self._rejoin_cb is not None
        # As for the status: once per batch, so widgets are touched only when this changes.
        if (up, retry, rejoin) != self._look_shown:
            self._look_shown = (up, retry, rejoin)
            self._show_security(up)
            self._show_roster(up)
            self._place(self.retry_button, retry)
            self._place(self.rejoin_button, rejoin)

    @staticmethod
    def _place(button: Any, shown: bool) -> None:
        """The retry and rejoin buttons share the place left of "Quitter" (never both)."""
        if shown:
            button.grid(row=0, column=1, sticky="e", padx=(8, 0))
        else:
            button.grid_remove()

    def _show_roster(self, up: bool) -> None:
        """Greyed and titled "hors ligne" while we are not connected."""
        key = "gui.chat.participants" if up else "gui.chat.participants_offline"
        if self._roster_key != key:
            self._roster_key = key
            self.people_box.configure(text=tr(key))
            self.people.configure(state="normal" if up else "disabled")

    def retranslate(self) -> None:
        self.texts.refresh()
        for card in set(self.cards.values()):
            card.redraw()
        self._status_shown = None  # same state, new language
        self._roster_key = None
        self._look_shown = None
        self._set_people(self.participants)
        self._show_people()
        self.conversations.redraw()
        self.reply_bar.retranslate()
        self._show_private_bar()
        if self._tls is not None:
            self._set_security(self._tls, self._code)
        self.safety_panel.retranslate()
        self.typing_label.refresh()
        if not self._hint_error:
            self._show_hint(None)
        self._refresh_status()

    def _on_resize(self, event: Any) -> None:
        if event.widget is not self:
            return
        narrow = event.width < _NARROW_BELOW_PX
        if narrow:
            self.side.grid_remove()
        else:
            self.side.grid()
        # Narrow, the file button keeps only its paper clip, so the message box keeps room.
        self.file_button.configure(compound="image" if narrow else "left")
        self._layout_address_bar(narrow=narrow)
