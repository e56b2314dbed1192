"""A chat view fed with constructed network events, in the real window (issue 14's tests)."""

from __future__ import annotations

from messagerie.net import events as ev
from messagerie.ui.chat_view import ChatView
from tests.gui.conftest import pump_until

CODE = "4321 8765"


def connected(**kw) -> ev.Connected:
    values = dict(
        host="10.0.0.1",
        port=5566,
        name="Ana",
        room="Bob",
        participants=("Ana", "Bob", "Cléo"),
        tls=True,
        fingerprint="cd" * 32,
        safety_code=CODE,
    )
    values.update(kw)
    return ev.Connected(**values)


def listening(**kw) -> ev.Listening:
    values = dict(
        host="0.0.0.0",
        port=5566,
        name="Hôte",
        addresses=("192.168.1.23:5566",),
        tls=True,
        fingerprint="cd" * 32,
        safety_code=CODE,
    )
    values.update(kw)
    return ev.Listening(**values)


def message(i: int, *, sender: str = "Bob", ts: float = 1.7e9, **kw) -> ev.MessageReceived:
    text = kw.pop("text", f"message numéro {i}, assez long pour prendre de la place à l'écran")
    return ev.MessageReceived(id=f"m{i}", seq=i, sender=sender, text=text, ts=ts, **kw)


class Calls:
    """Records the callbacks a chat view makes (send, typing, retry, rejoin)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.typing = 0
        self.retries = 0
        self.rejoins = 0
        self.errors: list[BaseException] = []

    def send(self, text: str) -> None:
        self.sent.append(text)

    def on_typing(self) -> None:
        self.typing += 1

    def retry(self) -> None:
        self.retries += 1

    def rejoin(self) -> None:
        self.rejoins += 1


def chat_view(c, calls: Calls | None = None, *, mode: str = "join", **kw) -> ChatView:
    """A ChatView in the app's window (its controller has no session)."""
    calls = calls or Calls()
    chat = ChatView(
        c.root,
        mode=mode,
        name="Ana" if mode == "join" else "Hôte",
        send=calls.send,
        leave=lambda: None,
        on_error=calls.errors.append,
        typing=calls.on_typing,
        retry=calls.retry,
        rejoin=calls.rejoin,
        **kw,
    )
    c.window.show(chat)
    c.chat = chat
    c.root.update()
    return chat


def feed(c, chat: ChatView, events: list, batch: int = 200) -> None:
    """Apply `events` in bridge-sized batches, letting Tk run between them as it would."""
    for start in range(0, len(events), batch):
        chat.apply(events[start : start + batch])
        c.root.update()


def last_line_visible(chat: ChatView) -> bool:
    """Whether the newest line is on screen, from Tk's layout (not from the view's own flag)."""
    text = chat.history.text
    text.update_idletasks()
    return text.dlineinfo("end-1c linestart -1c") is not None


def scroll_up(c, chat: ChatView, clicks: int = 10) -> None:
    """Turn the mouse wheel up over the history, as a reader going back in time."""
    text = chat.history.text
    for _ in range(clicks):
        text.event_generate("<Button-4>", x=20, y=20)
    pump_until(c.root, lambda: not last_line_visible(chat), what="scrolled up")
    c.root.update()
