"""Translated strings for people.

Catalogs are plain Python dictionaries in `messagerie/locale/<lang>.py`. That needs no
compilation step (gettext's .mo files would be generated files to keep out of git and to
build before every run) and PyInstaller collects them like any module. Keys are stable
identifiers, values are `str.format` templates. French is the default; English is used when
the settings or the system locale ask for it. A missing key falls back to French, then to
the key itself, so a gap never crashes the app (a test checks there are no gaps).
"""

from __future__ import annotations

import locale
import os
from importlib import import_module

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

_catalogs: dict[str, dict[str, str]] = {}
_current = DEFAULT_LANGUAGE


def catalog(lang: str) -> dict[str, str]:
    """Return the catalog of `lang`, loading it on first use."""
    if lang not in _catalogs:
        _catalogs[lang] = import_module(f"messagerie.locale.{lang}").MESSAGES
    return _catalogs[lang]


def system_language() -> str:
    """Guess the user's language from the environment: English if it says so, else French."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "en" if value.lower().startswith("en") else DEFAULT_LANGUAGE
    try:
        lang = locale.getlocale()[0] or ""
    except ValueError:
        lang = ""
    return "en" if lang.lower().startswith("en") else DEFAULT_LANGUAGE


def set_language(lang: str | None) -> str:
    """Use `lang` ("fr", "en"), or the system's language when it is None or unknown."""
    global _current
    _current = lang if lang in LANGUAGES else system_language()
    return _current


def current_language() -> str:
    return _current


def tr(key: str, **values: object) -> str:
    """Translate `key` into the current language and fill in `values`."""
    template = catalog(_current).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    return _fill(template, values)


def has(key: str) -> bool:
    """Whether `key` is in the catalogs (in any language: a gap in one falls back to French)."""
    return key in catalog(DEFAULT_LANGUAGE) or key in catalog(_current)


def fallback(key: str, **values: object) -> str:
    """The sentence for `key` in the default language (French), whatever the current one is.

    The room sends it in an `error` frame's `message` for peers that do not know the code:
    it must not depend on the host's own language setting.
    """
    return _fill(catalog(DEFAULT_LANGUAGE).get(key) or key, values)


_SIZE_UNITS = ("size.bytes", "size.kb", "size.mb", "size.gb", "size.tb")


def format_size(nbytes: int, *, default_language: bool = False) -> str:
    """A file size for people: "2,4 Mo" in French, "2.4 MB" in English (powers of 1024).

    `default_language` words it in French whatever the current language (for text that the
    room stores and sends to everyone, like `fallback`).
    """
    table = catalog(DEFAULT_LANGUAGE if default_language else _current)
    value = float(nbytes)
    unit = 0
    while value >= 1024 and unit < len(_SIZE_UNITS) - 1:
        value /= 1024
        unit += 1
    number = f"{int(value)}" if unit == 0 else f"{value:.1f}".replace(".", table["size.point"])
    return _fill(table[_SIZE_UNITS[unit]], {"n": number})


def _fill(template: str, values: dict[str, object]) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template
