"""Shared files on real sockets (127.0.0.1): store and forward, resume, refusals, history.

The big transfer with chat latency and the host's memory is in test_files_load.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import socket
import struct
import time
from pathlib import Path

import pytest

from messagerie import protocol
from messagerie.net import events
from tests.adversarial.chaos_proxy import ChaosProxy
from tests.conftest import FAST_LIMITS

EVERY_CHUNK = dataclasses.replace(FAST_LIMITS, progress_every_s=0.0)


def make_file(path: Path, size: int) -> str:
    path.write_bytes(os.urandom(size))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def host_leftovers(host_dir: Path) -> list[str]:
    """What the host's file store holds besides complete files: must stay empty."""
    return sorted(os.listdir(host_dir / "files" / "partial"))


def stored_files(host_dir: Path) -> list[str]:
    return sorted(p.name for p in (host_dir / "files").iterdir() if p.is_file())


@pytest.mark.parametrize("tls", [False, True], ids=["plaintext", "tls"])
def test_a_file_is_stored_announced_and_downloaded_with_its_sha256(sessions, tmp_path, tls):
    host, join = sessions
    _, host_rec, port = host(tls=tls)
    ana, ana_rec = join(port, "Ana", tls=tls)
    bob, bob_rec = join(port, "Bob", tls=tls)
    source = tmp_path / "photo été.jpg"
    sha = make_file(source, 3_000_000)
    transfer_id = ana.send_file(source)
    sent = ana_rec.first(events.FileSent, id=transfer_id)
    offered = bob_rec.first(events.FileOffered, id=sent.file_id)
    assert (offered.name, offered.size, offered.sha256, offered.sender) == (
        "photo été.jpg",
        3_000_000,
        sha,
        "Ana",
    )
    assert offered.media_type == "image/jpeg"
    # Old clients see a sentence: the announcement is an ordinary message too.
    announced = bob_rec.first(events.MessageReceived, id=sent.file_id)
    assert "photo été.jpg" in announced.text and announced.file["sha256"] == sha
    assert host_rec.first(events.FileOffered, id=sent.file_id).sender == "Ana"

    bob.get_file(offered.id, tmp_path / "bob")
    received = bob_rec.first(events.FileReceived, id=offered.id)
    assert received.path == str(tmp_path / "bob" / "photo été.jpg")
    assert digest(received.path) == sha
    assert os.listdir(tmp_path / "bob") == ["photo été.jpg"]  # no partial left
    progress = [e for e in bob_rec.of(events.FileProgress) if e.id == offered.id]
    assert progress and progress[-1].done == progress[-1].total == 3_000_000

    # Again into the same folder: never over the first one.
    bob.get_file(offered.id, tmp_path / "bob")
    again = bob_rec.wait_for(lambda evs: [e for e in evs if isinstance(e, events.FileReceived)][1:])
    assert again[0].path == str(tmp_path / "bob" / "photo été (2).jpg")
    assert digest(tmp_path / "bob" / "photo été.jpg") == sha
    assert host_leftovers(tmp_path / "host") == []


def test_the_host_sends_and_gets_files_too(sessions, tmp_path):
    host, join = sessions
    server, host_rec, port = host()
    bob, bob_rec = join(port, "Bob")
    source = tmp_path / "notes.txt"
    sha = make_file(source, 10_000)
    server.send_file(source)
    offered = bob_rec.first(events.FileOffered)
    assert offered.sender == "Serveur" and offered.sha256 == sha
    bob.get_file(offered.id, tmp_path / "bob")
    assert digest(bob_rec.first(events.FileReceived).path) == sha

    mine = tmp_path / "from-bob.bin"
    bob_sha = make_file(mine, 5_000)
    bob.send_file(mine)
    from_bob = host_rec.first(events.FileOffered, sender="Bob")
    server.get_file(from_bob.id, tmp_path / "host-dl")
    assert digest(host_rec.first(events.FileReceived).path) == bob_sha


def test_a_late_joiner_after_a_host_restart_sees_the_file_and_downloads_it(sessions, tmp_path):
    host, join = sessions
    server, _, port = host(data_dir=tmp_path / "h")
    ana, ana_rec = join(port, "Ana")
    source = tmp_path / "rapport.pdf"
    sha = make_file(source, 200_000)
    ana.send_file(source)
    file_id = ana_rec.first(events.FileSent).file_id
    ana.stop()
    server.stop()

    _, host_rec, port = host(data_dir=tmp_path / "h")
    assert host_rec.first(events.FileOffered, id=file_id).history
    zoe, zoe_rec = join(port, "Zoé")
    offered = zoe_rec.first(events.FileOffered, id=file_id)
    assert offered.history and offered.sha256 == sha
    zoe.get_file(file_id, tmp_path / "zoe")
    assert digest(zoe_rec.first(events.FileReceived).path) == sha


