"""The single application window: the ttk.App root, its menus, a notice bar and the title.

ttkbootstrap 2 allows one root only, so views are frames swapped inside this window. Any
exception in a Tk callback lands in `report_callback_exception`: it is logged with its
traceback and the person sees "Erreur interne — voir le journal" in the notice bar, never a
traceback and never a frozen window.
"""

from __future__ import annotations

import gc
import logging
import sys
import tkinter
from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from messagerie import i18n
from messagerie.errors import MessagerieError
from messagerie.i18n import tr
from messagerie.ui import dnd
from messagerie.ui.forms import UnreadTracker, window_title
from messagerie.ui.widgets import wrap_label
from messagerie.wording import explain

log = logging.getLogger(__name__)

THEMES = {"light": "bootstrap-light", "dark": "bootstrap-dark"}
SIZE = (980, 700)
MIN_SIZE = (460, 460)


def collect_tk_garbage() -> None:
    """Collect cyclic garbage now, on the Tk thread.

    Tk wrappers (variables, images) delete their Tcl object in `__del__`. If a cycle holding
    one is collected later by a garbage collection that happens to run on the network
    thread, that `__del__` calls Tcl from the wrong thread: it then waits for the Tk thread,
    which may itself be waiting in `session.stop()`. Collecting here after destroying widgets
    keeps those calls on the Tk thread.
    """
    gc.collect()


