"""What the matcher knows, built once per knowledge base: every candidate answer (topics, the
office's contact and hours, referrals, small talk, out of scope), the words that point to each,
and every phrasing as a vector of character n-grams for finding the nearest one."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from bot.models import (
    GREETING,
    OUT_OF_SCOPE,
    SERVICE_INTENTS,
    THANKS,
    KnowledgeBase,
    Lexicon,
    Vocabulary,
)
from bot.understanding.keys import Keys
from bot.understanding.language import Reader, Reading, Readings, Reads
from bot.understanding.text import fold_umlauts
from bot.understanding.vectors import Bayes, Layout, NgramSpace

Kind = Literal["topic", "service", "referral", "smalltalk", "out-of-scope"]

REFERRAL: Final = "referral:"
"""Referral candidates are named "referral:<id>", as the reason the bot gives for not answering."""
SMALLTALK: Final = (GREETING, THANKS)


@dataclass(frozen=True)
class Candidate:
    """Something a message can be answered with."""

    id: str
    kind: Kind
    audience: str | None = None
    """"families", "kitas" or "both" for topics."""
    anywhere: bool = False
    """Its answer holds in any town (the measles law), not only in ours."""


@dataclass(frozen=True)
class Phrasing:
    """One phrasing in the nearest-phrasing index."""

    candidate: int
    answer: str | None
    """The sub-answer it asks for ("registration/documents"), or None for the overview."""
    text: str
    lang: str


@dataclass
class _Vocab:
    """One candidate's words while the index is built."""

    keywords: set[str] = field(default_factory=set)
    phrasing_counts: Counter[str] = field(default_factory=Counter)
    phrasings: int = 0
    terms: list[tuple[frozenset[str], ...]] = field(default_factory=list)


@dataclass(frozen=True)
class Weights:
    """How a word found in a candidate's vocabulary counts (tuned by cross-validation)."""

    keyword: float = 1.0
    """A word among a candidate's keywords or titles."""
    term: float = 1.0
    """A multi-word keyword whose words stand together in the message ("freie Plätze")."""
    phrasing: float = 0.3
    """A word found only in a candidate's phrasings (plus `phrasing_share` times its share)."""
    phrasing_share: float = 0.45


