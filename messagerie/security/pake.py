"""The room password: a SPAKE2 exchange inside TLS, bound to the server's certificate. Sans-IO.

Nothing here touches a socket. The network code carries four messages in ordinary JSON frames
(field values are standard base64 strings, with padding) and calls these state machines:

    1. client -> server  auth            {"pake": client.start()}
    2. server -> client  auth_challenge  {"pake": server.challenge(auth["pake"])}
    3. client -> server  auth_confirm    {"mac": client.confirm(auth_challenge["pake"])}
    4. server -> client  auth_ok         {"mac": server.verify(auth_confirm["mac"])}
       then              client.verify(auth_ok["mac"])

On a wrong password, `server.verify` raises SecurityError("wrong_password"): the server sends
an `error` frame with that code and closes. `client.verify` raises
SecurityError("server_auth_failed") if the server's proof is wrong, which an honest server
that knows the password never causes.

Why the client proves itself first (the first draft had the server send its MAC in step 2):
whoever sees the other side's MAC first can test its one password guess and walk away. If
that is the server's MAC, a guessing client learns "right or wrong" and disconnects before
step 3, so the server never sees a failure and its attempt limiter counts nothing. With the
client's MAC first, the server always sees the guess; and the server still needs a success
answer anyway, so `auth_ok` carrying its MAC costs no extra message.

Why a man-in-the-middle is caught even if it relays these messages untouched: Python exposes
no TLS channel binding, so each side puts into the transcript the certificate fingerprint it
saw: the client the one it received, the server its own. A TLS proxy must present its own
certificate to the client (it lacks the host's private key), so the two transcripts differ,
the MAC keys and MACs differ, and step 4's check fails. To make them agree the proxy would
need the SPAKE2 key, which it can only get by running SPAKE2 itself with a password guess:
one online guess per connection, counted by the limiter.

Why the password cannot be guessed offline from the wire: SPAKE2 messages are X* = x·G +
pw·M and Y* = y·G + pw·N with fresh random x and y. For a candidate password they are just
random points; checking a guess against a MAC needs the shared point x·y·G, i.e. solving
Diffie-Hellman. (All of it travels inside TLS besides.)

Derivations (also in docs/PROTOCOL.md, section 10):
    pw        = NFC-normalised password, UTF-8
    SPAKE2    = spake2 0.9, Ed25519 group, A = client with idA = b"messagerie-client",
                B = server with idB = b"messagerie-server"; msg_A, msg_B are the 33-byte
                messages as returned by start() (side byte b"A"/b"B" + point); K = finish()
    lp(x)     = 4-byte big-endian length of x, then x
    th        = SHA-256(b"messagerie-pake-v1" || lp(idA) || lp(idB) || lp(msg_A) || lp(msg_B)
                        || lp(fingerprint as 32 raw bytes))
    prk       = HMAC-SHA256(key=th, msg=K)                                 (HKDF-Extract)
    k_client  = HMAC-SHA256(prk, b"messagerie-pake-v1 client confirm" || 0x01) (HKDF-Expand)
    k_server  = HMAC-SHA256(prk, b"messagerie-pake-v1 server confirm" || 0x01)
    mac (3)   = HMAC-SHA256(k_client, b"client" || th)
    mac (4)   = HMAC-SHA256(k_server, b"server" || th)
MACs are compared with hmac.compare_digest: spake2 says it is not constant-time, so at least
we are.
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import hmac
import ipaddress
import logging
import math
import os
import struct
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from messagerie.errors import LocalProtocolError, RemoteProtocolError, SecurityError, StorageError
from messagerie.security.identity import check_fingerprint
from messagerie.store.files import atomic_write, quarantine

log = logging.getLogger(__name__)

LABEL = b"messagerie-pake-v1"
CLIENT_ID = b"messagerie-client"
SERVER_ID = b"messagerie-server"
CLIENT_CONFIRM_INFO = LABEL + b" client confirm"
SERVER_CONFIRM_INFO = LABEL + b" server confirm"
CLIENT_MAC_PREFIX = b"client"
SERVER_MAC_PREFIX = b"server"
# spake2's Ed25519 messages: one side byte, then a 32-byte point.
PAKE_MESSAGE_SIZE = 33
MAC_SIZE = 32

PASSWORD_FILE = "room-password"


def _password_bytes(password: str) -> bytes:
    """NFC so that "é" typed on a Mac (often decomposed) equals "é" typed elsewhere."""
    if not isinstance(password, str) or not password:
        raise ValueError("the password must be a non-empty string")
    return unicodedata.normalize("NFC", password).encode("utf-8")


def _decode_field(value: object, field: str, size: int) -> bytes:
    """Base64 field from the peer, checked for type and exact size."""
    if not isinstance(value, str):
        raise RemoteProtocolError("bad_field", field=field)
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeError, binascii.Error):
        raise RemoteProtocolError("bad_field", field=field) from None
    if len(raw) != size:
        raise RemoteProtocolError("bad_field", field=field)
    return raw


def _encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _lp(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _confirmation_macs(key: bytes, msg_a: bytes, msg_b: bytes, fp: str) -> tuple[bytes, bytes]:
    """(client MAC, server MAC) for SPAKE2 key `key` and this transcript (see the top)."""
    th = hashlib.sha256(
        LABEL + _lp(CLIENT_ID) + _lp(SERVER_ID) + _lp(msg_a) + _lp(msg_b) + _lp(bytes.fromhex(fp))
    ).digest()
    prk = hmac.digest(th, key, "sha256")
    k_client = hmac.digest(prk, CLIENT_CONFIRM_INFO + b"\x01", "sha256")
    k_server = hmac.digest(prk, SERVER_CONFIRM_INFO + b"\x01", "sha256")
    return (
        hmac.digest(k_client, CLIENT_MAC_PREFIX + th, "sha256"),
        hmac.digest(k_server, SERVER_MAC_PREFIX + th, "sha256"),
    )


def _finish(spake: Any, inbound: bytes) -> bytes:
    """spake.finish(inbound), turning the peer's malformed points into a protocol error."""
    # Imported here with spake2 itself: it pulls in cryptography, which start-up avoids.
    from spake2 import SPAKEError
    from spake2.ed25519_basic import NotOnCurve

    try:
        return spake.finish(inbound)
    except (SPAKEError, NotOnCurve, ValueError):
        raise RemoteProtocolError("bad_field", field="pake") from None


