"""One renderer: what a person reads for each network event, in both faces.

`describe(event, viewpoint)` gives the lines of an event; the window inserts them into its
history and headless text mode prints them, so the two faces say the same words. Neither
face decides what to say; each only draws. `Viewpoint` is what the reader's side knows that
the event does not (its own name, whether it is connected); `viewpoint.after(event)` gives
the next one.

The rules both faces follow:
- our own arrival is not announced: "Connecté au serveur" already says it;
- a disconnection is told once, when a working connection is lost; the failed attempts of
  a reconnect loop only say when the next one comes;
- every string that came from the network (names, message text, a server's sentence) is
  neutralised here, so neither face can be made to print a control sequence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from messagerie.i18n import format_size, has, tr
from messagerie.net import events as ev
from messagerie.protocol import HOST_MARK, mentions
from messagerie.wording.sentences import inline, neutralise, sentence


@dataclass(frozen=True)
class SystemLine:
    """A line of the program's own (a join, a disconnection, an error when `error`)."""

    text: str
    error: bool = False


@dataclass(frozen=True)
class ChatLine:
    """A message: `pending` while it waits in our outbox, replaced by its echo (same `id`)."""

    id: str
    sender: str
    text: str
    ts: float
    own: bool = False
    history: bool = False
    pending: bool = False
    # Sent by the host: the window marks it (HOST_MARK); the text mode keeps the original
    # brief's "Serveur : ..." lines, where the room's name rules already keep lookalikes out.
    host: bool = False
    # A private message: the other party's member id (the conversation it belongs to), the
    # recipient's name, and whether it still waits for its recipient (our own only).
    peer_id: str = ""
    to_name: str = ""
    waiting: bool = False
    # What it answers: (the id, the sender's name, the quoted first line), neutralised.
    reply: tuple[str, str, str] | None = None
    # It mentions us (@ our name): highlighted, and notified even when the room is muted.
    mention: bool = False

    @property
    def private(self) -> bool:
        return bool(self.peer_id)


@dataclass(frozen=True)
class Delivered:
    """Our message `id` reached the room: a face that shows it as pending updates it."""

    id: str


@dataclass(frozen=True)
class Reached:
    """Our private message `id` reached its recipient: no longer "waiting"."""

    id: str


@dataclass(frozen=True)
class Refused:
    """The room refused our message `id`: a face that shows it as pending removes it (a
    SystemLine follows with the reason)."""

    id: str


Line = SystemLine | ChatLine | Delivered | Reached | Refused


@dataclass(frozen=True)
class Viewpoint:
    """The reader's side: its name in the room, and whether it holds a working connection."""

    own_name: str = ""
    connected: bool = False
    # The host's name, marked wherever it shows (no participant's name can hold the mark).
    host_name: str = ""

    def after(self, event: ev.Event) -> Viewpoint:
        """The viewpoint once `event` has happened."""
        match event:
            case ev.Listening():
                return replace(self, own_name=event.name, connected=True, host_name=event.name)
            case ev.Connected():
                return replace(self, own_name=event.name, connected=True, host_name=event.host_name)
            case ev.Disconnected() | ev.Stopped() | ev.Failed(fatal=True):
                return replace(self, connected=False)
        return self


