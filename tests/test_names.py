"""Names that cannot pass for someone else's (issue 16, item 3): normal forms, skeletons, and
the room giving a lookalike of a present name a suffix."""

from __future__ import annotations

import unicodedata

import pytest

from messagerie import protocol
from messagerie.errors import RemoteProtocolError
from messagerie.net import events
from messagerie.validators import validate_name

NFC_ELODIE = unicodedata.normalize("NFC", "Élodie")
NFD_ELODIE = unicodedata.normalize("NFD", "Élodie")
LOOKALIKES = {
    "zero-width space": "Hote\u200b",
    "padding": " Hote ",
    "Cyrillic o": "H\u043ete",
    "fullwidth": "Ｈｏｔｅ",
    "Cyrillic capitals": "\u041d\u041e\u0422\u0415",
    "Greek capitals": "\u0397\u039f\u03a4\u0395",
    "soft hyphen and word joiner": "Ho\u00adt\u2060e",
    "other case": "hOTE",
}
INVISIBLE = ["\u200b", "\u200b\u200c\u200d", "\u3164", "\u2800", " \u00a0\u2003 ", "\ufeff\u034f"]


@pytest.mark.parametrize("name", list(LOOKALIKES.values()), ids=list(LOOKALIKES))
def test_lookalikes_share_the_skeleton_of_the_name_they_imitate(name):
    assert protocol.name_skeleton(name) == protocol.name_skeleton("Hote")


@pytest.mark.parametrize("name", ["Hôte", "Hote 2", "Hot", "Nina", "Ηλίας", "Сергей"])
def test_different_names_keep_different_skeletons(name):
    assert protocol.name_skeleton(name) != protocol.name_skeleton("Hote")


@pytest.mark.parametrize("name", ["PauI", "Pau1", "PAUL", "Pau\u04cf"])
def test_i_l_and_1_look_alike(name):
    assert protocol.name_skeleton(name) == protocol.name_skeleton("Paul")


def test_nfc_and_nfd_are_one_name():
    assert NFC_ELODIE != NFD_ELODIE
    assert protocol.normalise_name(NFD_ELODIE) == NFC_ELODIE
    assert protocol.name_skeleton(NFD_ELODIE) == protocol.name_skeleton(NFC_ELODIE)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("  Zoé   Martin ", "Zoé Martin"),
        ("Zoé\u00a0\u2003Martin", "Zoé Martin"),
        ("Hote\u200b", "Hote"),
        ("Ho\u00adte", "Hote"),
        ("\u200b", ""),
        # Inside an emoji the joiner and the variation selector stay: they only change how it
        # is drawn, and the skeleton drops them.
        ("\U0001f469\u200d\U0001f4bb Ana", "\U0001f469\u200d\U0001f4bb Ana"),
        ("\u2764\ufe0f Zoé", "\u2764\ufe0f Zoé"),
        ("Ana\u200d\u200dBob", "AnaBob"),
        # Bidi controls are kept, to be refused by name_problem as before.
        ("a\u202eb", "a\u202eb"),
    ],
)
def test_normal_form(raw, normal):
    assert protocol.normalise_name(raw) == normal


def test_emoji_joiners_cannot_tell_two_names_apart():
    assert protocol.name_skeleton("\U0001f469\u200d\U0001f4bb") == protocol.name_skeleton(
        "\U0001f469\U0001f4bb"
    )


@pytest.mark.parametrize("name", INVISIBLE)
def test_invisible_names_are_refused(name):
    assert protocol.name_problem(protocol.normalise_name(name)) == "empty"
    assert validate_name(name)[0] is None
    with pytest.raises(RemoteProtocolError) as info:
        protocol.decode_object(
            {"type": "hello", "version": 1, "name": name, "client_id": "c", "last_seq": 0}
        )
    assert info.value.code == protocol.BAD_NAME


def test_hello_name_is_normalised_when_decoded():
    hello = protocol.decode_object(
        {"type": "hello", "version": 1, "name": f" {NFD_ELODIE}\u200b ", "client_id": "c"}
    )
    assert hello.name == NFC_ELODIE


def test_names_a_room_hands_out_are_not_refused_for_being_invisible():
    # An older room may have let one in; cutting every newcomer off for it would be worse.
    joined = protocol.Joined(name="\u3164")
    assert protocol.Decoder().feed(protocol.encode(joined)) == [joined]


def test_the_room_gives_each_lookalike_of_a_present_name_a_suffix(sessions):
    host, join = sessions
    _, _, port = host(name="Hote")
    given = []
    for wanted in [*LOOKALIKES.values(), NFC_ELODIE, NFD_ELODIE]:
        _, rec = join(port, wanted)
        given.append(rec.first(events.Connected).name)
    lookalikes, elodies = given[: len(LOOKALIKES)], given[len(LOOKALIKES) :]
    assert all(name.endswith(")") and " (" in name for name in lookalikes), lookalikes
    assert elodies == [NFC_ELODIE, f"{NFC_ELODIE} (2)"]
    assert lookalikes[1].startswith("Hote (")  # the padding is gone
    skeletons = [protocol.name_skeleton(n) for n in ["Hote", *given]]
    assert len(set(skeletons)) == len(skeletons), given
