"""The sans-IO protocol: framing, every message type, limits, hostile input."""

import contextlib
import json
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messagerie import i18n, protocol
from messagerie.errors import LocalProtocolError, RemoteProtocolError

SAMPLES = [
    protocol.Hello(version=1, name="Client", client_id="abc-123", last_seq=7),
    protocol.Welcome(
        room="Bureau", name="Client (2)", participants=("Serveur", "Client (2)"), last_seq=3
    ),
    protocol.Say(id="m1", text="Ça marche 🎉"),
    protocol.Ack(id="m1", seq=4),
    protocol.Chat(id="m1", seq=4, sender="Zoé", text="ligne 1\nligne 2", ts=1795500000.125),
    protocol.Joined(name="Client"),
    protocol.Left(name="Client", reason="bye"),
    protocol.Ping(),
    protocol.Pong(),
    protocol.Error(code="bad_json", message="Données reçues illisibles."),
    protocol.Bye(reason="room_closed"),
    protocol.Auth(pake="QQEBAQ=="),
    protocol.AuthChallenge(pake="QgICAg=="),
    protocol.AuthConfirm(mac="kbfoGC4R"),
    protocol.AuthOk(mac="Klon5g+D"),
    protocol.Typing(name="Zoé"),
    protocol.UploadRequest(
        id="r1", name="photo.jpg", size=1234, sha256="ab" * 32, media_type="image/jpeg"
    ),
    protocol.DownloadRequest(id="r2", file="f1", offset=10),
    protocol.TransferToken(request="r1", token="tok_-1", offset=0, size=1234),
    protocol.TransferRefused(request="r1", code="bad_file_name", reason="bidi"),
    protocol.Upload(token="tok_-1"),
    protocol.Download(token="tok_-1", offset=10),
    protocol.Ready(offset=10, size=1234),
    protocol.UploadDone(file="f1"),
    # Private messages and replies (section 13).
    protocol.Hello(version=1, name="Ana", client_id="abc-124", features=("private",)),
    protocol.Welcome(
        room="Bureau",
        name="Ana",
        participants=("Serveur", "Ana"),
        last_seq=3,
        members=(
            protocol.Member(id="host", name="Serveur", private=True),
            protocol.Member(id="a" * 20, name="Ana", private=True),
        ),
        id="a" * 20,
    ),
    protocol.Say(id="m2", text="tu as deux minutes ?", to="b" * 20, reply_to="m1"),
    protocol.Chat(
        id="m2",
        seq=5,
        sender="Ana",
        text="tu as deux minutes ?",
        ts=1795500001.5,
        to="b" * 20,
        to_name="Bob",
        from_id="a" * 20,
        pending=True,
        reply=protocol.Quote(id="m1", sender="Zoé", text="ligne 1"),
    ),
    protocol.Refused(id="m3", code="unknown_recipient"),
    protocol.Delivered(id="m2", seq=5),
    protocol.Joined(name="Bob", id="b" * 20, private=True),
    protocol.Left(name="Bob", reason="bye", id="b" * 20),
]


def stream() -> bytes:
    return b"".join(protocol.encode(m) for m in SAMPLES)


def test_every_type_has_a_sample():
    assert {type(m) for m in SAMPLES} == set(protocol.MESSAGE_TYPES.values())


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: m.TYPE)
def test_round_trip(message):
    frame = protocol.encode(message)
    (length,) = struct.unpack(">I", frame[:4])
    assert length == len(frame) - 4
    assert json.loads(frame[4:])["type"] == message.TYPE
    assert protocol.Decoder().feed(frame) == [message]


def test_chat_uses_from_on_the_wire():
    obj = json.loads(protocol.encode(SAMPLES[4])[4:])
    assert obj["from"] == "Zoé" and "sender" not in obj


@settings(max_examples=1000, deadline=None)
@given(
    msg_id=st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
    seq=st.integers(min_value=1, max_value=2**53),
    sender=st.text(min_size=1, max_size=protocol.MAX_NAME).filter(
        lambda name: protocol.name_problem(name) is None
    ),
    text=st.text(min_size=1).filter(lambda text: protocol.text_problem(text) is None),
    ts=st.floats(min_value=0, max_value=1e11, exclude_max=True) | st.integers(0, 10**10),
)
def test_the_hand_built_chat_frame_is_the_encoders_frame(msg_id, seq, sender, text, ts):
    chat = protocol.Chat(id=msg_id, seq=seq, sender=sender, text=text, ts=ts)
    assert protocol.encode_chat(msg_id, seq, sender, text, ts) == protocol.encode(chat)
    assert protocol.encode_ack(msg_id, seq) == protocol.encode(protocol.Ack(id=msg_id, seq=seq))