def describe(event: ev.Event, viewpoint: Viewpoint) -> list[Line]:
    """The lines a person reads for `event`, seen from `viewpoint` (empty: nothing to say)."""
    match event:
        case ev.Listening():
            lines = [_system("line.waiting")]
            lines.append(_system("line.listening", addresses=", ".join(event.addresses)))
            return [*lines, *_security(event.tls, event.safety_code)]
        case ev.Connected():
            lines = [_system("line.connected")]
            host = inline(f"{event.host}:{event.port}")
            if event.previous_safety_code and event.safety_code:
                old, new = event.previous_safety_code, event.safety_code
                return [*lines, _system("line.identity_accepted", host=host, old=old, new=new)]
            if event.first_contact and event.safety_code:
                return [*lines, _system("line.first_contact", host=host, code=event.safety_code)]
            return [*lines, *_security(event.tls, event.safety_code)]
        case ev.Joined():
            lines = []
            if event.address:
                lines.append(_system("line.connection_from", address=event.address))
            if event.name != viewpoint.own_name:
                lines.append(_system("line.joined", name=inline(event.name)))
            return lines
        case ev.Left():
            return [_system("line.left", name=inline(event.name))]
        case ev.MessageReceived():
            reply = None
            if event.reply is not None:
                quote = event.reply
                reply = (quote["id"], inline(quote["from"]), inline(quote["text"]))
            return [
                ChatLine(
                    id=event.id,
                    sender=inline(event.sender),
                    text=neutralise(event.text),
                    ts=event.ts,
                    own=event.own,
                    history=event.history,
                    host=bool(event.sender) and event.sender == viewpoint.host_name,
                    peer_id=event.peer_id if event.private else "",
                    to_name=inline(event.to_name),
                    waiting=event.pending,
                    reply=reply,
                    mention=not event.own and mentions(event.text, viewpoint.own_name),
                )
            ]
        case ev.Pending():
            sender = inline(viewpoint.own_name)
            text = neutralise(event.text)
            host = viewpoint.own_name == viewpoint.host_name
            return [
                ChatLine(
                    event.id,
                    sender,
                    text,
                    event.ts,
                    own=True,
                    pending=True,
                    host=host,
                    peer_id=event.to,
                )
            ]
        case ev.Acked():
            return [Delivered(event.id)]
        case ev.Delivered():
            return [Reached(event.id)]
        case ev.SendRefused():
            reason = sentence(event.code)
            return [Refused(event.id), SystemLine(tr("line.refused", reason=reason), error=True)]
        case ev.Disconnected():
            if not viewpoint.connected:
                return []
            reason = sentence(event.reason, event.details)
            return [SystemLine(tr("line.disconnected", reason=reason), error=True)]
        case ev.Reconnecting():
            return [_system("line.reconnecting", delay=event.delay_s)]
        case ev.Notice():
            return [SystemLine(sentence(event.reason, event.details))]
        case ev.Failed():
            return [SystemLine(sentence(event.code, event.details), error=True)]
        case ev.Typing():
            return []  # shown by the window as a passing hint, not as a line of history
        case ev.FileOffered():
            size = format_size(event.size)
            name, sender = inline(event.name), inline(event.sender)
            return [_system("line.file_offered", name=name, size=size, sender=sender, id=event.id)]
        case ev.FileProgress():
            return []  # drawn by the window's file card; --json prints each
        case ev.FileResumed():
            return [_system(f"line.file_resumed_{event.direction}", name=inline(event.name))]
        case ev.FileSent():
            return [_system("line.file_sent", name=inline(event.name))]
        case ev.FileReceived():
            return [_system("line.file_received", path=inline(event.path))]
        case ev.FileFailed():
            reason = file_failure(event.code, event.details)
            return [
                SystemLine(tr("line.file_failed", name=inline(event.name), reason=reason), True)
            ]
    return []


def marked(shown: str, host: bool) -> str:
    """A name as the window shows it: with HOST_MARK before it when it is the host's."""
    return f"{HOST_MARK} {shown}" if host else shown


def shown_name(name: str, viewpoint: Viewpoint) -> str:
    """A participant's name as the window shows it: neutralised, marked if it is the host."""
    return marked(inline(name), bool(name) and name == viewpoint.host_name)


def file_failure(code: str, details: dict) -> str:
    """Why a transfer failed, in words: a refused name says which rule it broke, and a cap or
    quota is given as a size."""
    if code == "bad_file_name" and has(f"file_name.{details.get('reason')}"):
        return tr(f"file_name.{details['reason']}")
    if isinstance(details.get("limit"), int):
        details = {**details, "limit": format_size(details["limit"])}
    return sentence(code, details)


def _system(key: str, **values: object) -> SystemLine:
    return SystemLine(tr(key, **values))


def _security(tls: bool, safety_code: str | None) -> list[SystemLine]:
    if safety_code:
        return [_system("line.safety_code", code=safety_code)]
    if not tls:
        return [_system("line.not_encrypted")]
    return []
