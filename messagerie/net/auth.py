"""The room password on the wire: SPAKE2 (messagerie.security.pake) carried in frames.

The exchange runs after TLS and before `hello` (docs/PROTOCOL.md, section 10):
client `auth` -> server `auth_challenge` -> client `auth_confirm` -> server `auth_ok`.
The client proves itself first, so every guess reaches the server's attempt limiter.
"""

from __future__ import annotations

from typing import Any

from messagerie import protocol
from messagerie.errors import RemoteProtocolError, SecurityError
from messagerie.limits import Limits
from messagerie.security import pake

# Without TLS there is no certificate to bind the exchange to; both sides then use this
# value, and the password still proves who knows it (but nothing protects the chat itself).
NO_CERTIFICATE = "0" * 64


class PasswordAuthenticator:
    """Server side: runs one exchange per connection, limited per IP address."""

    message_types = frozenset({protocol.Auth.TYPE, protocol.AuthConfirm.TYPE})

    def __init__(self, *, password: str, fingerprint: str | None, limits: Limits) -> None:
        self.password = password
        self.fingerprint = fingerprint or NO_CERTIFICATE
        self.limiter = pake.AttemptLimiter(max_failures=limits.password_tries_per_minute)

    def receive(self, conn: Any, obj: dict[str, Any]) -> None:
        """Handle `auth` or `auth_confirm` from `conn`; raise to refuse and close."""
        if obj["type"] == protocol.Auth.TYPE:
            if conn.auth is not None:
                raise RemoteProtocolError(protocol.UNEXPECTED_MESSAGE)
            # Steps with no await in between: check, then count the attempt at once, so
            # abandoned and parallel exchanges count too (a success takes it back).
            if not self.limiter.allowed(conn.address):
                raise SecurityError("too_many_attempts")
            self.limiter.record_failure(conn.address)
            conn.auth = pake.PasswordServer(self.password, self.fingerprint)
            challenge = conn.auth.challenge(obj.get("pake"))
            conn.send_private(protocol.encode(protocol.AuthChallenge(pake=challenge)))
        else:
            if conn.auth is None or conn.authenticated:
                raise RemoteProtocolError(protocol.UNEXPECTED_MESSAGE)
            mac = conn.auth.verify(obj.get("mac"))  # raises SecurityError("wrong_password")
            self.limiter.record_success(conn.address)
            conn.authenticated = True
            conn.send_private(protocol.encode(protocol.AuthOk(mac=mac)))


def password_exchange(password: str):
    """Client side: a coroutine function the RoomClient runs before `hello`."""

    async def exchange(client: Any, reader: Any, decoder: Any, pending: list, fingerprint) -> None:
        secret = pake.PasswordClient(password, fingerprint or NO_CERTIFICATE)
        client.send(protocol.Auth(pake=secret.start()))
        challenge = await client.read_message(reader, decoder, pending)
        if not isinstance(challenge, protocol.AuthChallenge):
            # A server that skips the exchange might be an impostor pretending the room is open.
            raise SecurityError("server_auth_failed")
        client.send(protocol.AuthConfirm(mac=secret.confirm(challenge.pake)))
        ok = await client.read_message(reader, decoder, pending)
        if not isinstance(ok, protocol.AuthOk):
            raise SecurityError("server_auth_failed")
        secret.verify(ok.mac)  # raises SecurityError("server_auth_failed")

    return exchange
