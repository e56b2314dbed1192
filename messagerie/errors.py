"""One exception hierarchy for the whole application.

Every domain error carries a stable `code` (snake_case, also used on the wire and in
`--json` output) and a sentence for people. The sentence comes from the message catalog, so
that a French user reads French and an English user reads English. Anything that is not a
`MessagerieError` is a bug: it is logged with its traceback and shown as an internal error.
"""

from __future__ import annotations

from messagerie.i18n import tr


class MessagerieError(Exception):
    """An error a person can act on: it has a stable code and a translated sentence."""

    def __init__(self, code: str, message: str | None = None, **details: object) -> None:
        self.code = code
        self.details = details
        self.message = message if message is not None else tr(f"error.{code}", **details)
        super().__init__(self.message)


class ProtocolError(MessagerieError):
    """Something in the byte stream or message flow broke the protocol's rules."""


class RemoteProtocolError(ProtocolError):
    """The peer broke the rules. We tell it why (an `error` frame) and drop it."""


class LocalProtocolError(ProtocolError):
    """Our own code misused the protocol API, for example by building an invalid message."""


class NetworkError(MessagerieError):
    """The network refused: port in use, nobody listening, unknown host, lost connection."""


class SecurityError(MessagerieError):
    """Identity or password checks failed: changed identity, wrong password, TLS mismatch."""


class StorageError(MessagerieError):
    """Local files could not be read or written (settings, history, outbox, identity)."""
