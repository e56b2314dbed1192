"""The sans-IO connections driven as a pair in memory: no socket, no thread, no event loop.

Like h11's tests, bytes are carried by hand from one side to the other. The test plays the
room's part (choosing names, posting, acknowledging); everything else is the two
connections' own logic.
"""

from __future__ import annotations

import pytest

from messagerie import protocol
from messagerie.errors import LocalProtocolError, SecurityError
from messagerie.protocol import NEED_DATA, State
from messagerie.security import pake
from messagerie.security.room_password import RoomPassword

FINGERPRINT = "ab" * 32


def raw(payload: bytes) -> bytes:
    """A frame around any payload, valid or not."""
    return protocol.HEADER.pack(len(payload)) + payload


def drain(server: protocol.ServerConnection) -> list:
    out = []
    while (event := server.next_event()) is not NEED_DATA:
        out.append(event)
    return out


def to_server(client: protocol.ClientConnection, server: protocol.ServerConnection) -> list:
    server.receive_data(client.data_to_send())
    return drain(server)


def to_client(server: protocol.ServerConnection, client: protocol.ClientConnection) -> list:
    data = b"".join(server.outgoing)
    server.outgoing.clear()
    return client.receive_data(data)


def join(server, client, *, name="Ana", participants=("Hôte",), last_seq=0) -> list:
    """Run the handshake up to the welcome; return the client's events."""
    client.start()
    (hello,) = to_server(client, server)
    assert isinstance(hello, protocol.HelloReceived)
    server.welcome(room="Salle", name=name, participants=(*participants, name), last_seq=last_seq)
    return to_client(server, client)


def test_join_say_ack_and_bye_in_memory():
    server = protocol.ServerConnection(address="10.0.0.2")
    client = protocol.ClientConnection(name="Ana", client_id="c1")
    assert server.state is State.AWAITING_HELLO and client.state is State.AWAITING_WELCOME

    (welcomed,) = join(server, client)
    assert isinstance(welcomed, protocol.Welcomed)
    assert welcomed.welcome.participants == ("Hôte", "Ana")
    assert server.state is State.JOINED and client.state is State.JOINED
    assert server.client_id == "c1" and server.name == "Ana"

    client.say("m1", "Ça marche 🎉")
    (say,) = to_server(client, server)
    assert say == protocol.SayReceived("m1", "Ça marche 🎉")
    # The room stores it as seq 1, acknowledges it, and broadcasts it to everyone.
    server.outgoing.append(protocol.encode_ack("m1", 1))
    server.outgoing.append(protocol.encode_chat("m1", 1, "Ana", "Ça marche 🎉", 1.5))
    ack, arrived = to_client(server, client)
    assert ack == protocol.Ack(id="m1", seq=1)
    assert isinstance(arrived, protocol.MessageArrived) and not arrived.history
    assert arrived.chat.text == "Ça marche 🎉" and client.last_seq == 1

    client.bye()
    assert to_server(client, server) == [protocol.ByeReceived()]
    assert server.state is State.CLOSED and client.state is State.CLOSED


def test_catch_up_is_flagged_as_history_and_a_resend_shows_once():
    server = protocol.ServerConnection()
    client = protocol.ClientConnection(name="Bob", client_id="c2", last_seq=1)
    join(server, client, name="Bob", last_seq=3)
    # The room sends what Bob missed (2 and 3), then a live message (4). Seq 1 comes again,
    # as after a reconnect: already seen, it is not shown twice.
    for seq in (1, 2, 3, 4):
        server.outgoing.append(protocol.encode_chat(f"m{seq}", seq, "Ana", f"t{seq}", 2.0))
    arrived = to_client(server, client)
    assert [(e.chat.seq, e.history) for e in arrived] == [(2, True), (3, True), (4, False)]
    assert client.last_seq == 4


def test_a_reset_room_history_starts_the_count_again():
    server = protocol.ServerConnection()
    client = protocol.ClientConnection(name="Bob", client_id="c2", last_seq=50)
    join(server, client, name="Bob", last_seq=2)
    assert client.last_seq == 0
    server.outgoing.append(protocol.encode_chat("m1", 1, "Ana", "t", 2.0))
    assert [e.chat.seq for e in to_client(server, client)] == [1]


def answer_auth(room: RoomPassword, server: protocol.ServerConnection, events: list) -> None:
    """Play the room's part: answer `auth` as the asyncio room does on its worker thread."""
    (asked,) = events
    assert isinstance(asked, protocol.AuthRequested)
    room.admit(server.address)
    server.challenge(*room.challenge(server.address, asked.pake))


def test_password_exchange_in_memory_then_join():
    room = RoomPassword(password="secret é", fingerprint=FINGERPRINT, tries_per_minute=5)
    server = protocol.ServerConnection(address="10.0.0.3", password_required=True)
    prover = pake.PasswordClient("secret é", FINGERPRINT)
    client = protocol.ClientConnection(name="Zoé", client_id="c3", password=prover)
    assert server.state is State.AUTHENTICATING and client.state is State.AUTHENTICATING

    client.start()  # auth
    answer_auth(room, server, to_server(client, server))  # answered with auth_challenge
    assert to_client(server, client) == []  # client sends auth_confirm
    assert to_server(client, server) == []  # answered with auth_ok
    assert server.state is State.AWAITING_HELLO
    assert to_client(server, client) == []  # client verified the server, sends hello
    assert client.state is State.AWAITING_WELCOME
    (hello,) = to_server(client, server)
    assert hello.hello.name == "Zoé"
    server.welcome(room="Salle", name="Zoé", participants=("Hôte", "Zoé"), last_seq=0)
    (welcomed,) = to_client(server, client)
    assert isinstance(welcomed, protocol.Welcomed)


