"""Which topic a message is about: one score 0..100 per label, three bands, small talk.

The index is built once from the knowledge base (every language's phrasings, keywords and titles);
`Matcher.match` then costs a few dictionary look-ups per word. A word counts for a label when one
of its keys (surface form, umlaut-less form, stems) appears in that label's keywords, titles or
phrasings; rare words weigh more than words every topic uses. Unknown words get a second chance
through a typo look-up (rapidfuzz Levenshtein) and, in German, by splitting compounds.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from typing import Final

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot import text as tx
from bot.models import (
    GREETING,
    OUT_OF_SCOPE,
    SERVICE_INTENTS,
    THANKS,
    KnowledgeBase,
    Vocabulary,
)


class Band(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True)
class Match:
    label: str | None
    """Topic id, "contact" or "office-hours" when band is ANSWER; else None."""
    score: float
    """0..100, the best label's score."""
    lang: str
    lang_confident: bool
    band: Band
    suggestions: tuple[str, ...] = ()
    """Band SUGGEST: the best two or three labels, best first."""
    smalltalk: str | None = None
    """"greeting", "thanks" or "out-of-scope" when recognised."""
    ranking: tuple[tuple[str, float], ...] = ()
    """The best few (label, score), for debugging and evaluation."""


@dataclass(frozen=True)
class Thresholds:
    """The only place the bands are decided."""

    answer: float = 55.0
    """Answer directly from this score on ..."""
    margin: float = 12.0
    """... when the runner-up (out-of-scope included) is at least this far behind."""
    suggest: float = 30.0
    """Offer "did you mean" from this score on."""
    suggest_floor: float = 22.0
    """Further suggestions need at least this score."""
    max_suggestions: int = 3


@dataclass(frozen=True)
class Weights:
    """How evidence turns into a score; tuned with cross-validation on the dev set."""

    keyword: float = 1.0
    """A word found among a label's keywords or titles."""
    phrasing: float = 0.55
    """A word found only in a label's phrasings (plus `phrasing_share` times its share of them)."""
    phrasing_share: float = 0.45
    unknown: float = 0.6
    """How much a word nobody's vocabulary knows dilutes the evidence (an idf-like weight)."""
    corrected: float = 0.8
    """A word found only after a typo correction or a compound split counts this much."""
    strength: float = 1.2
    """Evidence (sum of idf-weighted hits) at which the absolute part of the score is 63 %."""
    coverage_power: float = 0.7


THRESHOLDS: Final = Thresholds()
WEIGHTS: Final = Weights()

SMALLTALK_GREETING_THANKS: Final = (GREETING, THANKS)
_MAX_RANKING: Final = 5
_MIN_COMPOUND_PART: Final = 4
_LINKING: Final = ("", "s", "n", "en", "e", "es")


# --- keys of a word -----------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def word_keys(word: str, lang: str) -> frozenset[str]:
    """Every form under which `word` (umlauts unfolded, in language `lang`) is indexed."""
    if tx.word_script(word) == "cyrillic":
        flat = word.replace("'", "")
        keys = {flat, tx.loose_cyrillic(flat)}
        stem = tx.stem(flat, "ru" if lang == "ru" else "uk")
        keys.update((stem, tx.loose_cyrillic(stem)))
        if lang != "ru":
            keys.add(tx.stem(flat, "ru"))
        latin = _lookalike_latin(flat)
        if latin:
            keys.add(latin)
        return frozenset(k for k in keys if k)
    folded = tx.fold_umlauts(word).replace("'", "")
    keys = {folded, tx.loose_latin(folded), tx.stem(word, "de"), tx.stem(folded, "en")}
    return frozenset(k for k in keys if k)


_CYR_LOOKALIKE = str.maketrans(dict(zip("авсенікмортху", "abcehikmoptxy", strict=True)))


def _lookalike_latin(word: str) -> str | None:
    """ "кіта" typed with Cyrillic look-alikes of "kita": its Latin twin, else None."""
    twin = word.translate(_CYR_LOOKALIKE)
    return twin if twin.isascii() else None


# --- the index ----------------------------------------------------------------------------------


@dataclass
class _LabelVocab:
    keywords: set[str] = field(default_factory=set)
    phrasing_counts: Counter[str] = field(default_factory=Counter)
    phrasings: int = 0


def _content_words(text: str, lang: str) -> list[str]:
    reading = tx.read(text)
    words: Iterable[str] = reading.words
    if lang != "ru" and reading.romanized:
        words = (*reading.words, *reading.latin_words)
    return [w for w in words if not tx.is_stop_word(w) and not w.isdigit()]