class MainWindow:
    """Owns the root; theme, language and close requests go to the controller's callbacks."""

    def __init__(
        self,
        *,
        theme: str,
        on_theme: Callable[[str], None],
        on_language: Callable[[str | None], None],
        on_close: Callable[[], None],
        on_notifications: Callable[[bool], None] = lambda _on: None,
        notifications: bool = True,
        on_download_dir: Callable[[], None] | None = None,
    ) -> None:
        try:
            self.root = dnd.DnDApp(
                title=tr("gui.app_title"),
                theme=THEMES.get(theme, THEMES["light"]),
                size=SIZE,
                minsize=MIN_SIZE,
            )
        except tkinter.TclError as exc:
            # Typically no display (an SSH session, a server): say what to do instead.
            raise MessagerieError("no_display", detail=str(exc)) from exc
        self.root.report_callback_exception = self.report_exception
        # Files dropped onto the chat need tkdnd; without it, the button alone shares files.
        self.drops = dnd.load(self.root) is not None
        self._on_download_dir = on_download_dir
        self._on_theme = on_theme
        self._on_language = on_language
        self.theme_var = ttk.StringVar(master=self.root, value=theme)
        self.language_var = ttk.StringVar(master=self.root, value="system")
        self.notifications_var = ttk.BooleanVar(master=self.root, value=notifications)
        self._on_notifications = on_notifications
        self.attention_requests = 0
        self.unread = UnreadTracker()
        self.view: Any = None

        self.root.columnconfigure(0, weight=1)
        self.root.rowconfigure(1, weight=1)
        self._build_notice()
        self.build_menu()
        self._on_close = on_close
        self.root.protocol("WM_DELETE_WINDOW", on_close)
        self.root.bind("<FocusIn>", self._focus_in, add="+")
        self.root.bind("<FocusOut>", self._focus_out, add="+")

    # -- menus --------------------------------------------------------------------------

    def build_menu(self) -> None:
        """(Re)build the menu bar in the current language."""
        bar = ttk.Menu(self.root)
        view = ttk.Menu(bar, tearoff=False)
        for mode in ("light", "dark"):
            view.add_radiobutton(
                label=tr(f"gui.menu.theme_{mode}"),
                variable=self.theme_var,
                value=mode,
                command=lambda m=mode: self.set_theme(m),
            )
        view.add_separator()
        view.add_checkbutton(
            label=tr("gui.menu.notifications"),
            variable=self.notifications_var,
            command=lambda: self._on_notifications(bool(self.notifications_var.get())),
        )
        if self._on_download_dir is not None:
            view.add_command(label=tr("gui.menu.download_dir"), command=self._on_download_dir)
        view.add_separator()
        view.add_command(label=tr("gui.menu.quit"), command=self.close_request)
        bar.add_cascade(label=tr("gui.menu.view"), menu=view)
        lang = ttk.Menu(bar, tearoff=False)
        for value in ("system", *i18n.LANGUAGES):
            lang.add_radiobutton(
                label=tr(f"gui.menu.language_{value}"),
                variable=self.language_var,
                value=value,
                command=lambda v=value: self._on_language(None if v == "system" else v),
            )
        bar.add_cascade(label=tr("gui.menu.language"), menu=lang)
        self.root.configure(menu=bar)

    def close_request(self) -> None:
        """The "Quitter" menu item: the same path as the title-bar close button."""
        self._on_close()

    def set_theme(self, mode: str) -> None:
        self.theme_var.set(mode)
        ttk.Style.get_instance().theme_use(THEMES.get(mode, THEMES["light"]))
        self._on_theme(mode)

    # -- views --------------------------------------------------------------------------

    def show(self, view: Any) -> None:
        """Replace the current view with `view` (a frame whose master is `self.root`)."""
        if self.view is not None:
            self.view.destroy()
            collect_tk_garbage()
        self.view = view
        view.grid(row=1, column=0, sticky="nsew")

    # -- notices ------------------------------------------------------------------------

    def _build_notice(self) -> None:
        self.notice = ttk.Frame(self.root, padding=(16, 6), bootstyle="warning")
        self.notice.columnconfigure(0, weight=1)
        self.notice_label = wrap_label(self.notice, bootstyle="@warning")
        self.notice_label.grid(row=0, column=0, sticky="ew")
        self.notice_close = ttk.Button(
            self.notice, text=tr("gui.notice.close"), bootstyle="warning", command=self.hide_notice
        )
        self.notice_close.grid(row=0, column=1, padx=(8, 0))

    def notify(self, message: str, *, kind: str = "warning") -> None:
        """Show a non-blocking message at the top of the window until dismissed."""
        self.notice.configure(bootstyle=kind)
        self.notice_label.configure(text=message, bootstyle=f"@{kind}")
        self.notice_close.configure(text=tr("gui.notice.close"), bootstyle=kind)
        self.notice.grid(row=0, column=0, sticky="ew")

    def hide_notice(self) -> None:
        self.notice.grid_remove()

    def notice_text(self) -> str:
        return str(self.notice_label.cget("text")) if self.notice.winfo_manager() else ""

    def report_exception(self, exc: type[BaseException], value: BaseException, tb: Any) -> None:
        """Tk's hook for an exception that escaped a callback."""
        self.report(value)

    def report(self, error: BaseException) -> None:
        """Show what went wrong: a domain error's sentence, or "internal error" for a bug
        (`explain` logs the bug with its traceback)."""
        try:
            self.notify(explain(error), kind="danger")
        except Exception:  # the window itself may be half-destroyed
            log.exception("could not show the error notice")

    # -- title and unread count ---------------------------------------------------------

    def note_incoming(self, count: int) -> bool:
        """`count` new messages from others arrived: count them in the title.

        Returns True when they start a burst while the window is not focused: the caller
        then notifies (a desktop notification, else `request_attention()`), once per burst.
        """
        ring = False
        for _ in range(count):
            ring = self.unread.arrived() or ring
        self.refresh_title()
        return ring

    def request_attention(self) -> None:
        """Ask the desktop to draw the eye to this window, without taking the focus.

        Windows flashes the taskbar button; elsewhere Tk has no portable call for it, so the
        bell rings (and the title count says how many messages wait).
        """
        self.attention_requests += 1
        if sys.platform == "win32":
            try:
                import ctypes

                hwnd = int(self.root.wm_frame(), 16)
                ctypes.windll.user32.FlashWindow(hwnd, True)
                return
            except Exception:
                log.debug("FlashWindow failed", exc_info=True)
        self.root.bell()

    def bring_forward(self) -> None:
        """A click on our notification: show the window on top with the keyboard focus."""
        self.root.deiconify()
        self.root.lift()
        self.root.focus_force()

    def refresh_title(self) -> None:
        self.root.title(window_title(self.unread.count))

    def _focus_in(self, _event: Any) -> None:
        if not self.unread.focused or self.unread.count:
            self.unread.focus_in()
            self.refresh_title()

    def _focus_out(self, _event: Any) -> None:
        # FocusOut also fires when focus moves between our own widgets; only when no widget
        # of ours has it afterwards has the window really lost the focus.
        self.root.after(50, self._check_focus)

    def _check_focus(self) -> None:
        try:
            focused = self.root.focus_get()
        except KeyError:
            # focus_get() raises KeyError when a combobox's drop-down list (ours) has it.
            return
        except tkinter.TclError:
            focused = None
        if focused is None:
            self.unread.focus_out()
