"""Glue between the window, the views, the settings and the network sessions.

The controller runs on the Tk thread only. It starts a HostSession or JoinSession, gives it
a callback that merely queues events (the bridge), and reacts to the events in batches:
- while a session starts, Listening/Connected open the chat view, and a fatal Failed goes
  back to the start view, next to the field that can fix it;
- in the chat, events go to the chat view in one batch per tick;
- Stopped ends the session (its thread is joined with `stop()`, which is idempotent).
Each session gets a fresh token, so the late events of a session we left are dropped.
Desktop notifications come back through the same bridge under a token of their own.
"""

from __future__ import annotations

import enum
import logging
from pathlib import Path
from tkinter import filedialog
from typing import Any

from messagerie import i18n
from messagerie.errors import MessagerieError, StorageError
from messagerie.i18n import tr
from messagerie.net import events as ev
from messagerie.net.loop import NetworkThread
from messagerie.security import pake
from messagerie.security.known_hosts import FILE_NAME as KNOWN_HOSTS
from messagerie.security.known_hosts import KnownHosts
from messagerie.store import files as files_mod
from messagerie.store import settings as settings_mod
from messagerie.ui.bridge import EventBridge
from messagerie.ui.chat_view import ChatView
from messagerie.ui.confirm import ConfirmDialog
from messagerie.ui.file_card import FileActions
from messagerie.ui.forms import FormResult
from messagerie.ui.identity_view import IdentityView
from messagerie.ui.notify import (
    DesktopNotices,
    NotificationClicked,
    NotificationsUnavailable,
    first_line,
)
from messagerie.ui.opener import FileOpener
from messagerie.ui.preview import PreviewReady, Previews
from messagerie.ui.start_view import StartView
from messagerie.ui.window import MainWindow, collect_tk_garbage
from messagerie.wording import ChatLine, Viewpoint, describe, explain

log = logging.getLogger(__name__)

# The bridge token of what the desktop notifications report (clicks, "none here").
_NOTICES = object()
# The bridge token of the thumbnails made off the Tk thread.
_PREVIEWS = object()


class Phase(enum.Enum):
    """Where the controller is with its session (one owner: the controller).

    IDLE: no session. STARTING: a session is starting, the start view waits for Listening or
    Connected. CHAT: the chat view shows the session. FAILED: the start failed (the start view
    says why) and the session's last event, Stopped, is still to come.
    """

    IDLE = "idle"
    STARTING = "starting"
    CHAT = "chat"
    FAILED = "failed"


