"""A file in the conversation: a card embedded in the history (`Text.window_create`).

One card per offered file (live or from the history) and per upload of ours. It shows the
name, the size and the sender, and the actions of its state:
- offered: "Télécharger";
- downloading or uploading: a progress bar with the rate and the time left, "Annuler";
- received: "Ouvrir" (never for a file that could run code, see ui/opener.py) and
  "Afficher dans le dossier", and a thumbnail for a small image;
- failed or cancelled: the reason in words, and "Télécharger" again for a download.
Progress reports come from the bridge many times a second at most; the card redraws at
most every REDRAW_MS, so a fast transfer costs the Tk thread a few configure calls a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ttkbootstrap as ttk

from messagerie.i18n import format_size, tr
from messagerie.ui.opener import FileOpener, is_risky
from messagerie.ui.transfer_meter import TransferMeter, format_duration
from messagerie.wording.lines import inline

REDRAW_MS = 250
STATUS_WRAP_PX = 440


@dataclass
class FileActions:
    """What the cards and the chat view ask of the session and the desktop.

    `send(path) -> id`, `get(file_id)`, `cancel(id)`; `opener` opens files and folders;
    `ask_files()` returns the paths chosen in a file dialog (empty when cancelled);
    `preview(card_id, path)` asks for a thumbnail (None: no previews).
    """

    send: Callable[[str], str]
    get: Callable[[str], object]
    cancel: Callable[[str], object]
    ask_files: Callable[[], list[str]]
    opener: FileOpener = field(default_factory=FileOpener)
    preview: Callable[[str, Path], object] | None = None


class FileCard(ttk.Frame):
    """The card of one file; `state` is "offered", "downloading", "uploading", "received",
    "sent", "failed" or "cancelled"."""

    def __init__(
        self,
        master: Any,
        *,
        card_id: str,
        name: str,
        size: int,
        sender: str,
        actions: FileActions,
        media_type: str = "",
        upload: bool = False,
        path: Path | None = None,
    ) -> None:
        super().__init__(master, padding=(10, 8), borderwidth=1, relief="solid")
        self.card_id = card_id
        self.file_id: str | None = None if upload else card_id
        self.name, self.size, self.sender = name, size, sender
        self.media_type = media_type
        self.actions = actions
        self.upload = upload
        self.path = path  # the received file, or the one we share
        self.clock: Callable[[], float] = time.monotonic
        self.meter = TransferMeter(size)
        self.state = "uploading" if upload else "offered"
        self.reason = ""
        self.image: Any = None  # the thumbnail's PhotoImage, kept alive here
        self._redraw_after: str | None = None
        self.columnconfigure(1, weight=1)
        self.icon = ttk.Label(self, icon="file-earmark-arrow-down", bootstyle="secondary")
        self.icon.grid(row=0, column=0, rowspan=2, sticky="n", padx=(0, 8))
        self.title = ttk.Label(self, text=inline(name), font="-weight bold")
        self.title.grid(row=0, column=1, sticky="w")
        self.meta = ttk.Label(self, bootstyle="secondary")
        self.meta.grid(row=1, column=1, sticky="w")
        self.bar = ttk.Progressbar(self, maximum=max(size, 1), length=260, bootstyle="success")
        # A long download path wraps instead of widening the card past the history.
        self.status = ttk.Label(self, bootstyle="secondary", wraplength=STATUS_WRAP_PX)
        self.preview = ttk.Label(self)
        self.buttons = ttk.Frame(self)
        self.buttons.grid(row=5, column=0, columnspan=2, sticky="w", pady=(6, 0))
        self.download_button = ttk.Button(
            self.buttons, bootstyle="primary", icon="download", compound="left",
            command=self.download,
        )  # fmt: skip
        self.cancel_button = ttk.Button(
            self.buttons, bootstyle="outline-danger", command=self.cancel
        )
        self.open_button = ttk.Button(
            self.buttons, bootstyle="primary", icon="box-arrow-up-right", compound="left",
            command=self.open,
        )  # fmt: skip
        self.folder_button = ttk.Button(
            self.buttons, bootstyle="outline-secondary", icon="folder2-open", compound="left",
            command=self.show_in_folder,
        )  # fmt: skip
        self.bind("<Destroy>", self._on_destroy, add="+")
        self.redraw()

    # -- actions ------------------------------------------------------------------------

    def download(self) -> None:
        """ "Télécharger": ask the session for the file."""
        if self.file_id is None:
            return
        self.state = "downloading"
        self.meter = TransferMeter(self.size)
        self.actions.get(self.file_id)
        self.redraw()

    def cancel(self) -> None:
        """ "Annuler": the session stops the transfer and tells FileFailed("cancelled")."""
        self.actions.cancel(self.card_id if self.upload else self.file_id or self.card_id)

    def open(self) -> None:
        if self.path is not None:
            self.actions.opener.open(self.path)

    def show_in_folder(self) -> None:
        if self.path is not None:
            self.actions.opener.show_in_folder(self.path)

    def can_open(self) -> bool:
        """ "Ouvrir" is offered only for a file that cannot run code when opened."""
        return self.path is not None and not is_risky(self.path)

    # -- what the session tells -----------------------------------------------------------

    def progress(self, done: int, total: int) -> None:
        self.meter.update(self.clock(), done, total)
        if self.state not in ("downloading", "uploading"):
            self.state = "uploading" if self.upload else "downloading"
            self.redraw()
        elif self._redraw_after is None:
            # At most one redraw per REDRAW_MS, however many reports arrive meanwhile.
            self._redraw_after = self.after(REDRAW_MS, self._redraw_due)

    def received(self, path: Path) -> None:
        self.state, self.path = "received", Path(path)
        self.redraw()

    def sent(self, file_id: str) -> None:
        self.state, self.file_id = "sent", file_id
        self.redraw()

    def failed(self, code: str, reason: str) -> None:
        self.state = "cancelled" if code == "cancelled" else "failed"
        self.reason = reason
        self.redraw()

    def show_preview(self, photo: Any) -> None:
        """Put the thumbnail (a PhotoImage made on the Tk thread) on the card."""
        self.image = photo
        self.preview.configure(image=photo)
        self.preview.grid(row=4, column=0, columnspan=2, sticky="w", pady=(6, 0))

    # -- drawing --------------------------------------------------------------------------

    def _redraw_due(self) -> None:
        self._redraw_after = None
        self.redraw()

    def redraw(self) -> None:
        """Show the state: the texts, the bar and the buttons it has."""
        size = format_size(self.size)
        self.meta.configure(text=tr("gui.file.meta", size=size, sender=inline(self.sender)))
        moving = self.state in ("downloading", "uploading")
        if moving:
            self.bar.configure(maximum=max(self.meter.total, 1), value=self.meter.done)
            self.bar.grid(row=2, column=0, columnspan=2, sticky="ew", pady=(6, 0))
        else:
            self.bar.grid_remove()
        status = self._status_text()
        self.status.configure(
            text=status, bootstyle="danger" if self.state == "failed" else "secondary"
        )
        if status:
            self.status.grid(row=3, column=0, columnspan=2, sticky="w")
        else:
            self.status.grid_remove()
        shown = {
            "offered": [self.download_button],
            "downloading": [self.cancel_button],
            "uploading": [self.cancel_button],
            "received": [self.open_button, self.folder_button]
            if self.can_open()
            else [self.folder_button],
            "sent": [self.open_button, self.folder_button]
            if self.can_open()
            else [self.folder_button],
            "failed": [] if self.upload else [self.download_button],
            "cancelled": [] if self.upload else [self.download_button],
        }[self.state]
        if self.path is None:
            shown = [b for b in shown if b not in (self.open_button, self.folder_button)]
        for button in (self.download_button, self.cancel_button, self.open_button):
            if button not in shown:
                button.pack_forget()
        if self.folder_button not in shown:
            self.folder_button.pack_forget()
        for button in shown:
            button.pack(side="left", padx=(0, 6))
        self.retranslate_buttons()

    def retranslate_buttons(self) -> None:
        self.download_button.configure(text=tr("gui.file.download"))
        self.cancel_button.configure(text=tr("gui.file.cancel"))
        self.open_button.configure(text=tr("gui.file.open"))
        self.folder_button.configure(text=tr("gui.file.show_in_folder"))

    def _status_text(self) -> str:
        m = self.meter
        if self.state in ("downloading", "uploading"):
            rate, left = m.rate(), m.seconds_left()
            done, total = format_size(m.done), format_size(m.total)
            if rate is None or left is None:
                return tr("gui.file.progress_start", done=done, total=total)
            return tr(
                "gui.file.progress",
                done=done,
                total=total,
                rate=format_size(int(rate)),
                left=format_duration(left),
            )
        if self.state == "received" and self.path is not None:
            if is_risky(self.path):
                return tr("gui.file.saved_risky", path=inline(str(self.path)))
            return tr("gui.file.saved", path=inline(str(self.path)))
        if self.state == "sent":
            return tr("gui.file.shared")
        if self.state in ("failed", "cancelled"):
            return self.reason
        return ""

    def _on_destroy(self, event: Any) -> None:
        if event.widget is self and self._redraw_after is not None:
            self.after_cancel(self._redraw_after)
            self._redraw_after = None
