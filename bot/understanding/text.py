"""Unicode text made comparable: one form per character, script, umlauts, looser spellings.

Pure functions on characters and words; they know no language's vocabulary (that is
faq/lexicon.yaml) and no topic.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final, Literal

MAX_INPUT_CHARS: Final = 500
"""Only the start of a message is read: questions are short, and the cost must stay bounded."""

APOSTROPHE: Final = "'"
_APOSTROPHES: Final = "ʼ’'`‘´ʹ′＇"

Script = Literal["latin", "cyrillic", "other"]

_PRE_NFKC = str.maketrans({c: APOSTROPHE for c in _APOSTROPHES})

# Format characters (Cf: zero-width, soft hyphen, bidi controls) live in these blocks only; CJK,
# Hangul and private use (U+3000-U+FDFF, planes 2-13 and 15-16) have none.
_CF_BLOCKS: Final = ((0x0000, 0x3000), (0xFE00, 0x20000), (0xE0000, 0xE0100))
_FORMAT_CHARS = re.compile(
    "["
    + "".join(
        re.escape(chr(code))
        for start, end in _CF_BLOCKS
        for code in range(start, end)
        if unicodedata.category(chr(code)) == "Cf"
    )
    + "]+"
)
LATIN_LETTER: Final = re.compile(r"[a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
CYRILLIC_LETTER: Final = re.compile(r"[\u0400-\u052f]")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_SPACES = re.compile(r"\s+")
WORD: Final = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
"""A word: letters and digits; an apostrophe inside a word belongs to it."""
SENTENCE_END: Final = re.compile(r"[?!.;:\n]+(?=\s|$)|[?!]+")
"""Where a sentence ends: ? and ! anywhere, . ; : and line breaks before a space (not in 3.5 or z.B)."""

# Lower-case letters that look alike in Latin and Cyrillic (also those whose capitals look alike:
# after casefolding "КIТА" the Latin i must still fold to і).
_LAT_TO_CYR: Final = {
    "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "i": "і", "k": "к", "m": "м",
    "o": "о", "p": "р", "t": "т", "x": "х", "y": "у",
}  # fmt: skip
_TO_CYR = str.maketrans(_LAT_TO_CYR)
_TO_LAT = str.maketrans({v: k for k, v in _LAT_TO_CYR.items()})
_CYR_LOOKALIKE = str.maketrans(dict(zip("авсенікмортху", "abcehikmoptxy", strict=True)))


def script(ch: str) -> Script:
    """The script of one character: Latin, Cyrillic or anything else."""
    if "a" <= ch <= "z" or "A" <= ch <= "Z":
        return "latin"
    if ch < "\u00c0":
        return "other"
    if "\u0400" <= ch <= "\u052f":
        return "cyrillic"
    if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"):
        return "latin"
    return "other"


def _letters(word: str) -> tuple[int, int]:
    """How many Latin and how many Cyrillic letters `word` has."""
    latin = cyrillic = 0
    for ch in word:
        kind = script(ch)
        if kind == "latin":
            latin += 1
        elif kind == "cyrillic":
            cyrillic += 1
    return latin, cyrillic


@lru_cache(maxsize=16384)
def word_script(word: str) -> Script:
    """The script most letters of `word` are written in."""
    latin, cyrillic = _letters(word)
    if not latin and not cyrillic:
        return "other"
    return "cyrillic" if cyrillic >= latin else "latin"


def _fold_mixed_word(word: str) -> str:
    """A word mixing Latin and Cyrillic gets its look-alikes in the word's majority script."""
    latin, cyrillic = _letters(word)
    if not latin or not cyrillic:
        return word
    # A tie goes to Cyrillic: the look-alike tricks we see are Latin letters in Cyrillic words.
    return word.translate(_TO_CYR if cyrillic >= latin else _TO_LAT)


def _unify(text: str) -> str:
    """NFKC, casefold, no invisible characters, one apostrophe, single spaces (umlauts kept)."""
    text = text[:MAX_INPUT_CHARS]
    if text.isascii():
        return _SPACES.sub(" ", text.lower().translate(_PRE_NFKC)).strip()
    # Invisible characters go first: removing one later could let its neighbours compose.
    text = _FORMAT_CHARS.sub("", text).translate(_PRE_NFKC)
    for _ in range(3):  # casefolding can un-normalise a few characters; settle on a fixed point
        folded = unicodedata.normalize("NFKC", text).casefold()
        folded = unicodedata.normalize("NFC", folded)
        if folded == text:
            break
        text = folded
    text = _FORMAT_CHARS.sub("", text).translate(_PRE_NFKC)
    return _SPACES.sub(" ", text).strip()


def _cut(text: str) -> str:
    """At most MAX_INPUT_CHARS, cut at a space when there is one (NFKC may have expanded)."""
    if len(text) <= MAX_INPUT_CHARS:
        return text
    head = text[:MAX_INPUT_CHARS]
    space = head.rfind(" ")
    return head[:space] if space > 0 else head


def prepare(text: str) -> str:
    """The message as the matcher reads it: its first MAX_INPUT_CHARS characters, NFKC, casefolded,
    no invisible characters, one apostrophe, single spaces, words mixing Latin and Cyrillic
    look-alikes in one script. Umlauts stay (the stemmers want them)."""
    unified = _cut(_unify(text))
    if unified.isascii() or not LATIN_LETTER.search(unified):
        return unified
    if not CYRILLIC_LETTER.search(unified):
        return unified
    return WORD.sub(lambda m: _fold_mixed_word(m.group()), unified)


@lru_cache(maxsize=16384)
def fold_umlauts(word: str) -> str:
    """ä->ae, ö->oe, ü->ue, ß->ss."""
    return word.translate(_UMLAUTS)


def loose_latin(word: str) -> str:
    """Also match people who drop the umlaut entirely: uebernimmt/ubernimmt -> ubernimmt."""
    return word.replace("ae", "a").replace("oe", "o").replace("ue", "u")


_LOOSE_CYR = str.maketrans(
    {"ь": None, "'": None, "ъ": None, "ї": "і", "є": "е", "ё": "е", "ґ": "г"}
)


def loose_cyrillic(word: str) -> str:
    """Soft sign and apostrophe dropped, ї->і, є->е: what romanised or hurried writing loses."""
    return word.translate(_LOOSE_CYR)


def lookalike_latin(word: str) -> str | None:
    """ "кіта" typed with Cyrillic look-alikes of "kita": its Latin twin, else None."""
    twin = word.translate(_CYR_LOOKALIKE)
    return twin if twin.isascii() else None
