"""The lexical evidence: how much of a message each candidate's words explain, 0..100.

A word counts for a candidate when one of its keys (as typed, without umlauts, stemmed, its
synonym group) is among that candidate's keywords, titles or phrasings; words that few
candidates know weigh more (an idf over candidates). Unknown words get a second chance through a
typo look-up (rapidfuzz Levenshtein) and, in German, by splitting compounds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.understanding.index import Index
from bot.understanding.language import Reading
from bot.understanding.places import Towns
from bot.understanding.text import fold_umlauts, word_script
from bot.understanding.writer import Writer

_CACHE_SIZE: Final = 50_000
_SEPARABLE: Final = frozenset(
    ("an", "ab", "auf", "aus", "ein", "mit", "vor", "zu", "nach", "um", "weg", "zurueck", "vorbei")
)
"""German separable verb prefixes, found at the end of a clause: "melde ich mein Kind an"."""
_SOUGHT_WORDS: Final = 2
_MIN_COMPOUND_PART: Final = 4
_LINKING: Final = ("", "s", "n", "en", "e", "es")
_MIN_HEAD_NOUN: Final = 7
"""A compound's last part this long is looked up on its own (with its stem and synonyms)."""

Unit = tuple[str, ...]
"""A word with its alternative spellings (romanised and Latin; with its separated prefix)."""


@dataclass(frozen=True)
class LexicalWeights:
    """How evidence turns into a score; tuned with cross-validation."""

    audience: float = 1.0
    """Who writes ("our Kita", "my son") counts this much for the topics meant for them."""
    sought: float = 1.5
    """The two words after a verb of seeking ("где найти психолога") count this much more."""
    context: float = 0.5
    """In a story, the sentences that do not ask count this much (the question counts fully)."""
    out_of_scope: float = 1.5
    """Out-of-scope evidence counts this much more: "weather" next to "Kita" means no answer."""
    unknown: float = 0.3
    """How much a word nobody's vocabulary knows dilutes the evidence ..."""
    unknown_power: float = 0.7
    """... growing less than linearly: long messages tell a story around the question."""
    corrected: float = 0.8
    """A word found only after a typo correction or a compound split counts this much."""
    strength: float = 0.8
    """Evidence at which the absolute part of the score is 63 %."""
    coverage_power: float = 0.5


@dataclass(frozen=True)
class _Hit:
    """How much one word counts for each candidate, and how rare it is among them."""

    labels: Mapping[int, float]
    idf: float


def score(evidence: float, total: float, w: LexicalWeights) -> float:
    """ONE score 0..100: how much of the message a candidate explains, and how strongly."""
    if evidence <= 0.0 or total <= 0.0:
        return 0.0
    coverage = min(evidence / total, 1.0) ** w.coverage_power
    strength = 1.0 - math.exp(-evidence / w.strength)
    return round(100.0 * float(coverage) * strength, 3)


