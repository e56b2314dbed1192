"""A large file through a TLS host, by the headless command line, while two others chat.

The host, the sender and the two receivers are real processes (`serve --headless`, `join
--headless --json` with `/send` and `/get`), so the chat's latency and the host's memory are
the host's, not this test process's. The size is MESSAGERIE_FILES_TEST_MIB (default 128 MiB,
to keep the suite short on a shared 2-core machine); `scripts/bench.py files` runs 1 GiB, and
`MESSAGERIE_FILES_TEST_MIB=1024` runs this test at that size.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

from messagerie.net import events
from tests.cli import Proc

SIZE = int(os.environ.get("MESSAGERIE_FILES_TEST_MIB", "128")) * 1024 * 1024
CHAT_EVERY_S = 0.02
P99_LIMIT_S = 0.100
RSS_GROWTH_LIMIT = 50 * 1024 * 1024


def vm(pid: int, field: str) -> int:
    """A memory figure of process `pid` from /proc, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def write_random(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with open(path, "wb") as out:
        for i in range(size // len(block)):
            # Each mebibyte differs, so no block can be mistaken for another.
            chunk = i.to_bytes(8, "big") + block[8:]
            out.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


class Chat:
    """Sends a message from one client every CHAT_EVERY_S and times its arrival at the other."""

    def __init__(self, sender, receiver_rec) -> None:
        self.sender = sender
        self.sent: dict[str, float] = {}
        self.arrived: dict[str, float] = {}
        self.stop = threading.Event()
        receiver_rec.watchers.append(self._on_event)
        self.thread = threading.Thread(target=self._run, name="chat-probe")

    def _on_event(self, event) -> None:
        if isinstance(event, events.MessageReceived) and event.text.startswith("probe "):
            self.arrived.setdefault(event.text, time.monotonic())

    def _run(self) -> None:
        i = 0
        while not self.stop.wait(CHAT_EVERY_S):
            text = f"probe {i}"
            self.sent[text] = time.monotonic()
            self.sender.send(text)
            i += 1

    def latencies(self) -> list[float]:
        return sorted(self.arrived[text] - at for text, at in self.sent.items())


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_a_large_file_reaches_two_receivers_while_the_chat_stays_fast(sessions, tmp_path):
    _, join = sessions
    # Flood control would slow the probe's 50 messages a second down: that is not measured here.
    host = Proc(
        "serve",
        "--headless",
        "--port",
        "0",
        "--limit",
        "flood_burst=100000",
        "--limit",
        "flood_rate_per_s=100000",
        data_dir=tmp_path / "h",
    )
    procs = [host]
    try:
        port = host.event("listening")["port"]
        carl, _ = join(port, "Carl", tls=True)
        _, dina_rec = join(port, "Dina", tls=True)
        source = tmp_path / "gros fichier.bin"
        sha = write_random(source, SIZE)

        def joiner(name: str, *extra: str) -> Proc:
            proc = Proc(
                "join",
                f"127.0.0.1:{port}",
                "--headless",
                "--name",
                name,
                *extra,
                data_dir=tmp_path / name,
            )
            procs.append(proc)
            proc.event("connected")
            return proc

        ana = joiner("Ana")
        receivers = [joiner(n, "--download-dir", str(tmp_path / f"dl-{n}")) for n in ("Bob", "Eve")]
        rss_before = vm(host.proc.pid, "VmRSS")
        chat = Chat(carl, dina_rec)
        chat.thread.start()
        started = time.monotonic()
        try:
            ana.send(f"/send {source}")
            file_id = ana.event("file_sent", timeout=600)["file_id"]
            uploaded = time.monotonic()
            for proc in receivers:
                assert proc.event("file_offered", id=file_id)["sha256"] == sha
                proc.send(f"/get {file_id}")
            saved = [proc.event("file_received", id=file_id, timeout=600) for proc in receivers]
            ended = time.monotonic()
        finally:
            chat.stop.set()
            chat.thread.join(10)
        assert not chat.thread.is_alive()
        # Every probe arrives (one lost would be a failure of its own).
        dina_rec.wait_for(lambda _: len(chat.arrived) >= len(chat.sent))
        rss_peak = vm(host.proc.pid, "VmHWM")
        for record, name in zip(saved, ("Bob", "Eve"), strict=True):
            assert Path(record["path"]) == tmp_path / f"dl-{name}" / "gros fichier.bin"
            assert hashlib.sha256(Path(record["path"]).read_bytes()).hexdigest() == sha
        latencies = chat.latencies()
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        print(
            f"\n{SIZE >> 20} MiB: upload {uploaded - started:.1f} s, downloads "
            f"{ended - uploaded:.1f} s; chat p99 {p99 * 1000:.1f} ms over {len(latencies)} "
            f"messages; host RSS +{(rss_peak - rss_before) >> 20} MiB"
        )
        assert len(latencies) > 10, latencies
        assert p99 < P99_LIMIT_S, latencies[-5:]
        assert rss_peak - rss_before < RSS_GROWTH_LIMIT, rss_peak - rss_before
    finally:
        for proc in procs:
            proc.close()