class Index:
    """The frozen result of `Index.build`; shared by every message."""

    def __init__(
        self,
        candidates: tuple[Candidate, ...],
        key_hits: dict[str, dict[int, float]],
        terms: dict[str, tuple[tuple[int, tuple[frozenset[str], ...]], ...]],
        phrasings: tuple[Phrasing, ...],
        space: NgramSpace,
        answer_space: NgramSpace,
        smalltalk_keys: dict[int, frozenset[str]],
        smalltalk_phrases: dict[int, frozenset[tuple[str, ...]]],
        keys: Keys,
        reader: Reader,
        readings: Readings,
        term_weight: float,
        keyword_floor: float,
        keyword_keys: frozenset[str],
        sub_keywords: Mapping[str, tuple[tuple[frozenset[str], ...], ...]],
    ) -> None:
        self.candidates = candidates
        self.term_weight = term_weight
        self.keyword_floor = keyword_floor
        """A word counting more than this for a candidate is one of its keywords."""
        self.keyword_keys = keyword_keys
        """Keys of every keyword and title: words that name something we answer or refer."""
        self._sub_keywords = _keyword_postings(sub_keywords)
        self.position = {c.id: i for i, c in enumerate(candidates)}
        self.key_hits = key_hits
        self.terms = terms
        self.phrasings = phrasings
        self.space = space
        self.answer_space = answer_space
        """The same phrasings, each word weighing the same: for choosing a sub-answer."""
        self.smalltalk_keys = smalltalk_keys
        self.smalltalk_phrases = smalltalk_phrases
        self.keys = keys
        self.reader = reader
        by_initial: dict[str, list[str]] = defaultdict(list)
        for key in key_hits:
            if len(key) >= 4:
                by_initial[key[0]].append(key)
        self.by_initial = dict(by_initial)
        """Known keys by first letter, for typo correction."""
        phrasing_keys = [key_counts(readings.read(p.text), keys, p.lang) for p in phrasings]
        self.bayes = Bayes(
            len(candidates),
            ((p.candidate, k) for p, k in zip(phrasings, phrasing_keys, strict=True)),
        )
        self.exact = {exact_form(p.text, readings): n for n, p in enumerate(phrasings)}
        """Each phrasing, normalised, to its row: a message that is a phrasing gets its answer."""
        self.row_candidate = np.array([p.candidate for p in phrasings], dtype=np.int64)
        self.with_rows = np.unique(self.row_candidate)
        """The candidates that have phrasings, in order ..."""
        self.first_rows = np.searchsorted(self.row_candidate, self.with_rows)
        """... and where each one's phrasings start (they are stored together)."""
        self.answer_groups = _answer_groups(phrasings)
        """Per topic with sub-answers: its rows, where each answer's rows start, and the answers
        (None for the overview) in that order."""
        self.answer_bayes = {
            candidate: _answer_bayes(phrasings[rows], phrasing_keys[rows], answers)
            for candidate, (rows, _, answers) in self.answer_groups.items()
        }
        """Per topic with sub-answers: naive Bayes over its overview and sub-answers (in the
        order of `answer_groups`)."""

    @classmethod
    def build(cls, kb: KnowledgeBase, weights: Weights | None = None) -> Index:
        """Index every language's phrasings, keywords and titles of every candidate."""
        w = weights or Weights()
        keys, reader, readings = _reading_tools(kb.lexicon)
        candidates: list[Candidate] = []
        vocabs: list[_Vocab] = []
        rows: list[Phrasing] = []
        sub_keywords: dict[str, tuple[tuple[frozenset[str], ...], ...]] = {}

        def add(candidate: Candidate, sources: Iterable[_Source]) -> None:
            number = len(candidates)
            candidates.append(candidate)
            vocab = _Vocab()
            for source in sources:
                _add_source(vocab, source, keys, readings)
                # A title is how the answer is named in the menu: typed, it asks for it.
                rows.extend(
                    Phrasing(number, source.answer, text, lang)
                    for lang, text in (*source.phrasings, *source.titles)
                )
            vocabs.append(vocab)

        for topic in kb.topics:
            overview = _Source(
                [*_texts(topic.vocabulary.phrasings), ("de", topic.question_de)],
                _texts(topic.vocabulary.keywords),
                list(topic.title.items()),
            )
            # A sub-answer's keywords tell it from its siblings ("SPZ", "Kleinkind"); for the
            # topic they are only as good as phrasings (many are everyday words).
            subs = [
                _Source(
                    _texts(sub.vocabulary.phrasings),
                    [],
                    list(sub.title.items()),
                    answer=sub.id,
                    weak=_texts(sub.vocabulary.keywords),
                )
                for sub in topic.answers
            ]
            for sub in topic.answers:
                sub_keywords[sub.id] = tuple(
                    tuple(keys.of(word, lang) for word in words)
                    for lang, keyword in _texts(sub.vocabulary.keywords)
                    if (words := content_words(readings.read(keyword), keys, lang))
                )
            add(
                Candidate(topic.id, "topic", topic.audience, topic.where == "anywhere"),
                [overview, *subs],
            )
        for intent in SERVICE_INTENTS:
            vocab = kb.office.intents.get(intent)
            if vocab is not None:
                add(Candidate(intent, "service", "both"), [_Source.of(vocab)])
        for referral in kb.referrals:
            add(
                Candidate(REFERRAL + referral.id, "referral", None, referral.where == "anywhere"),
                [_Source.of(referral.vocabulary, list(referral.title.items()))],
            )
        smalltalk_keys: dict[int, frozenset[str]] = {}
        smalltalk_phrases: dict[int, frozenset[tuple[str, ...]]] = {}
        for intent in SMALLTALK:
            vocab = kb.smalltalk.get(intent)
            if vocab is None:
                continue
            singles, phrases = _keyword_parts(vocab, readings)
            smalltalk_keys[len(candidates)] = frozenset(
                key for lang, word in singles for key in keys.of(word, lang)
            )
            smalltalk_phrases[len(candidates)] = phrases
            # Small talk is found by its own rule; only its phrasings go into the index.
            add(Candidate(intent, "smalltalk"), [_Source(_texts(vocab.phrasings), [], [])])
        out_of_scope = kb.smalltalk.get(OUT_OF_SCOPE)
        if out_of_scope is not None:
            # Out of scope counts only with its keywords: its phrasings' everyday words ("how
            # long does it take") would pull answerable questions away from their topics.
            number = len(candidates)
            candidates.append(Candidate(OUT_OF_SCOPE, "out-of-scope"))
            own = _Vocab()
            _add_source(own, _Source([], _texts(out_of_scope.keywords), []), keys, readings)
            own.phrasing_counts.clear()  # "immigration office" counts only whole
            vocabs.append(own)
            rows.extend(
                Phrasing(number, None, t, lang) for lang, t in _texts(out_of_scope.phrasings)
            )
        layout = Layout.of([primary_words(readings.read(p.text), keys, p.lang) for p in rows])
        index = cls(
            tuple(candidates),
            _key_hits(vocabs, w),
            _terms_by_key(vocabs),
            tuple(rows),
            NgramSpace(layout),
            NgramSpace(layout, per_word=True),
            smalltalk_keys,
            smalltalk_phrases,
            keys,
            reader,
            readings,
            w.term,
            w.phrasing + w.phrasing_share,
            frozenset().union(*(v.keywords for v in vocabs)),
            sub_keywords,
        )
        global _last_build
        _last_build = _LastBuild(kb.lexicon, keys, reader, readings.read_now)
        return index

    def named_answers(self, said: Iterable[str]) -> frozenset[str]:
        """The sub-answers one of whose keywords the message holds (all of its words)."""
        postings, sizes = self._sub_keywords
        found: dict[tuple[str, int], set[int]] = defaultdict(set)
        for key in said:
            for answer, keyword, word in postings.get(key, ()):
                found[(answer, keyword)].add(word)
        return frozenset(
            answer
            for (answer, keyword), words in found.items()
            if len(words) == sizes[(answer, keyword)]
        )

    def nearest(self, similarities: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Per candidate, the similarity of its nearest phrasing (0 without phrasings)."""
        best = np.zeros(len(self.candidates))
        if len(self.with_rows):
            best[self.with_rows] = np.maximum.reduceat(similarities, self.first_rows)
        return best


@dataclass(frozen=True)
class _LastBuild:
    """What the last build read with, for the next one."""

    lexicon: Lexicon
    keys: Keys
    reader: Reader
    readings: Mapping[str, Reading]


_last_build: _LastBuild | None = None
"""Set by each build (a reload's build runs in the reload thread; one name, set at once)."""


def _reading_tools(lexicon: Lexicon) -> tuple[Keys, Reader, Readings]:
    """Keys, a reader and the build's readings for `lexicon`: those of the last build when it
    had the same lexicon (their caches and readings are still right), else new ones."""
    last = _last_build
    if last is not None and last.lexicon == lexicon:
        return last.keys, last.reader, Readings(last.reader, last.readings)
    reader = Reader(lexicon)
    return Keys(lexicon), reader, Readings(reader)


@dataclass(frozen=True)
class _Source:
    """Texts of one candidate (or one of its sub-answers) to index."""

    phrasings: list[tuple[str, str]]
    keywords: list[tuple[str, str]]
    titles: list[tuple[str, str]]
    answer: str | None = None
    weak: list[tuple[str, str]] = field(default_factory=list)
    """Words that count only as a phrasing's words would (a sub-answer's keywords)."""

    @classmethod
    def of(cls, vocab: Vocabulary, titles: list[tuple[str, str]] | None = None) -> _Source:
        return cls(_texts(vocab.phrasings), _texts(vocab.keywords), titles or [])


def _texts(per_lang: Mapping[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    return [(lang, text) for lang, items in per_lang.items() for text in items]


def content_words(reading: Reading, keys: Keys, lang: str | None = None) -> list[str]:
    """The words of a reading that may name a topic (romanised words in both spellings)."""
    lang = lang or reading.lang
    words: Iterable[str] = reading.words
    if lang != "ru" and reading.romanized:
        words = (*reading.words, *reading.latin_words)
    return [w for w in words if keys.is_content(w, lang)]


def _add_source(vocab: _Vocab, source: _Source, keys: Keys, reader: Reads) -> None:
    # A multi-word keyword ("driving licence") only means something whole: indexed like a
    # phrasing, and as a term whose words must stand together. Multi-word titles ("Як
    # записати дитину") are names, not terms: their words count as phrasings.
    multi_word: list[tuple[str, str]] = []
    for is_keyword, (lang, keyword) in (
        *((True, item) for item in source.keywords),
        *((False, item) for item in source.titles),
    ):
        words = content_words(reader.read(keyword), keys, lang)
        if len(words) == 1:
            vocab.keywords.update(keys.of(words[0], lang))
        elif words:
            multi_word.append((lang, keyword))
            if is_keyword:
                vocab.terms.append(tuple(keys.of(word, lang) for word in words))
    for lang, phrasing in (*source.phrasings, *multi_word, *source.weak):
        vocab.phrasings += 1
        seen: set[str] = set()
        for word in content_words(reader.read(phrasing), keys, lang):
            seen.update(keys.of(word, lang))
        vocab.phrasing_counts.update(seen)


def _key_hits(vocabs: list[_Vocab], w: Weights) -> dict[str, dict[int, float]]:
    """For every key, how much it counts for each candidate (keywords beat phrasings; a word
    in a quarter of a candidate's phrasings counts fully)."""
    hits: dict[str, dict[int, float]] = defaultdict(dict)
    for number, vocab in enumerate(vocabs):
        for key, count in vocab.phrasing_counts.items():
            share = min(1.0, 4.0 * count / max(vocab.phrasings, 1))
            hits[key][number] = w.phrasing + w.phrasing_share * share
        for key in vocab.keywords:
            hits[key][number] = w.keyword
    return dict(hits)


def _terms_by_key(
    vocabs: list[_Vocab],
) -> dict[str, tuple[tuple[int, tuple[frozenset[str], ...]], ...]]:
    """Multi-word keywords under every key of their first word, to find candidates quickly."""
    index: dict[str, dict[tuple[int, tuple[frozenset[str], ...]], None]] = defaultdict(dict)
    for number, vocab in enumerate(vocabs):
        for words in vocab.terms:
            for key in words[0]:
                index[key][(number, words)] = None
    return {key: tuple(terms) for key, terms in index.items()}


def _keyword_parts(
    vocab: Vocabulary, reader: Reads
) -> tuple[list[tuple[str, str]], frozenset[tuple[str, ...]]]:
    """A vocabulary's keywords: single words (language, word), and multi-word keywords as
    sequences of umlaut-folded words."""
    singles: list[tuple[str, str]] = []
    phrases: set[tuple[str, ...]] = set()
    for lang, item in _texts(vocab.keywords):
        words = reader.read(item).words
        if len(words) == 1:
            singles.append((lang, words[0]))
        elif words:
            phrases.add(tuple(fold_umlauts(w) for w in words))
    return singles, frozenset(phrases)


def _answer_groups(
    phrasings: tuple[Phrasing, ...],
) -> dict[int, tuple[slice, npt.NDArray[np.int64], tuple[str | None, ...]]]:
    groups: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
    for row, p in enumerate(phrasings):
        runs = groups[p.candidate]
        if not runs or runs[-1][1] != p.answer:
            runs.append((row, p.answer))
    out = {}
    for candidate, runs in groups.items():
        if len(runs) < 2:
            continue
        start = runs[0][0]
        end = max(r for r, p in enumerate(phrasings) if p.candidate == candidate) + 1
        starts = np.array([row - start for row, _ in runs], dtype=np.int64)
        out[candidate] = (slice(start, end), starts, tuple(answer for _, answer in runs))
    return out


def _answer_bayes(
    rows: Sequence[Phrasing], keys_of: Sequence[Mapping[str, float]], answers: Sequence[str | None]
) -> Bayes:
    number = {answer: n for n, answer in enumerate(answers)}
    return Bayes(len(answers), ((number[p.answer], k) for p, k in zip(rows, keys_of, strict=True)))


def _keyword_postings(
    keywords: Mapping[str, tuple[tuple[frozenset[str], ...], ...]],
) -> tuple[dict[str, list[tuple[str, int, int]]], dict[tuple[str, int], int]]:
    """Each key -> the (sub-answer, keyword, word) it stands for; and each keyword's length."""
    postings: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    sizes: dict[tuple[str, int], int] = {}
    for answer, words_of in keywords.items():
        for number, words in enumerate(words_of):
            sizes[(answer, number)] = len(words)
            for position, keys in enumerate(words):
                for key in keys:
                    postings[key].append((answer, number, position))
    return dict(postings), sizes


def primary_words(reading: Reading, keys: Keys, lang: str | None = None) -> list[str]:
    """The content words of a reading as their stems (for the nearest-phrasing vectors)."""
    lang = lang or reading.lang
    return [keys.primary(w, lang) for w in content_words(reading, keys, lang)]


def exact_form(text: str, reader: Reads) -> str:
    """A text's words, normalised: two texts with one exact form say the same."""
    return " ".join(reader.read(text).words)


def key_counts(reading: Reading, keys: Keys, lang: str | None = None) -> dict[str, float]:
    """The keys of a reading's content words, each word counting 1 in all (its keys share it)."""
    lang = lang or reading.lang
    out: dict[str, float] = defaultdict(float)
    for word in content_words(reading, keys, lang):
        forms = keys.of(word, lang)
        for key in forms:
            out[key] += 1.0 / len(forms)
    return out
