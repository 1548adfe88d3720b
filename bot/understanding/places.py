"""Another town named in a message ("Kita in Leipzig", "переїжджаємо в Радебойль").

Its Kitas, its registration and its offices are not ours: only the answers that hold anywhere
(`where: "anywhere"`, like the measles law) may answer it. The towns come from faq/places.yaml
(an official register); where someone comes from ("aus Berlin") does not count, where someone
moves to does, even with our own town named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from bot.models import Lexicon, Places
from bot.understanding.text import WORD, fold_umlauts, prepare, word_script

_MIN_PLACE_STEM: Final = 4
_MAX_ENDING: Final = 3
"""Letters an inflected Cyrillic town name may add to its stem (Лейпциг -> у Лейпцизі)."""
_MIN_HOME_PREFIX: Final = 5
"""Our own town's names longer than this also count with an ending (Dresdner, Дрездені) ..."""
_MAX_HOME_ENDING: Final = 5
"""... of at most this many letters after the name less its last two."""


@dataclass(frozen=True)
class Elsewhere:
    """Another town a message asks about."""

    name: str | None
    """As the register writes it ("Leipzig", "Лейпциг" for "у Лейпцигу"); None when the message
    only says "another town"."""


def _words(name: str) -> tuple[str, ...]:
    return tuple(fold_umlauts(w) for w in WORD.findall(prepare(name)))


class Towns:
    """Finds the other town a message asks about."""

    def __init__(self, places: Places, lexicon: Lexicon) -> None:
        singles: set[str] = set()
        phrases: dict[str, set[tuple[str, ...]]] = {}
        self._names: dict[str | tuple[str, ...], str | None] = {}
        """A town's folded word (or words) -> its name; None for words like "another town"."""
        for name in sorted(places.towns) + sorted(places.phrases):
            words = _words(name)
            self._names.setdefault(
                words[0] if len(words) == 1 else words, name if name in places.towns else None
            )
            if len(words) == 1:
                singles.add(words[0])
            elif words:
                phrases.setdefault(words[0], set()).add(words)
        cyrillic = {n for n in singles if word_script(n) == "cyrillic" and len(n) > _MIN_PLACE_STEM}
        self._latin = frozenset(singles - cyrillic)
        # Cyrillic names are inflected: keep them less their last letter (Хемніц -> у Хемніці).
        self._cyrillic = {n[:-1]: n for n in sorted(cyrillic)}
        self._phrases = {
            first: tuple(sorted(p, key=len, reverse=True)) for first, p in phrases.items()
        }
        home = {
            w
            for name in places.home
            for part in name.split("/")
            if len(ws := _words(part)) == 1
            for w in ws
        }
        self._home = frozenset(home)
        # An ending changes the last letters: Dresden -> Dresdner, Дрезден -> у Дрездені.
        self._home_prefixes = frozenset(h[:-2] for h in home if len(h) > _MIN_HOME_PREFIX)
        self._from = lexicon.from_words
        self._to = lexicon.to_words

    def is_town(self, word: str) -> bool:
        """True for another town's one-word name (inflected Cyrillic names included)."""
        return self._town(word) is not None

    def _town(self, word: str) -> str | None:
        """The folded one-word name `word` stands for (Лейпцизі -> лейпциг), if a town."""
        flat = fold_umlauts(word)
        if flat in self._latin:
            return flat
        if not self._cyrillic or word_script(flat) != "cyrillic":
            return None
        shortest = max(len(flat) - _MAX_ENDING, _MIN_PLACE_STEM)
        return next(
            (
                self._cyrillic[flat[:n]]
                for n in range(len(flat), shortest - 1, -1)
                if flat[:n] in self._cyrillic
            ),
            None,
        )

    def is_home(self, word: str) -> bool:
        """Our own town or one of its districts (Dresden, Dresdner, Дрездені, Pieschen)."""
        flat = fold_umlauts(word)
        if flat in self._home:
            return True
        shortest = max(_MIN_HOME_PREFIX - 1, len(flat) - _MAX_HOME_ENDING)
        return any(flat[:n] in self._home_prefixes for n in range(shortest, len(flat) + 1))

    def find(self, words: Iterable[str]) -> Elsewhere | None:
        """The other town the message asks about: one named not as where someone comes from,
        with our own town not named, or named as where someone moves to."""
        flat = tuple(fold_umlauts(w) for w in words)
        here = moving_there = False
        found: Elsewhere | None = None
        skip = 0
        for i, word in enumerate(flat):
            if skip:
                skip -= 1
                continue
            before = flat[i - 1] if i else ""
            if before in self._from:
                continue
            if self.is_home(word):
                here = True
                continue
            size = self._phrase_at(flat, i)
            town = flat[i : i + size] if size else self._town(word)
            if town is not None:
                found = found or Elsewhere(self._names.get(town))
                moving_there = moving_there or before in self._to
                skip = max(size - 1, 0)
        if found is not None and (not here or moving_there):
            return found
        return None

    def _phrase_at(self, flat: tuple[str, ...], i: int) -> int:
        """The length of a multi-word name starting at word `i` ("bad schandau"), else 0."""
        for phrase in self._phrases.get(flat[i], ()):
            if flat[i : i + len(phrase)] == phrase:
                return len(phrase)
        return 0