class Controller:
    def __init__(self, *, data_dir: Path, tls: bool, limits: Any) -> None:
        self.data_dir = Path(data_dir)
        self.tls = tls
        self.limits = limits
        loaded = settings_mod.load(self.data_dir)
        self.settings = loaded.settings
        i18n.set_language(self.settings.language)
        self.window = MainWindow(
            theme=self.settings.theme,
            on_theme=self.set_theme,
            on_language=self.set_language,
            on_close=self.close_request,
            on_notifications=self.set_notifications,
            notifications=self.settings.notifications,
            on_download_dir=self.choose_download_dir,
        )
        self.window.language_var.set(self.settings.language or "system")
        self.root = self.window.root
        if loaded.damaged is not None:
            self.window.notify(tr("gui.notice.settings_damaged", path=loaded.damaged))
        self.bridge = EventBridge(self.root, self._on_events)
        self.bridge.start()
        # One network thread for the window's whole life: sessions come and go on it, and
        # work that belongs to no session (looking for rooms on the network) has a loop too.
        self.network = NetworkThread().start()
        self.notices = DesktopNotices(self.network, self.bridge.sink(_NOTICES))
        self.previews = Previews(self.bridge.sink(_PREVIEWS))
        # Tests replace these two: no real dialog, no real program started.
        self.opener = FileOpener()
        self.pick_files = self._ask_files
        self.confirm: ConfirmDialog | None = None
        self.session: Any = None
        self.token: object | None = None
        self.phase = Phase.IDLE
        self.kind: str | None = None
        self.form: FormResult | None = None
        self.chat: ChatView | None = None
        self._last_storage_error: str | None = None
        self.closed = False

    # -- views --------------------------------------------------------------------------

    def show_start(self, kind: str | None = None) -> StartView:
        from messagerie.net.lan import lan_addresses

        known = KnownHosts(self.data_dir / KNOWN_HOSTS)
        view = StartView(
            self.root,
            self.settings,
            addresses=lan_addresses(),
            on_submit=self.submit,
            pinned=known.pinned,
            tls=self.tls,
        )
        view.panels["join"].ip.configure(values=known.recent())
        host_panel = view.panels["host"]
        host_panel.remember_password.set(self.settings.remember_password)
        remembered = pake.load_password(self.data_dir) if self.settings.remember_password else None
        if remembered:
            host_panel.password.insert(0, remembered)
        self.chat = None
        self.window.show(view)
        view.focus_first(kind or self.settings.last_mode)
        return view

    def submit(self, kind: str, form: FormResult) -> None:
        """The start view's checked values: remember them, then start the session."""
        view = self.window.view
        if kind == "host":
            self._remember_password(view.panels["host"].remember_password.get(), form.password)
        self.remember(kind, name=view.name.get().strip(), host=form.host, port=form.port)
        self.start_session(kind, form)

    def _remember_password(self, wanted: bool, password: str | None) -> None:
        """Keep the host's password in a 0600 file only when "se souvenir" is ticked."""
        self.settings.remember_password = wanted and bool(password)
        try:
            if self.settings.remember_password:
                pake.save_password(self.data_dir, password)
            else:
                pake.forget_password(self.data_dir)
        except StorageError as exc:
            self.window.notify(explain(exc))

    def remember(self, kind: str, *, name: str | None, host: str | None, port: int | None) -> None:
        s = self.settings
        s.last_mode = kind
        if name is not None:
            s.name = name
        if host is not None:
            setattr(s, f"{kind}_ip", host)
        if port:  # port 0 ("pick a free one") is not worth remembering
            setattr(s, f"{kind}_port", port)
        self.save_settings()

    def save_settings(self) -> None:
        try:
            settings_mod.save(self.settings, self.data_dir)
        except StorageError as exc:
            log.warning("settings not saved: %s", exc)
            message = tr(
                "gui.notice.settings_not_saved",
                path=exc.details.get("path", self.data_dir),
                detail=exc.details.get("detail", ""),
            )
            # Once is enough: the same failure on every theme click would be noise.
            if message != self._last_storage_error:
                self._last_storage_error = message
                self.window.notify(message)

    # -- sessions -----------------------------------------------------------------------

    def start_session(self, kind: str, form: FormResult, *, trust_new: bool = False) -> None:
        self._stop_session()
        self.kind, self.form = kind, form
        self.token = token = object()
        try:
            self.session = self._make_session(kind, form, trust_new, self.bridge.sink(token))
            self.session.start()
        except MessagerieError as exc:
            self.session = None
            self._start_failed(exc.code, exc.details)
            return
        self.phase = Phase.STARTING
        view = self.window.view
        if isinstance(view, StartView):
            view.set_busy(kind)

    def _make_session(self, kind: str, form: FormResult, trust_new: bool, on_event: Any) -> Any:
        from messagerie.net.session import HostSession, JoinSession, SessionConfig

        config = SessionConfig(
            host=form.host,
            port=form.port,
            name=form.name,
            data_dir=self.data_dir,
            tls=self.tls,
            password=form.password,
            limits=self.limits,
            trust_new=trust_new and kind == "join",
        )
        session_class = HostSession if kind == "host" else JoinSession
        return session_class(config, on_event, network=self.network)

    def send(self, text: str, *, to: str = "", reply_to: str = "") -> object:
        """Post `text` to the room, or privately to the member `to`, as an answer to the
        message `reply_to` (the chat view's open conversation and reply bar)."""
        if self.session is None:
            raise MessagerieError("connection_lost")
        return self.session.send(text, to=to, reply_to=reply_to)

    # -- files --------------------------------------------------------------------------

    def download_dir(self) -> Path:
        """Where received files go: the folder chosen in the menu, else Downloads."""
        return files_mod.downloads_dir(self.settings.download_dir or None)

    def choose_download_dir(self) -> None:
        """ "Dossier des fichiers reçus…": pick the folder, remembered for the next runs."""
        chosen = filedialog.askdirectory(
            parent=self.root,
            title=tr("gui.file.download_dir_title"),
            initialdir=str(self.download_dir()),
            mustexist=False,
        )
        if chosen:
            self.settings.download_dir = chosen
            self.save_settings()

    def _ask_files(self) -> list[str]:
        chosen = filedialog.askopenfilenames(parent=self.root, title=tr("gui.file.pick_title"))
        return list(self.root.tk.splitlist(chosen)) if chosen else []

    def file_actions(self) -> FileActions:
        """What the chat view's file cards ask for, bound to the current session."""
        return FileActions(
            send=self.send_file,
            get=self.get_file,
            cancel=self.cancel_file,
            ask_files=lambda: self.pick_files(),
            opener=self.opener,
            preview=self.previews.request,
        )

    def send_file(self, path: str) -> str:
        if self.session is None:
            raise MessagerieError("connection_lost")
        return self.session.send_file(path)

    def get_file(self, file_id: str) -> None:
        if self.session is not None:
            self.session.get_file(file_id, self.download_dir())

    def cancel_file(self, transfer_id: str) -> None:
        if self.session is not None:
            self.session.cancel_file(transfer_id)

    def leave(self) -> None:
        """ "Quitter la discussion": end the session and go back to the start view.

        A host with people in the room is asked first: leaving closes it for everyone.
        """
        self._confirm_closing(self._leave_now)

    def _leave_now(self) -> None:
        self._stop_session()
        self.show_start(self.kind)

    def rejoin(self) -> None:
        """ "Rejoindre à nouveau" after the host closed the room (or the session ended)."""
        if self.form is not None:
            self.start_session("join", self.form)

    def typing(self) -> None:
        """The person types in the message box: the session tells the room (thread-safe)."""
        if self.session is not None:
            self.session.typing()

    def retry_now(self) -> None:
        """ "Réessayer maintenant" while reconnecting."""
        if self.session is not None and hasattr(self.session, "retry_now"):
            self.session.retry_now()

    def _confirm_closing(self, then: Any) -> None:
        """Run `then` now, or after "yes" when hosting a room that others are in."""
        chat = self.chat
        others = chat.others_count() if chat is not None and chat.state == "hosting" else 0
        if not others or self.session is None:
            then()
            return
        if self.confirm is not None and self.confirm.winfo_exists():
            self.confirm.lift()
            return
        key = "gui.confirm.close_one" if others == 1 else "gui.confirm.close_many"
        self.confirm = ConfirmDialog(
            self.root,
            title=tr("gui.confirm.title"),
            message=tr(key, count=others),
            yes=tr("gui.confirm.yes"),
            on_yes=then,
        )

    def _stop_session(self) -> None:
        session, self.session, self.token = self.session, None, None
        self.phase = Phase.IDLE
        if session is not None:
            collect_tk_garbage()
            try:
                session.stop()
            except Exception:
                log.exception("error while stopping the session")

    # -- events -------------------------------------------------------------------------

    def _on_events(self, items: list[tuple[object, Any]]) -> None:
        batch: list[Any] = []
        for token, event in items:
            if token is _NOTICES:
                self._on_notice_event(event)
                continue
            if token is _PREVIEWS:
                self._on_preview(event)
                continue
            if token is not self.token or self.token is None:
                continue  # a session we already left
            # One event that fails is reported; the events that came with it still count.
            try:
                if self.phase is Phase.STARTING:
                    self._while_starting(event)
                elif self.phase is Phase.CHAT:
                    batch.append(event)
                if isinstance(event, ev.Stopped):
                    self._finished()
            except Exception as exc:
                self.window.report(exc)
        if batch and self.chat is not None and self.chat.winfo_exists():
            incoming = self.chat.apply(batch)
            if incoming:
                self._incoming(incoming)

    def _incoming(self, lines: list[ChatLine]) -> None:
        """New messages from others: the title count, and one notice per burst if unfocused.

        A message for us alone (private, or mentioning us) is notified even when room
        notifications are off, and even in the middle of a burst: it is the one worth it.
        """
        ring = self.window.note_incoming(len(lines))
        if self.window.unread.focused:
            return
        urgent = next((line for line in lines if line.private or line.mention), None)
        if urgent is not None:
            if not self.notices.show(urgent.sender, first_line(urgent.text)):
                self.window.request_attention()
            return
        if not ring:
            return
        first = lines[0]
        if not (
            self.settings.notifications and self.notices.show(first.sender, first_line(first.text))
        ):
            self.window.request_attention()

    def _on_preview(self, ready: PreviewReady) -> None:
        if self.chat is not None and self.chat.winfo_exists():
            self.chat.show_preview(ready.card_id, ready.image)

    def _on_notice_event(self, event: Any) -> None:
        if isinstance(event, NotificationClicked):
            self.window.bring_forward()
            if self.chat is not None and self.chat.winfo_exists():
                self.chat.focus_entry()
        elif isinstance(event, NotificationsUnavailable):
            self.notices.given_up()
            self.window.request_attention()  # the burst that found no notification service

    def _while_starting(self, event: Any) -> None:
        if isinstance(event, ev.Listening | ev.Connected):
            self.phase = Phase.CHAT
            self.chat = ChatView(
                self.root,
                mode=self.kind or "host",
                name=self.form.name if self.form else "",
                send=self.send,
                leave=self.leave,
                on_error=self.window.report,
                typing=self.typing,
                retry=self.retry_now,
                rejoin=self.rejoin if self.kind == "join" else None,
                files=self.file_actions(),
                drops=self.window.drops,
            )
            self.window.show(self.chat)
            self.chat.apply([event])
            self.chat.focus_entry()
        elif isinstance(event, ev.Failed) and event.fatal:
            self.phase = Phase.FAILED
            self._start_failed(event.code, event.details)
        elif isinstance(event, ev.Failed | ev.Notice):
            for line in describe(event, Viewpoint()):
                self.window.notify(line.text)

    def _start_failed(self, code: str, details: dict[str, Any]) -> None:
        if code == "identity_changed" and self.kind == "join" and self.form is not None:
            form = self.form
            view = IdentityView(
                self.root,
                host=form.host or "",
                port=form.port or 0,
                # The core names them "old"/"new"; "old_code"/"new_code" are accepted too.
                old_code=str(details.get("old_code") or details.get("old") or ""),
                new_code=str(details.get("new_code") or details.get("new") or ""),
                on_cancel=lambda: self.show_start("join"),
                on_trust=lambda: self._trust_new(form),
            )
            self.window.show(view)
            view.focus_first()
            return
        view = self.window.view
        if not isinstance(view, StartView):
            view = self.show_start(self.kind)
        view.show_failure(self.kind or "host", code, dict(details or {}))

    def _trust_new(self, form: FormResult) -> None:
        self.show_start("join")
        self.start_session("join", form, trust_new=True)

    def _finished(self) -> None:
        """Stopped: the session's thread is over; join it and forget the session."""
        session, self.session = self.session, None
        if session is not None:
            try:
                session.stop()
            except Exception:
                log.exception("error while stopping the session")
        if self.phase is Phase.STARTING:
            view = self.window.view
            if isinstance(view, StartView):
                view.set_busy(None)
        if self.phase is not Phase.CHAT:
            self.phase = Phase.IDLE

    # -- window-wide settings -------------------------------------------------------------

    def set_theme(self, mode: str) -> None:
        self.settings.theme = mode
        self.save_settings()

    def set_notifications(self, on: bool) -> None:
        """The "Notifications de bureau" menu item: remembered for the next runs."""
        self.settings.notifications = on
        self.save_settings()

    def set_language(self, lang: str | None) -> None:
        self.settings.language = lang
        i18n.set_language(lang)
        self.window.build_menu()
        self.window.refresh_title()
        if self.window.view is not None:
            self.window.view.retranslate()
        self.save_settings()

    def close_request(self) -> None:
        """The window's close button or "Quitter": ask first when others are in our room."""
        self._confirm_closing(self.close)

    def close(self) -> None:
        """The window is closing: leave the room cleanly, then destroy the window."""
        if self.closed:
            return
        self.closed = True
        self._stop_session()
        self.bridge.stop()
        self.previews.close()
        self.network.stop()
        self.root.destroy()
