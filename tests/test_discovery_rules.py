"""Discovery's pure rules, without any socket: records, probes, the card rule, trust, caps."""

from __future__ import annotations

import json

from messagerie.net import discovery
from messagerie.net.adapters import Adapter, discovery_adapters, is_virtual, usable_lan

FP = "0123456789abcdef" * 4


def _txt(**changes):
    txt = discovery.txt_record(room="Salle", host="pc", tls=True, password=True, fingerprint=FP)
    txt.update(changes)
    return {k.encode(): v.encode() for k, v in txt.items() if v is not None}


def _parse(props, **kw):
    kw.setdefault("port", 5566)
    kw.setdefault("addresses", ["192.168.1.5"])
    return discovery.parse_announcement(props, via="dns-sd", key="k", **kw)


def test_the_txt_record_round_trips():
    room = _parse(_txt())
    assert (room.name, room.host, room.port, room.addresses) == (
        "Salle",
        "pc",
        5566,
        ("192.168.1.5",),
    )
    assert room.tls and room.password and room.fingerprint_prefix == FP[:16]
    assert discovery.txt_record(room="r", host="h", tls=False, password=False, fingerprint=FP) == {
        "v": "1",
        "tls": "0",
        "pw": "0",
        "room": "r",
        "host": "h",
    }


def test_malformed_announcements_are_dropped():
    assert _parse(_txt(v="2")) is None
    assert _parse(_txt(tls="yes")) is None
    assert _parse(_txt(fp="xyz")) is None
    assert _parse(_txt(fp="0" * 64)) is None
    assert _parse(_txt(room="\u202e\x00")) is None  # nothing left once cleaned
    assert _parse(_txt(), port=0) is None
    assert _parse(_txt(), addresses=["fe80::1", "not an ip"]) is None
    assert _parse({b"\xff": b"\xff"}) is None


def test_names_are_cleaned_and_bounded():
    room = _parse(_txt(room="Salle\u202e\x07 " + "x" * 100, host="pc\n"))
    assert room.name == ("Salle " + "x" * 100)[: discovery.NAME_MAX]
    assert room.host == "pc"


def test_the_probe_and_its_reply():
    assert discovery.is_probe(discovery.PROBE_REQUEST)
    assert not discovery.is_probe(b"{}") and not discovery.is_probe(b"x" * 600)
    host = discovery.Advertiser(room="Zoé", port=6000, tls=True, password=False, fingerprint=FP)
    reply = host.probe_reply()
    assert len(reply) <= discovery.PROBE_MAX_BYTES
    room = discovery.parse_probe_reply(reply, "10.0.0.7")
    assert (room.name, room.port, room.addresses, room.via) == ("Zoé", 6000, ("10.0.0.7",), "probe")
    forged = json.loads(reply)
    forged["port"] = True
    assert discovery.parse_probe_reply(json.dumps(forged).encode(), "10.0.0.7") is None


def _card(name, ip, *, up=True, label=None, prefix=24):
    return Adapter(name, label or name, ip, prefix, up=up, virtual=is_virtual(name, label or name))


CARDS = [
    _card("lo", "127.0.0.1", prefix=8),
    _card("docker0", "172.17.0.1", prefix=16),
    _card("wlan0", "192.168.1.20"),
    _card("eth1", "10.1.2.3", up=False),
    _card("eth2", "169.254.3.4", prefix=16),
    _card("{GUID}", "172.28.0.1", label="vEthernet (WSL)"),
]


def test_the_card_rule():
    assert [a.ip for a in usable_lan(CARDS)] == ["192.168.1.20"]
    assert [a.ip for a in discovery_adapters("0.0.0.0", adapters=CARDS)] == ["192.168.1.20"]
    # Only virtual cards left: they are used, rather than nothing.
    only_virtual = [c for c in CARDS if c.virtual or c.name == "lo"]
    assert {a.ip for a in usable_lan(only_virtual)} == {"172.17.0.1", "172.28.0.1"}
    # Listening on loopback only announces on loopback; on one address, on that one.
    assert [a.ip for a in discovery_adapters("127.0.0.1", adapters=CARDS)] == ["127.0.0.1"]
    assert [a.ip for a in discovery_adapters("10.1.2.3", adapters=CARDS)] == ["10.1.2.3"]
    assert discovery_adapters("192.0.2.1", adapters=CARDS) == []
    # The interface option wins, by name, description or address.
    assert [a.ip for a in discovery_adapters(interface="lo", adapters=CARDS)] == ["127.0.0.1"]
    assert [a.ip for a in discovery_adapters(interface="vethernet (wsl)", adapters=CARDS)] == [
        "172.28.0.1"
    ]


def _room(n: int, **kw) -> discovery.FoundRoom:
    values = dict(
        name=f"R{n}", host="h", port=6000 + n, addresses=("10.0.0.1",), tls=True, password=False
    )
    values["fingerprint_prefix"] = FP[:16]
    values.update(kw)
    return discovery.FoundRoom(**values)


def test_a_pin_mismatch_is_flagged_and_pins_get_in_when_the_list_is_full():
    pins = {("10.0.0.1", 7000): FP, ("10.0.0.1", 7001): "f" * 64}
    seen = []
    browser = discovery.RoomBrowser(
        pinned=lambda host, port: pins.get((host, port)), max_rooms=3, on_change=seen.append
    )
    for n in range(5):
        browser._keep(f"k{n}", _room(n), now=n)
    assert browser.dropped == 2
    browser._keep("pinned", _room(1000), now=10)  # port 7000, its pin matches
    browser._keep("forged", _room(1001), now=11)  # port 7001, another fingerprint
    browser._publish()
    rooms = {r.port: r for r in browser.rooms()}
    assert rooms[7000].trust == "match"
    assert 6000 not in rooms  # the oldest unknown room made way
    assert 7001 not in rooms and browser.dropped == 3  # a mismatch never pushes one out
    assert len(seen) == 1  # one publication for all of that
    browser._publish()
    assert len(seen) == 1  # nothing changed, no callback
    assert browser._judge(_room(1001)).suspicious


def test_the_same_room_heard_twice_shows_once_but_a_forged_copy_stays_visible():
    browser = discovery.RoomBrowser()
    browser._keep("dns", _room(1), now=0)
    browser._keep("probe", _room(1, via="probe"), now=0)
    browser._keep("forged", _room(1, fingerprint_prefix="f" * 16), now=0)
    browser._publish()
    rooms = browser.rooms()
    assert sorted((r.via, r.fingerprint_prefix) for r in rooms) == [
        ("dns-sd", FP[:16]),
        ("dns-sd", "f" * 16),
    ]
