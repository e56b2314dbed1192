"""The one door to words: sentence(), explain(), neutralise(), and the renderer describe()."""

from __future__ import annotations

import dataclasses
import inspect
import logging
import re

import pytest

from messagerie import errors, i18n
from messagerie.net import events as ev
from messagerie.net.client import _error_from_server
from messagerie.wording import (
    ChatLine,
    Delivered,
    Reached,
    Refused,
    SystemLine,
    Viewpoint,
    describe,
    explain,
    neutralise,
    sentence,
)
from messagerie.wording.sentences import inline

# Characters that must never reach a terminal raw: C0 but newline, DEL, C1, bidi controls.
RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)


# --- sentence ------------------------------------------------------------------------------


def test_a_known_code_gets_its_sentence_in_the_readers_language():
    details = {"host": "pc", "port": 5566}
    assert sentence("connection_refused", details).startswith(
        "Personne n'écoute à l'adresse pc:5566"
    )
    i18n.set_language("en")
    assert sentence("connection_refused", details).startswith("Nobody is listening at pc:5566")


def test_a_known_code_ignores_what_the_server_said():
    said = {"server_text": "Ceci n'est pas notre phrase"}
    assert sentence("room_full", said) == "La discussion est complète."


def test_an_unknown_code_shows_the_servers_sentence_quoted_and_neutralised():
    said = {"server_text": "Nouveau\n\x1b[31mCode de sécurité : 0000"}
    text = sentence("brand_new_code", said)
    assert text == "Le serveur signale : « Nouveau\\n\\x1b[31mCode de sécurité : 0000 »"
    assert not RAW_CONTROL.search(text) and "\n" not in text


def test_an_unknown_code_without_a_sentence_names_the_code():
    assert (
        sentence("brand_new_code") == "Erreur signalée sans explication (code « brand_new_code »)."
    )
    # A code is a peer's string too.
    assert "\x1b" not in sentence("x\x1b[2Jy")


def test_details_that_came_from_the_network_are_neutralised():
    text = sentence("unknown_type", {"type": "evil\x1b]0;title\x07\nHote : x"})
    assert not RAW_CONTROL.search(text) and "\n" not in text
    assert "\\x1b]0;title\\x07" in text


def test_errors_hold_no_sentence_and_print_code_and_details():
    error = errors.NetworkError("port_in_use", port=5566, suggestion=5567)
    assert not hasattr(error, "message")
    assert str(error) == "port_in_use (port=5566, suggestion=5567)"
    assert str(errors.SecurityError("wrong_password")) == "wrong_password"


def test_the_fallback_is_french_whatever_the_current_language():
    i18n.set_language("en")
    assert i18n.tr("error.room_full") == "The discussion is full."
    assert i18n.fallback("error.room_full") == "La discussion est complète."
    assert i18n.fallback("error.frame_too_large", limit=10) == (
        "Message trop volumineux (au plus 10 octets par trame)."
    )


def test_an_error_frame_from_the_server_keeps_its_sentence_as_server_text():
    known = _error_from_server("room_full", "Complet, désolé")
    assert known.code == "room_full" and known.details == {"server_text": "Complet, désolé"}
    assert sentence(known.code, known.details) == "La discussion est complète."
    unknown = _error_from_server("later_code", "\x9b2JQuoi")
    assert sentence(unknown.code, unknown.details) == "Le serveur signale : « \\x9b2JQuoi »"
    bare = _error_from_server("later_code", "")
    assert bare.details == {}


# --- explain -------------------------------------------------------------------------------


def test_explain_gives_a_user_errors_sentence_without_logging_it(caplog):
    with caplog.at_level(logging.ERROR):
        text = explain(errors.StorageError("storage", path="/x", detail="disque plein"))
    assert text == "Impossible d'écrire dans /x : disque plein. La discussion continue en mémoire."
    assert not caplog.records


def test_explain_logs_a_bug_with_its_traceback_and_says_internal(caplog):
    def broken():
        return {}["missing"]

    try:
        broken()
    except KeyError as exc:
        with caplog.at_level(logging.ERROR):
            text = explain(exc)
    assert text == "Erreur interne — voir le journal."
    (record,) = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is KeyError
    assert "Traceback" in caplog.text and "in broken" in caplog.text


