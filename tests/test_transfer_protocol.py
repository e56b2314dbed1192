"""File sharing, sans-IO: the requests on the chat connection, the transfer connection's state
machines fed whole and byte by byte, the `file` object of a message, and the name rules."""

import json

import pytest

from messagerie import protocol
from messagerie.errors import LocalProtocolError, RemoteProtocolError
from messagerie.protocol import NEED_DATA, State, transfer
from messagerie.protocol.filenames import clean_file_name, file_name_problem

SHA = "0f" * 32
FILE = protocol.FileInfo(
    id="f1", name="photo.jpg", size=5, sha256=SHA, media_type="image/jpeg", sender="Zoé"
)


def events_of(conn):
    out = []
    while (event := conn.next_event()) is not NEED_DATA:
        out.append(event)
    return out


def joined_server():
    conn = protocol.ServerConnection()
    conn.receive_data(protocol.encode(protocol.Hello(version=1, name="Ana", client_id="c1")))
    assert isinstance(conn.next_event(), protocol.HelloReceived)
    conn.welcome(room="R", name="Ana", participants=("Serveur", "Ana"), last_seq=0)
    conn.outgoing.clear()
    return conn


@pytest.mark.parametrize("password", [None, object()], ids=["open", "password"])
@pytest.mark.parametrize(
    "opener",
    [protocol.Upload(token="t1"), protocol.Download(token="t1", offset=7)],
    ids=lambda m: m.TYPE,
)
def test_first_frame_opens_a_transfer_byte_by_byte(opener, password):
    conn = protocol.ServerConnection(password_required=password is not None)
    got = []
    for byte in protocol.encode(opener):
        conn.receive_data(bytes([byte]))
        got += events_of(conn)
    assert got == [protocol.TransferOpened(opener.TYPE, "t1", getattr(opener, "offset", 0))]
    assert conn.state is State.TRANSFER and not conn.outgoing


def test_an_opener_after_hello_or_bytes_after_the_opener_is_refused():
    conn = protocol.ServerConnection()
    conn.receive_data(protocol.encode(protocol.Hello(version=1, name="Ana", client_id="c1")))
    conn.receive_data(protocol.encode(protocol.Upload(token="t1")))
    assert isinstance(conn.next_event(), protocol.HelloReceived)
    assert events_of(conn) == [protocol.Ended("unexpected_message")]

    early = protocol.ServerConnection()
    early.receive_data(protocol.encode(protocol.Upload(token="t1")) + b"\x00\x00")
    assert events_of(early) == [protocol.Ended("unexpected_message")]


def test_joined_participant_asks_and_gets_a_token_or_a_refusal():
    conn = joined_server()
    request = protocol.UploadRequest(id="r1", name="a.txt", size=5, sha256=SHA)
    conn.receive_data(protocol.encode(request))
    assert events_of(conn) == [protocol.FileRequested(request)]
    conn.grant("r1", token="tok", offset=2, size=5)
    conn.refuse("r2", "file_too_large")
    client = protocol.ClientConnection(name="Ana", client_id="c1")
    client.start()
    welcome = protocol.Welcome(room="R", name="Ana", participants=("Ana",), last_seq=0)
    got = client.receive_data(protocol.encode(welcome) + b"".join(conn.outgoing))
    assert got[1:] == [
        protocol.TransferToken(request="r1", token="tok", offset=2, size=5),
        protocol.TransferRefused(request="r2", code="file_too_large"),
    ]


def test_a_file_request_before_joining_is_unexpected():
    conn = protocol.ServerConnection()
    conn.receive_data(
        protocol.encode(protocol.DownloadRequest(id="r1", file="f1"))
        + protocol.encode(protocol.Hello(version=1, name="Ana", client_id="c1"))
    )
    assert events_of(conn) == [protocol.Ended("unexpected_message")]


def test_message_with_a_file_round_trips_and_old_fields_stay():
    chat = protocol.Chat(id="f1", seq=3, sender="Zoé", text="photo.jpg", ts=1.5, file=FILE)
    frame = protocol.encode(chat)
    obj = json.loads(frame[4:])
    assert obj["text"] == "photo.jpg" and obj["file"]["from"] == "Zoé"
    assert protocol.Decoder().feed(frame) == [chat]
    plain = protocol.Chat(id="m1", seq=1, sender="Zoé", text="x", ts=1.0)
    assert "file" not in json.loads(protocol.encode(plain)[4:])
    assert protocol.encode(plain) == protocol.encode_chat("m1", 1, "Zoé", "x", 1.0)


@pytest.mark.parametrize(
    "bad", [{"sha256": "AB" * 32}, {"size": -1}, {"size": True}, {"media_type": "x"}, {"id": "a b"}]
)
def test_a_bad_file_object_is_a_bad_field(bad):
    obj = {"type": "message", "id": "f1", "seq": 1, "from": "Zoé", "text": "t", "ts": 1.0}
    obj["file"] = {**FILE.to_wire(), **bad}
    payload = json.dumps(obj).encode()
    with pytest.raises(RemoteProtocolError) as caught:
        protocol.Decoder().feed(len(payload).to_bytes(4, "big") + payload)
    assert caught.value.code == "bad_field"


