"""Which language a message is in, its words, its sentences; Ukrainian in Latin letters made
Cyrillic. The marker words come from faq/lexicon.yaml; the romanisation table is grammar."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Protocol

from bot.models import Lexicon
from bot.understanding.text import (
    CYRILLIC_LETTER,
    LATIN_LETTER,
    SENTENCE_END,
    WORD,
    prepare,
    word_script,
)

_ROMAN_MULTI: Final = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
    ("ya", "я"), ("ia", "я"), ("ja", "я"), ("yu", "ю"), ("iu", "ю"), ("ju", "ю"),
    ("ye", "є"), ("ie", "є"), ("je", "є"), ("yi", "ї"), ("ji", "ї"), ("yo", "йо"), ("jo", "йо"),
)  # fmt: skip
_ROMAN_SINGLE: Final = {
    "a": "а", "b": "б", "v": "в", "w": "в", "h": "г", "g": "г", "d": "д", "e": "е", "z": "з",
    "y": "и", "i": "і", "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п",
    "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф", "c": "ц", "x": "кс", "q": "к", "'": "ь",
}  # fmt: skip
_VOWELS_LAT: Final = frozenset("aeiouy")
_WORD_END_IY = re.compile(r"(?<=[bcdfghklmnprstvwxz])(?:yi|yy|iy|ij|yj)$")
# Letter clusters and endings of romanised Ukrainian that German and English do not have.
_ROMAN_UK_PATTERN = re.compile(
    r"shch|zh|kh|yy|iy$|yi$|yj$|ykh$|(?:a|y)ty$|ennia$|ennya$|s'k|sk(?:yi|yy|oho|omu)$"
)
_UK_LETTERS: Final = "іїєґ"
_RU_LETTERS: Final = "ыэъё"
_GERMAN_MARKS: Final = "äöüß"
_CACHE: Final = 8192
_CACHED_CHARS: Final = 400


@lru_cache(maxsize=16384)
def romanized_to_cyrillic(word: str) -> str:
    """Latin-letter Ukrainian (jak zapysaty dytynu, shcheplennia) back to Cyrillic, best effort."""
    word = _WORD_END_IY.sub("ий", word)
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        for latin, cyr in _ROMAN_MULTI:
            if word.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            ch = word[i]
            # After a vowel, i is usually ї (Ukrainy, moi, yii).
            if ch == "i" and i > 0 and word[i - 1] in _VOWELS_LAT:
                out.append("ї")
            else:
                out.append(_ROMAN_SINGLE.get(ch, ch))
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class Reading:
    """One message as the matcher reads it."""

    words: tuple[str, ...]
    """Lower-case words, umlauts as typed; romanised Ukrainian already in Cyrillic."""
    latin_words: tuple[str, ...]
    """The original Latin spelling of romanised words (Kita, Amt), else empty."""
    lang: str
    """de, uk, en or ru."""
    confident: bool
    romanized: bool
    sentence: tuple[int, ...] = ()
    """Per word, the number of its sentence (0, 1, ...)."""
    asking: frozenset[int] = frozenset()
    """The sentences that ask: a question mark, a question word or a request."""

    @property
    def is_story(self) -> bool:
        """Several sentences, only some of which ask: the question is in those."""
        sentences = len(set(self.sentence))
        return sentences > 1 and 0 < len(self.asking) < sentences


class Reader:
    """Reads messages with the marker and question words of one lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        markers = lexicon.language
        stop = lexicon.stop_words
        self._uk = markers.get("uk", frozenset())
        self._ru = markers.get("ru", frozenset())
        self._de = stop.get("de", frozenset()) | markers.get("de", frozenset())
        self._en = stop.get("en", frozenset()) | markers.get("en", frozenset())
        self._roman_uk = markers.get("uk-latn", frozenset())
        self._asking = lexicon.asking
        # The index reads each phrasing several times, and people send the same words often.
        self._cached = lru_cache(maxsize=_CACHE)(self._read)

    def read(self, text: str) -> Reading:
        """The message read (a short text from a cache; a long one is read afresh, so that a
        flood of long messages cannot fill memory)."""
        return self._cached(text) if len(text) <= _CACHED_CHARS else self._read(text)

    def read_afresh(self, text: str) -> Reading:
        """The message read, not kept in the cache."""
        return self._read(text)

    def _read(self, text: str) -> Reading:
        """Normalise, split into words and sentences, detect the language; romanised Ukrainian
        becomes Cyrillic."""
        prepared = prepare(text)
        words: list[str] = []
        sentence: list[int] = []
        asking: set[int] = set()
        for number, (part, asks) in enumerate(_sentences(prepared)):
            found = WORD.findall(part)
            words += found
            sentence += [number] * len(found)
            if asks:
                asking.add(number)
        cyr = len(CYRILLIC_LETTER.findall(prepared))
        lat = len(LATIN_LETTER.findall(prepared))
        latin_words: tuple[str, ...] = ()
        if not cyr and not lat:
            lang, confident = "de", False
        elif cyr >= lat:
            lang, confident = self._cyrillic_language(words, prepared)
        else:
            lang, confident, roman = self._latin_language(words, prepared)
            if roman:
                latin_words = tuple(words)
                words = [
                    romanized_to_cyrillic(w) if word_script(w) == "latin" else w for w in words
                ]
        # A question word counts in the words as read ("chy" is "чи").
        asking.update(n for w, n in zip(words, sentence, strict=True) if w in self._asking)
        return Reading(
            tuple(words),
            latin_words,
            lang,
            confident,
            bool(latin_words),
            tuple(sentence),
            frozenset(asking),
        )

    def _cyrillic_language(self, words: Iterable[str], text: str) -> tuple[str, bool]:
        words = list(words)
        uk = sum(text.count(ch) for ch in _UK_LETTERS) + sum(w in self._uk for w in words)
        uk += sum(1 for w in words if "'" in w and word_script(w) == "cyrillic")
        ru = sum(text.count(ch) for ch in _RU_LETTERS) + sum(w in self._ru for w in words)
        if ru > uk:
            return "ru", ru >= 2 or not uk
        return "uk", uk > 0 or len(text) >= 12

    def _latin_language(self, words: list[str], text: str) -> tuple[str, bool, bool]:
        """(lang, confident, romanised Ukrainian?) for a message in Latin letters."""
        de = en = uk = 0.0
        for w in words:
            de += w in self._de
            en += w in self._en
            uk += 1.0 if w in self._roman_uk else 0.5 if _ROMAN_UK_PATTERN.search(w) else 0.0
        de += 2 * sum(text.count(ch) for ch in _GERMAN_MARKS)
        if uk > max(de, en) or (uk >= 1 and uk >= max(de, en) and len(words) <= 3):
            return "uk", uk >= 1.5 or uk > de + en, True
        if de >= en:
            return "de", de > en, False
        return "en", True, False


class Reads(Protocol):
    """Anything that reads a text: a `Reader`, or the `Readings` of one build."""

    def read(self, text: str) -> Reading: ...


class Readings:
    """The texts of one knowledge base, each read once while its index is built. A build with
    the same lexicon starts from the last build's readings: a reload after an edit to one topic
    reads only that topic's new texts. Not in the reader's cache, where messages would push
    them out."""

    def __init__(self, reader: Reader, earlier: Mapping[str, Reading] | None = None) -> None:
        self.reader = reader
        self._earlier = earlier or {}
        self.read_now: dict[str, Reading] = {}
        """What this build read: the next build's `earlier`."""

    def read(self, text: str) -> Reading:
        """`text` read, once per build."""
        found = self.read_now.get(text)
        if found is None:
            found = self._earlier.get(text) or self.reader.read_afresh(text)
            self.read_now[text] = found
        return found


def _sentences(text: str) -> list[tuple[str, bool]]:
    """The sentences of `text`, each with whether it ends with a question mark."""
    out: list[tuple[str, bool]] = []
    start = 0
    for end in SENTENCE_END.finditer(text):
        out.append((text[start : end.start()], "?" in end.group()))
        start = end.end()
    if text[start:].strip():
        out.append((text[start:], False))
    return out
