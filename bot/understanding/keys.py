"""The forms under which a word is looked up: as typed, without umlauts, stemmed, its synonym
group. Stemmers are grammar (Snowball for de/en/ru, a suffix stripper for Ukrainian); which words
are function words and which mean the same comes from faq/lexicon.yaml."""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import snowballstemmer

from bot.models import Lexicon
from bot.understanding.text import (
    fold_umlauts,
    lookalike_latin,
    loose_cyrillic,
    loose_latin,
    word_script,
)

_SNOWBALL: Final = {
    lang: snowballstemmer.stemmer(name)
    for lang, name in (("de", "german"), ("en", "english"), ("ru", "russian"))
}

# Ukrainian has no Snowball stemmer: strip the longest inflection ending, keep >= 3 letters.
_UK_REFLEXIVE: Final = ("ся", "сь")
_UK_ENDINGS: Final = tuple(
    sorted(
        set(
            """
            ами ями ові еві ого ому ими ій ий ої ою ею єю ям ам ах ях ів їв ей ом ем им их іх ім
            ати яти ити іти ути ував ювати увати ують юють ють ять уть ать ить имо емо ємо ите ете
            єте ала ило ила ули али или ало яла ява ав ив ув ли ла ло ме му ть ш еш иш ує ю є а я о
            е и і ї у ь ння ення ання ок ка ку ки ці ина ину ини ині ику
            """.split()  # noqa: SIM905 - a list one can read
        ),
        key=lambda ending: (-len(ending), ending),
    )
)
_MIN_SYNONYM_STEM: Final = 4
_CACHE: Final = 65536


@lru_cache(maxsize=_CACHE)
def stem(word: str, lang: str) -> str:
    """A stem for matching: Snowball for de/en/ru, a light suffix stripper for Ukrainian."""
    if lang == "uk":
        return _stem_uk(word)
    stemmer = _SNOWBALL.get(lang)
    return str(stemmer.stemWord(word)) if stemmer else word


def _stem_uk(word: str) -> str:
    word = word.replace("'", "")
    for ending in _UK_REFLEXIVE:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            word = word[: -len(ending)]
            break
    for ending in _UK_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def stem_language(word: str, lang: str) -> str:
    """The stemmer for `word` in a message in `lang`: Latin words in Ukrainian or Russian
    messages are German loanwords (Kita, Anmeldung, Amt); Cyrillic ones Ukrainian unless the
    message is Russian."""
    if word_script(word) == "cyrillic":
        return "ru" if lang == "ru" else "uk"
    return "en" if lang == "en" else "de"


class Keys:
    """Word keys and stop words of one lexicon (cached per instance: words repeat a lot)."""

    def __init__(self, lexicon: Lexicon) -> None:
        stop = lexicon.stop_words
        self._stop_latin = stop.get("de", frozenset()) | stop.get("en", frozenset())
        self._stop_cyrillic = stop.get("uk", frozenset()) | stop.get("ru", frozenset())
        self._content = lexicon.content_words
        self._synonyms = _synonym_index(lexicon.synonyms)
        self.of = lru_cache(maxsize=_CACHE)(self._of)
        self.primary = lru_cache(maxsize=_CACHE)(self._primary)
        self.is_stop = lru_cache(maxsize=_CACHE)(self._is_stop)
        self.is_content = lru_cache(maxsize=_CACHE)(self._is_content)

    def _of(self, word: str, lang: str) -> frozenset[str]:
        """Every form under which `word` (umlauts as typed, in a message in `lang`) is indexed.

        Only the message's own language stems a word: a Russian stem of a Ukrainian word (or an
        English stem of a German one) finds false friends.
        """
        flat = fold_umlauts(word).replace("'", "")
        root = stem(flat if lang == "en" else word.replace("'", ""), stem_language(word, lang))
        if word_script(word) == "cyrillic":
            keys = {flat, loose_cyrillic(flat), root, loose_cyrillic(root)}
            twin = lookalike_latin(flat)
            if twin:
                keys.add(twin)
        else:
            keys = {flat, loose_latin(flat), root}
        group = self._synonyms.get(flat) or self._synonyms.get(fold_umlauts(root))
        if group:
            keys.add(group)
        return frozenset(k for k in keys if k)

    def _primary(self, word: str, lang: str) -> str:
        """One form per word for comparing whole phrasings: its synonym group when it has one
        (so "садочок" and "Kita" compare alike across languages), else its stem."""
        flat = fold_umlauts(word).replace("'", "")
        root = stem(flat if lang == "en" else word.replace("'", ""), stem_language(word, lang))
        twin = lookalike_latin(flat) if word_script(word) == "cyrillic" else None
        group = (
            self._synonyms.get(flat)
            or self._synonyms.get(fold_umlauts(root))
            or (self._synonyms.get(twin) if twin else None)
        )
        if group:
            return group
        return loose_cyrillic(root) if word_script(word) == "cyrillic" else root

    def _is_stop(self, word: str, lang: str) -> bool:
        """A function word of any of our languages in the word's own script, unless the
        message's language `lang` uses it as a content word (English "war")."""
        if word_script(word) == "cyrillic":
            return word in self._stop_cyrillic
        flat = fold_umlauts(word)
        return flat in self._stop_latin and flat not in self._content.get(lang, ())

    def _is_content(self, word: str, lang: str) -> bool:
        """A word that may name a topic: not a function word, a number or a lone letter."""
        return len(word) > 1 and not word.isdigit() and not self.is_stop(word, lang)


def _synonym_index(groups: tuple[tuple[str, ...], ...]) -> dict[str, str]:
    """Every word of a group, and its stems, under the group's key (~0, ~1, ...).

    The stems let other forms of a word find its group ("beantrage" -> beantrag <- "beantragen");
    a stem two groups share belongs to neither (faq validation reports a word in two groups).
    """
    index: dict[str, str] = {}
    stems: dict[str, set[str]] = {}
    for number, group in enumerate(groups):
        key = f"~{number}"
        for word in group:
            flat = fold_umlauts(word).replace("'", "")
            index[flat] = key
            langs = ("uk", "ru") if word_script(flat) == "cyrillic" else ("de", "en")
            for lang in langs:
                form = fold_umlauts(stem(flat, lang))
                if len(form) >= _MIN_SYNONYM_STEM:
                    stems.setdefault(form, set()).add(key)
    for form, keys in stems.items():
        if len(keys) == 1 and form not in index:
            index[form] = keys.pop()
    return index
