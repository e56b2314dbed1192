"""`messagerie --help` speaks one language: the one of `--lang`, else the system's."""

from __future__ import annotations

import re

import pytest

from messagerie import app, i18n

COMMANDS = ("serve", "join", "rooms", "doctor")
# Words that only an English text has (argparse's own words among them), and the letters
# that only a French one has. The command names and options are the same in both.
ENGLISH_ONLY = {"the", "show", "usage", "and", "exit", "with", "this", "only", "positional"}
FRENCH_ONLY = re.compile(r"[éèêàâçùûôî]|\butilisation\b|\bafficher\b")


def _help(capsys, monkeypatch, *argv: str, lang_env: str = "fr_FR.UTF-8") -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", lang_env)
    previous = i18n.current_language()
    try:
        with pytest.raises(SystemExit) as done:
            app.main([*argv, "--help"])
    finally:
        i18n.set_language(previous)
    assert done.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", [(), *((c,) for c in COMMANDS)], ids=str)
def test_french_help_has_no_english_words(capsys, monkeypatch, command):
    text = _help(capsys, monkeypatch, "--lang", "fr", *command)
    words = set(re.findall(r"[a-z']+", text.lower()))
    assert words & ENGLISH_ONLY == set(), text
    assert text.startswith("utilisation : messagerie")


@pytest.mark.parametrize("command", [(), *((c,) for c in COMMANDS)], ids=str)
def test_english_help_has_no_french_words(capsys, monkeypatch, command):
    text = _help(capsys, monkeypatch, "--lang=en", *command)
    assert not FRENCH_ONLY.search(text), text
    assert text.startswith("usage: messagerie")


def test_without_lang_the_help_follows_the_system_language(capsys, monkeypatch):
    assert "show this help and exit" in _help(capsys, monkeypatch, lang_env="en_GB.UTF-8")
    assert "afficher cette aide et quitter" in _help(capsys, monkeypatch, lang_env="fr_FR.UTF-8")


def test_a_usage_error_is_in_the_same_language(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    previous = i18n.current_language()
    try:
        with pytest.raises(SystemExit) as done:
            app.main(["--lang", "en", "serve", "--port", "abc"])
    finally:
        i18n.set_language(previous)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "messagerie serve: error:" in err and "Invalid port" in err
    assert not FRENCH_ONLY.search(err)
