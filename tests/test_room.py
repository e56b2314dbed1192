"""The room on real sockets (127.0.0.1, port 0), host and participants in this process."""

import io
import json
import socket
import struct
import sys
import threading

from messagerie import headless, protocol
from messagerie.net import events
from messagerie.wording import sentence


def messages(rec, count):
    return rec.wait_for(
        lambda evs: (
            [e for e in evs if isinstance(e, events.MessageReceived)][count - 1 :]
            and [e for e in evs if isinstance(e, events.MessageReceived)]
        )
    )


def test_host_and_three_participants_see_every_message_once_in_the_same_order(sessions):
    host, join = sessions
    server, host_rec, port = host()
    clients = [join(port, name) for name in ("Ana", "Bob", "Ana")]
    assert clients[2][1].first(events.Connected).name == "Ana (2)"
    assert host_rec.first(events.Joined, name="Ana (2)").address == "127.0.0.1"
    server.send("Ça marche 🎉 (hôte)")
    for i, (session, _) in enumerate(clients):
        session.send(f"Ça marche 🎉 {i}")
    everyone = [host_rec] + [rec for _, rec in clients]
    seen = [[(m.seq, m.id, m.sender, m.text) for m in messages(rec, 4)] for rec in everyone]
    assert all(len(s) == 4 for s in seen)
    assert all(s == seen[0] for s in seen), seen
    assert [seq for seq, *_ in seen[0]] == [1, 2, 3, 4]
    assert {text for *_, text in seen[0]} == {
        "Ça marche 🎉 (hôte)",
        *(f"Ça marche 🎉 {i}" for i in range(3)),
    }
    # Each sender's own message is flagged as its own and acknowledged.
    for _session, rec in clients:
        own = [m for m in rec.of(events.MessageReceived) if m.own]
        assert len(own) == 1
        assert rec.first(events.Acked, id=own[0].id).seq == own[0].seq


def test_leaving_produces_left_for_the_others(sessions):
    host, join = sessions
    _, host_rec, port = host()
    _ana, ana_rec = join(port, "Ana")
    bob, _ = join(port, "Bob")
    ana_rec.first(events.Joined, name="Bob")
    bob.stop()
    assert ana_rec.first(events.Left, name="Bob").reason == "bye"
    assert host_rec.first(events.Left, name="Bob").address == "127.0.0.1"


def test_newcomer_gets_recent_history_flagged_as_such(sessions):
    host, join = sessions
    server, host_rec, port = host()
    for i in range(3):
        server.send(f"avant {i}")
    messages(host_rec, 3)
    _, rec = join(port, "Zoé")
    got = messages(rec, 3)
    assert [m.text for m in got] == ["avant 0", "avant 1", "avant 2"]
    assert all(m.history for m in got)


def read_frames(sock: socket.socket) -> list[dict]:
    data = b""
    sock.settimeout(10)
    while chunk := sock.recv(65536):
        data += chunk
    out = []
    while data:
        (n,) = struct.unpack(">I", data[:4])
        out.append(json.loads(data[4 : 4 + n]))
        data = data[4 + n :]
    return out


def test_a_frame_declaring_100_MB_is_refused_and_the_room_goes_on(sessions):
    host, join = sessions
    _server, host_rec, port = host()
    with socket.create_connection(("127.0.0.1", port)) as raw:
        raw.sendall(struct.pack(">I", 100_000_000) + b"x" * 1000)
        frames = read_frames(raw)  # returns when the server closes
    assert frames[-1]["type"] == "error" and frames[-1]["code"] == protocol.FRAME_TOO_LARGE
    session, _rec = join(port, "Après")
    session.send("toujours là")
    assert host_rec.first(events.MessageReceived, text="toujours là").sender == "Après"


def test_a_message_before_hello_is_refused(sessions):
    host, _ = sessions
    _, _, port = host()
    with socket.create_connection(("127.0.0.1", port)) as raw:
        raw.sendall(protocol.encode(protocol.Say(id="m", text="hop")))
        frames = read_frames(raw)
    assert frames == [
        {"type": "error", "code": "unexpected_message", "message": frames[0]["message"]}
    ]


def test_history_and_sequence_survive_a_host_restart(sessions, tmp_path):
    host, join = sessions
    data = tmp_path / "persist"
    server, rec, _port = host(data_dir=data)
    server.send("premier")
    rec.first(events.MessageReceived, text="premier")
    server.stop()
    server2, rec2, port2 = host(data_dir=data)
    server2.send("second")
    assert rec2.first(events.MessageReceived, text="second").seq == 2
    _, joiner = join(port2, "Tard")
    assert [m.text for m in messages(joiner, 2)] == ["premier", "second"]


