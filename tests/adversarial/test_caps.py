"""Check 7: the connection cap per IP and the room cap refuse with their codes; the room goes
on."""

from __future__ import annotations

import uuid

from tests.adversarial.helpers import RawPeer


def _chat(peer: RawPeer, text: str) -> dict:
    msg_id = uuid.uuid4().hex
    peer.send({"type": "say", "id": msg_id, "text": text})
    return peer.recv_until(lambda f: f["type"] == "message" and f["id"] == msg_id)


def test_the_21st_connection_from_one_address_is_refused(procs, raw_peers):
    server, port = procs.serve()
    # 20 connections from one address that say nothing yet: all accepted.
    idle = [RawPeer(port, source="127.0.0.7") for _ in range(20)]
    raw_peers.extend(idle)
    extra = RawPeer(port, source="127.0.0.7")
    raw_peers.append(extra)
    frames = extra.frames_until_closed(timeout=5)
    assert [f["code"] for f in frames] == ["too_many_connections"], frames
    # Another address is not affected, and the 20 are still usable.
    other = RawPeer(port, source="127.0.0.8")
    raw_peers.append(other)
    assert other.hello("Voisin")["type"] == "welcome"
    assert idle[0].hello("Premier")["type"] == "welcome"
    assert _chat(idle[0], "toujours là")["text"] == "toujours là"
    # Once one of the 20 leaves, that address may connect again.
    idle[1].close()
    retry = _retry_until_admitted(port, "127.0.0.7")
    raw_peers.append(retry)
    assert retry.hello("Revenu")["type"] == "welcome"
    assert server.proc.poll() is None


def _retry_until_admitted(port: int, source: str) -> RawPeer:
    # The server notices the closed socket asynchronously: try until it has (bounded).
    for _ in range(50):
        peer = RawPeer(port, source=source)
        try:
            first = peer.recv(timeout=0.2)
        except TimeoutError:
            return peer  # no refusal: admitted
        peer.close()
        assert first is None or first["code"] == "too_many_connections"
    raise AssertionError("never admitted again")


def test_the_participant_past_the_room_cap_is_refused(procs, raw_peers):
    server, port = procs.serve(limits={"max_participants": 5})
    members = []
    for i in range(5):
        peer = RawPeer(port, source=f"127.0.1.{i + 1}")
        raw_peers.append(peer)
        assert peer.hello(f"Membre{i}")["type"] == "welcome"
        members.append(peer)
    late = RawPeer(port, source="127.0.1.99")
    raw_peers.append(late)
    late.send({"type": "hello", "version": 1, "name": "Tard", "client_id": "late", "last_seq": 0})
    frames = late.frames_until_closed(timeout=5)
    assert [f["code"] for f in frames if f["type"] == "error"] == ["room_full"], frames
    # The room goes on: the five chat, and a seat freed is a seat taken.
    assert _chat(members[0], "on continue")["text"] == "on continue"
    members[4].send({"type": "bye"})
    server.event("left", name="Membre4")
    again = RawPeer(port, source="127.0.1.99")
    raw_peers.append(again)
    assert again.hello("Tard")["type"] == "welcome"
    assert _chat(again, "enfin")["text"] == "enfin"