def feed(client, data, *, split):
    out = []
    chunks = [data[i : i + 1] for i in range(len(data))] if split else [data]
    for chunk in chunks:
        for event in client.receive_data(chunk):
            if isinstance(event, transfer.DataReceived):
                event = transfer.DataReceived(bytes(event.data))
            out.append(event)
    return out


@pytest.mark.parametrize("split", [False, True], ids=["whole", "byte_by_byte"])
def test_download_ready_then_raw_bytes_in_one_stream(split):
    server = transfer.ServerTransfer(transfer.DOWNLOAD, offset=2, size=9)
    client = transfer.ClientTransfer(transfer.DOWNLOAD, "tok", offset=2)
    assert protocol.Decoder().feed(client.opener()) == [protocol.Download(token="tok", offset=2)]
    wire_bytes = server.ready() + b"\x00\x00\x00\x05abc"  # raw bytes that look like a header
    server.sent(7)
    assert server.state is transfer.TransferState.CLOSED
    got = feed(client, wire_bytes, split=split)
    assert got[0] == transfer.ReadyReceived(2, 9)
    assert b"".join(e.data for e in got if isinstance(e, transfer.DataReceived)) == wire_bytes[-7:]
    assert got[-1] == transfer.DownloadComplete()


@pytest.mark.parametrize("split", [False, True], ids=["whole", "byte_by_byte"])
def test_upload_bytes_then_verdict(split):
    server = transfer.ServerTransfer(transfer.UPLOAD, offset=0, size=4)
    client = transfer.ClientTransfer(transfer.UPLOAD, "tok")
    assert feed(client, server.ready(), split=split) == [transfer.ReadyReceived(0, 4)]
    assert bytes(server.receive_data(memoryview(b"ab"))) == b"ab"
    server.receive_data(memoryview(b"cd"))
    assert server.remaining == 0
    assert feed(client, server.stored("f9"), split=split) == [transfer.UploadStored("f9")]


def test_upload_over_the_size_or_before_ready_is_refused():
    server = transfer.ServerTransfer(transfer.UPLOAD, offset=0, size=2)
    with pytest.raises(RemoteProtocolError) as early:
        server.receive_data(memoryview(b"x"))
    assert early.value.code == "unexpected_data"
    server = transfer.ServerTransfer(transfer.UPLOAD, offset=0, size=2)
    server.ready()
    with pytest.raises(RemoteProtocolError) as over:
        server.receive_data(memoryview(b"xyz"))
    assert over.value.code == "too_much_data"
    with pytest.raises(LocalProtocolError):
        transfer.ServerTransfer(transfer.UPLOAD, offset=3, size=2)


def test_client_reads_an_error_as_the_verdict():
    server = transfer.ServerTransfer(transfer.UPLOAD, offset=0, size=1)
    client = transfer.ClientTransfer(transfer.UPLOAD, "tok")
    client.receive_data(server.ready())
    got = client.receive_data(server.failed("sha256_mismatch"))
    assert got == [transfer.TransferFailed("sha256_mismatch", by_peer=True)]


def test_a_download_ready_at_another_offset_is_a_broken_server():
    client = transfer.ClientTransfer(transfer.DOWNLOAD, "tok", offset=5)
    got = client.receive_data(protocol.encode(protocol.Ready(offset=0, size=9)))
    assert got == [transfer.TransferFailed("bad_field")]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../etc/passwd", "dot_dot"),
        ("..", "dot_dot"),
        ("a/b.txt", "separator"),
        ("a\\b.txt", "separator"),
        ("/etc/passwd", "absolute"),
        ("C:\\Windows\\x.dll", "absolute"),
        ("c:x.txt", "absolute"),
        ("a\x00b.txt", "control"),
        ("a\nb.txt", "control"),
        ("CON", "reserved"),
        ("nul.txt", "reserved"),
        ("Lpt1.tar.gz", "reserved"),
        ("notes.txt.", "trailing"),
        ("notes.txt ", "trailing"),
        ("photo\u202egpj.exe", "bidi"),
        ("é" * 101 + ".txt", "too_long"),
        ("a?b.txt", "forbidden"),
        ("   ", "empty"),
    ],
)
def test_hostile_names_are_refused_each_with_its_reason(name, problem):
    assert file_name_problem(name) == problem
    cleaned = clean_file_name(name)
    assert file_name_problem(cleaned) is None, cleaned


def test_clean_names_pass_and_cleaning_keeps_what_it_can():
    for name in ("photo.jpg", "Rapport final (v2).pdf", "été 🎉.png", ".bashrc"):
        assert file_name_problem(name) is None, name
    assert clean_file_name("CON.txt") == "_CON.txt"
    long = clean_file_name("é" * 150 + ".jpeg")
    assert long.endswith(".jpeg") and len(long.encode()) <= 200
    assert clean_file_name("../../x") == "_._x"
    assert clean_file_name("\u202e") == "fichier"
