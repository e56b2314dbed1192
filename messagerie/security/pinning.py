"""Trust on first use: check the host's certificate against the known-hosts file.

The client calls `check()` right after the TLS handshake, before sending anything, and
`accept()` once the room has welcomed it (after the password exchange, if any), so that an
impostor who fails the password is never pinned.
"""

from __future__ import annotations

from typing import Any

from messagerie.security import identity
from messagerie.security.known_hosts import KnownHosts, TrustDecision, TrustState


class PeerPinning:
    def __init__(self, known: KnownHosts, host: str, port: int, *, trust_new: bool) -> None:
        self.known = known
        self.host = host
        self.port = port
        # --trust-new, or the "accept the new identity" button: a deliberate choice.
        self.trust_new = trust_new

    def check(self, ssl_object: Any) -> TrustDecision:
        """The trust decision for the certificate; raises SecurityError("identity_changed").

        A CHANGED decision comes back only when the user chose to trust a new identity; its
        old and new safety codes are then shown, so that the choice is never silent.
        """
        fingerprint = identity.peer_fingerprint(ssl_object)
        decision = self.known.check(self.host, self.port, fingerprint)
        if decision.state is TrustState.CHANGED and not self.trust_new:
            raise decision.error()
        return decision

    def accept(self, fingerprint: str) -> None:
        """Pin (or refresh) this host's fingerprint now that the connection is accepted."""
        self.known.pin(self.host, self.port, fingerprint)
        # Trusting a new identity is a one-time decision: later changes block again.
        self.trust_new = False
