"""Issue 5's checks: real TLS 1.3, pinning against a man in the middle, the room password,
plaintext/TLS mismatches, and files."""

import hashlib
import re
import socket
import ssl
import struct
import subprocess

import pytest

from messagerie import protocol
from messagerie.limits import DEFAULT_LIMITS
from messagerie.net import events
from messagerie.wording import sentence
from messagerie.wording.lines import Viewpoint, describe
from tests import needs
from tests.cli import Proc
from tests.tls_proxy import MitmProxy


@pytest.fixture
def proxy_factory(tmp_path):
    proxies = []

    def make(target_port):
        proxy = MitmProxy(target_port, tmp_path / f"proxy{len(proxies)}")
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()


def s_client(port: int, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-showcerts", *flags],
        input="",
        capture_output=True,
        text=True,
        timeout=30,
    )


@needs.tool("openssl")
def test_openssl_s_client_gets_tls13_and_the_announced_certificate(tmp_path):
    server = Proc("serve", "--headless", "--port", "0", data_dir=tmp_path / "s")
    try:
        listening = server.event("listening")
        result = s_client(listening["port"])
        assert "TLSv1.3" in result.stdout, result.stdout + result.stderr
        pem = re.search(
            r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", result.stdout, re.S
        )
        der = ssl.PEM_cert_to_DER_cert(pem.group(0))
        assert hashlib.sha256(der).hexdigest() == listening["fingerprint"]
        refused = s_client(listening["port"], "-tls1_2")
        assert refused.returncode != 0
        assert "BEGIN CERTIFICATE" not in refused.stdout
        # The room is still up for everyone else.
        client = Proc(
            "join", f"127.0.0.1:{listening['port']}", "--headless", data_dir=tmp_path / "c"
        )
        try:
            assert client.event("connected")["fingerprint"] == listening["fingerprint"]
        finally:
            client.close()
    finally:
        server.close()


def test_pinned_client_refuses_a_man_in_the_middle_before_sending_anything(
    sessions, proxy_factory, tmp_path
):
    host, join = sessions
    _, host_rec, port = host(tls=True)
    listening = host_rec.first(events.Listening)
    proxy = proxy_factory(port)
    client_dir = tmp_path / "client"
    # First contact goes through an honest router: the client pins the real host.
    first, rec = join(proxy.port, "Ana", tls=True, data_dir=client_dir)
    assert rec.first(events.Connected).safety_code == listening.safety_code
    first.stop()
    # Now the attacker intercepts. The pinned client must stop before sending a byte.
    proxy.intercept = True
    _, rec = join(proxy.port, "Ana", tls=True, data_dir=client_dir, wait=False)
    failed = rec.first(events.Failed)
    assert failed.code == "identity_changed"
    assert failed.details["old"] == listening.safety_code
    assert failed.details["new"] != listening.safety_code
    assert "L'identité du serveur" in sentence(failed.code, failed.details)
    assert proxy.bytes_from_clients == 0
    assert not rec.of(events.Connected)


def test_at_first_contact_the_proxy_shows_another_safety_code(sessions, proxy_factory):
    host, join = sessions
    _, host_rec, port = host(tls=True)
    proxy = proxy_factory(port)
    proxy.intercept = True
    _, rec = join(proxy.port, "Ana", tls=True)
    assert rec.first(events.Connected).safety_code != host_rec.first(events.Listening).safety_code


def test_trusting_a_new_identity_is_a_deliberate_choice(sessions, proxy_factory, tmp_path):
    host, join = sessions
    _, _, port = host(tls=True)
    proxy = proxy_factory(port)
    client_dir = tmp_path / "client"
    first, _ = join(proxy.port, tls=True, data_dir=client_dir)
    first.stop()
    proxy.intercept = True
    _, rec = join(proxy.port, tls=True, data_dir=client_dir, trust_new=True)
    connected = rec.first(events.Connected)
    assert connected.safety_code == proxy.identity.safety_code
    # The choice is never silent: both codes are shown.
    assert connected.previous_safety_code not in (None, connected.safety_code)
    (line,) = [x.text for x in describe(connected, Viewpoint(own_name="Client"))][1:]
    assert connected.previous_safety_code in line and connected.safety_code in line


def test_first_contact_is_said_and_the_pin_follows_the_fingerprint_across_ports(
    sessions, proxy_factory, tmp_path
):
    host, join = sessions
    _, host_rec, port = host(tls=True)
    code = host_rec.first(events.Listening).safety_code
    client_dir = tmp_path / "client"
    first, rec = join(port, tls=True, data_dir=client_dir)
    connected = rec.first(events.Connected)
    assert connected.first_contact
    lines = [x.text for x in describe(connected, Viewpoint(own_name="Client"))]
    assert any("Première connexion" in text and code in text for text in lines), lines
    first.stop()
    # The same host reached on another port (an honest relay here): a known identity.
    relay = proxy_factory(port)
    _, rec = join(relay.port, tls=True, data_dir=client_dir)
    assert not rec.first(events.Connected).first_contact


