"""What headless mode prints: the renderer's lines in text mode, `message` added in --json,
and nothing a hostile peer sent can reach the terminal raw or forge a line of its own."""

from __future__ import annotations

import json
import logging
import re
import socket
import struct
import threading

import pytest

from messagerie import i18n, protocol
from messagerie.app import SafeFormatter
from messagerie.headless import CONTINUATION, human_lines, json_line
from messagerie.net import events as ev
from messagerie.net.session import Session, SessionConfig
from messagerie.wording import Viewpoint
from tests.cli import Proc
from tests.conftest import Recorder

# C0 but newline, DEL, C1, the line separators and the bidi controls, in printed text.
RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)
ME = Viewpoint(own_name="Ana", connected=True)
# Inside a message: a new line that looks like the host speaking, a C1 CSI, a bidi override.
HOSTILE_TEXT = "bonjour\nHote : donne-moi ton mot de passe\n\x9b2J\u202eesrever"
# A server's sentence for a code we do not know: ESC sequences and a fake safety code line.
HOSTILE_SENTENCE = "\x1b[2J\x1b[1;1H\nCode de sécurité : 0000 0000\x1b]0;titre\x07"


def _forged(lines: list[str]) -> list[str]:
    """Printed lines that start like a sender line or like our own safety code line."""
    return [line for line in lines if line.startswith(("Hote :", "Code de sécurité"))]


def test_a_multi_line_message_is_indented_and_neutralised():
    event = ev.MessageReceived(id="m", seq=1, sender="Bob", text=HOSTILE_TEXT, ts=0)
    printed = "\n".join(human_lines(event, ME)).split("\n")
    assert printed[0] == "Bob : bonjour"
    assert printed[1] == CONTINUATION + "Hote : donne-moi ton mot de passe"
    assert printed[2] == CONTINUATION + "\\x9b2J\\u202eesrever"
    assert not _forged(printed)
    assert not any(RAW_CONTROL.search(line) for line in printed)


def test_a_pending_message_is_not_printed_its_echo_is():
    assert human_lines(ev.Pending(id="m", text="salut", ts=0), ME) == []
    assert human_lines(ev.Acked(id="m", seq=1), ME) == []
    echo = ev.MessageReceived(id="m", seq=1, sender="Ana", text="salut", ts=0, own=True)
    assert human_lines(echo, ME) == ["Ana : salut"]


def test_json_carries_the_sentence_in_the_readers_language():
    failed = json.loads(json_line(ev.Failed(code="room_full")))
    assert failed == {
        "event": "error",
        "code": "room_full",
        "fatal": True,
        "details": {},
        "message": "La discussion est complète.",
    }
    i18n.set_language("en")
    gone = json.loads(json_line(ev.Disconnected(reason="connection_lost")))
    assert (
        gone["reason"] == "connection_lost"
        and gone["message"] == "The connection with the server was lost."
    )
    notice = ev.Notice(
        code="storage", reason="database_memory", details={"path": "p", "detail": "d"}
    )
    assert json.loads(json_line(notice))["message"].startswith("Cannot write to p (d).")


def test_json_escapes_what_a_terminal_would_act_on_and_keeps_the_data():
    event = ev.MessageReceived(id="m", seq=1, sender="Bob", text=HOSTILE_TEXT + "\x1b[31m", ts=0)
    line = json_line(event)
    assert not RAW_CONTROL.search(line)
    assert "\\u009b2J\\u202e" in line
    assert json.loads(line)["text"] == HOSTILE_TEXT + "\x1b[31m"


def test_log_lines_cannot_forge_lines_or_carry_controls():
    formatter = SafeFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord(
        "x", logging.INFO, "f", 1, "name %s", ("Bob\nINFO fake\x1b[2J",), None
    )
    assert formatter.format(record) == "INFO name Bob\n    INFO fake\\x1b[2J"


def test_the_host_sends_peers_the_default_language_not_its_own(sessions):
    host, _ = sessions
    i18n.set_language("en")  # the host's own setting
    _, _, port = host()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(struct.pack(">I", 2) + b"{}")  # not a message: an error frame, then closed
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    (error,) = protocol.Decoder().feed(data)
    assert error.code == "bad_field"
    assert error.message == i18n.fallback("error.bad_field", field="type")
    assert error.message.startswith("Champ invalide")


class _Broken(Session):
    async def _main(self) -> None:
        raise ValueError("a bug in the network core")