def test_a_wrong_password_ends_both_sides_with_its_code():
    room = RoomPassword(password="secret", fingerprint=FINGERPRINT, tries_per_minute=5)
    server = protocol.ServerConnection(password_required=True)
    client = protocol.ClientConnection(
        name="Eve", client_id="c4", password=pake.PasswordClient("guess", FINGERPRINT)
    )
    client.start()
    answer_auth(room, server, to_server(client, server))
    to_client(server, client)
    (ended,) = to_server(client, server)
    assert ended == protocol.Ended("wrong_password")
    assert server.state is State.CLOSED


def test_hello_before_the_password_is_refused():
    server = protocol.ServerConnection(password_required=True)
    client = protocol.ClientConnection(name="Eve", client_id="c5")
    client.start()
    assert to_server(client, server) == [protocol.Ended("password_required")]


def test_a_server_that_skips_the_password_is_taken_for_an_impostor():
    server = protocol.ServerConnection()  # no password: it welcomes at once
    client = protocol.ClientConnection(
        name="Zoé", client_id="c6", password=pake.PasswordClient("secret", FINGERPRINT)
    )
    client.start()
    server.receive_data(
        protocol.encode(protocol.Hello(version=1, name="Zoé", client_id="c6", last_seq=0))
    )
    drain(server)
    server.welcome(room="Salle", name="Zoé", participants=("Zoé",), last_seq=0)
    assert to_client(server, client) == [protocol.Ended("server_auth_failed")]
    assert client.state is State.CLOSED


def test_room_closing_and_server_errors_end_the_client():
    server = protocol.ServerConnection()
    client = protocol.ClientConnection(name="Ana", client_id="c7")
    join(server, client)
    server.outgoing.append(protocol.encode(protocol.Bye(reason="room_closed")))
    assert to_client(server, client) == [protocol.Ended("room_closed", by_peer=True)]

    other = protocol.ClientConnection(name="Ana", client_id="c8")
    other.start()
    refusal = protocol.Error(code="room_full", message="La discussion est complète.")
    (ended,) = other.receive_data(protocol.encode(refusal))
    assert ended.code == "room_full" and ended.by_peer
    assert ended.details == {"server_text": "La discussion est complète."}


def test_ping_is_answered_by_the_connections_themselves():
    server = protocol.ServerConnection()
    client = protocol.ClientConnection(name="Ana", client_id="c9")
    join(server, client)
    server.ping()
    assert to_client(server, client) == []
    assert to_server(client, server) == []  # the pong, taken without an event
    client.ping()
    to_server(client, server)
    assert server.outgoing == [protocol.encode(protocol.Pong())]


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (protocol.encode(protocol.Say(id="m1", text="trop tôt")), "unexpected_message"),
        (raw(b"[]"), "not_an_object"),
        (raw(b'{"type":"nope"}'), "unknown_type"),
    ],
)
def test_what_breaks_the_rules_before_hello_ends_the_server_side(frame, code):
    server = protocol.ServerConnection()
    server.receive_data(frame)
    (ended,) = drain(server)
    assert ended.code == code and not ended.by_peer
    assert server.state is State.CLOSED
    server.receive_data(protocol.encode(protocol.Ping()))
    assert drain(server) == []  # a closed connection takes nothing more


def test_a_say_is_checked_once_with_the_same_rules_on_both_sides():
    server = protocol.ServerConnection()
    client = protocol.ClientConnection(name="Ana", client_id="c10")
    join(server, client)
    with pytest.raises(LocalProtocolError) as local:
        client.say("m1", "a" * (protocol.MAX_TEXT + 1))
    server.receive_data(raw(b'{"type":"say","id":"m1","text":"bip\\u0007!"}'))
    (ended,) = drain(server)
    assert local.value.code == "text_too_long" and ended.code == "bad_field"


def test_flood_control_can_stop_and_resume_between_events():
    server = protocol.ServerConnection()
    client = protocol.ClientConnection(name="Ana", client_id="c11")
    join(server, client)
    for i in range(3):
        client.say(f"m{i}", f"t{i}")
    server.receive_data(client.data_to_send())
    first = server.next_event()  # the room pauses the sender here; the rest waits
    assert first == protocol.SayReceived("m0", "t0")
    assert drain(server) == [protocol.SayReceived("m1", "t1"), protocol.SayReceived("m2", "t2")]


def test_welcome_is_only_for_a_connection_that_said_hello():
    server = protocol.ServerConnection()
    with pytest.raises(LocalProtocolError):
        server.welcome(room="Salle", name="Ana", participants=("Ana",), last_seq=0)


def test_the_room_password_counts_every_attempt_per_address():
    room = RoomPassword(password="secret", fingerprint=FINGERPRINT, tries_per_minute=2)
    for _ in range(2):
        room.admit("10.0.0.9")
    with pytest.raises(SecurityError) as refused:
        room.admit("10.0.0.9")
    assert refused.value.code == "too_many_attempts"


def test_nothing_is_handled_while_the_room_computes_its_answer_to_auth():
    server = protocol.ServerConnection(password_required=True)
    client = protocol.ClientConnection(
        name="Zoé", client_id="c12", password=pake.PasswordClient("secret", FINGERPRINT)
    )
    client.start()
    server.receive_data(client.data_to_send() + protocol.encode(protocol.Ping()))
    (asked,) = drain(server)
    assert isinstance(asked, protocol.AuthRequested)
    assert server.next_event() is NEED_DATA  # the ping waits: the answer comes first
    room = RoomPassword(password="secret", fingerprint=FINGERPRINT, tries_per_minute=5)
    server.challenge(*room.challenge(server.address, asked.pake))
    # The ping is unexpected before the password is proven; it is reached only now.
    assert drain(server) == [protocol.Ended("unexpected_message")]