def test_joining_without_encryption_says_the_identity_is_not_checked(sessions):
    host, join = sessions
    _, _, port = host(tls=False)
    _, rec = join(port, tls=False)
    assert rec.first(events.Notice).reason == "identity_not_checked"


def test_password_right_wrong_and_rate_limited(sessions, tmp_path):
    host, join = sessions
    _, host_rec, port = host(tls=True, password="sésame")
    assert host_rec.first(events.Listening).password
    pinned = tmp_path / "pinned"
    ana, rec = join(port, "Ana", tls=True, password="sésame", data_dir=pinned)
    assert rec.first(events.Connected)
    ana.stop()
    # The host's identity is pinned here, so a refusal can only mean a wrong password.
    for attempt in range(4):
        _, rec = join(port, f"Bad{attempt}", tls=True, password="faux", data_dir=pinned, wait=False)
        failed = rec.first(events.Failed)
        assert failed.code == "wrong_password"
        assert sentence(failed.code, failed.details) == "Mot de passe incorrect."
    # At a first contact it may also be someone in the middle: both are said, with the code.
    _, rec = join(port, "Nouveau", tls=True, password="faux", wait=False)
    failed = rec.first(events.Failed)
    assert failed.code == "wrong_password_or_impostor"
    assert failed.details["safety_code"] == host_rec.first(events.Listening).safety_code
    assert "se fait peut-être passer pour l'hôte" in sentence(failed.code, failed.details)
    _, rec = join(port, "Bad6", tls=True, password="sésame", wait=False)
    assert rec.first(events.Failed).code == "too_many_attempts"
    _, rec = join(port, "NoPassword", tls=True, wait=False)
    assert rec.first(events.Failed).code == "password_required"


def test_same_password_through_a_proxy_fails(sessions, proxy_factory):
    host, join = sessions
    _, _, port = host(tls=True, password="sésame")
    proxy = proxy_factory(port)
    proxy.intercept = True
    _, rec = join(proxy.port, tls=True, password="sésame", wait=False)
    # Never worded as a plain wrong password: the right one was refused because of an
    # impostor, and the person is told so.
    assert rec.first(events.Failed).code in ("wrong_password_or_impostor", "server_auth_failed")
    assert not rec.of(events.Connected)


def closes_cleanly(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_plaintext_hello_to_a_tls_room_is_closed_and_the_room_goes_on(sessions):
    host, join = sessions
    _, host_rec, port = host(tls=True)
    hello = protocol.Hello(version=1, name="Clair", client_id="c1")
    with socket.create_connection(("127.0.0.1", port)) as raw:
        raw.sendall(protocol.encode(hello))
        closes_cleanly(raw)
    session, _ = join(port, "Après", tls=True)
    session.send("encore là")
    assert host_rec.first(events.MessageReceived, text="encore là")


def test_tls_client_hello_to_a_plaintext_room_is_closed_and_the_room_goes_on(sessions):
    host, join = sessions
    _, host_rec, port = host(tls=False)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port)) as raw, pytest.raises(ssl.SSLError):
        context.wrap_socket(raw).do_handshake()
    session, _ = join(port, "Après", tls=False)
    session.send("toujours là")
    assert host_rec.first(events.MessageReceived, text="toujours là")


@pytest.mark.parametrize(("server_tls", "code"), [(True, "tls_required"), (False, "tls_required")])
def test_client_and_room_disagreeing_on_tls_get_a_clear_error(sessions, server_tls, code):
    host, join = sessions
    _, _, port = host(tls=server_tls)
    _, rec = join(port, tls=not server_tls, wait=False)
    failed = rec.first(events.Failed)
    assert failed.code == code and "chiffre" in sentence(failed.code, failed.details)


def test_private_key_is_owner_only_and_a_corrupt_identity_is_replaced(sessions, tmp_path):
    host, _ = sessions
    data = tmp_path / "h"
    server, rec, _ = host(tls=True, data_dir=data)
    key = next(data.rglob("key.pem"))
    assert key.stat().st_mode & 0o777 == 0o600
    first_code = rec.first(events.Listening).safety_code
    server.stop()
    key.write_bytes(b"not a key")
    _, rec2, _ = host(tls=True, data_dir=data)
    assert rec2.first(events.Listening).safety_code != first_code
    assert rec2.first(events.Notice).code == "identity"
    assert list(key.parent.glob("key.pem.corrupt-*"))


def test_frame_too_large_is_not_confused_with_tls(sessions):
    host, _ = sessions
    _, _, port = host(tls=False)
    with socket.create_connection(("127.0.0.1", port)) as raw:
        raw.sendall(struct.pack(">I", 0x16030100))
        data = closes_cleanly(raw)
    assert b"frame_too_large" in data or b"tls_required" in data
    assert DEFAULT_LIMITS.password_tries_per_minute == 5
