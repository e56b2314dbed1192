"""Rooms found without typing an address: DNS-SD over mDNS, and a UDP broadcast probe.

A host advertises `_messagerie._tcp.local.` with python-zeroconf (`Advertiser`); a joiner
keeps a live list of the rooms it hears (`RoomBrowser`). Where multicast is blocked (Wi-Fi
isolation, IGMP snooping, some Windows setups), the browser falls back after 2 s to a small
UDP broadcast that hosts answer on their own port. docs/PROTOCOL.md ("Discovery") gives the
TXT records and the probe's bytes; net/adapters.py gives the rule for which cards are used.

Threads, and why: zeroconf runs its own event loop in its own thread, and each object here
adds one thread of its own that owns its sockets. The room's event loop never runs discovery
code, so a flood of forged announcements costs that thread's time, never the chat's, and
zeroconf's blocking calls (the 1.5 s of name probing, the goodbye packets) never stall it.
`AsyncZeroconf` on the room's loop would have put all mDNS traffic of the network there.

Discovery never decides trust: a room's fingerprint prefix is only compared with the pin
(`pinned`), and a mismatch is shown as `trust: "changed"`; nothing here writes a pin.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import json
import logging
import os
import socket
import string
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from messagerie.limits import DEFAULT_PORT
from messagerie.net import adapters as cards
from messagerie.protocol import PROTOCOL_VERSION

log = logging.getLogger(__name__)

SERVICE_TYPE = "_messagerie._tcp.local."
# Record lifetime. A clean stop sends a goodbye and the room leaves at once; a host that
# crashed leaves when its SRV record expires, within about TTL_S: the browser asks again for
# the SRV of each room at half its lifetime (`_refresh`), and a live host answers. Receivers
# raise a PTR's TTL to 1,125 s (zeroconf does, after RFC 6762 §10), so only the SRV can tell.
TTL_S = 10
REFRESH_EVERY_S = 2.0
UNICAST_CHECKS_PER_TICK = 4  # addresses asked directly per tick, 0.3 s at most each
UNICAST_CHECK_S = 0.3
UNICAST_STRIKES = 5  # unanswered checks in a row before a doubtful room is dropped
FINGERPRINT_PREFIX_HEX = 16
NAME_MAX = 40
# Bounds that keep a consumer responsive under 1,000 forged announcements per second.
MAX_ROOMS = 200
MAX_PENDING = 4 * MAX_ROOMS
RESOLVE_SLOW_PER_TICK = 4  # network look-ups per tick for records not complete in the cache
TICK_S = 0.2  # the browser publishes at most this often: callbacks are coalesced
# The broadcast probe fallback.
PROBE_AFTER_S = 2.0
PROBE_INTERVAL_S = 2.0
PROBE_TTL_S = 3 * PROBE_INTERVAL_S + 1
PROBE_MAX_BYTES = 512
PROBE_REPLIES_PER_S = 20
PROBE_REQUEST = json.dumps({"messagerie": "probe", "v": PROTOCOL_VERSION}).encode()
# `MESSAGERIE_DISCOVERY=off` turns discovery off for the process and its children; the test
# suite sets it so that no test multicasts on this machine's real network cards.
ENV_SWITCH = "MESSAGERIE_DISCOVERY"


@dataclass
class Options:
    """The process-wide discovery choice (`--no-discovery`, `--discovery-interface`)."""

    enabled: bool = True
    interface: str | None = None


_options = Options(enabled=os.environ.get(ENV_SWITCH, "").lower() != "off")


def configure(*, enabled: bool | None = None, interface: str | None = None) -> None:
    """Set the process-wide choice, read by hosting sessions and the join view."""
    if enabled is not None:
        _options.enabled = enabled
    if interface is not None:
        _options.interface = interface


def options() -> Options:
    return Options(_options.enabled, _options.interface)


@dataclass(frozen=True)
class FoundRoom:
    """A room heard on the network. `host` is the host's machine name, `name` the room's."""

    name: str
    host: str
    port: int
    addresses: tuple[str, ...]
    tls: bool
    password: bool
    fingerprint_prefix: str | None
    via: str = "dns-sd"  # or "probe"
    trust: str = "new"  # "match" or "changed" when a pin exists for one of its addresses
    key: str = field(default="", compare=False)

    @property
    def suspicious(self) -> bool:
        return self.trust == "changed"

    def to_json(self) -> dict[str, object]:
        """The `messagerie rooms --json` object (a contract: DESIGN.md)."""
        return {
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "addresses": list(self.addresses),
            "tls": self.tls,
            "password": self.password,
            "fingerprint_prefix": self.fingerprint_prefix,
            "via": self.via,
            "trust": self.trust,
        }


# --- what goes on the wire ---


def txt_record(
    *, room: str, host: str, tls: bool, password: bool, fingerprint: str | None
) -> dict[str, str]:
    """The TXT properties a host announces (docs/PROTOCOL.md)."""
    txt = {
        "v": str(PROTOCOL_VERSION),
        "tls": "1" if tls else "0",
        "pw": "1" if password else "0",
        "room": clean_text(room),
        "host": clean_text(host),
    }
    if tls and fingerprint:
        txt["fp"] = fingerprint[:FINGERPRINT_PREFIX_HEX].lower()
    return txt


def parse_announcement(props: dict, *, port: int, addresses: Iterable[str], via: str, key: str):
    """A FoundRoom from TXT properties or a probe reply, or None when anything is off.

    Announcements come from anyone on the network: every field is checked and bounded.
    """
    values = {_text(k): _text(v) for k, v in props.items() if _text(k) is not None}
    if values.get("v") != str(PROTOCOL_VERSION):
        return None
    if values.get("tls") not in ("0", "1") or values.get("pw") not in ("0", "1"):
        return None
    fp = values.get("fp")
    if fp is not None and (
        len(fp) != FINGERPRINT_PREFIX_HEX or any(c not in string.hexdigits for c in fp)
    ):
        return None
    if not 0 < port < 65536:
        return None
    room = clean_text(values.get("room") or "")
    if not room:
        return None
    unique = tuple(dict.fromkeys(a for a in addresses if _is_ipv4(a)))[:8]
    if not unique:
        return None
    return FoundRoom(
        name=room,
        host=clean_text(values.get("host") or ""),
        port=port,
        addresses=unique,
        tls=values["tls"] == "1",
        password=values["pw"] == "1",
        fingerprint_prefix=fp.lower() if fp else None,
        via=via,
        key=key,
    )


def _datagram(data: bytes, kind: str) -> dict | None:
    """A bounded datagram holding a JSON object with "messagerie": kind, or None."""
    if len(data) > PROBE_MAX_BYTES:
        return None
    try:
        message = json.loads(data.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(message, dict) or message.get("messagerie") != kind:
        return None
    return message


def parse_probe_reply(data: bytes, source: str):
    """A FoundRoom from a probe reply datagram, or None."""
    reply = _datagram(data, "room")
    if reply is None:
        return None
    port = reply.pop("port", None)
    if not isinstance(port, int) or isinstance(port, bool):
        return None
    reply = {k: v for k, v in reply.items() if isinstance(v, str)}
    return parse_announcement(
        reply, port=port, addresses=[source], via="probe", key=f"probe:{source}:{port}"
    )


def is_probe(data: bytes) -> bool:
    """Whether a datagram is a discovery probe (a bounded, exact check)."""
    return _datagram(data, "probe") is not None


def clean_text(text: str) -> str:
    """A name fit for display: no control or format characters, at most NAME_MAX long."""
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return kept.strip()[:NAME_MAX].strip()


def machine_name() -> str:
    """This machine's short name, for the TXT `host` and the instance name."""
    return clean_text(socket.gethostname().split(".")[0]) or "messagerie"