@pytest.mark.parametrize("text", ['"quoted" \\ back\\slash', "tab\tline\nline", "\u2028 🎉 é"])
def test_the_hand_built_chat_frame_escapes_like_the_encoder(text):
    chat = protocol.Chat(id="m1", seq=9, sender='Zoé "Z"', text=text, ts=1795500000.125)
    assert protocol.encode_chat("m1", 9, 'Zoé "Z"', text, 1795500000.125) == protocol.encode(chat)


def test_whole_byte_by_byte_and_random_splits_agree():
    data = stream()
    whole = protocol.Decoder().feed(data)
    decoder = protocol.Decoder()
    one_by_one = [m for i in range(len(data)) for m in decoder.feed(data[i : i + 1])]
    assert decoder.buffered == 0
    rng = random.Random(1234)
    for _ in range(50):
        decoder = protocol.Decoder()
        out, pos = [], 0
        while pos < len(data):
            step = rng.randint(1, 40)
            out += decoder.feed(data[pos : pos + step])
            pos += step
        assert out == whole
    assert whole == one_by_one == SAMPLES


def test_byte_level_example_from_the_docs():
    frame = protocol.encode(protocol.Ping())
    assert frame == b'\x00\x00\x00\x0f{"type":"ping"}'


UNSUPPORTED = protocol.UNSUPPORTED_VERSION
BAD_FIELD = protocol.BAD_FIELD


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (struct.pack(">I", 100_000_000), protocol.FRAME_TOO_LARGE),
        (struct.pack(">I", 0xFFFFFFFF), protocol.FRAME_TOO_LARGE),
        (struct.pack(">I", 0), protocol.EMPTY_FRAME),
        (frame(b"\xff\xfe{}"), protocol.BAD_UTF8),
        (frame(b"{not json"), protocol.BAD_JSON),
        (frame(b"[1, 2]"), protocol.NOT_AN_OBJECT),
        (frame(b'{"type": 3}'), protocol.BAD_FIELD),
        (frame(b'{"type": "teleport"}'), protocol.UNKNOWN_TYPE),
        (frame(b'{"type": "say", "id": "x"}'), protocol.BAD_FIELD),
        (
            frame(b'{"type": "say", "id": "x", "text": "' + b"a" * 16_001 + b'"}'),
            protocol.TEXT_TOO_LONG,
        ),
        (frame(b'{"type": "joined", "name": "a\\u202eb"}'), protocol.BAD_NAME),
        (frame(b'{"type": "joined", "name": "a\\u0007"}'), protocol.BAD_NAME),
        (frame(b'{"type": "joined", "name": "\\ud800"}'), protocol.BAD_NAME),
        (frame(b'{"type": "joined", "name": "a\\u0085"}'), protocol.BAD_NAME),
        # C1 controls in new text, like C0 (issue 16, item 2).
        (frame(b'{"type": "say", "id": "x", "text": "a\\u009b31m"}'), BAD_FIELD),
        (frame('{"type": "say", "id": "x", "text": "a\u0085b"}'.encode()), BAD_FIELD),
        (frame(b'{"type": "ack", "id": "x", "seq": true}'), protocol.BAD_FIELD),
        (frame(b'{"type": "ack", "id": "x", "seq": NaN}'), protocol.BAD_JSON),
        # Too large for a double: it would parse to infinity (issue 16, item 14).
        (frame(b'{"type": "ping", "x": 1e400}'), protocol.BAD_JSON),
        (frame(b'{"type": "ping", "x": [-1E+400]}'), protocol.BAD_JSON),
        # Any version but 1 is unsupported, checked before the other fields (issue 16, item 12).
        (frame(b'{"type": "hello", "version": 0, "name": "A", "client_id": "c"}'), UNSUPPORTED),
        (frame(b'{"type": "hello", "version": 2}'), UNSUPPORTED),
        (frame(b'{"type": "hello", "version": -1, "name": "A", "client_id": "c"}'), UNSUPPORTED),
        (frame(b'{"type": "hello", "version": "1", "name": "A", "client_id": "c"}'), BAD_FIELD),
        (frame(b'{"type": "hello", "version": true, "name": "A", "client_id": "c"}'), BAD_FIELD),
        (frame(b"[" * 100_000), protocol.BAD_JSON),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_hostile_input_raises_remote_error_with_code(data, code):
    decoder = protocol.Decoder()
    with pytest.raises(RemoteProtocolError) as info:
        decoder.feed(data)
    assert info.value.code == code
    assert i18n.has(f"error.{code}")  # the code has a sentence of its own
    if code in (
        protocol.FRAME_TOO_LARGE,
        protocol.EMPTY_FRAME,
        protocol.BAD_UTF8,
        protocol.BAD_JSON,
    ):
        # Framing is lost: the decoder refuses to go on (the connection must close).
        with pytest.raises(RemoteProtocolError):
            decoder.feed(protocol.encode(protocol.Ping()))


