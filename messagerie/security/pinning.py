"""Trust on first use: check the host's certificate against the known-hosts file.

The client calls `check()` right after the TLS handshake, before sending anything, and
`accept()` once the room has welcomed it (after the password exchange, if any), so that an
impostor who fails the password is never pinned.
"""

from __future__ import annotations

from typing import Any

from messagerie.security import identity
from messagerie.security.known_hosts import KnownHosts, TrustState


class PeerPinning:
    def __init__(self, known: KnownHosts, host: str, port: int, *, trust_new: bool) -> None:
        self.known = known
        self.host = host
        self.port = port
        # --trust-new, or the "accept the new identity" button: a deliberate choice.
        self.trust_new = trust_new

    def check(self, ssl_object: Any) -> tuple[str, str]:
        """Return (fingerprint, safety code); raise SecurityError("identity_changed")."""
        fingerprint = identity.peer_fingerprint(ssl_object)
        decision = self.known.check(self.host, self.port, fingerprint)
        if decision.state is TrustState.CHANGED and not self.trust_new:
            raise decision.error()
        return decision.fingerprint, decision.safety_code

    def accept(self, fingerprint: str) -> None:
        """Pin (or refresh) this host's fingerprint now that the connection is accepted."""
        self.known.pin(self.host, self.port, fingerprint)
        # Trusting a new identity is a one-time decision: later changes block again.
        self.trust_new = False
