"""Private messages against hand-written clients: every forged or misaddressed `say` gets its
own refusal, and nothing of a private message ever reaches a third party or an old client."""

from __future__ import annotations

import uuid

import pytest

from messagerie import protocol
from tests.adversarial.helpers import RawPeer

SECRET = "le code du coffre est 4321"


@pytest.fixture
def room(procs, raw_peers):
    """A room with three private-capable raw peers A, B, C and an old client O."""
    server, port = procs.serve()
    peers = {}
    for name in ("Ana", "Bob", "Chloé"):
        peer = RawPeer(port)
        raw_peers.append(peer)
        client_id = uuid.uuid4().hex
        welcome = peer.hello(name, client_id=client_id)
        assert welcome["type"] == "welcome" and welcome["id"] == protocol.member_id(client_id)
        peer.client_id, peer.member = client_id, welcome["id"]
        peers[name] = peer
    old = RawPeer(port)
    raw_peers.append(old)
    # A client of before private messages: a hello without `features`.
    old.send({"type": "hello", "version": 1, "name": "Ancien", "client_id": "old-1"})
    welcome = old.recv()
    assert welcome["type"] == "welcome" and "members" not in welcome and "id" not in welcome
    peers["Ancien"] = old
    joined = peers["Ana"].recv_until(lambda f: f["type"] == "joined" and f["name"] == "Ancien")
    old.member = joined["id"]
    assert "private" not in joined  # false, its default, is left out
    return server, port, peers


def _say(peer: RawPeer, text: str, **fields) -> str:
    msg_id = uuid.uuid4().hex
    peer.send({"type": "say", "id": msg_id, "text": text, **fields})
    return msg_id


def _frames_until_marker(peer: RawPeer, marker: str) -> list[dict]:
    """Every frame up to the room message `marker` (which everybody receives)."""
    frames = []
    while True:
        f = peer.recv()
        assert f is not None, frames
        frames.append(f)
        if f["type"] == "message" and f["text"] == marker:
            return frames


def _everyone_sees_the_marker_but_not(peers, sender, marker, secret, *, parties=()):
    _say(sender, marker)
    for name, peer in peers.items():
        frames = _frames_until_marker(peer, marker)
        texts = [str(f) for f in frames]
        if name in parties:
            assert any(secret in t for t in texts), (name, frames)
        else:
            assert not any(secret in t for t in texts), (name, frames)


@pytest.mark.parametrize("case", ["forged_sender", "self_recipient", "unknown_recipient"])
def test_a_misaddressed_private_message_is_refused_and_reaches_nobody(room, case):
    server, _port, peers = room
    ana, bob = peers["Ana"], peers["Bob"]
    fields = {
        "forged_sender": {"to": bob.member, "from": "Bob", "from_id": bob.member},
        "self_recipient": {"to": ana.member},
        "unknown_recipient": {"to": "0" * 20},
    }[case]
    msg_id = _say(ana, SECRET, **fields)
    refused = ana.recv_until(lambda f: f["type"] in ("refused", "ack", "message"))
    assert refused == {"type": "refused", "id": msg_id, "code": case}
    _everyone_sees_the_marker_but_not(peers, bob, "la suite", SECRET)
    assert not any(SECRET in line for line in server.seen)


def test_an_old_client_never_receives_a_private_message_nor_can_be_written_to(room):
    _server, _port, peers = room
    ana, bob, old = peers["Ana"], peers["Bob"], peers["Ancien"]
    _say(ana, SECRET, to=bob.member)
    _everyone_sees_the_marker_but_not(peers, ana, "après", SECRET, parties=("Ana", "Bob"))
    msg_id = _say(ana, "tu me lis ?", to=old.member)
    refused = ana.recv_until(lambda f: f["type"] in ("refused", "ack") and f["id"] == msg_id)
    assert refused == {"type": "refused", "id": msg_id, "code": "recipient_cannot_receive"}


def test_a_third_party_coming_back_from_seq_0_reads_nothing_private(room, raw_peers):
    _server, port, peers = room
    ana, bob, chloe = peers["Ana"], peers["Bob"], peers["Chloé"]
    _say(ana, SECRET, to=bob.member)
    _everyone_sees_the_marker_but_not(peers, ana, "repère", SECRET, parties=("Ana", "Bob"))
    chloe.send({"type": "bye"})
    again = RawPeer(port)
    raw_peers.append(again)
    assert again.hello("Chloé", client_id=chloe.client_id, last_seq=0)["type"] == "welcome"
    frames = _frames_until_marker(again, "repère")
    assert not any(SECRET in str(f) for f in frames)
    # Bob, the recipient, gets it in his catch-up from seq 0, marked as private.
    bob.send({"type": "bye"})
    bob2 = RawPeer(port)
    raw_peers.append(bob2)
    assert bob2.hello("Bob", client_id=bob.client_id, last_seq=0)["type"] == "welcome"
    got = bob2.recv_until(lambda f: f["type"] == "message" and f["text"] == SECRET)
    assert got["to"] == bob.member and got["from_id"] == ana.member and "pending" not in got


def test_a_reply_quotes_from_the_history_and_never_a_private_message_of_others(room):
    _server, _port, peers = room
    ana, bob, chloe = peers["Ana"], peers["Bob"], peers["Chloé"]
    public_id = _say(ana, "\n  Réunion à 10 h ?\nsalle B")
    private_id = _say(ana, SECRET, to=bob.member)
    _everyone_sees_the_marker_but_not(peers, ana, "top", SECRET, parties=("Ana", "Bob"))

    # A room reply: the room fills in the quote, whatever the replier claims.
    reply_id = _say(chloe, "oui", reply_to=public_id, reply={"text": "faux"})
    got = bob.recv_until(lambda f: f["type"] == "message" and f["id"] == reply_id)
    assert got["reply"] == {"id": public_id, "from": "Ana", "text": "Réunion à 10 h ?"}
    # Chloé cannot quote the private message between Ana and Bob, not even by its id.
    msg_id = _say(chloe, "et ça ?", reply_to=private_id)
    answer = chloe.recv_until(lambda f: f["type"] in ("refused", "ack") and f["id"] == msg_id)
    assert answer == {"type": "refused", "id": msg_id, "code": "unknown_reply"}
    # Bob can, privately to Ana.
    reply_id = _say(bob, "d'accord", to=ana.member, reply_to=private_id)
    got = ana.recv_until(lambda f: f["type"] == "message" and f["id"] == reply_id)
    assert got["reply"]["text"] == SECRET and got["to"] == ana.member
    others = {name: peers[name] for name in ("Chloé", "Ancien")}
    _everyone_sees_the_marker_but_not(others, ana, "fin", "d'accord")