def test_text_at_the_limit_is_accepted():
    text = "é" * protocol.MAX_TEXT
    assert protocol.Decoder().feed(protocol.encode(protocol.Say(id="m", text=text)))[0].text == text


def test_building_invalid_messages_is_a_local_error():
    with pytest.raises(LocalProtocolError) as info:
        protocol.Say(id="m", text="x" * (protocol.MAX_TEXT + 1))
    assert info.value.code == protocol.TEXT_TOO_LONG
    with pytest.raises(LocalProtocolError):
        protocol.Hello(version=1, name="", client_id="c")
    with pytest.raises(LocalProtocolError):
        protocol.Ack(id="has space", seq=1)


def test_a_room_may_hand_out_c1_controls_stored_before_they_were_refused():
    # A history written before the rule must not cut every newcomer off at that message;
    # the faces neutralise controls in what they show.
    chat = protocol.Chat(id="m", seq=1, sender="Zoé", text="ancien \u009b", ts=1.0)
    assert protocol.Decoder().feed(protocol.encode(chat)) == [chat]
    with pytest.raises(RemoteProtocolError):
        protocol.Decoder().feed(frame(b'{"type":"say","id":"m","text":"ancien \xc2\x9b"}'))


def test_large_but_finite_numbers_still_parse():
    data = frame(b'{"type": "ping", "x": 1.7e308, "y": -2.5e-400}')
    assert protocol.Decoder().feed(data) == [protocol.Ping()]


def test_unknown_fields_are_ignored_for_forward_compatibility():
    data = frame('{"type": "joined", "name": "Zoé", "colour": "blue"}'.encode())
    assert protocol.Decoder().feed(data) == [protocol.Joined(name="Zoé")]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Zoé", None),
        ("😀 Ana", None),
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 41, "too_long"),
        ("a\u202eb", "forbidden_character"),
        ("a\nb", "forbidden_character"),
        (3, "not_a_string"),
    ],
)
def test_name_problem(name, problem):
    assert protocol.name_problem(name) == problem


@settings(max_examples=2500, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_only_raise_remote_protocol_error(data):
    with contextlib.suppress(RemoteProtocolError):
        protocol.Decoder().feed(data)


@settings(max_examples=500, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=20,
    ),
    st.sampled_from(sorted(protocol.MESSAGE_TYPES)),
)
def test_random_json_objects_only_raise_remote_protocol_error(value, kind):
    obj = {
        "type": kind,
        "id": value,
        "text": value,
        "name": value,
        "seq": value,
        "participants": value,
        "last_seq": value,
        "version": value,
        "code": value,
    }
    payload = json.dumps(obj).encode()
    with contextlib.suppress(RemoteProtocolError):
        protocol.Decoder().feed(frame(payload))


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"reply": protocol.Quote(id="m0", sender='Zoé "Z"', text="ligne\t1 🎉")},
        {"to": "b" * 20, "to_name": "Bob", "from_id": "a" * 20},
        {"to": "b" * 20, "to_name": "B\\ob", "from_id": "a" * 20, "pending": True},
        {
            "to": "host",
            "to_name": "Serveur",
            "from_id": "a" * 20,
            "reply": protocol.Quote(id="m0", sender="Ana", text="«ok»"),
        },
    ],
)
def test_encode_addressed_chat_gives_the_bytes_of_encode(fields):
    # The room formats private messages and replies directly; the bytes must be the codec's.
    base = {"id": "m9", "seq": 12, "sender": "Ana", "text": 'a "b"\nc', "ts": 1795500000.125}
    direct = protocol.encode_addressed_chat(
        base["id"], base["seq"], base["sender"], base["text"], base["ts"], **fields
    )
    assert direct == protocol.encode(protocol.Chat(**base, **fields))
