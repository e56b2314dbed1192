"""Catalogs: both languages have the same keys and placeholders, and every key used exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from messagerie import i18n
from messagerie.locale import en, fr

PACKAGE = Path(__file__).resolve().parent.parent / "messagerie"
# A string literal that looks like a catalog key: "family.rest", lower case.
_KEY_LITERAL = re.compile(r"""["']((?:error|line|gui|warning|cli)\.[a-z0-9_.]+)["']""")
# Keys built at run time from a known, small set of parts.
_DYNAMIC = {
    "gui.start.{kind}_title": {"kind": ("host", "join")},
    "gui.start.{kind}_intro": {"kind": ("host", "join")},
    "gui.start.{kind}_ip": {"kind": ("host", "join")},
    "gui.start.{kind}_ip_hint": {"kind": ("host", "join")},
    "gui.start.{kind}_button": {"kind": ("host", "join")},
    "gui.menu.theme_{mode}": {"mode": ("light", "dark")},
    "gui.menu.language_{value}": {"value": ("system", *i18n.LANGUAGES)},
}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogs_have_the_same_keys():
    assert set(fr.MESSAGES) - set(en.MESSAGES) == set(), "missing in en.py"
    assert set(en.MESSAGES) - set(fr.MESSAGES) == set(), "missing in fr.py"


@pytest.mark.parametrize("key", sorted(fr.MESSAGES))
def test_same_placeholders_in_both_languages(key):
    assert _placeholders(fr.MESSAGES[key]) == _placeholders(en.MESSAGES[key])


def test_every_key_literal_in_the_code_exists():
    missing = {}
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "locale":
            continue
        for key in _KEY_LITERAL.findall(path.read_text("utf-8")):
            if key not in fr.MESSAGES:
                missing.setdefault(key, []).append(str(path.relative_to(PACKAGE)))
    assert missing == {}


def test_dynamic_keys_exist():
    for template, parts in _DYNAMIC.items():
        ((name, values),) = parts.items()
        for value in values:
            assert template.format(**{name: value}) in fr.MESSAGES


def test_tr_falls_back_and_formats():
    previous = i18n.current_language()
    try:
        i18n.set_language("en")
        assert i18n.tr("gui.start.host_button") == "Create the discussion"
        i18n.set_language("fr")
        assert i18n.tr("gui.start.host_button") == "Créer la discussion"
        assert i18n.tr("line.connection_from", address="127.0.0.1") == (
            "Connexion établie avec 127.0.0.1"
        )
        assert i18n.tr("no.such.key") == "no.such.key"
    finally:
        i18n.set_language(previous)