def stop_at_half(session_box, kind):
    """An event callback wrapper: stops the session (from its own thread, like a crash cuts
    its connections) once a transfer of `kind` has passed half way."""

    def watch(event):
        if (
            isinstance(event, events.FileProgress)
            and event.direction == kind
            and event.done * 2 >= event.total
            and not session_box.get("stopped")
        ):
            session_box["stopped"] = event.done
            session_box["session"].stop()

    return watch


def test_a_sender_cut_at_half_announces_nothing_and_resumes_after_restart(sessions, tmp_path):
    host, join = sessions
    _, host_rec, port = host(limits=EVERY_CHUNK)
    source = tmp_path / "big.bin"
    size = 48 * 1024 * 1024
    sha = make_file(source, size)
    box: dict = {}
    # The sender reaches the room through a proxy that lets at most 60 % of the file through
    # on any connection: the bytes already in the sockets' buffers when the sender stops can
    # never complete the file (they did once, on a fast machine, before the proxy), and one
    # attempt only, so that the stop is the end of it.
    one_try = dataclasses.replace(EVERY_CHUNK, transfer_attempts=1)
    with ChaosProxy(port, cap_bytes=size * 6 // 10) as proxy:
        ana, ana_rec = join(proxy.port, "Ana", limits=one_try)
        box["session"] = ana
        ana_rec.watchers = [stop_at_half(box, "upload")]
        ana.send_file(source)
        ana_rec.first(events.Stopped, timeout=30)
    assert box["stopped"] >= size // 2
    assert not ana_rec.of(events.FileSent)
    # The host keeps the bytes it got, for a resume, and announces nothing.
    partial = tmp_path / "host" / "files" / "partial" / f"{sha}-{size}"
    host_rec.wait_for(lambda _: partial.exists() and partial.stat().st_size >= size // 4)
    host_rec.wait_for(lambda _: host_rec.of(events.Left))  # the upload's end is seen too
    assert not host_rec.of(events.FileOffered)
    held = partial.stat().st_size
    assert held <= size * 6 // 10

    again, again_rec = join(port, "Ana", limits=EVERY_CHUNK)
    again.send_file(source)
    sent = again_rec.first(events.FileSent, timeout=30)
    first = again_rec.of(events.FileProgress)[0]
    assert first.done > held // 2, (first, held)  # resumed, not started over
    offered = host_rec.first(events.FileOffered, id=sent.file_id)
    assert offered.sha256 == sha
    assert digest(tmp_path / "host" / "files" / sent.file_id) == sha
    assert host_leftovers(tmp_path / "host") == []


def test_a_receiver_cut_at_half_resumes_after_restart(sessions, tmp_path):
    host, join = sessions
    server, _, port = host(limits=EVERY_CHUNK)
    source = tmp_path / "film.mkv"
    size = 48 * 1024 * 1024
    sha = make_file(source, size)
    server.send_file(source)
    box: dict = {}
    bob, bob_rec = join(port, "Bob", limits=EVERY_CHUNK, data_dir=tmp_path / "bob-data")
    box["session"] = bob
    bob_rec.watchers = [stop_at_half(box, "download")]
    offered = bob_rec.first(events.FileOffered)
    folder = tmp_path / "bob"
    bob.get_file(offered.id, folder)
    bob_rec.first(events.Stopped, timeout=30)
    assert not bob_rec.of(events.FileReceived)
    [partial] = os.listdir(folder)
    assert partial.endswith(".part") and (folder / partial).stat().st_size >= size // 2

    again, again_rec = join(port, "Bob", limits=EVERY_CHUNK, data_dir=tmp_path / "bob-data")
    again_rec.first(events.FileOffered, id=offered.id)
    again.get_file(offered.id, folder)
    received = again_rec.first(events.FileReceived, timeout=30)
    assert again_rec.of(events.FileProgress)[0].done > size // 2
    assert digest(received.path) == sha
    assert os.listdir(folder) == ["film.mkv"]


SILENT_SIZE = 8 * 1024 * 1024


def shared_by_a_host(sessions, tmp_path, attempts: int):
    """A host sharing an 8 MiB file, with a short dead_peer_s: (port, limits, sha256)."""
    host, _ = sessions
    limits = dataclasses.replace(
        EVERY_CHUNK, dead_peer_s=0.5, ping_interval_s=0.1, transfer_attempts=attempts
    )
    server, _, port = host(limits=limits)
    source = tmp_path / "rapport.pdf"
    sha = make_file(source, SILENT_SIZE)
    server.send_file(source)
    return port, limits, sha


def test_a_download_from_a_room_gone_silent_is_cut_and_resumed(sessions, tmp_path):
    # The receiver's own watchdog: the proxy holds the connection open and silent, so only
    # the receiver noticing dead_peer_s without a byte can end it (and resume on a new one).
    _, join = sessions
    port, limits, sha = shared_by_a_host(sessions, tmp_path, attempts=5)
    with ChaosProxy(port, stall_after=SILENT_SIZE * 4 // 10) as proxy:
        bob, bob_rec = join(proxy.port, "Bob", limits=limits)
        bob.get_file(bob_rec.first(events.FileOffered).id, tmp_path / "bob")
        received = bob_rec.first(events.FileReceived, timeout=30)
        stalls = proxy.stalls
    assert digest(received.path) == sha
    # At most 40 % per connection: it took three at least, each resuming where the last one
    # stopped (progress never went back; starting over could never have finished).
    assert stalls >= 2
    done = [p.done for p in bob_rec.of(events.FileProgress)]
    assert done == sorted(done) and not bob_rec.of(events.FileFailed)
    assert os.listdir(tmp_path / "bob") == ["rapport.pdf"]


def test_a_download_from_a_silent_room_fails_once_its_attempts_are_spent(sessions, tmp_path):
    _, join = sessions
    port, limits, _ = shared_by_a_host(sessions, tmp_path, attempts=1)
    half = SILENT_SIZE // 2
    with ChaosProxy(port, stall_after=half) as proxy:
        bob, bob_rec = join(proxy.port, "Bob", limits=limits)
        offered = bob_rec.first(events.FileOffered)
        started = time.monotonic()
        bob.get_file(offered.id, tmp_path / "bob")
        failed = bob_rec.first(events.FileFailed, timeout=30)
        waited = time.monotonic() - started
        assert proxy.stalls == 1
    assert (failed.code, failed.details) == ("transfer_failed", {"last": "connection_lost"})
    assert waited >= 0.5  # not before dead_peer_s of silence
    # Kept for a later resume, with every byte that came before the silence: the proxy let
    # `half` bytes through, the `ready` frame's few dozen and the file's.
    [partial] = os.listdir(tmp_path / "bob")
    assert partial.endswith(".part")
    assert half - 200 < (tmp_path / "bob" / partial).stat().st_size < half


# --- a forged client, speaking the protocol by hand ---------------------------------------


class Raw:
    """A hand-made client on a plain socket: what a hostile uploader can send."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def send(self, message: protocol.Message) -> None:
        self.sock.sendall(protocol.encode(message))

    def frame(self) -> dict:
        while True:
            if len(self.buffer) >= 4:
                (n,) = struct.unpack(">I", self.buffer[:4])
                if len(self.buffer) >= 4 + n:
                    obj = json.loads(self.buffer[4 : 4 + n])
                    self.buffer = self.buffer[4 + n :]
                    return obj
            chunk = self.sock.recv(65536)
            assert chunk, "closed by the host"
            self.buffer += chunk

    def frame_of(self, kind: str) -> dict:
        while (obj := self.frame())["type"] != kind:
            assert obj["type"] not in ("error", "transfer_refused"), obj
        return obj

    def join(self) -> Raw:
        self.send(protocol.Hello(version=1, name="Mallory", client_id=protocol.new_message_id()))
        self.frame_of("welcome")
        return self

    def ask(self, request: protocol.Message) -> dict:
        self.send(request)
        while (obj := self.frame())["type"] not in ("transfer_token", "transfer_refused"):
            pass
        return obj

    def close(self) -> None:
        self.sock.close()


def upload_request(name="a.bin", size=1000, sha="0" * 64):
    return protocol.UploadRequest(id=protocol.new_message_id(), name=name, size=size, sha256=sha)


def open_transfer(port: int, opener: protocol.Message) -> Raw:
    raw = Raw(port)
    raw.send(opener)
    return raw


@pytest.fixture
def forged(sessions, tmp_path):
    """A plaintext host with a 10,000-byte cap and an 8,000-byte quota, and a forged client."""
    host, _ = sessions
    limits = dataclasses.replace(
        FAST_LIMITS, file_cap_bytes=10_000, file_quota_bytes=8_000, transfer_token_s=0.5
    )
    _, rec, port = host(limits=limits)
    raw = Raw(port).join()
    yield raw, port, rec
    raw.close()


HOSTILE = {
    "../../etc/passwd": "dot_dot",
    "a/b": "separator",
    "a\\b": "separator",
    "/etc/passwd": "absolute",
    "C:\\boot.ini": "absolute",
    "a\x00b": "control",
    "a\x1b[31m": "control",
    "CON": "reserved",
    "nul.txt": "reserved",
    "notes.": "trailing",
    "notes ": "trailing",
    "photo\u202egpj.exe": "bidi",
    "é" * 101: "too_long",
}


@pytest.mark.parametrize(("name", "reason"), HOSTILE.items(), ids=list(HOSTILE.values()))
def test_each_hostile_name_is_refused_with_its_reason(forged, tmp_path, name, reason):
    raw, _, _ = forged
    answer = raw.ask(upload_request(name=name))
    assert (answer["type"], answer["code"], answer["reason"]) == (
        "transfer_refused",
        "bad_file_name",
        reason,
    )
    assert host_leftovers(tmp_path / "host") == [] and stored_files(tmp_path / "host") == []


def test_a_wrong_sha256_is_refused_and_nothing_is_kept(forged, tmp_path):
    raw, port, rec = forged
    grant = raw.ask(upload_request(size=1000, sha="ab" * 32))
    transfer = open_transfer(port, protocol.Upload(token=grant["token"]))
    assert transfer.frame() == {"type": "ready", "offset": 0, "size": 1000}
    transfer.sock.sendall(os.urandom(1000))
    verdict = transfer.frame()
    assert verdict["type"] == "error" and verdict["code"] == "sha256_mismatch"
    transfer.close()
    rec.wait_for(lambda _: host_leftovers(tmp_path / "host") == [])
    assert stored_files(tmp_path / "host") == []
    assert not rec.of(events.FileOffered)

    # The token was spent by that try.
    reused = open_transfer(port, protocol.Upload(token=grant["token"]))
    assert reused.frame()["code"] == "token_used"
    reused.close()


def test_unknown_reused_and_expired_tokens_each_have_their_error(forged, tmp_path):
    raw, port, _ = forged
    unknown = open_transfer(port, protocol.Upload(token="made-up"))
    assert unknown.frame()["code"] == "bad_token"

    body = os.urandom(500)
    grant = raw.ask(upload_request(size=500, sha=hashlib.sha256(body).hexdigest()))
    first = open_transfer(port, protocol.Upload(token=grant["token"]))
    assert first.frame()["type"] == "ready"
    first.sock.sendall(body)
    assert first.frame()["type"] == "upload_done"
    reused = open_transfer(port, protocol.Upload(token=grant["token"]))
    assert reused.frame()["code"] == "token_used"

    late = raw.ask(upload_request(size=10))
    time.sleep(0.6)  # past the token's 0.5 s lifetime: a deadline, not a guess
    expired = open_transfer(port, protocol.Upload(token=late["token"]))
    assert expired.frame()["code"] == "token_expired"
    for sock in (unknown, first, reused, expired):
        sock.close()
    assert host_leftovers(tmp_path / "host") == []


def test_the_tokens_of_a_participant_who_left_no_longer_work(sessions, tmp_path):
    host, _ = sessions
    _, rec, port = host(limits=dataclasses.replace(FAST_LIMITS, transfer_token_s=60))
    raw = Raw(port).join()
    grant = raw.ask(upload_request(size=10))
    raw.send(protocol.Bye())
    raw.close()
    rec.first(events.Left, name="Mallory")
    late = open_transfer(port, protocol.Upload(token=grant["token"]))
    assert late.frame()["code"] == "token_revoked"
    late.close()
    assert host_leftovers(tmp_path / "host") == []


def test_over_the_cap_and_over_the_quota_are_refused_with_the_limit(forged, tmp_path):
    raw, _, _ = forged
    over_cap = raw.ask(upload_request(size=10_001))
    assert (over_cap["code"], over_cap["limit"]) == ("file_too_large", 10_000)
    over_quota = raw.ask(upload_request(size=9_000))
    assert (over_quota["code"], over_quota["limit"]) == ("file_over_quota", 8_000)
    assert raw.ask(upload_request(size=8_000))["type"] == "transfer_token"
    assert host_leftovers(tmp_path / "host") == [] and stored_files(tmp_path / "host") == []


def test_bytes_past_the_size_are_refused_and_nothing_is_kept(forged, tmp_path):
    raw, port, _ = forged
    grant = raw.ask(upload_request(size=100))
    transfer = open_transfer(port, protocol.Upload(token=grant["token"]))
    assert transfer.frame()["type"] == "ready"
    transfer.sock.sendall(os.urandom(200))
    assert transfer.frame()["code"] == "too_much_data"
    transfer.close()
    assert host_leftovers(tmp_path / "host") == []


def test_a_download_of_an_unknown_file_is_refused(forged):
    raw, _, _ = forged
    answer = raw.ask(protocol.DownloadRequest(id="r1", file="nope"))
    assert answer["code"] == "unknown_file"


def test_headless_host_sends_with_slash_send_and_a_joiner_gets_with_slash_get(tmp_path):
    """Both faces of the text mode: the host in human lines, the joiner in JSON."""
    from tests.cli import Proc

    source = tmp_path / "compte rendu.txt"
    sha = make_file(source, 70_000)
    host = Proc(
        "serve",
        "--headless",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--no-tls",
        data_dir=tmp_path / "h",
        json_mode=False,
    )
    procs = [host]
    try:
        port = int(host.wait_line(lambda line: "127.0.0.1:" in str(line)).rsplit(":", 1)[1])
        joiner = Proc(
            "join",
            f"127.0.0.1:{port}",
            "--headless",
            "--no-tls",
            "--download-dir",
            str(tmp_path / "dl"),
            data_dir=tmp_path / "j",
        )
        procs.append(joiner)
        joiner.event("connected")
        host.send(f"/send {source}")
        assert host.wait_line(lambda line: line == "Fichier envoyé : « compte rendu.txt »")
        offered = joiner.event("file_offered")
        assert (offered["name"], offered["from"], offered["sha256"]) == (
            "compte rendu.txt",
            "Serveur",
            sha,
        )
        joiner.send(f"/get {offered['id']}")
        saved = joiner.event("file_received")
        assert digest(saved["path"]) == sha
        assert saved["path"] == str(tmp_path / "dl" / "compte rendu.txt")
        joiner.send("/get nothing-here")
        failed = joiner.event("file_failed")
        assert failed["code"] == "unknown_file" and failed["message"]
    finally:
        for proc in procs:
            proc.close()


def test_a_transfer_that_stalls_is_cut(sessions, tmp_path):
    host, _ = sessions
    limits = dataclasses.replace(FAST_LIMITS, dead_peer_s=0.5, ping_interval_s=0.2)
    _, _, port = host(limits=limits)
    raw = Raw(port).join()
    grant = raw.ask(upload_request(size=1000))
    stalled = open_transfer(port, protocol.Upload(token=grant["token"]))
    assert stalled.frame()["type"] == "ready"
    stalled.sock.sendall(b"x" * 10)  # then nothing
    assert stalled.frame()["code"] == "peer_timeout"
    for sock in (raw, stalled):
        sock.close()


def test_a_refused_upload_is_a_file_failed_with_the_hosts_limit(sessions, tmp_path):
    host, join = sessions
    _, _, port = host(limits=dataclasses.replace(FAST_LIMITS, file_cap_bytes=1000))
    ana, ana_rec = join(port, "Ana")
    source = tmp_path / "big.bin"
    make_file(source, 2000)
    transfer_id = ana.send_file(source)
    failed = ana_rec.first(events.FileFailed, id=transfer_id)
    assert (failed.code, failed.details, failed.direction) == (
        "file_too_large",
        {"limit": 1000},
        "upload",
    )
    missing = ana.send_file(tmp_path / "nowhere.txt")
    assert ana_rec.first(events.FileFailed, id=missing).code == "file_unreadable"
    assert host_leftovers(tmp_path / "host") == []


def test_a_folder_a_device_or_a_pipe_is_refused_as_not_a_file(sessions, tmp_path):
    host, join = sessions
    server, host_rec, port = host()
    ana, ana_rec = join(port, "Ana")
    folder = tmp_path / "Vacances"
    folder.mkdir()
    pipe = tmp_path / "tube"
    os.mkfifo(pipe)  # an open for reading would wait for a writer forever
    # /dev/zero would be read (and hashed) forever.
    for session, rec in ((ana, ana_rec), (server, host_rec)):
        for path in (folder, Path("/dev/zero"), pipe):
            failed = rec.first(events.FileFailed, id=session.send_file(path), timeout=10)
            assert (failed.code, failed.direction) == ("not_a_file", "upload"), path
    assert stored_files(tmp_path / "host") == []
    assert host_leftovers(tmp_path / "host") == []


def test_a_history_from_before_files_opens_and_takes_files(tmp_path):
    import sqlite3

    from messagerie.store.history import HistoryStore

    path = tmp_path / "history.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
        " sender TEXT NOT NULL, text TEXT NOT NULL, ts REAL NOT NULL)"
    )
    old.execute("INSERT INTO messages VALUES (1, 'm1', 'Ana', 'avant', 1.0)")
    old.commit()
    old.close()
    history = HistoryStore(path)
    try:
        assert history.since(0, 10)[0].file is None
        history.add("f1", "Ana", "Fichier partagé : a (1 o)", 2.0, file='{"id":"f1"}')
        history.commit()
        assert history.files() == ['{"id":"f1"}']
        assert history.warning is None
    finally:
        history.close()


def test_a_download_whose_reader_stops_reading_is_cut(sessions, tmp_path):
    host, _ = sessions
    limits = dataclasses.replace(FAST_LIMITS, dead_peer_s=0.5, ping_interval_s=0.2)
    server, rec, port = host(limits=limits)
    source = tmp_path / "gros.bin"
    size = 32 * 1024 * 1024
    make_file(source, size)
    server.send_file(source)
    file_id = rec.first(events.FileSent).file_id
    raw = Raw(port).join()
    grant = raw.ask(protocol.DownloadRequest(id="r1", file=file_id))
    reader = open_transfer(port, protocol.Download(token=grant["token"]))
    assert reader.frame()["type"] == "ready"
    # Reads nothing past dead_peer_s (a deadline, not a guess): the host's buffer fills, it
    # waits for room, and cuts the connection instead of sending the rest.
    time.sleep(1.0)
    received = len(reader.buffer)
    reader.sock.settimeout(10)
    while chunk := reader.sock.recv(1 << 20):
        received += len(chunk)
    assert received < size
    for sock in (raw, reader):
        sock.close()


def test_a_download_asked_twice_runs_once(sessions, tmp_path):
    host, join = sessions
    server, _, port = host(limits=EVERY_CHUNK)
    source = tmp_path / "film.mkv"
    sha = make_file(source, 16 * 1024 * 1024)
    server.send_file(source)
    bob, bob_rec = join(port, "Bob", limits=EVERY_CHUNK)
    offered = bob_rec.first(events.FileOffered)
    # Asked twice before the first has even started: one writer for the partial file,
    # or the two would interleave their bytes in it.
    bob.get_file(offered.id, tmp_path / "bob")
    bob.get_file(offered.id, tmp_path / "bob")
    received = bob_rec.first(events.FileReceived, id=offered.id)
    assert bob.caught_up(5.0)
    assert len(bob_rec.of(events.FileReceived)) == 1 and not bob_rec.of(events.FileFailed)
    assert digest(received.path) == sha
    assert os.listdir(tmp_path / "bob") == ["film.mkv"]


def test_the_hosts_own_copies_tell_their_progress_before_their_end(sessions, tmp_path):
    host, _ = sessions
    server, rec, _ = host(limits=EVERY_CHUNK)
    source = tmp_path / "film.mkv"
    size = 8 * 1024 * 1024 + 5
    make_file(source, size)
    transfer_id = server.send_file(source)
    sent = rec.first(events.FileSent, id=transfer_id)
    server.get_file(sent.file_id, tmp_path / "copie")
    rec.first(events.FileReceived, id=sent.file_id)
    for transfer, direction, last in (
        (transfer_id, "upload", events.FileSent),
        (sent.file_id, "download", events.FileReceived),
    ):
        told = [e for e in rec.events if getattr(e, "id", None) == transfer]
        progress = [e.done for e in told if isinstance(e, events.FileProgress)]
        # One per 1 MiB block (no limit in these tests), then the end, in order.
        assert progress == sorted(progress) and len(progress) >= 8, (direction, progress)
        assert progress[-1] == size and isinstance(told[-1], last)
        assert all(e.direction == direction for e in told if isinstance(e, events.FileProgress))
