"""The room password outside the process list (issue 16, item 8), and --help in one language."""

from __future__ import annotations

import getpass
import io

import pytest

from messagerie import app, i18n


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def parser():
    return app.build_parser()


def test_the_environment_variable_is_used_when_no_option_is_given(parser, monkeypatch):
    monkeypatch.setenv(app.ENV_PASSWORD, "du-sel")
    assert app.resolve_password(None, parser) == "du-sel"
    assert app.resolve_password("explicite", parser) == "explicite"
    monkeypatch.delenv(app.ENV_PASSWORD)
    assert app.resolve_password(None, parser) is None


def test_dash_prompts_on_a_terminal(parser, monkeypatch):
    prompts = []
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt: prompts.append(prompt) or "tapé")
    assert app.resolve_password("-", parser) == "tapé"
    assert prompts == ["Mot de passe du salon : "]


def test_dash_without_a_terminal_says_to_use_the_variable(parser, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("bonjour\n"))
    with pytest.raises(SystemExit) as info:
        app.resolve_password("-", parser)
    assert info.value.code == 2
    assert app.ENV_PASSWORD in capsys.readouterr().err


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        ("fr", ["utilisation", "Préférez", "MESSAGERIE_PASSWORD", "afficher cette aide"],
         ["usage:", "show this help", "host a discussion"]),
        ("en", ["usage:", "Prefer", "MESSAGERIE_PASSWORD", "show this help"],
         ["utilisation", "Préférez", "héberger"]),
    ],
)  # fmt: skip
def test_help_says_which_to_prefer_in_one_language(lang, present, absent):
    i18n.set_language(lang)
    parser = app.build_parser()
    serve = parser._subparsers._group_actions[0].choices["serve"]
    text = parser.format_help() + serve.format_help()
    for word in present:
        assert word in text, word
    for word in absent:
        assert word not in text, word