def _text(value) -> str | None:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return value if isinstance(value, str) else None


def _is_ipv4(text: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET, text)
    except OSError:
        return False
    return True


def _instance_name(room: str, host: str) -> str:
    """The DNS-SD instance label: at most 63 UTF-8 bytes, no dots (they would split it)."""
    label = f"{room} ({host})".replace(".", " ")
    while len(label.encode("utf-8")) > 63:
        label = label[:-1]
    return f"{label}.{SERVICE_TYPE}"


class _Worker:
    """One background thread that runs `_run` until `close()` sets `_stop`."""

    THREAD_NAME = "messagerie-discovery"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start in the background. Returns at once."""
        self._thread = threading.Thread(target=self._run, name=self.THREAD_NAME, daemon=True)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop and wait for the thread (thread-safe, idempotent); blocks up to about 1 s."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        raise NotImplementedError


# --- hosting ---


class Advertiser(_Worker):
    """Announce one room, and answer broadcast probes on its port, until `close()`.

    `close()` withdraws the room: zeroconf sends its goodbye packets.
    """

    THREAD_NAME = "messagerie-advertise"

    def __init__(
        self,
        *,
        room: str,
        port: int,
        tls: bool,
        password: bool,
        fingerprint: str | None,
        listen_host: str = "0.0.0.0",
        interface: str | None = None,
        host_name: str | None = None,
        dns_sd: bool = True,
    ) -> None:
        super().__init__()
        self.room = clean_text(room) or "Messagerie"
        self.host_name = clean_text(host_name or "") or machine_name()
        self.port = port
        self.tls = tls
        self.password = password
        self.fingerprint = fingerprint
        self.listen_host = listen_host
        self.interface = interface
        self.dns_sd = dns_sd
        self.addresses: list[str] = []
        # Set once the DNS-SD name is ours and announced (tests and the self-test wait on it).
        self.registered = threading.Event()

    def _run(self) -> None:
        try:
            chosen = cards.discovery_adapters(self.listen_host, self.interface)
            if not chosen:
                log.info("discovery: no network card to announce %r on", self.room)
                return
            self.addresses = [a.ip for a in chosen]
            with contextlib.closing(self._responder()) as responder:
                self._announce_and_serve(responder, chosen)
        except Exception:
            # Discovery is a convenience: the room stays open and joinable by address.
            log.exception("discovery: announcing %r failed", self.room)

    def _announce_and_serve(self, responder, chosen: list[cards.Adapter]) -> None:
        from zeroconf import IPVersion, ServiceInfo, Zeroconf

        zc = info = None
        try:
            if self.dns_sd:
                zc = Zeroconf(interfaces=self.addresses, ip_version=IPVersion.V4Only)
                info = ServiceInfo(
                    SERVICE_TYPE,
                    _instance_name(self.room, self.host_name),
                    port=self.port,
                    properties=self._txt(),
                    server=f"{_dns_label(self.host_name)}.local.",
                    addresses=[socket.inet_aton(ip) for ip in self.addresses],
                    host_ttl=TTL_S,
                    other_ttl=TTL_S,
                )
                # Blocks for the name probing (about 1.5 s); another room of the same name on
                # the network makes zeroconf pick "name (2)".
                zc.register_service(info, allow_name_change=True)
                self.registered.set()
            self._serve_probes(responder, chosen)
        finally:
            if zc is not None:
                if self.registered.is_set():
                    with contextlib.suppress(Exception):
                        zc.unregister_service(info)
                zc.close()

    def _txt(self) -> dict[str, str]:
        return txt_record(
            room=self.room,
            host=self.host_name,
            tls=self.tls,
            password=self.password,
            fingerprint=self.fingerprint,
        )

    def probe_reply(self) -> bytes:
        """The datagram this host answers a probe with (docs/PROTOCOL.md, 11.2)."""
        return json.dumps(
            {"messagerie": "room", "port": self.port, **self._txt()}, ensure_ascii=False
        ).encode()

    def _responder(self):
        """A UDP socket on the room's port for probes; a dummy if the port is taken."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            # Bound to every address: on Linux a socket bound to one address gets no
            # broadcasts. Replies go only to the chosen cards' subnets (`_serve_probes`).
            sock.bind(("", self.port))
        except OSError as exc:
            log.info("discovery: no probe answers on UDP %d: %s", self.port, exc)
        sock.settimeout(TICK_S)
        return sock

    def _serve_probes(self, sock, chosen: list[cards.Adapter]) -> None:
        networks = [a.network for a in chosen]
        reply = self.probe_reply()
        bound = sock.getsockname()[1] == self.port
        budget, refilled = PROBE_REPLIES_PER_S, time.monotonic()
        while not self._stop.is_set():
            if not bound:
                self._stop.wait(TICK_S)
                continue
            try:
                data, (source, source_port) = sock.recvfrom(PROBE_MAX_BYTES + 1)
            except TimeoutError:
                continue
            except OSError:
                self._stop.wait(TICK_S)
                continue
            now = time.monotonic()
            if now - refilled >= 1.0:
                budget, refilled = PROBE_REPLIES_PER_S, now
            # A bounded answer, to our own subnets only, so the port is no amplifier.
            if budget > 0 and is_probe(data) and _in_networks(source, networks):
                budget -= 1
                with contextlib.suppress(OSError):
                    sock.sendto(reply, (source, source_port))


