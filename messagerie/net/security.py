"""What each side needs for TLS, identity pinning and the room password.

The network code asks these two objects for an SSL context, a peer check and a password
exchange; it never deals with certificates or known-hosts files itself. With `tls=False`
(`--no-tls`, for diagnostics and benchmarks) everything here is None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from messagerie.errors import Degraded
from messagerie.limits import Limits


@dataclass
class ServerSecurity:
    ssl_context: Any = None
    fingerprint: str | None = None
    safety_code: str | None = None
    # The room password's check (security.room_password.RoomPassword), when there is one.
    password: Any = None
    warnings: list[Degraded] = field(default_factory=list)

    @classmethod
    def create(
        cls, *, data_dir: Path, tls: bool, password: str | None, limits: Limits
    ) -> ServerSecurity:
        security = cls()
        if tls:
            # Imported here so that --no-tls and headless tools never load the TLS stack.
            from messagerie.security import identity

            ident = identity.load_or_create_identity(data_dir)
            if ident.warning:
                security.warnings.append(ident.warning)
            security.ssl_context = identity.server_context(ident)
            security.fingerprint = ident.fingerprint
            security.safety_code = ident.safety_code
        if password:
            from messagerie.security.room_password import RoomPassword

            security.password = RoomPassword(
                password=password,
                fingerprint=security.fingerprint,
                tries_per_minute=limits.password_tries_per_minute,
            )
        return security


@dataclass
class ClientSecurity:
    ssl_context: Any = None
    pinning: Any = None
    # Makes the password prover for a connection, given the certificate's fingerprint.
    password_prover: Any = None
    warnings: list[Degraded] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        *,
        data_dir: Path,
        tls: bool,
        password: str | None,
        trust_new: bool,
        host: str,
        port: int,
    ) -> ClientSecurity:
        security = cls()
        if tls:
            from messagerie.security import identity, known_hosts
            from messagerie.security.pinning import PeerPinning

            known = known_hosts.KnownHosts(data_dir / known_hosts.FILE_NAME)
            if known.warning:
                security.warnings.append(known.warning)
            security.ssl_context = identity.client_context()
            security.pinning = PeerPinning(known, host, port, trust_new=trust_new)
        else:
            # --no-tls: there is no identity to check. Say so rather than skip pins silently.
            security.warnings.append(Degraded("identity_not_checked"))
        if password:
            from messagerie.security.room_password import prover

            security.password_prover = prover(password)
        return security
