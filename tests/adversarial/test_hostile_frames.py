"""Check 8: hostile frames. Each offender gets an `error` with its code and is closed; the room
goes on and a normal client chats right afterwards."""

from __future__ import annotations

import struct
import uuid

import pytest

from tests.adversarial.helpers import Procs, RawPeer, frame, obj_frame

HELLO = {"type": "hello", "version": 1, "client_id": "hostile", "last_seq": 0}


def _after_hello(payload: bytes) -> list[bytes]:
    return [obj_frame({**HELLO, "name": "Pirate"}), payload]


CASES = {
    # A declared length of 4 GB: refused from the header alone, nothing is allocated.
    "frame_too_large": [struct.pack(">I", 0xFFFFFFFF) + b"x" * 100],
    "empty_frame": [struct.pack(">I", 0)],
    "bad_utf8": [frame(b'{"type":"hello","name":"\xff\xfe"}')],
    "not_an_object": [frame(b'["hello", 1]')],
    "unknown_type": [obj_frame({"type": "exploit", "payload": "x"})],
    "text_too_long": _after_hello(obj_frame({"type": "say", "id": "long", "text": "a" * 16_001})),
    "bad_name-control": [obj_frame({**HELLO, "name": "Bip\x07bip"})],
    "bad_name-bidi": [obj_frame({**HELLO, "name": "abc\u202etxt.exe"})],
    "bad_name-invisible": [obj_frame({**HELLO, "name": "\u200b\u3164"})],
    "bad_field-c1": _after_hello(obj_frame({"type": "say", "id": "c1", "text": "a\u009b2Jb"})),
    "bad_json-infinity": [
        frame(b'{"type":"hello","version":1,"name":"A","client_id":"c","last_seq":1e400}')
    ],
    "unsupported_version-zero": [obj_frame({**HELLO, "name": "Ancien", "version": 0})],
    "unsupported_version-two": [obj_frame({**HELLO, "name": "Futur", "version": 2})],
}


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    started = Procs(tmp_path_factory.mktemp("hostile"))
    try:
        yield started.serve()
    finally:
        started.close()


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_frame_gets_its_error_code_and_the_room_goes_on(room, raw_peers, case):
    server, port = room
    code = case.split("-")[0]
    offender = RawPeer(port)
    raw_peers.append(offender)
    for chunk in CASES[case]:
        offender.send_raw(chunk)
    frames = offender.frames_until_closed(timeout=5)
    errors = [f for f in frames if f["type"] == "error"]
    assert errors, frames
    assert errors[-1]["code"] == code and errors[-1]["message"], frames
    assert frames[-1] is errors[-1], "the error is the last thing the offender gets"
    assert offender.closed

    # A normal participant chats right afterwards.
    normal = RawPeer(port)
    raw_peers.append(normal)
    assert normal.hello("Normal")["type"] == "welcome"
    msg_id = uuid.uuid4().hex
    normal.send({"type": "say", "id": msg_id, "text": f"après {case}"})
    echoed = normal.recv_until(lambda f: f["type"] == "message" and f["id"] == msg_id)
    assert echoed["text"] == f"après {case}"
    assert server.event("message", id=msg_id)["text"] == f"après {case}"
    normal.send({"type": "bye"})
    assert server.proc.poll() is None