# --- neutralise ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J\x1b[31mrouge", "\\x1b[2J\\x1b[31mrouge"),  # ESC and CSI sequences
        ("a\x9b31mb", "a\\x9b31mb"),  # the one-character CSI of C1
        ("\x85\x90\x9d\x9f", "\\x85\\x90\\x9d\\x9f"),  # NEL, DCS, OSC, APC
        ("abc\u202edcba", "abc\\u202edcba"),  # right-to-left override
        ("\u2066x\u2069\u200f", "\\u2066x\\u2069\\u200f"),  # isolates and marks
        ("bell\x07del\x7f\r", "bell\\x07del\\x7f\\x0d"),  # C0, DEL, carriage return
        ("une\nligne\tpuis", "une\nligne\tpuis"),  # newline and tab are the caller's
        ("Élodie 😀 مرحبا", "Élodie 😀 مرحبا"),  # ordinary text is untouched
    ],
)
def test_neutralise_makes_controls_visible(raw, shown):
    assert neutralise(raw) == shown
    assert not RAW_CONTROL.search(neutralise(raw).replace("\t", ""))


def test_inline_also_escapes_line_breaks():
    assert inline("a\nb\tc\x1b") == "a\\nb\\tc\\x1b"


# --- describe ------------------------------------------------------------------------------

FP = "ab" * 32
ME = Viewpoint(own_name="Ana", connected=True)
OFFLINE = Viewpoint(own_name="Ana")

# One example (or more) of every event, with the lines both faces draw for it.
CASES = [
    (
        ev.Listening(
            host="0.0.0.0", port=5566, name="Ana", addresses=("10.0.0.2:5566",), tls=False
        ),
        OFFLINE,
        [
            SystemLine("En attente de connexion..."),
            SystemLine("Discussion ouverte sur 10.0.0.2:5566"),
            SystemLine("Attention : discussion non chiffrée."),
        ],
    ),
    (
        ev.Connected(
            host="pc",
            port=1,
            name="Ana",
            room="r",
            participants=("Ana",),
            tls=True,
            fingerprint=FP,
            safety_code="1234 5678",
        ),
        OFFLINE,
        [SystemLine("Connecté au serveur"), SystemLine("Code de sécurité : 1234 5678")],
    ),
    (
        ev.Joined(name="Bob", address="10.0.0.3"),
        ME,
        [SystemLine("Connexion établie avec 10.0.0.3"), SystemLine("Bob a rejoint la discussion")],
    ),
    (ev.Joined(name="Ana"), ME, []),  # our own arrival: "Connecté au serveur" said it
    (ev.Left(name="B\x9bob"), ME, [SystemLine("B\\x9bob a quitté la discussion")]),
    (
        ev.MessageReceived(
            id="m1", seq=3, sender="Bob", text="l1\nl2 \x9b2J", ts=5.0, history=True
        ),
        ME,
        [ChatLine("m1", "Bob", "l1\nl2 \\x9b2J", 5.0, history=True)],
    ),
    (
        ev.Pending(id="m2", text="salut", ts=6.0),
        ME,
        [ChatLine("m2", "Ana", "salut", 6.0, own=True, pending=True)],
    ),
    (ev.Acked(id="m2", seq=4), ME, [Delivered("m2")]),
    (ev.Delivered(id="m3", seq=5), ME, [Reached("m3")]),
    (
        ev.SendRefused(id="m4", code="unknown_recipient"),
        ME,
        [
            Refused("m4"),
            SystemLine("Message non envoyé : Destinataire inconnu dans cette discussion.", True),
        ],
    ),
    (
        ev.MessageReceived(
            id="m5",
            seq=6,
            sender="Bob",
            text="@ana tu as deux minutes ?",
            ts=7.0,
            to="a" * 20,
            to_name="Ana",
            from_id="b" * 20,
            reply={"id": "m1", "from": "B\u202eob", "text": "l1"},
        ),
        ME,
        [
            ChatLine(
                "m5",
                "Bob",
                "@ana tu as deux minutes ?",
                7.0,
                peer_id="b" * 20,
                to_name="Ana",
                reply=("m1", "B\\u202eob", "l1"),
                mention=True,
            )
        ],
    ),
    (
        ev.Disconnected(reason="connection_lost"),
        ME,
        [SystemLine("Déconnecté : La connexion avec le serveur a été perdue.", error=True)],
    ),
    # A failed attempt of the reconnect loop: no new "Déconnecté" line.
    (ev.Disconnected(reason="connection_refused", details={"host": "pc", "port": 1}), OFFLINE, []),
    (ev.Reconnecting(delay_s=1.5), OFFLINE, [SystemLine("Reconnexion dans 1.5 s...")]),
    (
        ev.Notice(code="storage", reason="database_in_use", details={"path": "/h.sqlite3"}),
        ME,
        [
            SystemLine(
                "Une autre Messagerie héberge déjà une discussion avec /h.sqlite3. Celle-ci "
                "continue, mais ne sera pas gardée après la fermeture."
            )
        ],
    ),
    (
        ev.Failed(code="text_too_long", fatal=False, details={"limit": 9}),
        ME,
        [SystemLine("Message trop long : 9 caractères au plus.", error=True)],
    ),
    (ev.Failed(code="internal"), ME, [SystemLine("Erreur interne — voir le journal.", error=True)]),
    (ev.Stopped(), ME, []),
    (ev.Typing(name="Bob"), ME, []),  # a passing hint in the window, never a line
    (
        ev.FileOffered(
            id="f1", name="a.txt", size=2048, sha256="0" * 64, media_type="text/plain", sender="Zoé"
        ),
        ME,
        [SystemLine("« a.txt » (2,0 Ko), de Zoé : pour le télécharger, /get f1")],
    ),
    (ev.FileProgress(id="f1", direction="download", done=1, total=2), ME, []),
    (
        ev.FileResumed(
            id="t1",
            direction="upload",
            name="a\u202e.txt",
            size=2,
            media_type="",
            sender="",
            path="/d/a.txt",
        ),
        ME,
        [SystemLine("Reprise de l’envoi de « a\\u202e.txt », là où il s’était arrêté")],
    ),
    (
        ev.FileResumed(
            id="f1",
            direction="download",
            name="a.txt",
            size=2,
            media_type="text/plain",
            sender="Zoé",
            path="/d",
        ),
        ME,
        [SystemLine("Reprise du téléchargement de « a.txt », là où il s’était arrêté")],
    ),
    (
        ev.FileSent(id="t1", file_id="f1", name="a.txt"),
        ME,
        [SystemLine("Fichier envoyé : « a.txt »")],
    ),
    (
        ev.FileReceived(id="f1", name="a.txt", path="/d/a\x1b.txt"),
        ME,
        [SystemLine("Fichier reçu : /d/a\\x1b.txt")],
    ),
    (
        ev.FileFailed(
            id="t1", direction="upload", name="x", code="bad_file_name", details={"reason": "bidi"}
        ),
        ME,
        [
            SystemLine(
                "Transfert de « x » impossible : Nom de fichier refusé : il contient des "
                "caractères qui inversent le sens du texte.",
                error=True,
            )
        ],
    ),
    (
        ev.FileFailed(
            id="t1", direction="upload", name="x", code="file_too_large", details={"limit": 1024**3}
        ),
        ME,
        [
            SystemLine(
                "Transfert de « x » impossible : Fichier trop volumineux : 1,0 Go au plus par "
                "fichier.",
                error=True,
            )
        ],
    ),
]


