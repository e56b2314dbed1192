"""Checks of the frozen executable in dist/, from the outside. Skipped until it is built.

Build it with `python3 scripts/build.py`. These tests prove the "one executable, both modes"
claim: the binary passes its own `--self-test`, and it hosts a room (with and without TLS) that
a headless client from the source tree joins and chats in, following the command-line contract
of DESIGN.md (`--json` events `listening`, `connected`, `message`).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if sys.platform == "darwin":
    FROZEN = ROOT / "dist" / "Messagerie.app" / "Contents" / "MacOS" / "Messagerie"
else:
    FROZEN = ROOT / "dist" / "messagerie"
EVENT_TIMEOUT_S = 30
EXIT_TIMEOUT_S = 15

pytestmark = [
    pytest.mark.skipif(
        sys.platform == "win32",
        reason="a windowed Messagerie.exe has no stdout, so --json cannot be read",
    ),
    pytest.mark.skipif(
        not FROZEN.exists(),
        reason=f"{FROZEN.relative_to(ROOT)} is not built (run python3 scripts/build.py)",
    ),
]


class JsonProcess:
    """A child process that prints one JSON event per line; stdout is read on a thread."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None):
        self.command = command
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        # None marks the end of stdout, so that a child that died fails the test at once.
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.seen: list[dict] = []
        # stderr is drained too: a full pipe would block the child while it logs.
        self.errors: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _read_errors(self) -> None:
        for line in self.process.stderr:
            self.errors.append(line)

    def expect(self, event: str, **fields: object) -> dict:
        """Wait for the next `event` whose fields include `fields`; earlier events are kept."""
        while True:
            try:
                line = self.lines.get(timeout=EVENT_TIMEOUT_S)
            except queue.Empty:
                line = None
            if line is None:
                log = b"".join(self.errors[-20:]).decode(errors="replace")
                pytest.fail(f"no {event!r} from {self.command[0]}; seen: {self.seen}\n{log}")
            data = json.loads(line)
            self.seen.append(data)
            if data.get("event") == event and all(data.get(k) == v for k, v in fields.items()):
                return data

    def say(self, text: str) -> None:
        self.process.stdin.write(text.encode("utf-8") + b"\n")
        self.process.stdin.flush()

    def leave(self) -> int:
        """Close stdin, which the contract says is a clean leave, and return the exit code."""
        self.process.stdin.close()
        return self.process.wait(timeout=EXIT_TIMEOUT_S)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream and not stream.closed:
                stream.close()


def test_self_test_passes(tmp_path):
    report = tmp_path / "selftest.json"
    # pytest-xvfb exports DISPLAY, so the self-test's window check runs too.
    done = subprocess.run(
        [str(FROZEN), "--self-test", str(report)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert isinstance(json.loads(report.read_text(encoding="utf-8")), dict)


@pytest.mark.parametrize("tls", [False, True], ids=["plaintext", "tls"])
def test_frozen_host_chats_with_source_client(tmp_path, tls):
    no_tls = [] if tls else ["--no-tls"]
    host = client = None
    try:
        host = JsonProcess(
            [
                *(str(FROZEN), "serve", "--host", "127.0.0.1", "--port", "0", "--name", "Hôte"),
                *("--headless", "--json", "--data-dir", str(tmp_path / "host"), *no_tls),
            ]
        )
        listening = host.expect("listening")
        port = listening["port"]
        assert isinstance(port, int) and port > 0

        # The client runs from the source tree, with UTF-8 pipes whatever the locale.
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        client = JsonProcess(
            [
                *(sys.executable, "-m", "messagerie", "join", f"127.0.0.1:{port}", "--name", "Zoé"),
                *("--headless", "--json", "--data-dir", str(tmp_path / "client"), *no_tls),
            ],
            env=env,
        )
        connected = client.expect("connected")
        assert connected["port"] == port
        assert connected["name"] == "Zoé"
        assert "Hôte" in connected["participants"]
        if tls:
            # The client saw the certificate the host announced: the same identity.
            assert connected["fingerprint"] == listening["fingerprint"]
        host.expect("joined", name="Zoé")

        text = "Bonjour, ça va ? 😀"
        client.say(text)
        on_host = host.expect("message", text=text)
        assert on_host["from"] == "Zoé"
        echoed = client.expect("message", text=text)  # the room's echo is the sender's receipt
        assert echoed["seq"] == on_host["seq"] and echoed["id"] == on_host["id"]

        host.say("Très bien, merci.")
        assert client.expect("message", text="Très bien, merci.")["from"] == "Hôte"

        assert client.leave() == 0
        host.expect("left", name="Zoé")
        assert host.leave() == 0
    finally:
        for process in (client, host):
            if process:
                process.stop()
