"""One exception hierarchy for the whole application, and the warnings that go with it.

Every domain error carries a stable `code` (snake_case, also used on the wire and in
`--json` output) and `details` (the values its sentence needs), never a sentence: words are
chosen by the face that shows them, in its reader's language (`messagerie.wording`). That
keeps this module, and the protocol that raises these errors, free of any catalog. Anything
that is not a `MessagerieError` is a bug: `wording.explain` logs it with its traceback and
shows it as an internal error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class MessagerieError(Exception):
    """An error a person can act on: a stable code and the details its sentence needs."""

    def __init__(self, code: str, **details: object) -> None:
        self.code = code
        self.details: dict[str, Any] = details
        super().__init__(code, details)

    def __str__(self) -> str:
        # For logs and tracebacks only: people read `wording.sentence(code, details)`.
        if not self.details:
            return self.code
        shown = ", ".join(f"{key}={value!r}" for key, value in self.details.items())
        return f"{self.code} ({shown})"


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


class TransferError(MessagerieError):
    """A file transfer ended because of `code` (told in a `file_failed` event)."""


@dataclass(frozen=True)
class Degraded:
    """Something went wrong but the program goes on (history kept in memory, new identity).

    Like an error, it is a code and details, and a face turns it into words. The store and
    security layers leave one where they used to leave a sentence; the session hands it on
    in a `Notice` event.
    """

    code: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_error(cls, error: MessagerieError) -> Degraded:
        """The warning for an error that was caught and worked around."""
        return cls(error.code, dict(error.details))
