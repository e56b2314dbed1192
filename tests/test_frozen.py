"""Checks of the frozen executable in dist/, from the outside. Skipped until it is built.

Build it with `python3 scripts/build.py`. These tests prove the "one executable, both modes"
claim: the binary passes its own `--self-test`, and it hosts a room (with and without TLS) that
a headless client from the source tree joins and chats in, following the command-line contract
of DESIGN.md (`--json` events `listening`, `connected`, `message`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import Proc

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
        host = Proc(
            *("serve", "--host", "127.0.0.1", "--port", "0", "--name", "Hôte", "--headless"),
            *no_tls,
            data_dir=tmp_path / "host",
            exe=[str(FROZEN)],
        )
        listening = host.event("listening", EVENT_TIMEOUT_S)
        port = listening["port"]
        assert isinstance(port, int) and port > 0

        client = Proc(
            *("join", f"127.0.0.1:{port}", "--name", "Zoé", "--headless"),
            *no_tls,
            data_dir=tmp_path / "client",
        )
        connected = client.event("connected", EVENT_TIMEOUT_S)
        assert connected["port"] == port
        assert connected["name"] == "Zoé"
        assert "Hôte" in connected["participants"]
        if tls:
            # The client saw the certificate the host announced: the same identity.
            assert connected["fingerprint"] == listening["fingerprint"]
        host.event("joined", EVENT_TIMEOUT_S, name="Zoé")

        text = "Bonjour, ça va ? 😀"
        client.send(text)
        on_host = host.event("message", EVENT_TIMEOUT_S, text=text)
        assert on_host["from"] == "Zoé"
        echoed = client.event("message", EVENT_TIMEOUT_S, text=text)  # the sender's receipt
        assert echoed["seq"] == on_host["seq"] and echoed["id"] == on_host["id"]

        host.send("Très bien, merci.")
        assert client.event("message", EVENT_TIMEOUT_S, text="Très bien, merci.")["from"] == "Hôte"

        assert client.finish(EXIT_TIMEOUT_S) == 0
        host.event("left", EVENT_TIMEOUT_S, name="Zoé")
        assert host.finish(EXIT_TIMEOUT_S) == 0
    finally:
        for process in (client, host):
            if process:
                process.close()
