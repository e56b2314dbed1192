"""The room password as the connections use it: one check per room, one prover per joiner.

The exchange runs after TLS and before `hello` (docs/PROTOCOL.md, section 10):
client `auth` -> server `auth_challenge` -> client `auth_confirm` -> server `auth_ok`.
messagerie.protocol.connection carries the messages; this module answers them with SPAKE2
(messagerie.security.pake). The client proves itself first, so every guess reaches the
room's attempt limiter.
"""

from __future__ import annotations

from collections.abc import Callable

from messagerie.errors import SecurityError
from messagerie.security import pake

# Without TLS there is no certificate to bind the exchange to; both sides then use this
# value, and the password still proves who knows it (but nothing protects the chat itself).
NO_CERTIFICATE = "0" * 64


class RoomPassword:
    """The host's side (protocol.connection.PasswordCheck), shared by every connection."""

    def __init__(self, *, password: str, fingerprint: str | None, tries_per_minute: int) -> None:
        self.password = password
        self.fingerprint = fingerprint or NO_CERTIFICATE
        self.limiter = pake.AttemptLimiter(max_failures=tries_per_minute)

    def admit(self, address: str) -> bool:
        """Count an attempt from `address`, or raise SecurityError("too_many_attempts").

        Returns True when this attempt used up the room's budget (someone is guessing: the
        room is locked for a while, and the host should be told). Call on the room's loop,
        with no await before answering, so that abandoned and parallel exchanges count too
        (a success takes the attempt back).
        """
        if not self.limiter.allowed(address):
            raise SecurityError("too_many_attempts")
        return self.limiter.record_failure(address)

    def challenge(self, address: str, pake_field: object) -> tuple[str, _Verifier]:
        """The SPAKE2 answer to `auth` (milliseconds of pure-Python arithmetic that touch no
        shared state: safe on a worker thread), and what checks the confirmation."""
        server = pake.PasswordServer(self.password, self.fingerprint)
        return server.challenge(pake_field), _Verifier(self, address, server)


class _Verifier:
    def __init__(self, room: RoomPassword, address: str, server: pake.PasswordServer) -> None:
        self._room = room
        self._address = address
        self._server = server

    def confirm(self, mac: object) -> str:
        """Check the client's MAC (SecurityError "wrong_password"); return the server's."""
        server_mac = self._server.verify(mac)
        self._room.limiter.record_success(self._address)
        return server_mac


def prover(password: str) -> Callable[[str | None], pake.PasswordClient]:
    """The joiner's side: a new prover per connection, bound to the certificate it saw."""
    return lambda fingerprint: pake.PasswordClient(password, fingerprint or NO_CERTIFICATE)