class PasswordClient:
    """The joiner's side. `server_fingerprint` is that of the certificate it received."""

    def __init__(self, password: str, server_fingerprint: str) -> None:
        from spake2 import SPAKE2_A

        self._fp = check_fingerprint(server_fingerprint)
        self._spake = SPAKE2_A(_password_bytes(password), idA=CLIENT_ID, idB=SERVER_ID)
        self._msg_a: bytes | None = None
        self._expected_server_mac: bytes | None = None
        self.done = False

    def start(self) -> str:
        """The `pake` field of `auth` (step 1)."""
        if self._msg_a is not None:
            raise LocalProtocolError("unexpected_message")
        self._msg_a = self._spake.start()
        return _encode(self._msg_a)

    def confirm(self, pake: object) -> str:
        """Take `auth_challenge`'s `pake` field; return `auth_confirm`'s `mac` (step 3).

        Raises RemoteProtocolError("bad_field") for a malformed message.
        """
        if self._msg_a is None or self._expected_server_mac is not None:
            raise RemoteProtocolError("unexpected_message")
        msg_b = _decode_field(pake, "pake", PAKE_MESSAGE_SIZE)
        key = _finish(self._spake, msg_b)
        client_mac, self._expected_server_mac = _confirmation_macs(
            key, self._msg_a, msg_b, self._fp
        )
        return _encode(client_mac)

    def verify(self, mac: object) -> None:
        """Check `auth_ok`'s `mac` (the end of step 4).

        Raises SecurityError("server_auth_failed") if the server did not prove it knows the
        password for this very TLS connection; the connection must then be closed.
        """
        if self._expected_server_mac is None or self.done:
            raise RemoteProtocolError("unexpected_message")
        received = _decode_field(mac, "mac", MAC_SIZE)
        if not hmac.compare_digest(received, self._expected_server_mac):
            raise SecurityError("server_auth_failed")
        self.done = True