def test_a_bug_in_the_core_is_logged_and_reported_as_internal_only(tmp_path, caplog):
    from messagerie.limits import DEFAULT_LIMITS

    rec = Recorder()
    config = SessionConfig(
        host="127.0.0.1", port=0, name="x", data_dir=tmp_path, limits=DEFAULT_LIMITS, tls=False
    )
    session = _Broken(config, rec)
    session.start()
    rec.first(ev.Stopped)
    session.stop()
    assert not session.running
    assert rec.first(ev.Failed) == ev.Failed(code="internal")
    assert "a bug in the network core" in caplog.text and "Traceback" in caplog.text


# --- end to end: a fake host that sends hostile text to a real headless client ---------------


def _frame(obj: dict) -> bytes:
    payload = json.dumps(obj).encode("utf-8")
    return struct.pack(">I", len(payload)) + payload


class FakeHost:
    """Accepts one client over plain TCP, welcomes it, sends hostile frames, then closes."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.hello: dict | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(20)
        try:
            conn, _ = self.listener.accept()
        finally:
            self.listener.close()  # the client's reconnects are refused from now on
        with conn:
            conn.settimeout(20)
            (size,) = struct.unpack(">I", conn.recv(4, socket.MSG_WAITALL))
            self.hello = json.loads(conn.recv(size, socket.MSG_WAITALL))
            welcome = {"type": "welcome", "room": "Hote", "name": self.hello["name"]}
            welcome.update(participants=["Bob", self.hello["name"]], last_seq=0, history=[])
            chat = {"type": "message", "id": "a" * 32, "seq": 1, "from": "Bob", "ts": 1.0}
            chat["text"] = HOSTILE_TEXT
            error = {"type": "error", "code": "brand_new_code", "message": HOSTILE_SENTENCE}
            conn.sendall(_frame(welcome) + _frame(chat) + _frame(error))
            conn.recv(65536)  # until the client closes

    def close(self) -> None:
        self.thread.join(30)
        assert not self.thread.is_alive()


@pytest.mark.parametrize("json_mode", [False, True], ids=["text", "json"])
def test_a_fake_hosts_text_reaches_the_terminal_neutralised(tmp_path, json_mode):
    fake = FakeHost()
    args = ("join", f"127.0.0.1:{fake.port}", "--headless", "--no-tls")
    client = Proc(*args, data_dir=tmp_path, json_mode=json_mode)
    try:
        # The client reconnects after the error; its first refused attempt ends what we read.
        client.wait_line(
            lambda v: v.get("event") == "reconnecting" if json_mode else "Reconnexion" in v,
            timeout=20,
        )
    finally:
        client.close()
        fake.close()
    printed = client.seen
    assert not any(RAW_CONTROL.search(line) for line in printed), printed
    if json_mode:
        records = [json.loads(line) for line in printed]
        (message,) = [r for r in records if r["event"] == "message"]
        assert message["text"] == HOSTILE_TEXT  # the data is intact, only escaped
        (gone,) = [r for r in records if r["event"] == "disconnected"]
        assert gone["details"]["server_text"] == HOSTILE_SENTENCE
        assert gone["message"].startswith("Le serveur signale : « \\x1b[2J")
    else:
        assert not _forged(printed), printed
        assert "Bob : bonjour" in printed
        assert CONTINUATION + "Hote : donne-moi ton mot de passe" in printed
        (gone,) = [line for line in printed if line.startswith("Déconnecté")]
        assert "« \\x1b[2J\\x1b[1;1H\\nCode de sécurité : 0000 0000\\x1b]0;titre\\x07 »" in gone


def test_a_real_rooms_host_prints_a_multi_line_message_without_a_forged_line(sessions, tmp_path):
    _, join = sessions
    host = Proc(
        "serve", "--headless", "--port", "0", "--no-tls", data_dir=tmp_path / "h", json_mode=False
    )
    try:
        opened = host.wait_line(lambda line: line.startswith("Discussion ouverte sur"))
        client, _ = join(int(opened.rsplit(":", 1)[1]), "Zoé")
        client.send("un\nHote : donne-moi ton mot de passe\n\tdeux")
        host.wait_line(lambda line: "deux" in line)
    finally:
        host.close()
    start = host.seen.index("Zoé : un")
    assert host.seen[start + 1 : start + 3] == [
        CONTINUATION + "Hote : donne-moi ton mot de passe",
        CONTINUATION + "\tdeux",
    ]
    assert not _forged(host.seen)
