"""The room password exchange (sans-IO), the attempt limiter and the remembered password."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import pytest

from messagerie.errors import LocalProtocolError, RemoteProtocolError, SecurityError
from messagerie.security.pake import (
    PASSWORD_FILE,
    AttemptLimiter,
    PasswordClient,
    PasswordServer,
    _confirmation_macs,
    forget_password,
    load_password,
    save_password,
)
from messagerie.wording import sentence

HOST_FP = "ab" * 32
PROXY_FP = "cd" * 32


def _run(client: PasswordClient, server: PasswordServer) -> None:
    """The four messages, as the network code will carry them."""
    auth = {"type": "auth", "pake": client.start()}
    challenge = {"type": "auth_challenge", "pake": server.challenge(auth["pake"])}
    confirm = {"type": "auth_confirm", "mac": client.confirm(challenge["pake"])}
    ok = {"type": "auth_ok", "mac": server.verify(confirm["mac"])}
    client.verify(ok["mac"])


def _flip(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def test_right_password_succeeds_on_both_sides():
    client = PasswordClient("correct horse", HOST_FP)
    server = PasswordServer("correct horse", HOST_FP)
    _run(client, server)
    assert client.done and server.done


def test_unicode_normalisation():
    # "é" precomposed (Windows, Linux) and decomposed (often macOS) are the same password.
    client = PasswordClient("caf\u00e9", HOST_FP)
    server = PasswordServer("cafe\u0301", HOST_FP)
    _run(client, server)
    assert server.done


def test_fingerprint_case_does_not_matter():
    _run(PasswordClient("pw", HOST_FP.upper()), PasswordServer("pw", HOST_FP))


def test_wrong_password_fails_on_the_server():
    client = PasswordClient("guess", HOST_FP)
    server = PasswordServer("secret", HOST_FP)
    mac = client.confirm(server.challenge(client.start()))
    with pytest.raises(SecurityError) as info:
        server.verify(mac)
    assert info.value.code == "wrong_password"
    assert sentence(info.value.code, info.value.details) == "Mot de passe incorrect."
    assert not server.done


def test_client_rejects_a_server_that_does_not_know_the_password():
    # A fake server cannot produce auth_ok: replaying one from another session fails...
    other_client, other_server = PasswordClient("pw", HOST_FP), PasswordServer("pw", HOST_FP)
    other_ok = other_server.verify(
        other_client.confirm(other_server.challenge(other_client.start()))
    )
    client, server = PasswordClient("pw", HOST_FP), PasswordServer("pw", HOST_FP)
    client.confirm(server.challenge(client.start()))
    with pytest.raises(SecurityError) as info:
        client.verify(other_ok)
    assert info.value.code == "server_auth_failed"
    # ...and so does a server with another password answering regardless.
    client = PasswordClient("pw", HOST_FP)
    client.confirm(PasswordServer("other", HOST_FP).challenge(client.start()))
    with pytest.raises(SecurityError):
        client.verify(base64.b64encode(os.urandom(32)).decode())
    assert not client.done


def test_man_in_the_middle_relaying_messages_is_caught():
    # The proxy shows the client its own certificate (PROXY_FP) and relays the PAKE
    # messages untouched to the real host: the same password, different transcripts.
    client = PasswordClient("shared secret", PROXY_FP)
    server = PasswordServer("shared secret", HOST_FP)
    mac = client.confirm(server.challenge(client.start()))
    with pytest.raises(SecurityError) as info:
        server.verify(mac)
    assert info.value.code == "wrong_password"


@pytest.mark.parametrize("step", ["auth", "auth_challenge", "auth_confirm", "auth_ok"])
def test_tampered_messages_fail(step):
    client = PasswordClient("pw", HOST_FP)
    server = PasswordServer("pw", HOST_FP)
    auth = client.start()
    if step == "auth":
        auth = _flip(auth)
    try:
        challenge = server.challenge(auth)
        if step == "auth_challenge":
            challenge = _flip(challenge)
        confirm = client.confirm(challenge)
        if step == "auth_confirm":
            confirm = _flip(confirm)
        ok = server.verify(confirm)
        if step == "auth_ok":
            ok = _flip(ok)
        client.verify(ok)
    except (SecurityError, RemoteProtocolError):
        return
    pytest.fail("a tampered message went through")


@pytest.mark.parametrize(
    "value",
    [None, 42, "", "not base64!", base64.b64encode(b"A" + b"\0" * 31).decode(), "é"],
)
def test_malformed_pake_field(value):
    with pytest.raises(RemoteProtocolError) as info:
        PasswordServer("pw", HOST_FP).challenge(value)
    assert info.value.code == "bad_field"


def test_invalid_points_are_protocol_errors():
    # The right size but not a valid point of the group, or from the wrong side.
    server = PasswordServer("pw", HOST_FP)
    with pytest.raises(RemoteProtocolError):
        server.challenge(base64.b64encode(b"A" + b"\xff" * 32).decode())
    client = PasswordClient("pw", HOST_FP)
    client_msg = client.start()
    with pytest.raises(RemoteProtocolError):
        client.confirm(client_msg)  # its own message reflected back: side A, not B


def test_messages_out_of_order():
    server = PasswordServer("pw", HOST_FP)
    with pytest.raises(RemoteProtocolError):
        server.verify(base64.b64encode(b"\0" * 32).decode())
    client = PasswordClient("pw", HOST_FP)
    with pytest.raises(RemoteProtocolError):
        client.confirm(server.challenge(PasswordClient("pw", HOST_FP).start()))
    client.start()
    with pytest.raises(LocalProtocolError):
        client.start()


def test_each_exchange_is_fresh():
    # Same password, same host: nothing on the wire repeats, so nothing can be replayed.
    a, b = PasswordClient("pw", HOST_FP), PasswordClient("pw", HOST_FP)
    assert a.start() != b.start()


@pytest.mark.parametrize("password", ["", None])
def test_empty_password_is_refused(password):
    with pytest.raises(ValueError):
        PasswordClient(password, HOST_FP)
    with pytest.raises(ValueError):
        PasswordServer(password, HOST_FP)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_allows_five_failures_per_minute():
    clock = FakeClock()
    limiter = AttemptLimiter(clock=clock)
    for _ in range(5):
        assert limiter.allowed("192.168.1.50")
        limiter.record_failure("192.168.1.50")
        clock.now += 1
    assert not limiter.allowed("192.168.1.50")
    assert limiter.allowed("192.168.1.51")  # others are not affected
    clock.now += 54  # 59 s after the first failure: still refused
    assert not limiter.allowed("192.168.1.50")
    clock.now += 1  # 60 s after the first: it has left the window
    assert limiter.allowed("192.168.1.50")


def test_limiter_explicit_now():
    limiter = AttemptLimiter(max_failures=2, window_s=10)
    limiter.record_failure("h", now=0)
    limiter.record_failure("h", now=1)
    assert not limiter.allowed("h", now=9)
    assert limiter.allowed("h", now=10.5)


def test_limiter_success_takes_back_the_advance_count():
    limiter = AttemptLimiter(max_failures=1, clock=FakeClock())
    limiter.record_failure("h")  # counted when `auth` arrives
    limiter.record_success("h")  # the exchange succeeded
    assert limiter.allowed("h")
    limiter.record_success("never seen")  # harmless


def test_limiter_counts_ipv6_per_address_not_per_64():
    # Issue 16, item 5: a /64 is usually the whole LAN; one guesser must not lock it out.
    limiter = AttemptLimiter(max_failures=2, clock=FakeClock())
    limiter.record_failure("2001:db8:1:2::10")
    limiter.record_failure("2001:db8:1:2::10%eth0")
    assert not limiter.allowed("2001:db8:1:2::10")
    assert limiter.allowed("2001:db8:1:2::99")  # a colleague on the same LAN
    limiter.record_failure("::ffff:10.0.0.1")
    limiter.record_failure("10.0.0.1")
    assert not limiter.allowed("10.0.0.1")


def _guess(limiter, clock, addresses, rounds):
    """Each address tries in turn, as fast as allowed; return (accepted tries, alerts)."""
    tries = alerts = 0
    for _ in range(rounds):
        for address in addresses:
            if limiter.allowed(address):
                tries += 1
                alerts += limiter.record_failure(address)
        clock.now += 0.1
    return tries, alerts


ELEVEN = [f"127.0.0.{i}" for i in range(1, 12)]


def test_the_room_budget_holds_many_addresses_together():
    clock = FakeClock()
    limiter = AttemptLimiter(clock=clock)
    tries, alerts = _guess(limiter, clock, ELEVEN, rounds=10)
    assert tries == 20  # not 55: the room's budget, whatever the number of addresses
    assert alerts == 1 and limiter.guessing_detected
    assert not limiter.allowed("192.168.1.77")  # a newcomer waits out the lockout too


def test_the_room_lockout_backs_off_then_forgets():
    clock = FakeClock()
    limiter = AttemptLimiter(clock=clock)
    lockouts = []
    for _ in range(4):
        _guess(limiter, clock, ELEVEN, rounds=10)
        lockouts.append(limiter.locked_until - clock.now)
        clock.now = limiter.locked_until
        assert not limiter.guessing_detected
    # Measured from the last of each burst's tries, 1 s of rounds earlier.
    assert [round(s + 0.9) for s in lockouts] == [30, 60, 120, 240]
    clock.now += 900 + 120  # quiet for longer than the longest lockout
    _guess(limiter, clock, [f"10.1.0.{i}" for i in range(1, 12)], rounds=10)
    assert round(limiter.locked_until - clock.now + 0.9) == 30


def test_the_lockout_stops_at_its_maximum():
    clock = FakeClock()
    limiter = AttemptLimiter(clock=clock, room_failures=2, backoff_s=10, max_backoff_s=50)
    spans = []
    for i in range(6):
        limiter.record_failure(f"10.0.0.{i}")
        assert limiter.record_failure(f"10.0.1.{i}")
        spans.append(limiter.locked_until - clock.now)
        clock.now = limiter.locked_until
    assert spans == [10, 20, 40, 50, 50, 50]


def test_regulars_can_come_back_during_a_lockout():
    clock = FakeClock()
    limiter = AttemptLimiter(clock=clock)
    limiter.record_failure("192.168.1.20")
    limiter.record_success("192.168.1.20")  # a participant who knows the password
    _guess(limiter, clock, ELEVEN, rounds=10)
    assert limiter.guessing_detected
    assert limiter.allowed("192.168.1.20")
    assert not limiter.allowed("192.168.1.21")


def test_a_success_gives_the_room_its_try_back():
    limiter = AttemptLimiter(clock=FakeClock(), room_failures=3)
    for _ in range(10):
        limiter.record_failure("192.168.1.20")
        limiter.record_success("192.168.1.20")
    assert not limiter.guessing_detected


def test_limiter_memory_is_bounded():
    clock = FakeClock()
    limiter = AttemptLimiter(max_tracked=100, clock=clock)
    for i in range(1000):
        limiter.record_failure(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._failures) <= 100
    clock.now += 61
    limiter.record_failure("10.9.9.9")
    assert len(limiter._failures) == 1  # stale entries were pruned


def test_password_file_round_trip(tmp_path):
    assert load_password(tmp_path) is None
    save_password(tmp_path, "mot de passe é")
    assert load_password(tmp_path) == "mot de passe é"
    if os.name == "posix":
        assert (tmp_path / PASSWORD_FILE).stat().st_mode & 0o777 == 0o600
    forget_password(tmp_path)
    assert load_password(tmp_path) is None
    forget_password(tmp_path)  # forgetting twice is fine


def test_damaged_password_file_is_set_aside(tmp_path):
    (tmp_path / PASSWORD_FILE).write_bytes(b"\xff\xfe")
    assert load_password(tmp_path) is None
    assert not (tmp_path / PASSWORD_FILE).exists()


def test_confirmation_macs_test_vector():
    # The documented derivation, recomputed step by step, and the vector published in
    # docs/PROTOCOL.md, section 10: a change here breaks other implementations.
    key, msg_a, msg_b, fp = bytes(range(32)), b"A" + b"\x01" * 32, b"B" + b"\x02" * 32, "ab" * 32

    def lp(x: bytes) -> bytes:
        return len(x).to_bytes(4, "big") + x

    th = hashlib.sha256(
        b"messagerie-pake-v1"
        + lp(b"messagerie-client")
        + lp(b"messagerie-server")
        + lp(msg_a)
        + lp(msg_b)
        + lp(bytes.fromhex(fp))
    ).digest()
    prk = hmac.new(th, key, "sha256").digest()
    k_client = hmac.new(prk, b"messagerie-pake-v1 client confirm\x01", "sha256").digest()
    k_server = hmac.new(prk, b"messagerie-pake-v1 server confirm\x01", "sha256").digest()
    client_mac = hmac.new(k_client, b"client" + th, "sha256").digest()
    server_mac = hmac.new(k_server, b"server" + th, "sha256").digest()

    assert _confirmation_macs(key, msg_a, msg_b, fp) == (client_mac, server_mac)
    assert client_mac.hex() == "91b7e8182e11bbe8377a7ccf6cbc8efb090194800da041108c4c3ac7c5032f18"
    assert server_mac.hex() == "2a5a27e60f83df24ee511ddc77672b5bdc0ffb212c2482440d57fe7c18f38971"