def test_two_rooms_on_one_data_folder_both_work_and_the_second_says_why(sessions, tmp_path):
    # Two hosts started from one machine and one folder (the app opened twice). Sharing the
    # history file would hand out the same sequence numbers twice; the second room keeps its
    # history in memory instead, and says so.
    host, join = sessions
    data = tmp_path / "shared"
    first, first_rec, _ = host(data_dir=data)
    second, second_rec, _ = host(data_dir=data)
    notice = second_rec.first(events.Notice)
    assert notice.code == "storage"
    assert "héberge déjà" in sentence(notice.reason, notice.details)
    for server, rec, text in ((first, first_rec, "un"), (second, second_rec, "deux")):
        server.send(text)
        assert rec.first(events.MessageReceived, text=text).seq == 1
    # Said once, at start: not again by the room's first flush.
    assert [e for e in second_rec.events if isinstance(e, events.Notice)] == [notice]
    first.stop()
    second.stop()
    _, _, port = host(data_dir=data)
    _, joiner = join(port, "Tard")
    assert [m.text for m in messages(joiner, 1)] == ["un"]


def test_history_failing_after_start_falls_back_to_memory_and_the_room_goes_on(sessions):
    host, join = sessions
    server, host_rec, port = host()
    server.send("avant la panne")
    host_rec.first(events.MessageReceived, text="avant la panne")
    # The database file fails under the running room (here: its connection is closed).
    server._call(server.room.history._db.close)
    _, rec = join(port, "Tard")
    server.send("après la panne")
    assert rec.first(events.MessageReceived, text="après la panne")
    assert host_rec.first(events.Notice).code == "storage"


def test_piped_input_waits_for_the_room_instead_of_piling_up(sessions, monkeypatch):
    # Headless input read from a pipe can come faster than the room posts it; every
    # INPUT_WINDOW lines the reader waits until the network thread has caught up.
    host, _join = sessions
    server, rec, _port = host()
    waits = []
    real_caught_up = server.caught_up

    def caught_up(timeout):
        waits.append(real_caught_up(timeout))
        return waits[-1]

    monkeypatch.setattr(server, "caught_up", caught_up)
    lines = [f"ligne {n}\n" for n in range(1, 2 * headless.INPUT_WINDOW + 2)]
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(lines)))
    done = threading.Event()
    front = headless.HeadlessFrontEnd(json_mode=True, out=io.StringIO())
    try:
        headless._read_stdin(server, front, done)
    finally:
        front.close()
    assert done.is_set()
    assert waits == [True, True]
    assert rec.first(events.MessageReceived, text=f"ligne {len(lines)}").seq == len(lines)


def test_typing_reaches_the_others_once_per_period_and_never_the_typer(sessions):
    host, join = sessions
    server, host_rec, port = host()
    ana, ana_rec = join(port, "Ana")
    _bob, bob_rec = join(port, "Bob")
    ana_rec.first(events.Joined, name="Bob")
    for _ in range(5):  # a burst of key presses: one `typing` leaves in the period
        ana.typing()
    assert bob_rec.first(events.Typing).name == "Ana"
    assert host_rec.first(events.Typing).name == "Ana"
    server.typing()
    assert ana_rec.first(events.Typing).name == "Serveur"
    # The room's word on its own typist goes to the others only: Bob heard Ana once, and
    # the burst made one `typing` (after the host's, Ana's own never came back to her).
    ana.send("fini")
    messages(bob_rec, 1)
    assert [e.name for e in bob_rec.of(events.Typing)] == ["Ana", "Serveur"]
    assert [e.name for e in ana_rec.of(events.Typing)] == ["Serveur"]


def test_a_closed_room_ends_the_joiner_without_reconnecting(sessions):
    host, join = sessions
    server, _host_rec, port = host()
    _ana, ana_rec = join(port, "Ana")
    server.stop()
    ana_rec.first(events.Stopped)
    assert ana_rec.first(events.Disconnected).reason == "room_closed"
    assert not ana_rec.of(events.Reconnecting)
    assert not ana_rec.of(events.Failed)


def test_a_restarted_host_sees_its_own_history(sessions, tmp_path):
    host, join = sessions
    data = tmp_path / "kept"
    server, _rec, port = host(data_dir=data)
    _ana, ana_rec = join(port, "Ana")
    server.send("avant l'arrêt")
    _ana.send("moi aussi")
    messages(ana_rec, 2)
    server.stop()
    _again, rec, _ = host(data_dir=data)
    listening_at = rec.events.index(rec.first(events.Listening))
    messages(rec, 2)
    shown = rec.of(events.MessageReceived)
    assert [(m.text, m.history, m.own) for m in shown] == [
        ("avant l'arrêt", True, True),
        ("moi aussi", True, False),
    ]
    assert rec.events.index(shown[0]) > listening_at  # after the view exists


def test_a_newcomer_cannot_read_further_back_by_claiming_an_old_last_seq(sessions):
    """Issue 16, item 9: the room decides what a newcomer may read, not the client."""
    host, _ = sessions
    server, host_rec, port = host()
    for i in range(150):
        server.send(f"m{i}")
    messages(host_rec, 150)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        conn = protocol.ClientConnection(name="Curieux", client_id="curieux", last_seq=1)
        conn.start()
        sock.sendall(conn.data_to_send())
        seen = []
        while not seen or seen[-1].chat.seq < 150:
            data = sock.recv(65536)
            assert data, "closed before the catch-up ended"
            seen += [e for e in conn.receive_data(data) if isinstance(e, protocol.MessageArrived)]
    assert [e.chat.seq for e in seen] == list(range(51, 151))
