"""The host identity: creation, reload, damage, and real TLS 1.3 handshakes over a socketpair."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from messagerie.errors import SecurityError, StorageError
from messagerie.security.identity import (
    client_context,
    fingerprint,
    fingerprints_match,
    load_or_create_identity,
    looks_like_tls,
    peer_fingerprint,
    safety_code,
    server_context,
    tls_error,
)
from messagerie.wording import sentence

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture(scope="module")
def shared_identity(tmp_path_factory):
    return load_or_create_identity(tmp_path_factory.mktemp("data"))


def test_first_call_creates_the_pair(tmp_path):
    ident = load_or_create_identity(tmp_path)
    assert ident.cert_path == tmp_path / "identity" / "cert.pem"
    assert ident.key_path == tmp_path / "identity" / "key.pem"
    assert ident.cert_path.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY" in ident.key_path.read_text()
    assert re.fullmatch(r"[0-9a-f]{64}", ident.fingerprint)
    assert ident.safety_code == safety_code(ident.fingerprint)
    assert not ident.regenerated
    assert ident.warning is None


def test_certificate_contents(shared_identity):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ed25519

    cert = x509.load_pem_x509_certificate(shared_identity.cert_path.read_bytes())
    assert cert.subject.rfc4514_string() == "CN=Messagerie"
    assert isinstance(cert.public_key(), ed25519.Ed25519PublicKey)
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert lifetime.days >= 20 * 365
    assert cert.serial_number > 2**64  # random, not 1


def test_reload_gives_the_same_identity(tmp_path):
    first = load_or_create_identity(tmp_path)
    again = load_or_create_identity(tmp_path)
    assert again.fingerprint == first.fingerprint
    assert again.safety_code == first.safety_code
    assert not again.regenerated


def test_reload_does_not_import_cryptography(tmp_path):
    # Start-up must not pay for cryptography once the identity exists (NOTES.md).
    load_or_create_identity(tmp_path)
    code = (
        "import sys, pathlib; from messagerie.security.identity import load_or_create_identity; "
        f"load_or_create_identity(pathlib.Path({str(tmp_path)!r})); "
        "print('cryptography' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@posix_only
def test_key_file_is_private(tmp_path):
    ident = load_or_create_identity(tmp_path)
    assert ident.key_path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("damaged", ["cert.pem", "key.pem"])
def test_corrupt_file_is_quarantined_and_replaced(tmp_path, damaged):
    old = load_or_create_identity(tmp_path)
    (tmp_path / "identity" / damaged).write_text("-----BEGIN garbage\n")
    new = load_or_create_identity(tmp_path)
    assert new.regenerated
    assert new.warning.code == "identity_regenerated"
    assert sentence(new.warning.code, new.warning.details)
    assert new.fingerprint != old.fingerprint
    aside = sorted(p.name for p in (tmp_path / "identity").iterdir() if ".corrupt-" in p.name)
    assert len(aside) == 2  # both halves of the pair, to keep them together
    assert load_or_create_identity(tmp_path).fingerprint == new.fingerprint


def test_key_not_matching_certificate_is_replaced(tmp_path):
    load_or_create_identity(tmp_path / "a")
    other = load_or_create_identity(tmp_path / "b")
    (tmp_path / "a" / "identity" / "key.pem").write_bytes(other.key_path.read_bytes())
    new = load_or_create_identity(tmp_path / "a")
    assert new.regenerated


def test_missing_half_is_replaced(tmp_path):
    old = load_or_create_identity(tmp_path)
    old.key_path.unlink()
    new = load_or_create_identity(tmp_path)
    assert new.regenerated and new.fingerprint != old.fingerprint


def _assert_kept_and_reported(tmp_path, old, info, detail):
    assert info.value.code == "identity_unreadable"
    assert "key.pem" in sentence(info.value.code, info.value.details) and detail in sentence(
        info.value.code, info.value.details
    )
    assert not [p for p in (tmp_path / "identity").iterdir() if ".corrupt-" in p.name]
    assert old.cert_path.exists() and old.key_path.exists()  # nothing was moved or replaced


def test_an_unreadable_key_is_an_error_not_a_new_identity(tmp_path, monkeypatch):
    # Issue 16, item 6: replacing it would silently break every participant's pin. Root
    # reads any file whatever its mode, so the refusal to read is simulated.
    old = load_or_create_identity(tmp_path)
    real_open = Path.open

    def refusing_open(self, *args, **kwargs):
        if self.name == "key.pem":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    with pytest.raises(StorageError) as info:
        load_or_create_identity(tmp_path)
    _assert_kept_and_reported(tmp_path, old, info, "Permission denied")
    monkeypatch.undo()
    assert load_or_create_identity(tmp_path).fingerprint == old.fingerprint


def test_a_key_that_fails_to_read_is_an_error_not_a_new_identity(tmp_path):
    # A real read error, even for root: the key's path is a folder.
    old = load_or_create_identity(tmp_path)
    old.key_path.unlink()
    old.key_path.mkdir()
    with pytest.raises(StorageError) as info:
        load_or_create_identity(tmp_path)
    _assert_kept_and_reported(tmp_path, old, info, os.strerror(errno.EISDIR))


def test_unwritable_folder_gives_a_temporary_identity(tmp_path):
    # A file where the identity folder should be fails even for root.
    (tmp_path / "identity").write_text("not a folder")
    ident = load_or_create_identity(tmp_path)
    assert ident.warning.code == "identity_temporary"
    assert ident.cert_path.exists() and ident.key_path.exists()
    assert not ident.cert_path.is_relative_to(tmp_path)
    server_context(ident)  # usable for this run


def test_fingerprint_is_sha256_of_der():
    assert fingerprint(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_safety_code_format_and_derivation():
    fp = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    code = safety_code(fp)
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code)
    # The documented derivation, recomputed independently.
    raw = hashlib.pbkdf2_hmac("sha256", bytes.fromhex(fp), b"messagerie-safety-code-v1", 20000, 16)
    digits = f"{int.from_bytes(raw, 'big') % 10**16:016d}"
    assert code.replace(" ", "") == digits
    # Case and openssl-style colons do not matter.
    colons = ":".join(fp[i : i + 2] for i in range(0, 64, 2)).upper()
    assert safety_code(colons) == code
    assert safety_code("00" * 32) != safety_code("00" * 31 + "01")


@pytest.mark.parametrize("bad", ["", "xyz", "ab" * 31, "ab" * 33])
def test_safety_code_rejects_non_fingerprints(bad):
    with pytest.raises(ValueError):
        safety_code(bad)


def test_fingerprints_match():
    fp = "ab" * 32
    assert fingerprints_match(fp, fp.upper())
    assert fingerprints_match(fp, ":".join(["AB"] * 32))
    assert not fingerprints_match(fp, "ac" * 32)
    assert not fingerprints_match(fp, "é")


def _handshake(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext):
    """Run both ends of a TLS handshake over a socketpair; return (client result, server
    result), each the SSLSocket or the exception it raised."""
    left, right = socket.socketpair()
    for sock in (left, right):
        sock.settimeout(10)
    results: dict[str, object] = {}

    def serve() -> None:
        try:
            tls = server_ctx.wrap_socket(right, server_side=True)
            results["server"] = tls
            # Wait for the client's close so that its handshake can finish reading.
            tls.recv(1)
        except (OSError, ssl.SSLError) as exc:
            results.setdefault("server", exc)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        client = client_ctx.wrap_socket(left)
        results["client"] = client
        version, fp = client.version(), peer_fingerprint(client)
        client.close()
    except (OSError, ssl.SSLError) as exc:
        results["client"] = exc
        version = fp = None
        left.close()
    thread.join(10)
    right.close()
    return results, version, fp


def test_tls13_handshake_client_sees_the_identity(shared_identity):
    results, version, fp = _handshake(server_context(shared_identity), client_context())
    assert not isinstance(results["client"], Exception), results
    assert version == "TLSv1.3"
    assert fp == shared_identity.fingerprint
    assert fingerprints_match(fp, shared_identity.fingerprint)


def test_tls12_only_client_is_refused(shared_identity):
    old_client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old_client.check_hostname = False
    old_client.verify_mode = ssl.CERT_NONE
    old_client.maximum_version = ssl.TLSVersion.TLSv1_2
    results, _, _ = _handshake(server_context(shared_identity), old_client)
    assert isinstance(results["client"], ssl.SSLError)
    assert isinstance(results["server"], ssl.SSLError)


def test_plaintext_peer_fails_the_handshake(shared_identity):
    # What the lead maps to tls_required: a plaintext client talking to a TLS server.
    left, right = socket.socketpair()
    right.settimeout(10)
    left.sendall(b'\x00\x00\x00\x10{"type":"hello"}')
    left.close()
    with pytest.raises((ssl.SSLError, OSError)):
        server_context(shared_identity).wrap_socket(right, server_side=True)
    right.close()


def test_contexts_are_tls13_only(shared_identity):
    for ctx in (server_context(shared_identity), client_context()):
        assert ctx.minimum_version == ssl.TLSVersion.TLSv1_3
        assert ctx.maximum_version == ssl.TLSVersion.TLSv1_3
    client = client_context()
    assert client.verify_mode == ssl.CERT_NONE and not client.check_hostname


def test_peer_fingerprint_without_certificate():
    class NoCert:
        def getpeercert(self, binary_form=False):
            return None

    with pytest.raises(SecurityError) as info:
        peer_fingerprint(NoCert())
    assert info.value.code == "tls_failed"


def test_tls_client_meeting_a_plaintext_server_says_tls_required():
    left, right = socket.socketpair()
    left.settimeout(10)
    received = []

    def plaintext_server() -> None:
        received.append(right.recv(5))
        right.sendall(b'\x00\x00\x00\x0f{"type":"ping"}')
        right.close()

    thread = threading.Thread(target=plaintext_server)
    thread.start()
    with pytest.raises(ssl.SSLError) as info:
        client_context().wrap_socket(left)
    thread.join(10)
    left.close()
    assert tls_error(info.value).code == "tls_required"
    assert looks_like_tls(received[0])


def test_other_handshake_failures_say_tls_failed(shared_identity):
    old_client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old_client.check_hostname = False
    old_client.verify_mode = ssl.CERT_NONE
    old_client.maximum_version = ssl.TLSVersion.TLSv1_2
    results, _, _ = _handshake(server_context(shared_identity), old_client)
    assert tls_error(results["client"]).code == "tls_failed"
    assert tls_error(results["server"]).code == "tls_failed"


def test_looks_like_tls():
    assert not looks_like_tls(b'\x00\x00\x00\x10{"type":"hello"}')
    assert not looks_like_tls(b"\x16")


def test_safety_code_test_vector():
    # Published in docs/PROTOCOL.md, section 10: a change here breaks other implementations.
    fp = fingerprint(b"abc")
    assert safety_code(fp) == "1992 2992 5165 5246"
    assert safety_code("00" * 32) == "4103 7885 0894 6249"
