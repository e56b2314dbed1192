"""Field checks for what people type, as plain functions (testable without Tk).

Each `validate_*` returns `(value, None)` when the input is good, with the value cleaned up
(spaces stripped, port converted to int), or `(None, message)` with a sentence for people,
in the current language, to show next to the field.
"""

from __future__ import annotations

import ipaddress
import re

from messagerie import protocol
from messagerie.i18n import tr

# RFC 1123 host name label: letters, digits and hyphens, 1-63 characters, no leading or
# trailing hyphen. Underscores are tolerated because some office networks use them in
# NetBIOS-style names that their DNS still resolves.
_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_MAX_HOST_NAME = 253


def validate_host(text: str) -> tuple[str | None, str | None]:
    """An IPv4 address, an IPv6 address (brackets allowed) or a host name per RFC 1123."""
    value = (text or "").strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1].strip()
    if not value:
        return None, tr("gui.error.host_empty")
    try:
        return str(ipaddress.ip_address(value)), None
    except ValueError:
        pass
    # Anything else with a colon was meant as IPv6 (zones like "fe80::1%eth0" are parsed
    # by ipaddress above) and is mistyped.
    if ":" in value:
        return None, tr("error.bad_host")
    name = value[:-1] if value.endswith(".") else value
    if not name or len(name) > _MAX_HOST_NAME:
        return None, tr("error.bad_host")
    labels = name.split(".")
    if not all(_LABEL_RE.match(label) for label in labels):
        return None, tr("error.bad_host")
    # "192.168.1.300" or "10.0.0" are mistyped IPv4 addresses, not host names: a top-level
    # label is never all digits.
    if labels[-1].isdigit():
        return None, tr("error.bad_host")
    return name, None


def validate_port(text: str | int) -> tuple[int | None, str | None]:
    """A TCP port between 1 and 65535, typed as text (surrounding spaces are fine)."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        raw = str(text or "").strip().replace(" ", "").replace("\u00a0", "")
        if not raw.isascii() or not raw.isdigit():
            return None, tr("error.bad_port")
        value = int(raw)
    if not 1 <= value <= 65535:
        return None, tr("error.bad_port")
    return value, None


def split_host_port(text: str) -> tuple[str, str | None]:
    """Split "192.168.1.23:5566" or "[fe80::1]:5566" into host and port text.

    People copy the host's address with its port (the chat view shows it that way) and paste
    it into the server field. A bare IPv6 address is left whole.
    """
    value = (text or "").strip()
    if value.startswith("["):
        end = value.find("]")
        if end != -1 and value[end + 1 : end + 2] == ":":
            return value[: end + 1], value[end + 2 :]
        return value, None
    if value.count(":") == 1:
        host, port = value.split(":")
        return host, port
    return value, None


_NAME_ERRORS = {
    "empty": "gui.error.name_empty",
    "too_long": "gui.error.name_too_long",
    "forbidden_character": "gui.error.name_forbidden",
    "not_a_string": "error.bad_name",
}


def validate_name(text: str, *, default: str | None = None) -> tuple[str | None, str | None]:
    """A display name (protocol.name_problem's rules), in its normal form (protocol.names).

    A name that is empty once normalised gives `default` when there is one.
    """
    value = protocol.normalise_name(text or "")
    if not value and default is not None:
        return default, None
    problem = protocol.name_problem(value)
    if problem is None:
        return value, None
    return None, tr(_NAME_ERRORS.get(problem, "error.bad_name"), limit=protocol.MAX_NAME)


def validate_message_text(text: str) -> tuple[str | None, str | None]:
    """A chat message. Trailing newlines and spaces are dropped; inside, text is kept as typed."""
    value = (text or "").rstrip()
    problem = protocol.text_problem(value)
    if problem is None:
        return value, None
    if problem == "too_long":
        return None, tr("gui.error.text_too_long", length=len(value), limit=protocol.MAX_TEXT)
    if problem == "empty":
        return None, tr("gui.error.text_empty")
    return None, tr("gui.error.text_forbidden")
