"""Display names that cannot pass for someone else's: normal forms and comparison skeletons.

Two strings can look the same and differ: "Hote" and "Hote" followed by a zero-width space,
" Hote ", "Hоte" with a Cyrillic o, the fullwidth "Ｈｏｔｅ", or "Élodie" typed as one
character or as E plus an accent. A room must see those as one name.

- `normalise_name` gives the form a name is shown and kept in: NFC, trimmed, inner white
  space collapsed to one space, zero-width and other default-ignorable characters dropped.
- `name_skeleton` gives the key two names are compared by, after Unicode TR39's "skeleton":
  compatibility forms folded (NFKC), lookalike letters of other scripts mapped to the Latin
  letter they imitate, then case folded. It is never shown.

The lookalike tables are a short, hand-checked extract of TR39's confusables.txt: the
Cyrillic and Greek letters that look like Latin ones, and the few Latin and digit pairs that
fonts make identical (I and l, 0 and O). No library fits: confusable-homoglyphs detects but does
not build skeletons, and confusables has had no release since 2021; the full data file would
be 300 kB in the frozen build for scripts our users do not mix.
"""

from __future__ import annotations

import unicodedata

# Bidi controls are default-ignorable too, but they are not dropped: a name holding one is
# refused (wire.name_problem), as it always was, since it can reorder the text around it.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

# Unicode's Default_Ignorable_Code_Point is Other_Default_Ignorable_Code_Point, plus format
# characters (Cf) and variation selectors, minus a few format characters that are visible.
# unicodedata has no property lookup, so the parts other than Cf are listed here
# (DerivedCoreProperties.txt, Unicode 15.1).
_OTHER_IGNORABLE = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x2065, 0x2065),
    (0x3164, 0x3164),  # Hangul filler, a favourite "invisible name"
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)
_VISIBLE_FORMAT = frozenset(
    [
        0xFFF9, 0xFFFA, 0xFFFB, *range(0x13430, 0x13441),
        # Prepended concatenation marks: they carry a visible sign.
        0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06DD, 0x070F, 0x0890, 0x0891,
        0x08E2, 0x110BD, 0x110CD,
    ]
)  # fmt: skip
_ZWJ = "\u200d"
_EMOJI_VARIATION = frozenset("\ufe0e\ufe0f")
# Blank although it is a symbol.
_BLANK_SYMBOLS = frozenset("\u2800")

# Lookalikes, in two steps around case folding. Capitals first, case-sensitive as in TR39:
# a Cyrillic capital En looks like H although its small letter looks like no h.
_CAPITAL_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "А": "A", "В": "B", "Е": "E", "Ѕ": "S", "І": "I", "Ј": "J", "К": "K", "М": "M",
        "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ү": "Y",
        "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I", "Ѵ": "V",
        # Greek
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
# Then small letters, after case folding. I, l and 1 look alike in most interface fonts
# ("PauI" for "Paul"); since I is also i by case, all of them fold to i.
_SMALL_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s",
        "і": "i", "ј": "j", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "i", "ү": "y",
        "г": "r", "ѵ": "v",
        # Greek
        "α": "a", "ι": "i", "ν": "v", "ο": "o", "ρ": "p", "γ": "y",
        # Latin and digits
        "l": "i", "1": "i", "|": "i", "ı": "i", "0": "o",
    }
)  # fmt: skip


def _is_ignorable(ch: str) -> bool:
    cp = ord(ch)
    if unicodedata.category(ch) == "Cf":
        return cp not in _VISIBLE_FORMAT
    return any(low <= cp <= high for low, high in _OTHER_IGNORABLE)


def _is_emoji(ch: str) -> bool:
    # Symbols and the skin-tone modifiers (Sk), which a joiner or a variation selector may
    # follow inside one emoji.
    return unicodedata.category(ch) in ("So", "Sk")


def normalise_name(name: str) -> str:
    """The form a display name is shown and kept in (it may come out empty).

    NFC; every run of white space becomes one space, none at the ends; zero-width and other
    default-ignorable characters are dropped, except bidi controls (refused elsewhere) and
    the joiners and variation selectors inside an emoji sequence, which only change how the
    emoji is drawn (`name_skeleton` drops them, so they cannot tell two names apart).
    """
    chars = unicodedata.normalize("NFC", name)
    kept: list[str] = []
    for i, ch in enumerate(chars):
        if ch in BIDI_CONTROLS or not _is_ignorable(ch):
            kept.append(ch)
            continue
        previous = kept[-1] if kept else ""
        following = chars[i + 1] if i + 1 < len(chars) else ""
        if ch == _ZWJ and following and _is_emoji(following) and previous:
            if _is_emoji(previous) or previous in _EMOJI_VARIATION:
                kept.append(ch)
        elif ch in _EMOJI_VARIATION and previous and _is_emoji(previous):
            kept.append(ch)
    return " ".join("".join(kept).split())


def is_invisible(name: str) -> bool:
    """Whether `name` shows nothing: only spaces, marks, blanks and ignorable characters."""
    return not any(
        unicodedata.category(ch)[0] in "LNPS" and ch not in _BLANK_SYMBOLS and not _is_ignorable(ch)
        for ch in name
    )


def name_skeleton(name: str) -> str:
    """The key by which two display names are the same name to a room (never shown).

    After `normalise_name`: NFKC (fullwidth, ligatures and other compatibility forms), every
    ignorable character dropped, case folded, and lookalike letters mapped to the Latin
    letter they imitate (TR39 confusables, for Cyrillic and Greek; I, l and 1; 0 and o).
    Pure Cyrillic or Greek names are folded too, not only mixed ones: "НОТЕ" in Cyrillic
    passes for "HOTE" as well as a mixed "HОTE" does, and the only cost is that two real
    lookalikes get told apart by the room's " (2)" suffix.
    """
    text = unicodedata.normalize("NFKC", normalise_name(name))
    text = "".join(ch for ch in text if not _is_ignorable(ch))
    # Decomposed, so that an accented lookalike (Cyrillic ё) maps like its base letter.
    text = unicodedata.normalize("NFD", text).translate(_CAPITAL_CONFUSABLES)
    text = unicodedata.normalize("NFD", text.casefold()).translate(_SMALL_CONFUSABLES)
    return unicodedata.normalize("NFKC", text)


def mentions(text: str, name: str) -> bool:
    """Whether `text` mentions `name`: `@` followed by the name, compared by skeleton (so
    `@zoe` and `@Zoé` with the accent typed apart both count), then not by more of a word."""
    if not name or "@" not in text:
        return False
    wanted = name_skeleton(name)
    at = text.find("@")
    while at != -1:
        typed = text[at + 1 : at + 1 + len(name)]
        after = text[at + 1 + len(name) : at + 2 + len(name)]
        if name_skeleton(typed) == wanted and not (after.isalnum() or after == "_"):
            return True
        at = text.find("@", at + 1)
    return False
