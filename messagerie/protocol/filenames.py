"""File names that cross the network: what a host accepts, and how a sender or receiver cleans one.

A name offered in a room ends up as a file on other people's disks, so it is checked twice:
the host refuses a name that is not clean (`file_name_problem`, each problem its own code) and
every receiver cleans the name again before it writes (`clean_file_name`), in case the host is
not ours. The sender cleans its own file's name before offering it, so an honest client never
meets a refusal for an odd but harmless name (`CON.txt` becomes `_CON.txt`).
"""

from __future__ import annotations

import re
import unicodedata

MAX_FILE_NAME_BYTES = 200

# The same bidi controls as display names: they make "photo\u202egpj.exe" read "photoexe.jpg".
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Windows refuses these as a file's stem whatever the extension (CON.txt opens the console).
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
    | {"COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"}
)
_SEPARATORS = re.compile(r"[/\\]")
# What Windows forbids in a name besides separators and controls.
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") and ch not in _BIDI_CONTROLS


def file_name_problem(name: object) -> str | None:
    """Why the host refuses `name` as an offered file's name, or None when it is clean.

    The codes: not_a_string, empty, bidi, control, separator, dot_dot, absolute, forbidden,
    reserved, trailing, too_long.
    """
    if not isinstance(name, str):
        return "not_a_string"
    if not name.strip():
        return "empty"
    if any(ch in _BIDI_CONTROLS for ch in name):
        return "bidi"
    if any(_is_control(ch) for ch in name):
        return "control"
    if re.match(r"^[A-Za-z]:", name) or name.startswith(("/", "\\")):
        return "absolute"
    if ".." in name.split("/") or ".." in re.split(r"[/\\]", name):
        return "dot_dot"
    if _SEPARATORS.search(name):
        return "separator"
    if name in (".", "..") or _WINDOWS_FORBIDDEN.search(name):
        return "forbidden"
    if _stem(name).rstrip(" .").upper() in _RESERVED:
        return "reserved"
    if name[-1] in " ." or name[0] == " ":
        return "trailing"
    if len(name.encode("utf-8")) > MAX_FILE_NAME_BYTES:
        return "too_long"
    return None


def clean_file_name(name: str, fallback: str = "fichier") -> str:
    """A name safe to create in a folder on any of our systems, as close to `name` as can be.

    Separators, controls and Windows' forbidden characters become `_`; leading dots, trailing
    dots and spaces go; a reserved stem gets a `_` in front; the name is cut to 200 bytes of
    UTF-8, keeping its extension. Bidi controls are removed (the host refuses them; a receiver
    facing a host that is not ours still never writes one). Never returns an empty name.
    """
    out = []
    for ch in name:
        if ch in _BIDI_CONTROLS:
            continue
        if _is_control(ch) or _SEPARATORS.match(ch) or _WINDOWS_FORBIDDEN.match(ch):
            out.append("_")
        else:
            out.append(ch)
    cleaned = "".join(out).strip(" ").lstrip(".").rstrip(" .")
    cleaned = re.sub(r"\.\.+", ".", cleaned)
    if not cleaned or not cleaned.strip("_"):
        cleaned = fallback
    if _stem(cleaned).rstrip(" .").upper() in _RESERVED:
        cleaned = "_" + cleaned
    return _cut(cleaned)


def _stem(name: str) -> str:
    return name.split(".", 1)[0]


def _cut(name: str) -> str:
    """Cut to MAX_FILE_NAME_BYTES of UTF-8 without splitting a character, keeping the extension
    (when it is short enough to be one)."""
    if len(name.encode("utf-8")) <= MAX_FILE_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext.encode("utf-8")) > 20:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    budget = MAX_FILE_NAME_BYTES - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip(" .")
    return (cut or "fichier") + suffix
