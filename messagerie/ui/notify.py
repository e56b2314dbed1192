"""Desktop notifications (desktop-notifier), run on the network thread, never on Tk's.

desktop-notifier is asyncio-based: on Linux it talks D-Bus to the session's notification
daemon and needs a running loop to hear about clicks. The window's network thread already
runs one, so each notification is a coroutine submitted there; what happens next (a click,
or a failure) is handed back to the Tk thread through `post`, the bridge's thread-safe sink.

Where the system gives no notification (Linux without a notification daemon, a Windows build
without a registered app id, an unsigned macOS bundle), desktop-notifier only logs a warning;
we notice that the notification was never dispatched, say so once through `post`, and stop
trying: the window then falls back to its attention request and the title count.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

APP_NAME = "Messagerie"
# A daemon that accepts the connection but never answers must not pile up waiting tasks.
SEND_TIMEOUT_S = 5.0
# The body is the first line of the message, cut to a length every daemon shows whole.
BODY_CHARS = 200


@dataclass(frozen=True)
class NotificationClicked:
    """The person clicked our notification: bring the window forward (Tk thread)."""


@dataclass(frozen=True)
class NotificationsUnavailable:
    """The system showed no notification; `detail` says why, for the log."""

    detail: str


def first_line(text: str) -> str:
    """The first non-empty line of `text`, cut to BODY_CHARS characters."""
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= BODY_CHARS else line[: BODY_CHARS - 1] + "…"
    return ""


class DesktopNotices:
    """Sends notifications from the Tk thread; `post(event)` must be thread-safe.

    `available` (Tk thread) turns False when the Tk side hears NotificationsUnavailable and
    calls `given_up()`; `_gave_up` is the network thread's own record of the same fact.
    """

    def __init__(self, network: Any, post: Callable[[object], None]) -> None:
        self._network = network
        self._post = post
        self._notifier: Any = None
        self._gave_up = False
        self.available = True

    def given_up(self) -> None:
        """NotificationsUnavailable reached the Tk thread: stop asking (Tk thread)."""
        self.available = False

    def show(self, title: str, body: str) -> bool:
        """Ask for a notification (Tk thread; returns at once).

        Returns False when notifications are known not to work: the caller falls back.
        """
        if not self.available:
            return False
        try:
            self._network.submit(self._send(title, body))
        except RuntimeError:  # the network thread has ended: the window is closing
            return False
        return True

    async def _send(self, title: str, body: str) -> None:
        """On the network thread: send one notification; report a failure once."""
        if self._gave_up:
            return
        dispatched = asyncio.Event()
        try:
            notifier = await self._get_notifier()
            if notifier is None:
                return
            from desktop_notifier import Notification

            notification = Notification(
                title=title,
                message=body,
                on_dispatched=dispatched.set,
                on_clicked=lambda: self._post(NotificationClicked()),
            )
            await asyncio.wait_for(notifier.send_notification(notification), SEND_TIMEOUT_S)
        except Exception as exc:  # any failure of the platform's service means "none here"
            self._unavailable(f"{type(exc).__name__}: {exc}")
            return
        if not dispatched.is_set():
            # desktop-notifier logs the reason as a warning and returns normally.
            self._unavailable("not dispatched (no notification service)")

    async def _get_notifier(self) -> Any:
        """The notifier, made and authorised on first use; None when the system has none."""
        if self._notifier is None:
            from desktop_notifier import DesktopNotifier
            from desktop_notifier.backends.dummy import DummyNotificationCenter
            from desktop_notifier.main import get_backend_class

            # Its stand-in where the system offers nothing (macOS outside an app bundle, old
            # Windows) "sends" without showing anything: that is no notification for us.
            if get_backend_class() is DummyNotificationCenter:
                self._unavailable("no notification service on this system")
                return None

            # It logs every failed send as a warning with a traceback; on a machine without
            # a notification service that would be one traceback per burst in the log. We
            # log the fact once ourselves (`_unavailable`).
            logging.getLogger("desktop_notifier").setLevel(logging.ERROR)
            notifier = DesktopNotifier(app_name=APP_NAME, app_icon=None)
            # macOS asks the person once; a refusal (or an unsigned bundle) means no toasts.
            if not await asyncio.wait_for(notifier.request_authorisation(), SEND_TIMEOUT_S):
                self._unavailable("notifications not authorised")
                return None
            self._notifier = notifier
        return self._notifier

    def _unavailable(self, detail: str) -> None:
        if not self._gave_up:
            self._gave_up = True
            log.info("desktop notifications unavailable, using the window's fallback: %s", detail)
            self._post(NotificationsUnavailable(detail))