class Lexical:
    """Scores every candidate for one message's words."""

    def __init__(
        self,
        index: Index,
        *,
        towns: Towns,
        writer: Writer,
        seeking: frozenset[str],
        weights: LexicalWeights,
    ) -> None:
        self.index = index
        self.weights = weights
        self._towns = towns
        self._writer = writer
        self._seeking = seeking
        n = max(len(index.candidates), 2)
        self._n = n
        self._idf_norm = math.log((n + 1) / 1.5)
        kinds = [c.kind for c in index.candidates]
        self._for = {
            audience: frozenset(
                i
                for i, c in enumerate(index.candidates)
                if c.kind == "topic" and c.audience in (audience, "both")
            )
            for audience in ("kitas", "families")
        }
        self._families_only = self._for["families"] - self._for["kitas"]
        self._out_of_scope = frozenset(i for i, kind in enumerate(kinds) if kind == "out-of-scope")
        # Per-word results: people reuse the same few hundred words, so most look-ups are hits.
        self._cache: dict[tuple[str, str], _Hit | None] = {}

    def scores(
        self, units: Sequence[Unit], weights: Sequence[float], reading: Reading
    ) -> tuple[list[float], list[bool]]:
        """Per candidate: 0..100 for the content units of a message and their weights, and
        whether the message names it (one of its keywords or multi-word keywords is there)."""
        w = self.weights
        lang = reading.lang
        evidence = [0.0] * len(self.index.candidates)
        named = [False] * len(self.index.candidates)
        floor = self.index.keyword_floor
        total = 0.0
        unknown = 0.0
        writers = self._writer.audiences(reading.words)
        # "Ich bin Tagesmutter": the writer is one, not a family looking for one.
        own_roles = self._writer.own_roles(reading.words) if writers == {"kitas"} else frozenset()
        sought = 0  # how many of the next words are what the writer looks for
        for unit, weight in zip(units, weights, strict=True):
            if sought:
                weight *= w.sought
            sought = _SOUGHT_WORDS if fold_umlauts(unit[0]) in self._seeking else max(sought - 1, 0)
            hit = self._unit_hit(unit, lang)
            if hit is None:
                unknown += weight
                continue
            labels = hit.labels
            if unit[0] in own_roles:
                labels = {k: v for k, v in labels.items() if k not in self._families_only}
            total += hit.idf * weight
            for label, value in labels.items():
                evidence[label] += hit.idf * weight * value
                named[label] = named[label] or value > floor
        terms = self._term_hit(units, lang)
        for label in terms.labels if terms else ():
            named[label] = True
        for extra in (terms, self._audience_hit(writers)):
            if extra is not None:
                total += extra.idf
                for label, value in extra.labels.items():
                    evidence[label] += extra.idf * value
        total += w.unknown * unknown**w.unknown_power
        for label in self._out_of_scope:
            evidence[label] *= w.out_of_scope
        return [score(e, total, w) for e in evidence], named

    def _unit_hit(self, unit: Unit, lang: str) -> _Hit | None:
        # Only the word as typed gets a typo correction; its alternatives must be known as such.
        found = [self._word_hit(unit[0], lang)]
        found += [self._lookup(word, lang) for word in unit[1:]]
        hits = [h for h in found if h is not None]
        if len(hits) <= 1:
            return hits[0] if hits else None
        labels: dict[int, float] = {}
        for hit in hits:
            for label, value in hit.labels.items():
                labels[label] = max(labels.get(label, 0.0), value)
        return self._with_idf(labels)

    def _word_hit(self, word: str, lang: str) -> _Hit | None:
        key = (word, lang)
        if key in self._cache:
            return self._cache[key]
        hit = self._lookup(word, lang)
        if hit is None and not self._towns.is_town(word):  # Freital is no Freitag
            hit = self._corrected(word, lang)
        if len(self._cache) < _CACHE_SIZE:
            self._cache[key] = hit
        return hit

    def _lookup(self, word: str, lang: str, factor: float = 1.0) -> _Hit | None:
        labels: dict[int, float] = {}
        hits = self.index.key_hits
        for key in self.index.keys.of(word, lang):
            for label, value in hits.get(key, {}).items():
                if value * factor > labels.get(label, 0.0):
                    labels[label] = value * factor
        return self._with_idf(labels) if labels else None

    def _corrected(self, word: str, lang: str) -> _Hit | None:
        """A typo (one or two edits) or a German compound of known words."""
        if len(word) < 5:
            return None
        factor = self.weights.corrected
        flat = fold_umlauts(word).replace("'", "")
        bucket = self.index.by_initial.get(flat[0])
        if bucket:
            allowed = 1 if len(flat) < 8 else 2
            best = process.extractOne(
                flat, bucket, scorer=Levenshtein.distance, processor=None, score_cutoff=allowed
            )
            if best is not None:
                return self._lookup(best[0], lang, factor)
        if word_script(word) == "latin" and len(flat) >= 2 * _MIN_COMPOUND_PART:
            return self._compound(flat, lang, factor)
        return None

    def _compound(self, word: str, lang: str, factor: float) -> _Hit | None:
        """Kitabeitrag -> kita + beitrag: the candidates both parts point to, weaker.

        In a German compound the last part names the thing (a Kinderpsychotherapeut is a
        Psychotherapeut), so a long known last part counts, weaker still, when the first part is
        unknown.
        """
        known = self.index.key_hits
        for cut in range(len(word) - _MIN_COMPOUND_PART, _MIN_COMPOUND_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            if tail not in known:
                continue
            for link in _LINKING:
                if head.endswith(link) and len(head) - len(link) >= 3:
                    stem = head[: len(head) - len(link)] if link else head
                    if stem in known:
                        labels = {k: v * factor for k, v in known[stem].items()}
                        for k, v in known[tail].items():
                            labels[k] = max(labels.get(k, 0.0), v * factor)
                        return self._with_idf(labels)
        for cut in range(_MIN_COMPOUND_PART, len(word) - _MIN_HEAD_NOUN + 1):
            tail_hit = self._lookup(word[cut:], lang, factor * factor)
            if tail_hit is not None:
                return tail_hit
        return None

    def _term_hit(self, units: Sequence[Unit], lang: str) -> _Hit | None:
        """The candidates whose multi-word keywords the message holds, as one more word.

        A term counts when its words stand next to each other in its order once stop words are
        gone: "freie Plätze" in "haben freie Plätze", "Kindergarten Ukraine" in "Kindergarten in
        der Ukraine"; "ukrainische Kita" is not in "als Kita ukrainische Kinder aufnehmen".
        """
        terms = self.index.terms
        if not terms:
            return None
        of = self.index.keys.of
        keys = [frozenset().union(*(of(word, lang) for word in unit)) for unit in units]
        labels: dict[int, float] = {}
        for i, here in enumerate(keys):
            for key in (k for k in here if k in terms):
                for label, words in terms[key]:
                    if label not in labels and _adjacent(keys, i, words):
                        labels[label] = self.index.term_weight
        return self._with_idf(labels) if labels else None

    def _audience_hit(self, found: frozenset[str]) -> _Hit | None:
        """The topics meant for whoever seems to write, as one more word (none when unclear)."""
        if self.weights.audience <= 0 or len(found) != 1:
            return None
        labels = self._for.get(next(iter(found)), frozenset())
        return self._with_idf(dict.fromkeys(labels, self.weights.audience)) if labels else None

    def _with_idf(self, labels: Mapping[int, float]) -> _Hit:
        # A word weakly found in other candidates' phrasings is still mostly one candidate's
        # keyword: count candidates by strength, relative to the strongest.
        spread = sum(labels.values()) / max(labels.values())
        idf = math.log((self._n + 1) / (spread + 0.5)) / self._idf_norm
        return _Hit(labels, max(idf, 0.05))


def _adjacent(keys: list[frozenset[str]], start: int, words: tuple[frozenset[str], ...]) -> bool:
    """Do `words` follow one another from `start` on?"""
    following = keys[start : start + len(words)]
    return len(following) == len(words) and all(
        not k.isdisjoint(w) for k, w in zip(following, words, strict=True)
    )


def units_of(reading: Reading) -> list[tuple[Unit, int]]:
    """Each word with its alternatives and its position: romanised Ukrainian keeps its Latin
    spelling too, and a German verb its separated prefix ("melde ich mein Kind an" -> anmelde).
    A word said twice counts once."""
    words = reading.words
    units: list[tuple[Unit, int]]
    if reading.romanized:
        pairs: Iterable[Unit] = zip(words, reading.latin_words, strict=True)
        units = [(pair, i) for i, pair in enumerate(pairs)]
    elif reading.lang != "de" or not _SEPARABLE.intersection(words):
        units = [((w,), i) for i, w in enumerate(words)]
    else:
        units = []
        for i, word in enumerate(words):
            later = [p for p in words[i + 1 :] if p in _SEPARABLE and p != word]
            units.append(((word, *(p + word for p in dict.fromkeys(later))), i))
    seen: set[Unit] = set()
    out: list[tuple[Unit, int]] = []
    for unit, i in units:
        if unit not in seen:
            seen.add(unit)
            out.append((unit, i))
    return out
