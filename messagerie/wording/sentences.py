"""Codes into sentences, bugs apart from user errors, and network text made safe to show."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from messagerie import i18n
from messagerie.errors import MessagerieError

log = logging.getLogger(__name__)

# What a terminal, a log viewer or a text widget may act on instead of showing: C0 controls
# but newline and tab (the caller decides what a line break becomes), DEL, C1 (U+0080-U+009F,
# where U+009B is a one-character CSI), the line and paragraph separators some viewers break
# on, and the bidi marks, embeddings, overrides and isolates that can reorder what is read.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    point = ord(match.group())
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def neutralise(text: str) -> str:
    """`text` with every character a terminal could act on replaced by a visible escape.

    ESC becomes the four characters `\\x1b`, so an escape sequence shows as harmless text.
    Newline and tab are kept: a caller that prints lines indents what follows a newline, and
    one that needs a single line uses `inline()`.
    """
    if UNSAFE.search(text) is None:  # the common case, in one C-level scan
        return text
    return UNSAFE.sub(_escape, text)


def inline(text: str) -> str:
    """`neutralise(text)` on one line: newlines and tabs are shown as escapes too."""
    return neutralise(text).replace("\n", "\\n").replace("\t", "\\t")


def sentence(code: str, details: Mapping[str, object] | None = None) -> str:
    """The sentence for an error or warning `code`, in the reader's language.

    A code we have no sentence for is shown with the server's own sentence, when it sent one
    (`details["server_text"]`), quoted so that it cannot pass for a line of ours; otherwise
    with a generic sentence naming the code. Every detail is shown on one line and
    neutralised, since some come from the network (a message type, a server's sentence).
    """
    values = {
        key: inline(value) if isinstance(value, str) else value
        for key, value in (details or {}).items()
    }
    key = f"error.{code}"
    if i18n.has(key):
        return i18n.tr(key, **values)
    server_text = values.get("server_text")
    if server_text:
        return i18n.tr("error.server_said", text=server_text)
    return i18n.tr("error.unknown_code", code=inline(code))


def explain(exc: BaseException) -> str:
    """What to tell a person about `exc`: the one place where bugs and user errors part.

    A MessagerieError is something the person can act on: its sentence. Anything else is a
    bug: it is logged with its traceback and the person reads "internal error".
    """
    if isinstance(exc, MessagerieError):
        return sentence(exc.code, exc.details)
    log.error("internal error", exc_info=(type(exc), exc, exc.__traceback__))
    return i18n.tr("error.internal")