class PasswordServer:
    """The host's side, one per connection. `own_fingerprint` is the host's certificate's."""

    def __init__(self, password: str, own_fingerprint: str) -> None:
        self._fp = check_fingerprint(own_fingerprint)
        self._pw = _password_bytes(password)
        self._macs: tuple[bytes, bytes] | None = None
        self.done = False

    def challenge(self, pake: object) -> str:
        """Take `auth`'s `pake` field; return `auth_challenge`'s `pake` (step 2).

        Raises RemoteProtocolError("bad_field") for a malformed message.
        """
        from spake2 import SPAKE2_B

        if self._macs is not None:
            raise RemoteProtocolError("unexpected_message")
        msg_a = _decode_field(pake, "pake", PAKE_MESSAGE_SIZE)
        spake = SPAKE2_B(self._pw, idA=CLIENT_ID, idB=SERVER_ID)
        msg_b = spake.start()
        key = _finish(spake, msg_a)
        self._macs = _confirmation_macs(key, msg_a, msg_b, self._fp)
        return _encode(msg_b)

    def verify(self, mac: object) -> str:
        """Check `auth_confirm`'s `mac`; return `auth_ok`'s `mac` (step 4).

        Raises SecurityError("wrong_password") if the client does not know the password, or
        saw another certificate than ours (a man-in-the-middle): both look the same from here.
        """
        if self._macs is None or self.done:
            raise RemoteProtocolError("unexpected_message")
        received = _decode_field(mac, "mac", MAC_SIZE)
        expected_client_mac, server_mac = self._macs
        if not hmac.compare_digest(received, expected_client_mac):
            raise SecurityError("wrong_password")
        self.done = True
        return _encode(server_mac)


