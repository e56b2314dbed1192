"""`messagerie rooms` and `doctor` arguments, checked without any discovery traffic."""

from __future__ import annotations

import json

from tests.cli import run


def test_rooms_says_when_discovery_is_off(tmp_path):
    # The suite runs with MESSAGERIE_DISCOVERY=off: nothing is sent, and rooms says why.
    done = run("rooms", "--timeout", "0", data_dir=tmp_path)
    assert done.returncode == 1
    assert "découverte des discussions est désactivée" in done.stderr
    done = run("rooms", "--no-discovery", "--json", data_dir=tmp_path)
    assert done.returncode == 1 and done.stdout == ""


def test_an_unknown_discovery_interface_is_refused_before_anything_starts(tmp_path):
    done = run("rooms", "--discovery-interface", "nosuchcard0", data_dir=tmp_path)
    assert done.returncode == 2
    assert "Carte réseau inconnue : « nosuchcard0 »" in done.stderr
    done = run("serve", "--headless", "--discovery-interface", "nosuchcard0", data_dir=tmp_path)
    assert done.returncode == 2


def test_doctor_on_loopback_with_nothing_listening(tmp_path):
    import socket

    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    done = run("doctor", f"127.0.0.1:{port}", "--json", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    findings = [json.loads(line) for line in done.stdout.splitlines()]
    assert findings[0]["code"] == "not_listening" and findings[0]["port"] == port
    done = run("doctor", "300.1.1.1", data_dir=tmp_path)
    assert done.returncode == 2  # the same address checks as `join`