@pytest.mark.parametrize(("event", "viewpoint", "lines"), CASES)
def test_describe(event, viewpoint, lines):
    assert describe(event, viewpoint) == lines


def test_every_event_type_is_described_above():
    kinds = {
        cls
        for _, cls in inspect.getmembers(ev, inspect.isclass)
        if issubclass(cls, ev.Event) and cls is not ev.Event
    }
    assert kinds == {type(event) for event, _, _ in CASES}


def test_the_viewpoint_follows_the_session():
    start = Viewpoint(own_name="Client")
    connected = ev.Connected(
        host="h", port=1, name="Client (2)", room="", participants=(), tls=False
    )
    after = start.after(connected)
    assert after == Viewpoint(own_name="Client (2)", connected=True)
    assert after.after(ev.MessageReceived(id="x", seq=1, sender="B", text="t", ts=0)) is after
    assert not after.after(ev.Disconnected(reason="connection_lost")).connected
    assert not after.after(ev.Failed(code="internal")).connected
    assert after.after(ev.Failed(code="text_too_long", fatal=False)).connected


def test_describe_is_in_the_readers_language():
    i18n.set_language("en")
    (line,) = describe(ev.Joined(name="Bob"), ME)
    assert line == SystemLine("Bob joined the discussion")


def test_lines_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SystemLine("x").text = "y"  # type: ignore[misc]