class AttemptLimiter:
    """Password failures, limited per address and for the whole room.

    Use on the server, with no `await` between the calls so that parallel connections cannot
    slip through together:
        on `auth`:       if not limiter.allowed(ip): error too_many_attempts, close
                         if limiter.record_failure(ip):   # counted in advance, see below
                             tell the host that someone is guessing (once per lockout)
        on success:      limiter.record_success(ip)
    Counting in advance means that an exchange the client abandons midway, or many run in
    parallel, still count as failures.

    Two limits:
    - per address, at most `max_failures` within `window_s`. IPv6 addresses count one by one
      (an IPv4-mapped one as its IPv4), not per /64: a /64 is usually a whole LAN, and
      grouping it let one guesser lock out the office. An attacker picking many addresses,
      in its /64 or on loopback, meets the second limit instead;
    - for the room, at most `room_failures` within `window_s` from all addresses together.
      Past that the room refuses every password attempt for `backoff_s`, doubled at each new
      lockout up to `max_backoff_s`, and back to `backoff_s` when the previous lockout ended
      `max_backoff_s` ago or more. Addresses that gave the right password recently (the last
      `max_tracked`) are not locked out by the room, only by their own limit, so the room's
      regulars can still come back during an attack. `guessing_detected` says that the room
      is locked out.

    With the defaults, a patient guesser gets 20 tries, then waits 30 s, 60 s, 2 min... up to
    15 min: about 2,000 tries a day at most, whatever its number of addresses.
    Memory is bounded: old timestamps are pruned, and past `max_tracked` addresses the least
    recently failing one is forgotten. `clock` and the `now` arguments let tests skip sleeping.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window_s: float = 60.0,
        *,
        room_failures: int = 20,
        backoff_s: float = 30.0,
        max_backoff_s: float = 900.0,
        max_tracked: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.room_failures = room_failures
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_tracked = max_tracked
        self._clock = clock
        self._failures: collections.OrderedDict[str, collections.deque[float]] = (
            collections.OrderedDict()
        )
        self._room: collections.deque[float] = collections.deque()
        self._trusted: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._locked_until = -math.inf
        self._lockout_s = 0.0

    @property
    def guessing_detected(self) -> bool:
        """Whether the room is locked out now because of too many failures overall."""
        return self._clock() < self._locked_until

    @property
    def locked_until(self) -> float:
        """The clock time the room's lockout ends (in the past when there is none)."""
        return self._locked_until

    def allowed(self, ip: str, now: float | None = None) -> bool:
        """Whether `ip` may try a password now."""
        now = self._clock() if now is None else now
        bucket = _bucket(ip)
        if now < self._locked_until and bucket not in self._trusted:
            return False
        failures = self._recent(bucket, now)
        return failures is None or len(failures) < self.max_failures

    def record_failure(self, ip: str, now: float | None = None) -> bool:
        """Count one failed (or not yet successful) password attempt from `ip`.

        Returns True when this failure used up the room's budget and started a lockout: the
        moment to tell the host that someone is guessing.
        """
        now = self._clock() if now is None else now
        bucket = _bucket(ip)
        failures = self._recent(bucket, now)
        if failures is None:
            self._make_room(now)
            failures = self._failures[bucket] = collections.deque()
        failures.append(now)
        self._failures.move_to_end(bucket)
        room = self._room
        while room and room[0] <= now - self.window_s:
            room.popleft()
        room.append(now)
        if len(room) < self.room_failures or now < self._locked_until:
            return False
        room.clear()
        if now - self._locked_until >= self.max_backoff_s:
            self._lockout_s = self.backoff_s  # quiet for long enough: start over
        else:
            self._lockout_s = min(self.max_backoff_s, max(self.backoff_s, 2 * self._lockout_s))
        self._locked_until = now + self._lockout_s
        return True

    def record_success(self, ip: str) -> None:
        """Take back the failure counted in advance for an exchange that succeeded."""
        bucket = _bucket(ip)
        failures = self._failures.get(bucket)
        if failures:
            failures.pop()
            if not failures:
                del self._failures[bucket]
        if self._room:
            self._room.pop()
        self._trusted[bucket] = None
        self._trusted.move_to_end(bucket)
        if len(self._trusted) > self.max_tracked:
            self._trusted.popitem(last=False)

    def _recent(self, bucket: str, now: float) -> collections.deque[float] | None:
        failures = self._failures.get(bucket)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[bucket]
            return None
        return failures

    def _make_room(self, now: float) -> None:
        if len(self._failures) < self.max_tracked:
            return
        for bucket in list(self._failures):
            self._recent(bucket, now)
        while len(self._failures) >= self.max_tracked:
            self._failures.popitem(last=False)


def _bucket(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def save_password(data_dir: Path, password: str) -> None:
    """Remember the host's room password (the "se souvenir" box), in a 0600 file.

    The file is plain text: it protects against other users of the machine, not against
    someone who can act as this user (SECURITY.md). Raises StorageError if it cannot be
    written, ValueError for an empty password.
    """
    atomic_write(Path(data_dir) / PASSWORD_FILE, _password_bytes(password), private=True)


def load_password(data_dir: Path) -> str | None:
    """The remembered room password, or None if there is none or it cannot be read.

    A damaged file (not UTF-8, empty) is moved aside; never raises.
    """
    path = Path(data_dir) / PASSWORD_FILE
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.error("cannot read the remembered password %s: %s", path, exc)
        return None
    except UnicodeDecodeError:
        text = ""
    if not text:
        quarantine(path)
        return None
    return text


def forget_password(data_dir: Path) -> None:
    """Delete the remembered password, if any. Raises StorageError if it cannot be deleted."""
    path = Path(data_dir) / PASSWORD_FILE
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError("storage", path=str(path), detail=exc.strerror or str(exc)) from exc