def _in_networks(source: str, networks) -> bool:
    try:
        address = ipaddress.IPv4Address(source)
    except ValueError:
        return False
    return any(address in net for net in networks)


def _dns_label(text: str) -> str:
    label = "".join(c if c.isascii() and (c.isalnum() or c == "-") else "-" for c in text)
    return label.strip("-")[:63] or "messagerie"


def advertise_room(config, port: int, security) -> Advertiser | None:
    """Start announcing a hosted room (a SessionConfig) with the process-wide options."""
    chosen = options()
    if not chosen.enabled:
        return None
    advertiser = Advertiser(
        room=config.name,
        port=port,
        tls=security.ssl_context is not None,
        password=config.password is not None,
        fingerprint=security.fingerprint,
        listen_host=config.host,
        interface=chosen.interface,
    )
    advertiser.start()
    return advertiser


async def withdraw(advertiser: Advertiser | None) -> None:
    """Withdraw a room from a coroutine without blocking the event loop."""
    if advertiser is not None:
        await asyncio.to_thread(advertiser.close)


# --- joining ---


Pinned = Callable[[str, int], "str | None"]


class RoomBrowser(_Worker):
    """A live, bounded, de-duplicated list of the rooms on the network.

    `on_change(rooms)` is called on the browser's thread, at most once per TICK_S, with the
    whole new list; it must only hand the list over (the GUI puts it on a queue). `pinned`
    gives the pinned fingerprint for (address, port), so a room can be marked "changed".
    """

    THREAD_NAME = "messagerie-browse"

    def __init__(
        self,
        *,
        on_change: Callable[[list[FoundRoom]], None] | None = None,
        interface: str | None = None,
        probe_ports: Iterable[int] = (DEFAULT_PORT,),
        probe_after_s: float = PROBE_AFTER_S,
        pinned: Pinned | None = None,
        max_rooms: int = MAX_ROOMS,
        dns_sd: bool = True,
    ) -> None:
        super().__init__()
        self.interface = interface
        self.probe_ports = tuple(dict.fromkeys(probe_ports))
        self.probe_after_s = probe_after_s
        self.max_rooms = max_rooms
        self.dns_sd = dns_sd
        self.dropped = 0  # announcements not kept because a cap was reached
        self._on_change = on_change
        self._pinned = pinned
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._removed: set[str] = set()
        self._rooms: dict[str, tuple[FoundRoom, float]] = {}
        self._published: tuple[FoundRoom, ...] = ()
        self._doubtful: set[str] = set()  # rooms removed or expired, to check by unicast
        self._confirmed: dict[str, float] = {}  # rooms a unicast answer vouched for, until
        self._strikes: dict[str, int] = {}  # unanswered unicast checks in a row

    def rooms(self) -> list[FoundRoom]:
        """The current list (thread-safe)."""
        with self._lock:
            return list(self._published)

    def _run(self) -> None:
        from zeroconf import IPVersion, ServiceBrowser, Zeroconf

        zc = browser = None
        probe = None
        try:
            chosen = cards.discovery_adapters(interface=self.interface)
            if self.dns_sd and chosen:
                zc = Zeroconf(interfaces=[a.ip for a in chosen], ip_version=IPVersion.V4Only)
                browser = ServiceBrowser(zc, SERVICE_TYPE, handlers=[self._on_state_change])
            probe = _probe_socket()
            next_probe = time.monotonic() + self.probe_after_s
            next_refresh = time.monotonic() + REFRESH_EVERY_S
            while not self._stop.is_set():
                now = time.monotonic()
                if zc is not None:
                    self._resolve(zc, now)
                    self._verify(now)
                self._read_replies(probe, now)
                if now >= next_probe and not self._has_dns_sd_room():
                    self._send_probes(probe, chosen)
                    next_probe = now + PROBE_INTERVAL_S
                if zc is not None and now >= next_refresh:
                    self._refresh(zc, now)
                    next_refresh = now + REFRESH_EVERY_S
                self._expire(now)
                self._publish()
                self._stop.wait(TICK_S)
        except Exception:
            log.exception("discovery: browsing failed")
        finally:
            if browser is not None:
                browser.cancel()
            if zc is not None:
                zc.close()
            if probe is not None:
                probe.close()

    # Called on zeroconf's browser thread: only note the name, under the lock, within caps.
    def _on_state_change(self, zeroconf, service_type, name, state_change) -> None:
        from zeroconf import ServiceStateChange

        with self._lock:
            if state_change is ServiceStateChange.Removed:
                self._pending.discard(name)
                if len(self._removed) < MAX_PENDING:
                    self._removed.add(name)
            elif name in self._pending:
                pass
            elif len(self._pending) < MAX_PENDING:
                self._pending.add(name)
            else:
                self.dropped += 1

    def _resolve(self, zc, now: float) -> None:
        from zeroconf import IPVersion, ServiceInfo

        with self._lock:
            names, self._pending = self._pending, set()
            removed, self._removed = self._removed, set()
            # Not dropped yet: zeroconf also removes records to make room in a full cache
            # (the shortest-lived first: ours), so a removal is checked before it is believed.
            self._doubtful.update(name for name in removed if name in self._rooms)
        slow = RESOLVE_SLOW_PER_TICK
        for name in names:
            if self._stop.is_set():
                return
            info = ServiceInfo(SERVICE_TYPE, name)
            if not info.load_from_cache(zc):
                if slow <= 0:
                    with self._lock:
                        if len(self._pending) < MAX_PENDING:
                            self._pending.add(name)
                    continue
                slow -= 1
                # Asks the network; bounded per tick so forged names cannot stall the list.
                info = zc.get_service_info(SERVICE_TYPE, name, timeout=250)
                if info is None:
                    continue
            room = parse_announcement(
                info.decoded_properties,
                port=info.port or 0,
                addresses=info.parsed_addresses(IPVersion.V4Only),
                via="dns-sd",
                key=name,
            )
            self._keep(name, room, now)

    def _refresh(self, zc, now: float) -> None:
        """Re-ask for the SRV of rooms past half their life; doubt those whose SRV is gone."""
        from zeroconf import DNSOutgoing, DNSQuestion, const
        from zeroconf._utils.time import current_time_millis

        now_ms = current_time_millis()
        with self._lock:
            rooms = [k for k, (room, _) in self._rooms.items() if room.via == "dns-sd"]
        query = DNSOutgoing(const._FLAGS_QR_QUERY)
        expired = []
        for name in rooms:
            if self._confirmed.get(name, 0.0) > now:
                continue
            records = zc.cache.get_all_by_details(name, const._TYPE_SRV, const._CLASS_IN)
            left = max((r.get_remaining_ttl(now_ms) for r in records), default=0)
            if left <= 0:
                expired.append(name)
            elif left < TTL_S / 2:
                query.add_question(DNSQuestion(name, const._TYPE_SRV, const._CLASS_IN))
        if query.questions:
            zc.send(query)  # one packet (or a few) for all rooms, sent by zeroconf's thread
        with self._lock:
            self._doubtful.update(expired)

    def _verify(self, now: float) -> None:
        """Ask the hosts of doubtful rooms directly (unicast) whether they still have them.

        The answer comes to a socket of our own, so a flood on the multicast group, which may
        have evicted or drowned the room's records, cannot drown it. A host that stopped
        answers nothing (or its machine refuses at once), and its room is dropped.
        """
        with self._lock:
            doubtful, self._doubtful = self._doubtful, set()
            by_address: dict[str, list[str]] = {}
            for name in doubtful:
                entry = self._rooms.get(name)
                if entry is not None:
                    by_address.setdefault(entry[0].addresses[0], []).append(name)
        asked = list(by_address.items())
        answers = {
            address: set(query_unicast(address, timeout=UNICAST_CHECK_S))
            for address, _ in asked[:UNICAST_CHECKS_PER_TICK]
        }
        with self._lock:
            for address, names in asked:
                if address not in answers:  # over this tick's budget: next tick
                    self._doubtful.update(names)
                    continue
                for name in names:
                    if name in answers[address]:
                        self._confirmed[name] = now + TTL_S / 2
                        self._strikes.pop(name, None)
                    elif self._strikes.get(name, 0) + 1 >= UNICAST_STRIKES:
                        self._rooms.pop(name, None)
                        self._strikes.pop(name, None)
                    else:
                        # Unanswered: a question lost in a flood, or a host gone. Asked
                        # again next tick; a host gone refuses at once, so it leaves fast.
                        self._strikes[name] = self._strikes.get(name, 0) + 1
                        self._doubtful.add(name)
            for name in [n for n in self._confirmed if n not in self._rooms]:
                del self._confirmed[name]

    def _keep(self, key: str, room: FoundRoom | None, now: float) -> None:
        if room is not None:
            room = self._judge(room)
        with self._lock:
            if room is None:
                self._rooms.pop(key, None)
                return
            if key not in self._rooms and len(self._rooms) >= self.max_rooms:
                # Full (a flood of forged names?): a host whose pin matches still gets in, in
                # place of the oldest room nobody has joined; anything else waits outside.
                unknown = [k for k, (r, _) in self._rooms.items() if r.trust == "new"]
                if room.trust != "match" or not unknown:
                    self.dropped += 1
                    return
                del self._rooms[min(unknown, key=lambda k: self._rooms[k][1])]
            self._rooms[key] = (room, now)

    def _judge(self, room: FoundRoom) -> FoundRoom:
        """Compare the announced fingerprint prefix with the pin of each address."""
        if self._pinned is None:
            return room
        trust = "new"
        for address in room.addresses:
            pin = self._pinned(address, room.port)
            if pin is None:
                continue
            same = room.fingerprint_prefix is not None and pin.lower().startswith(
                room.fingerprint_prefix
            )
            if not same:
                trust = "changed"
                break
            trust = "match"
        return dataclasses.replace(room, trust=trust)

    def _has_dns_sd_room(self) -> bool:
        with self._lock:
            return any(room.via == "dns-sd" for room, _ in self._rooms.values())

    def _send_probes(self, sock, chosen: list[cards.Adapter]) -> None:
        for adapter in chosen:
            for port in self.probe_ports:
                with contextlib.suppress(OSError):
                    sock.sendto(PROBE_REQUEST, (adapter.broadcast, port))

    def _read_replies(self, sock, now: float) -> None:
        for _ in range(MAX_PENDING):
            try:
                data, (source, _port) = sock.recvfrom(PROBE_MAX_BYTES + 1)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            room = parse_probe_reply(data, source)
            if room is not None:
                self._keep(room.key, room, now)

    def _expire(self, now: float) -> None:
        with self._lock:
            for key, (room, seen) in list(self._rooms.items()):
                if room.via == "probe" and now - seen > PROBE_TTL_S:
                    del self._rooms[key]

    def _publish(self) -> None:
        with self._lock:
            unique: dict[tuple, FoundRoom] = {}
            # One line per (addresses, port, fingerprint): a room heard both ways shows once,
            # preferring DNS-SD, but a forged copy with another fingerprint stays visible.
            for room, _ in sorted(self._rooms.values(), key=lambda r: r[0].via != "dns-sd"):
                unique.setdefault(
                    (frozenset(room.addresses), room.port, room.fingerprint_prefix), room
                )
            rooms = tuple(sorted(unique.values(), key=lambda r: (r.name.casefold(), r.host)))
            if rooms == self._published:
                return
            self._published = rooms
        if self._on_change is not None:
            try:
                self._on_change(list(rooms))
            except Exception:
                log.exception("discovery: change callback failed")


def _probe_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.bind(("", 0))
    sock.setblocking(False)
    return sock


def query_unicast(address: str, timeout: float = 1.0) -> list[str]:
    """Ask `address`'s mDNS responder directly (unicast, RFC 6762 §6.7) for the rooms it has.

    Returns the instance names. No multicast: the doctor uses it to tell "the host announces
    but its multicast does not reach us" from "the host announces nothing", and the
    self-test to check the responder without sending multicast beyond loopback.
    """
    from zeroconf import DNSIncoming, DNSOutgoing, DNSQuestion, const

    query = DNSOutgoing(const._FLAGS_QR_QUERY)
    query.add_question(DNSQuestion(SERVICE_TYPE, const._TYPE_PTR, const._CLASS_IN))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        for packet in query.packets():
            sock.sendto(packet, (address, const._MDNS_PORT))
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            try:
                data, _ = sock.recvfrom(const._MAX_MSG_ABSOLUTE)
            except (TimeoutError, OSError):
                return []
            names = [
                answer.alias
                for answer in DNSIncoming(data).answers()
                if answer.type == const._TYPE_PTR and answer.name.lower() == SERVICE_TYPE
            ]
            if names:
                return names
    return []
