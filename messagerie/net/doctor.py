"""The connection doctor: why a join failed, or why no room shows up, from real checks only.

Every finding comes from something measured here, never from a guess: the cards and netmasks
of this machine (net/adapters.py), the route the kernel picks, a TCP connection to the room's
port and to a port that should be closed, a unicast question to the host's mDNS responder,
and a unicast discovery probe. Nothing here multicasts or broadcasts.

The findings are codes with details; `Finding.message` is the sentence in the current
language (catalog keys `doctor.<code>`). Checks block for up to a few seconds: call them off
the Tk thread.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import time
from dataclasses import dataclass, field

from messagerie.i18n import tr
from messagerie.net import adapters as cards
from messagerie.net import discovery

CONNECT_TIMEOUT_S = 2.0
# A port that is closed on nearly every machine: a refusal there proves the machine is up
# and answering, so a silence on the room's port is a filter (a firewall), not an absence.
CLOSED_PORT = 9


@dataclass(frozen=True)
class Finding:
    """One diagnosis: a stable `code` and the values its sentence needs."""

    code: str
    details: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return tr(f"doctor.{self.code}", **self.details)

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, **self.details}


def diagnose(
    host: str,
    port: int,
    *,
    found_by_browser: bool | None = None,
    timeout: float = CONNECT_TIMEOUT_S,
    local: list[cards.Adapter] | None = None,
) -> list[Finding]:
    """Why joining `host:port` fails (or works), most useful finding first.

    `found_by_browser=False` says the list of rooms did not show this host: if the host then
    answers, the doctor checks whether its announcements reach us.
    """
    try:
        address = _resolve(host)
    except OSError:
        return [Finding("unknown_host", {"host": host})]
    local = cards.all_adapters() if local is None else local
    findings: list[Finding] = []
    target = ipaddress.IPv4Address(address)
    used = _card_for(address, local)
    if not target.is_loopback and not any(target in a.network for a in local):
        mine = used or next(iter(cards.usable_lan(local)), None)
        if mine is not None:
            findings.append(
                Finding(
                    "other_subnet",
                    {"host": address, "mine": mine.ip, "netmask": mine.netmask},
                )
            )
    state = tcp_state(address, port, timeout)
    if state == "refused":
        findings.insert(0, Finding("not_listening", {"host": address, "port": port}))
    elif state in ("timeout", "unreachable"):
        evidence = _alive(address, port, timeout)
        if evidence:
            findings.insert(0, Finding("port_filtered", {"host": address, "port": port}))
        else:
            findings.insert(0, Finding("nothing_answers", {"host": address}))
    elif state == "open":
        if found_by_browser is False:
            findings.append(_announcements(address, port, timeout))
        else:
            findings.insert(0, Finding("reachable", {"host": address, "port": port}))
    findings.extend(several_cards(local, used, host=address))
    return findings


def diagnose_network(local: list[cards.Adapter] | None = None) -> list[Finding]:
    """Why the list of rooms may stay empty, from this machine's side alone."""
    local = cards.all_adapters() if local is None else local
    lan = cards.usable_lan(local)
    if not lan:
        return [Finding("no_network")]
    used = _card_for("10.255.255.255", local) or lan[0]
    return several_cards(local, used, host=None)


def several_cards(
    local: list[cards.Adapter], used: cards.Adapter | None, *, host: str | None
) -> list[Finding]:
    """When this machine has more than one card up, say which one is used, and how to pick."""
    up = [a for a in local if a.up and not a.loopback and not a.link_local]
    if len(up) < 2:
        return []
    names = ", ".join(f"{a.label} ({a.ip})" for a in up)
    chosen = f"{used.label} ({used.ip})" if used else "?"
    return [
        Finding(
            "several_cards",
            {"cards": names, "used": chosen, "host": host or "", "name": used.name if used else ""},
        )
    ]


def tcp_state(address: str, port: int, timeout: float) -> str:
    """ "open", "refused", "timeout" or "unreachable": what a TCP connection attempt met."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect((address, port))
        except ConnectionRefusedError:
            return "refused"
        except TimeoutError:
            return "timeout"
        except OSError as exc:
            if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN):
                return "unreachable"
            return "timeout"
    return "open"


def _alive(address: str, port: int, timeout: float) -> str | None:
    """Proof that the machine is there although its room port is silent, or None."""
    if tcp_state(address, CLOSED_PORT, timeout) in ("refused", "open"):
        return "tcp"
    if _probe(address, port, timeout):
        return "probe"
    return None


def _announcements(address: str, port: int, timeout: float) -> Finding:
    """The host answers; does it announce its room? (asked by unicast, which crosses
    what blocks multicast)."""
    if discovery.query_unicast(address, timeout) or _probe(address, port, timeout):
        return Finding("multicast_blocked", {"host": address})
    return Finding("not_announced", {"host": address, "port": port})


def _probe(address: str, port: int, timeout: float) -> bool:
    """Send one discovery probe to the host itself (unicast) and wait for its answer."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(discovery.PROBE_REQUEST, (address, port))
            deadline = time.monotonic() + timeout
            while (remaining := deadline - time.monotonic()) > 0:
                sock.settimeout(remaining)
                data, (source, _) = sock.recvfrom(discovery.PROBE_MAX_BYTES + 1)
                if source == address and discovery.parse_probe_reply(data, source):
                    return True
        except OSError:  # includes the timeout, and ICMP "port unreachable" on Linux
            return False
    return False


def _resolve(host: str) -> str:
    infos = socket.getaddrinfo(host.strip("[]"), None, socket.AF_INET, socket.SOCK_STREAM)
    return str(infos[0][4][0])


def _card_for(address: str, local: list[cards.Adapter]) -> cards.Adapter | None:
    """The card the kernel would use to reach `address` (nothing is sent)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((address, 9))
        source = s.getsockname()[0]
        return next((a for a in local if a.ip == source), None)
    return None