def _vocab_texts(vocab: Vocabulary) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    phrasings = [(lang, p) for lang, items in vocab.phrasings.items() for p in items]
    keywords = [(lang, k) for lang, items in vocab.keywords.items() for k in items]
    return phrasings, keywords


@dataclass(frozen=True)
class _Hit:
    """How much one word counts for each label, and whether it needed a correction."""

    labels: Mapping[str, float]
    idf: float


class Matcher:
    """Ranks labels for a message; build once per knowledge base."""

    def __init__(
        self,
        label_hits: Mapping[str, Mapping[str, float]],
        smalltalk: Mapping[str, tuple[frozenset[str], frozenset[tuple[str, ...]]]],
        labels: tuple[str, ...],
        answerable: frozenset[str],
        thresholds: Thresholds = THRESHOLDS,
        weights: Weights = WEIGHTS,
    ) -> None:
        self._key_hits = label_hits
        self._smalltalk_keys = {intent: keys for intent, (keys, _) in smalltalk.items()}
        self._smalltalk_phrases = {intent: phrases for intent, (_, phrases) in smalltalk.items()}
        self._phrase_starts = {
            phrase[0] for phrases in self._smalltalk_phrases.values() for phrase in phrases
        }
        self._labels = labels
        self._answerable = answerable
        self.thresholds = thresholds
        self.weights = weights
        self._vocab_by_initial: dict[str, list[str]] = defaultdict(list)
        for key in label_hits:
            if len(key) >= 4:
                self._vocab_by_initial[key[0]].append(key)
        self._word_cache: dict[tuple[str, str], _Hit | None] = {}
        n = max(len(labels), 2)
        self._idf_norm = math.log((n + 1) / 1.5)
        self._n_labels = n

    # --- building ---

    @classmethod
    def build(
        cls,
        kb: KnowledgeBase,
        thresholds: Thresholds = THRESHOLDS,
        weights: Weights = WEIGHTS,
    ) -> Matcher:
        """Index every language's phrasings, keywords and titles of every label."""
        vocabularies: dict[str, _LabelVocab] = {}
        for topic in kb.topics:
            titles = [(lang, title) for lang, title in topic.title.items()]
            vocabularies[topic.id] = _index_vocab(
                topic.vocabulary, extra_keywords=titles, extra_phrasings=[("de", topic.question_de)]
            )
        for intent in SERVICE_INTENTS:
            vocab = kb.office.intents.get(intent)
            if vocab is not None:
                vocabularies[intent] = _index_vocab(vocab)
        out_of_scope = kb.smalltalk.get(OUT_OF_SCOPE)
        if out_of_scope is not None:
            vocabularies[OUT_OF_SCOPE] = _index_vocab(out_of_scope)
        smalltalk = {
            intent: _smalltalk_vocab(kb.smalltalk[intent])
            for intent in SMALLTALK_GREETING_THANKS
            if intent in kb.smalltalk
        }
        answerable = frozenset(label for label in vocabularies if label != OUT_OF_SCOPE)
        return cls(
            _key_hits(vocabularies, weights),
            smalltalk,
            tuple(vocabularies),
            answerable,
            thresholds,
            weights,
        )

    # --- matching ---

    def match(self, text: str) -> Match:
        """Understand one message: a label and a band, or small talk, or nothing."""
        return decide(self.analyse(text), self.thresholds)

    def analyse(self, text: str) -> Analysis:
        """Read the message and score every label (no decision yet)."""
        reading = tx.read(text)
        units = self._units(reading)
        units, phrase_intents = self._without_phrases(units)
        content = [unit for unit in units if not self._is_filler(unit, reading.lang)]
        if not content:
            smalltalk = self._smalltalk(units, reading, phrase_intents)
            return Analysis(reading.lang, reading.confident, (), smalltalk, self._answerable)
        scores = self._scores(content, reading.lang)
        ranking = tuple(sorted(scores.items(), key=lambda item: (-item[1], item[0])))
        return Analysis(reading.lang, reading.confident, ranking, None, self._answerable)

    def _without_phrases(
        self, units: list[tuple[str, ...]]
    ) -> tuple[list[tuple[str, ...]], list[str]]:
        """Take out small-talk phrases ("guten tag", "thank you"); say which intents they were."""
        flat = [tx.fold_umlauts(unit[0]) for unit in units]
        if not self._phrase_starts.intersection(flat):
            return units, []
        drop: set[int] = set()
        intents: list[str] = []
        for intent, phrases in self._smalltalk_phrases.items():
            for phrase in phrases:
                size = len(phrase)
                for i in range(len(flat) - size + 1):
                    if tuple(flat[i : i + size]) == phrase:
                        drop.update(range(i, i + size))
                        intents.append(intent)
        return [u for i, u in enumerate(units) if i not in drop], intents

    @staticmethod
    def _units(reading: tx.Reading) -> list[tuple[str, ...]]:
        """Each word with its alternatives: romanised Ukrainian keeps its Latin spelling too."""
        if reading.romanized:
            pairs = zip(reading.words, reading.latin_words, strict=True)
            return list(dict.fromkeys(pairs))
        return [(w,) for w in dict.fromkeys(reading.words)]

    def _is_filler(self, unit: tuple[str, ...], lang: str) -> bool:
        """Stop words, numbers, greetings and thanks say nothing about the topic."""
        word = unit[0]
        if word.isdigit() or any(tx.is_stop_word(w) for w in unit):
            return True
        keys = word_keys(word, lang)
        return any(keys & vocab for vocab in self._smalltalk_keys.values())

    def _smalltalk(
        self, units: Iterable[tuple[str, ...]], reading: tx.Reading, phrase_intents: list[str]
    ) -> str | None:
        """Greeting or thanks: some small-talk word and nothing else but stop words."""
        found: Counter[str] = Counter(phrase_intents)
        for unit in units:
            keys = word_keys(unit[0], reading.lang)
            for intent, vocab in self._smalltalk_keys.items():
                if keys & vocab:
                    found[intent] += 1
        if not found:
            return None
        # "thanks, bye" and "hello and thank you" are both best answered as thanks.
        return THANKS if found[THANKS] else GREETING

    def _word_hit(self, word: str, lang: str) -> _Hit | None:
        cached = self._word_cache.get((word, lang))
        if cached is not None or (word, lang) in self._word_cache:
            return cached
        hit = self._lookup(word, lang)
        if hit is None:
            hit = self._corrected(word, lang)
        if len(self._word_cache) < 50_000:
            self._word_cache[(word, lang)] = hit
        return hit

    def _lookup(self, word: str, lang: str, factor: float = 1.0) -> _Hit | None:
        labels: dict[str, float] = {}
        for key in word_keys(word, lang):
            for label, value in self._key_hits.get(key, {}).items():
                if value * factor > labels.get(label, 0.0):
                    labels[label] = value * factor
        return self._with_idf(labels) if labels else None

    def _corrected(self, word: str, lang: str) -> _Hit | None:
        """A typo (one or two edits) or a German compound of known words."""
        if len(word) < 5:
            return None
        factor = self.weights.corrected
        flat = tx.fold_umlauts(word).replace("'", "")
        bucket = self._vocab_by_initial.get(flat[0])
        if bucket:
            allowed = 1 if len(flat) < 8 else 2
            best = process.extractOne(
                flat, bucket, scorer=Levenshtein.distance, processor=None, score_cutoff=allowed
            )
            if best is not None:
                return self._lookup(best[0], lang, factor)
        if tx.word_script(word) == "latin" and len(flat) >= 2 * _MIN_COMPOUND_PART:
            return self._compound(flat, lang, factor)
        return None

    def _compound(self, word: str, lang: str, factor: float) -> _Hit | None:
        """Kitabeitrag -> kita + beitrag: the labels both parts point to, weaker."""
        for cut in range(len(word) - _MIN_COMPOUND_PART, _MIN_COMPOUND_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            tail_hit = self._lookup(tail, lang, factor)
            if tail_hit is None:
                continue
            for link in _LINKING:
                if link and not head.endswith(link):
                    continue
                stem = head[: len(head) - len(link)] if link else head
                if len(stem) < 3:
                    continue
                head_hit = self._lookup(stem, lang, factor)
                if head_hit is not None:
                    return self._with_idf(_merge(head_hit, tail_hit).labels)
        return None

    def _scores(self, units: Iterable[tuple[str, ...]], lang: str) -> dict[str, float]:
        w = self.weights
        evidence: dict[str, float] = dict.fromkeys(self._labels, 0.0)
        total = 0.0
        for unit in units:
            hit = self._unit_hit(unit, lang)
            if hit is None:
                total += w.unknown
                continue
            total += hit.idf
            for label, value in hit.labels.items():
                evidence[label] += hit.idf * value
        return {label: score(e, total, w) for label, e in evidence.items()}

    def _unit_hit(self, unit: tuple[str, ...], lang: str) -> _Hit | None:
        hits = [h for h in (self._word_hit(word, lang) for word in unit) if h is not None]
        if len(hits) <= 1:
            return hits[0] if hits else None
        merged = hits[0]
        for other in hits[1:]:
            merged = _merge(merged, other)
        return self._with_idf(merged.labels)

    def _with_idf(self, labels: Mapping[str, float]) -> _Hit:
        idf = math.log((self._n_labels + 1) / (len(labels) + 0.5)) / self._idf_norm
        return _Hit(labels, max(idf, 0.05))


@dataclass(frozen=True)
class Analysis:
    """What the matcher found before deciding: every label's score, best first."""

    lang: str
    lang_confident: bool
    ranking: tuple[tuple[str, float], ...]
    """Empty when the message has no content words."""
    smalltalk: str | None
    """Greeting or thanks when the message is nothing else."""
    answerable: frozenset[str]


def decide(found: Analysis, t: Thresholds = THRESHOLDS) -> Match:
    """The ONE rule from scores to a band: answer, "did you mean", small talk or nothing."""
    if not found.ranking:
        band = Band.SMALLTALK if found.smalltalk else Band.NONE
        return Match(None, 0.0, found.lang, found.lang_confident, band, smalltalk=found.smalltalk)
    ranking = found.ranking
    best_label, best = ranking[0]
    runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
    top = tuple((label, round(s, 1)) for label, s in ranking[:_MAX_RANKING])
    base = Match(None, best, found.lang, found.lang_confident, Band.NONE, ranking=top)
    if best_label == OUT_OF_SCOPE:
        return replace(base, smalltalk=OUT_OF_SCOPE if best >= t.suggest else None)
    if best >= t.answer and best - runner_up >= t.margin:
        return replace(base, label=best_label, band=Band.ANSWER)
    if best >= t.suggest:
        options = tuple(
            label for label, s in ranking if label in found.answerable and s >= t.suggest_floor
        )[: t.max_suggestions]
        return replace(base, band=Band.SUGGEST, suggestions=options)
    return base


def score(evidence: float, total: float, w: Weights = WEIGHTS) -> float:
    """ONE score 0..100: how much of the message a label explains, and how strongly."""
    if evidence <= 0.0 or total <= 0.0:
        return 0.0
    coverage = min(evidence / total, 1.0) ** w.coverage_power
    strength = 1.0 - math.exp(-evidence / w.strength)
    return round(100.0 * float(coverage) * strength, 3)


def _merge(a: _Hit, b: _Hit) -> _Hit:
    labels = dict(a.labels)
    for label, value in b.labels.items():
        labels[label] = max(labels.get(label, 0.0), value)
    return _Hit(labels, (a.idf + b.idf) / 2)


def _index_vocab(
    vocab: Vocabulary,
    extra_keywords: Iterable[tuple[str, str]] = (),
    extra_phrasings: Iterable[tuple[str, str]] = (),
) -> _LabelVocab:
    phrasings, keywords = _vocab_texts(vocab)
    out = _LabelVocab()
    # A multi-word keyword ("driving licence") only means something whole: index it like a phrasing.
    multi_word: list[tuple[str, str]] = []
    for lang, keyword in (*keywords, *extra_keywords):
        words = _content_words(keyword, lang)
        if len(words) == 1:
            out.keywords.update(word_keys(words[0], lang))
        elif words:
            multi_word.append((lang, keyword))
    for lang, phrasing in (*phrasings, *multi_word, *extra_phrasings):
        out.phrasings += 1
        seen: set[str] = set()
        for word in _content_words(phrasing, lang):
            seen.update(word_keys(word, lang))
        out.phrasing_counts.update(seen)
    return out


def _key_hits(vocabularies: Mapping[str, _LabelVocab], w: Weights) -> dict[str, dict[str, float]]:
    """For every key, how much it counts for each label (keywords beat phrasings)."""
    hits: dict[str, dict[str, float]] = defaultdict(dict)
    for label, vocab in vocabularies.items():
        for key, count in vocab.phrasing_counts.items():
            share = min(1.0, 4.0 * count / max(vocab.phrasings, 1))
            hits[key][label] = w.phrasing + w.phrasing_share * share
        for key in vocab.keywords:
            hits[key][label] = w.keyword
    return dict(hits)


def _smalltalk_vocab(vocab: Vocabulary) -> tuple[frozenset[str], frozenset[tuple[str, ...]]]:
    """Single keywords as keys, multi-word keywords as word sequences ("guten tag").

    Phrasings are not used word by word: they hold words like "help" that topics need.
    """
    _, keywords = _vocab_texts(vocab)
    keys: set[str] = set()
    phrases: set[tuple[str, ...]] = set()
    for lang, item in keywords:
        words = tx.read(item).words
        if len(words) == 1:
            keys.update(word_keys(words[0], lang))
        elif words:
            phrases.add(tuple(tx.fold_umlauts(w) for w in words))
    return frozenset(keys), frozenset(phrases)
