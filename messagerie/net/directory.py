"""Who can be written to privately: the members a session has seen, by member id.

Both faces keep one (the window for its list of people, headless mode for `/msg NAME text`)
and feed it every event. A member stays known once gone, so that a private message can wait
on the host for someone who is away; names are matched by skeleton (protocol.names), so a
lookalike cannot be picked by mistake, and a name that fits two members is refused rather
than guessed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from messagerie import protocol
from messagerie.errors import LocalProtocolError
from messagerie.net import events


@dataclass(frozen=True)
class Member:
    """Someone of the room: `id` is what private messages are addressed to."""

    id: str
    name: str
    present: bool
    private: bool = True


class Directory:
    """The members seen in this session. Thread-safe: events come from the network thread,
    lookups from the face's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._members: dict[str, Member] = {}
        self.own_id = ""

    def apply(self, event: events.Event) -> None:
        """Follow `event` (anything else than membership changes is ignored)."""
        with self._lock:
            match event:
                case events.Listening():
                    self.own_id = event.member_id
                case events.Connected():
                    self.own_id = event.member_id
                    # Everyone else is away until the welcome's list says otherwise.
                    for member_id, member in self._members.items():
                        self._members[member_id] = Member(
                            member.id, member.name, False, member.private
                        )
                    for m in event.members:
                        self._members[m["id"]] = Member(m["id"], m["name"], True, m["private"])
                case events.Joined() if event.member_id:
                    self._members[event.member_id] = Member(
                        event.member_id, event.name, True, event.private
                    )
                case events.Left() if event.member_id in self._members:
                    member = self._members[event.member_id]
                    self._members[event.member_id] = Member(
                        member.id, member.name, False, member.private
                    )
                case events.MessageReceived() if event.private and event.peer_id:
                    # Someone who wrote to us while we were away, or whom we wrote to.
                    if event.peer_id not in self._members:
                        self._members[event.peer_id] = Member(event.peer_id, event.peer_name, False)

    def members(self) -> list[Member]:
        """Everyone seen but us: present ones first, each group by name."""
        with self._lock:
            others = [m for m in self._members.values() if m.id != self.own_id]
        return sorted(others, key=lambda m: (not m.present, protocol.name_skeleton(m.name)))

    def get(self, member_id: str) -> Member | None:
        with self._lock:
            return self._members.get(member_id)

    def find(self, name: str) -> Member:
        """The one member called `name` (by skeleton). Raises LocalProtocolError
        `no_such_name` or `ambiguous_recipient` (with `name`)."""
        wanted = protocol.name_skeleton(protocol.normalise_name(name))
        found = [m for m in self.members() if protocol.name_skeleton(m.name) == wanted]
        present = [m for m in found if m.present]
        # Someone here now wins over a namesake who left: that is who the writer sees.
        if len(present) == 1:
            return present[0]
        if len(found) == 1:
            return found[0]
        code = "ambiguous_recipient" if found else "no_such_name"
        raise LocalProtocolError(code, name=name)

    def split_addressed(self, line: str) -> tuple[Member, str]:
        """`NAME text` (as after `/msg`): the member and the text. A name with spaces is
        found as the longest known name the line starts with, or may be put in quotes."""
        line = line.strip()
        if line.startswith('"') and '"' in line[1:]:
            name, _, text = line[1:].partition('"')
            return self.find(name), text.strip()
        names = {m.name for m in self.members()}
        starts = [n for n in names if line.startswith(n + " ") or line == n]
        name = max(starts, key=len) if starts else line.partition(" ")[0]
        return self.find(name), line[len(name) :].strip()
