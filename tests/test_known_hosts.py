"""Trust on first use: NEW / MATCH / CHANGED, persistence, damage and unwritable folders."""

from __future__ import annotations

import json
import os

import pytest

from messagerie.security.identity import safety_code
from messagerie.security.known_hosts import FILE_NAME, KnownHosts, TrustState, host_key
from messagerie.wording import sentence

FP1 = "11" * 32
FP2 = "22" * 32


@pytest.fixture
def path(tmp_path):
    return tmp_path / FILE_NAME


def test_new_then_match_then_changed(path):
    known = KnownHosts(path)
    first = known.check("192.168.1.23", 5566, FP1)
    assert first.state is TrustState.NEW
    assert first.safety_code == safety_code(FP1)
    known.pin("192.168.1.23", 5566, FP1)

    assert known.check("192.168.1.23", 5566, FP1.upper()).state is TrustState.MATCH

    changed = known.check("192.168.1.23", 5566, FP2)
    assert changed.state is TrustState.CHANGED
    assert changed.old_fingerprint == FP1
    assert changed.old_safety_code == safety_code(FP1)
    assert changed.safety_code == safety_code(FP2)
    error = changed.error()
    assert error.code == "identity_changed"
    text = sentence(error.code, error.details)
    assert safety_code(FP1) in text and safety_code(FP2) in text

    # Another port with an identity never seen is a stranger; with the pinned identity, it
    # is the same host (the pin follows the fingerprint, not the address).
    assert known.check("192.168.1.23", 5567, FP2).state is TrustState.NEW
    assert known.check("192.168.1.23", 5567, FP1).state is TrustState.MATCH
    assert known.check("10.0.0.9", 5566, FP1).state is TrustState.MATCH


def test_check_alone_does_not_pin(path):
    known = KnownHosts(path)
    known.check("h", 1, FP1)
    assert known.check("h", 1, FP2).state is TrustState.NEW
    assert not path.exists()


def test_pins_persist(path):
    KnownHosts(path).pin("Server.LAN.", 5566, FP1)
    again = KnownHosts(path)
    assert again.check("server.lan", 5566, FP1).state is TrustState.MATCH
    assert again.warning is None
    document = json.loads(path.read_text())
    entry = document["hosts"]["server.lan:5566"]
    assert entry["fingerprint"] == FP1
    assert entry["first_seen"] <= entry["last_seen"]


def test_deliberate_pin_replaces_a_changed_identity(path):
    known = KnownHosts(path)
    known.pin("10.0.0.1", 5566, FP1)
    known.pin("10.0.0.1", 5566, FP2)  # the user accepted the change (--trust-new)
    assert KnownHosts(path).check("10.0.0.1", 5566, FP2).state is TrustState.MATCH
    assert KnownHosts(path).check("10.0.0.1", 5566, FP1).state is TrustState.CHANGED


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_file_is_private(path):
    KnownHosts(path).pin("h", 1, FP1)
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("host", "port", "key"),
    [
        ("::1", 5566, "[::1]:5566"),
        ("[::1]", 5566, "[::1]:5566"),
        ("0:0:0:0:0:0:0:1", 5566, "[::1]:5566"),
        ("FE80::ABCD", 1, "[fe80::abcd]:1"),
        ("::ffff:192.168.1.2", 5566, "192.168.1.2:5566"),
        ("192.168.1.2", 5566, "192.168.1.2:5566"),
        (" Server.lan. ", 80, "server.lan:80"),
    ],
)
def test_host_key_normalisation(host, port, key):
    assert host_key(host, port) == key


def test_ipv6_spellings_are_one_host(path):
    known = KnownHosts(path)
    known.pin("[::1]", 5566, FP1)
    assert known.check("0:0:0:0:0:0:0:1", 5566, FP1).state is TrustState.MATCH
    assert "[::1]:5566" in json.loads(path.read_text())["hosts"]


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"version": 99, "hosts": {}}',
        b'{"version": 1, "hosts": []}',
        b'{"version": 1, "hosts": {"h:1": {"fingerprint": "zz"}}}',
        b'{"version": 1, "hosts": {"h:1": {"fingerprint": "zz", "first_seen": "",'
        b' "last_seen": ""}}}',
    ],
)
def test_corrupt_file_is_quarantined(path, content):
    path.write_bytes(content)
    known = KnownHosts(path)
    assert known.warning.code == "known_hosts_reset"
    assert known.warning
    assert not path.exists()
    aside = [p for p in path.parent.iterdir() if p.name.startswith(FILE_NAME + ".corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes() == content
    # It starts empty and works normally.
    assert known.check("h", 1, FP1).state is TrustState.NEW
    known.pin("h", 1, FP1)
    assert KnownHosts(path).check("h", 1, FP1).state is TrustState.MATCH


def _make_unwritable(folder):
    """Return a known_hosts path that cannot be written, and a function to undo it.

    chmod means nothing to root, so there a file stands where the folder should be.
    """
    if os.name == "posix" and os.geteuid() != 0:
        folder.mkdir()
        folder.chmod(0o500)
        return folder / FILE_NAME, lambda: folder.chmod(0o700)
    folder.write_text("a file where a folder should be")
    return folder / FILE_NAME, lambda: None


def test_unwritable_folder_keeps_pins_in_memory(tmp_path):
    path, undo = _make_unwritable(tmp_path / "data")
    try:
        known = KnownHosts(path)
        known.pin("h", 1, FP1)
        assert known.warning.code == "storage"
        assert known.warning
        assert known.check("h", 1, FP1).state is TrustState.MATCH
        assert known.check("h", 1, FP2).state is TrustState.CHANGED
    finally:
        undo()


def test_bad_fingerprint_is_our_bug(path):
    with pytest.raises(ValueError):
        KnownHosts(path).pin("h", 1, "not hex")


def test_recent_hosts_newest_first(path):
    known = KnownHosts(path)
    known._hosts = {
        "a:1": {
            "fingerprint": "0" * 64,
            "first_seen": "x",
            "last_seen": "2026-01-01T00:00:00+00:00",
        },
        "b:2": {
            "fingerprint": "0" * 64,
            "first_seen": "x",
            "last_seen": "2026-03-01T00:00:00+00:00",
        },
        "c:3": {
            "fingerprint": "0" * 64,
            "first_seen": "x",
            "last_seen": "2026-02-01T00:00:00+00:00",
        },
    }
    assert known.recent() == ["b:2", "c:3", "a:1"]
    assert known.recent(limit=1) == ["b:2"]
