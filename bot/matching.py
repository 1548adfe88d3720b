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

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot import text as tx
from bot.models import (
    ELSEWHERE,
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
    """0..100, the best topic's (or contact's, office-hours') score; out-of-scope is no topic."""
    lang: str
    lang_confident: bool
    band: Band
    suggestions: tuple[str, ...] = ()
    """Band SUGGEST: the best two or three labels, best first."""
    smalltalk: str | None = None
    """"greeting", "thanks", "out-of-scope" or "elsewhere" (another town) when recognised."""
    ranking: tuple[tuple[str, float], ...] = ()
    """The best few (label, score), for debugging and evaluation."""


@dataclass(frozen=True)
class Thresholds:
    """The only place the bands are decided."""

    answer: float = 30.0
    """Answer directly from this score on ..."""
    margin: float = 5.0
    """... when the runner-up (out-of-scope included) is at least this far behind."""
    suggest: float = 30.0
    """Offer "did you mean" from this score on."""
    veto: float = 20.0
    """Answer only when out-of-scope (school, BAMF, Kindergeld) trails the best by this much:
    "Does the Jobcenter pay the Kita fee?" is ours, "The Jobcenter has not paid" is not."""
    suggest_floor: float = 22.0
    """Further suggestions need at least this score."""
    max_suggestions: int = 3


@dataclass(frozen=True)
class Weights:
    """How evidence turns into a score; tuned with cross-validation on the dev set."""

    keyword: float = 1.0
    """A word found among a label's keywords or titles."""
    term: float = 1.0
    """A multi-word keyword whose words stand together in the message ("freie Plätze")."""
    audience: float = 1.0
    """Who writes ("our Kita", "my son") counts this much for the topics meant for them and for
    everyone (its idf is low: it is spread over most topics)."""
    sought: float = 1.5
    """What someone looks for ("где найти психолога", "wo finde ich das Formular") is what they
    ask about: the two words after a verb of seeking count this much more."""
    phrasing: float = 0.3
    """A word found only in a label's phrasings (plus `phrasing_share` times its share of them)."""
    phrasing_share: float = 0.45
    answer: float = 0.0
    """A word found only in a topic's answer text (weak: answers say much besides the topic)."""
    out_of_scope: float = 1.5
    """Out-of-scope evidence counts this much more: "school" next to "register" means no answer."""
    fuzzy: float = 0.0
    """Share of the score from rapidfuzz token_set_ratio against the label's best phrasing."""
    unknown: float = 0.3
    """How much a word nobody's vocabulary knows dilutes the evidence (an idf-like weight) ..."""
    unknown_power: float = 0.7
    """... growing less than linearly: long messages tell a story around the question."""
    corrected: float = 0.8
    """A word found only after a typo correction or a compound split counts this much."""
    strength: float = 0.8
    """Evidence (sum of idf-weighted hits) at which the absolute part of the score is 63 %."""
    coverage_power: float = 0.5


THRESHOLDS: Final = Thresholds()
WEIGHTS: Final = Weights()

SMALLTALK_GREETING_THANKS: Final = (GREETING, THANKS)
_MAX_RANKING: Final = 5
_CACHE_SIZE: Final = 50_000
_FUZZY_CANDIDATES: Final = 3
_SEPARABLE: Final = frozenset(
    ("an", "ab", "auf", "aus", "ein", "mit", "vor", "zu", "nach", "um", "weg", "zurueck", "vorbei")
)
"""German separable verb prefixes, found at the end of a clause: "melde ich mein Kind an"."""
_SEEK: Final = frozenset(
    {
        *("finde", "finden", "suche", "suchen", "find", "finding", "looking"),
        *("знайти", "шукаю", "шукаємо", "шукати", "найти", "ищу", "ищем", "искать"),
    }
)
"""Verbs of seeking: the words after them name what is sought."""
_SOUGHT_WORDS: Final = 2
_MIN_COMPOUND_PART: Final = 4
_LINKING: Final = ("", "s", "n", "en", "e", "es")
_MIN_HEAD_NOUN: Final = 7
"""A compound's last part this long is looked up on its own (with its stem and synonyms)."""


# --- keys of a word -----------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def word_keys(word: str, lang: str) -> frozenset[str]:
    """Every form under which `word` (umlauts unfolded, in language `lang`) is indexed.

    Only the message's own language stems a word: a Russian stem of a Ukrainian word (or an
    English stem of a German one) finds false friends.
    """
    if tx.word_script(word) == "cyrillic":
        flat = word.replace("'", "")
        stem = tx.stem(flat, "ru" if lang == "ru" else "uk")
        keys = {flat, tx.loose_cyrillic(flat), stem, tx.loose_cyrillic(stem)}
        latin = _lookalike_latin(flat)
        if latin:
            keys.add(latin)
        _add_synonym(keys, flat, stem)
        return frozenset(k for k in keys if k)
    folded = tx.fold_umlauts(word).replace("'", "")
    # Latin words in Ukrainian or Russian messages are German loanwords (Kita, Anmeldung, Amt).
    stem = tx.stem(folded, "en") if lang == "en" else tx.stem(word.replace("'", ""), "de")
    keys = {folded, tx.loose_latin(folded), stem}
    _add_synonym(keys, folded, stem)
    return frozenset(k for k in keys if k)


def _add_synonym(keys: set[str], word: str, stem: str) -> None:
    group = tx.synonym_key(word) or tx.synonym_key(stem)
    if group:
        keys.add(group)


def primary_key(word: str, lang: str) -> str:
    """One form per word for whole-phrase comparison: the stem in the message's language."""
    if tx.word_script(word) == "cyrillic":
        flat = word.replace("'", "")
        twin = _lookalike_latin(flat)
        if twin:
            return twin
        return tx.loose_cyrillic(tx.stem(flat, "ru" if lang == "ru" else "uk"))
    folded = tx.fold_umlauts(word).replace("'", "")
    return tx.stem(folded, "en") if lang == "en" else tx.stem(word.replace("'", ""), "de")


_CYR_LOOKALIKE = str.maketrans(dict(zip("авсенікмортху", "abcehikmoptxy", strict=True)))


def _lookalike_latin(word: str) -> str | None:
    """ "кіта" typed with Cyrillic look-alikes of "kita": its Latin twin, else None."""
    twin = word.translate(_CYR_LOOKALIKE)
    return twin if twin.isascii() else None


# --- the index ----------------------------------------------------------------------------------


@dataclass
class _LabelVocab:
    answer: set[str] = field(default_factory=set)
    phrases: list[str] = field(default_factory=list)
    """Each phrasing as its words' primary keys, for rapidfuzz."""
    keywords: set[str] = field(default_factory=set)
    phrasing_counts: Counter[str] = field(default_factory=Counter)
    phrasings: int = 0
    terms: list[tuple[frozenset[str], ...]] = field(default_factory=list)
    """Multi-word keywords ("freie Plätze"), each word as the set of its keys."""


def _content_words(text: str, lang: str) -> list[str]:
    reading = tx.read(text)
    words: Iterable[str] = reading.words
    if lang != "ru" and reading.romanized:
        words = (*reading.words, *reading.latin_words)
    return [w for w in words if len(w) > 1 and not tx.is_stop_word(w, lang) and not w.isdigit()]


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
        terms: Mapping[str, tuple[_Term, ...]],
        audiences: Mapping[str, frozenset[str]],
        phrases: Mapping[str, tuple[str, ...]],
        smalltalk: Mapping[str, tuple[frozenset[str], frozenset[tuple[str, ...]]]],
        labels: tuple[str, ...],
        answerable: frozenset[str],
        thresholds: Thresholds = THRESHOLDS,
        weights: Weights = WEIGHTS,
        elsewhere: Elsewhere | None = None,
    ) -> None:
        self._key_hits = label_hits
        self._terms = terms
        self._audiences = audiences
        """For "kitas" and "families", the labels meant for them."""
        self._for_families = audiences.get("families", frozenset()) - audiences.get(
            "kitas", frozenset()
        )
        """Topics only for families (registration, rights)."""
        self._phrases = phrases
        self._smalltalk_keys = {intent: keys for intent, (keys, _) in smalltalk.items()}
        self._smalltalk_phrases = {intent: phrases for intent, (_, phrases) in smalltalk.items()}
        self._phrase_starts = {
            phrase[0] for phrases in self._smalltalk_phrases.values() for phrase in phrases
        }
        self._labels = labels
        self._answerable = answerable
        self._elsewhere = elsewhere or Elsewhere()
        self.thresholds = thresholds
        self.weights = weights
        self._vocab_by_initial: dict[str, list[str]] = defaultdict(list)
        for key in label_hits:
            if len(key) >= 4:
                self._vocab_by_initial[key[0]].append(key)
        # Per-word results: people reuse the same few hundred words, so most look-ups are hits.
        # Bounded: once full, new words are simply computed every time.
        self._word_cache: dict[tuple[str, str], _Hit | None] = {}
        self._filler_cache: dict[tuple[tuple[str, ...], str], bool] = {}
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
            indexed = _index_vocab(
                topic.vocabulary, extra_keywords=titles, extra_phrasings=[("de", topic.question_de)]
            )
            if weights.answer > 0:
                for lang, answer in topic.answer.items():
                    indexed.answer.update(_answer_keys(answer, lang))
            vocabularies[topic.id] = indexed
        for intent in SERVICE_INTENTS:
            vocab = kb.office.intents.get(intent)
            if vocab is not None:
                vocabularies[intent] = _index_vocab(vocab)
        out_of_scope = kb.smalltalk.get(OUT_OF_SCOPE)
        if out_of_scope is not None:
            vocabularies[OUT_OF_SCOPE] = _out_of_scope_vocab(out_of_scope)
        smalltalk = {
            intent: _smalltalk_vocab(kb.smalltalk[intent])
            for intent in SMALLTALK_GREETING_THANKS
            if intent in kb.smalltalk
        }
        answerable = frozenset(label for label in vocabularies if label != OUT_OF_SCOPE)
        phrases = {
            label: tuple(dict.fromkeys(p for p in vocab.phrases if p))
            for label, vocab in vocabularies.items()
            if label in answerable
        }
        return cls(
            _key_hits(vocabularies, weights),
            _terms_by_key(vocabularies),
            {
                audience: frozenset(t.id for t in kb.topics if t.audience in (audience, "both"))
                for audience in ("kitas", "families")
            },
            phrases,
            smalltalk,
            tuple(vocabularies),
            answerable,
            thresholds,
            weights,
            Elsewhere.from_vocabulary(
                kb.smalltalk.get(ELSEWHERE),
                anywhere=frozenset(t.id for t in kb.topics if t.where == "anywhere"),
            ),
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
        scores = self._scores(content, reading)
        if self._elsewhere.named(reading.words) or (
            reading.romanized and self._elsewhere.named(reading.latin_words)
        ):
            scores = self._elsewhere.only_anywhere(scores)
        ranking = tuple(sorted(scores.items(), key=lambda item: (-item[1], item[0])))
        # "thanks for the help": small talk unless the rest is a question we can answer.
        smalltalk = self._smalltalk(units, reading, phrase_intents) if len(content) <= 2 else None
        return Analysis(reading.lang, reading.confident, ranking, smalltalk, self._answerable)

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
        """Each word with its alternatives: romanised Ukrainian keeps its Latin spelling too,
        and a German verb its separated prefix ("melde ich mein Kind an" -> anmelde)."""
        if reading.romanized:
            pairs = zip(reading.words, reading.latin_words, strict=True)
            return list(dict.fromkeys(pairs))
        words = reading.words
        if reading.lang != "de" or not _SEPARABLE.intersection(words):
            return [(w,) for w in dict.fromkeys(words)]
        units: list[tuple[str, ...]] = []
        for i, word in enumerate(words):
            later = [p for p in words[i + 1 :] if p in _SEPARABLE and p != word]
            units.append((word, *(p + word for p in dict.fromkeys(later))))
        return list(dict.fromkeys(units))

    def _is_filler(self, unit: tuple[str, ...], lang: str) -> bool:
        """Stop words, numbers, greetings and thanks say nothing about the topic."""
        cached = self._filler_cache.get((unit, lang))
        if cached is None:
            word = unit[0]
            cached = (
                len(word) < 2  # "e" of "E-Mail", a lone initial or a circled Ⓔ
                or word.isdigit()
                or any(tx.is_stop_word(w, lang) for w in unit)
                or any(word_keys(word, lang) & vocab for vocab in self._smalltalk_keys.values())
            )
            if len(self._filler_cache) < _CACHE_SIZE:
                self._filler_cache[(unit, lang)] = cached
        return cached

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
        if hit is None and not self._elsewhere.is_place(word):  # Freital is no Freitag
            hit = self._corrected(word, lang)
        if len(self._word_cache) < _CACHE_SIZE:
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
        """Kitabeitrag -> kita + beitrag: the labels both parts point to, weaker.

        In a German compound the last part names the thing (a Kinderpsychotherapeut is a
        Psychotherapeut), so a long known last part counts, weaker still, when the first part is
        unknown.
        """
        known = self._key_hits
        for cut in range(len(word) - _MIN_COMPOUND_PART, _MIN_COMPOUND_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            if tail not in known:
                continue
            for link in _LINKING:
                if head.endswith(link) and len(head) - len(link) >= 3:
                    stem = head[: len(head) - len(link)] if link else head
                    if stem in known:
                        return self._with_idf(_merge_labels(known[stem], known[tail], factor))
        for cut in range(_MIN_COMPOUND_PART, len(word) - _MIN_HEAD_NOUN + 1):
            tail_hit = self._lookup(word[cut:], lang, factor * factor)
            if tail_hit is not None:
                return tail_hit
        return None

    def _scores(self, units: list[tuple[str, ...]], reading: tx.Reading) -> dict[str, float]:
        """Lexical evidence per label, blended with rapidfuzz over the best labels' phrasings."""
        w = self.weights
        lang = reading.lang
        evidence: dict[str, float] = dict.fromkeys(self._labels, 0.0)
        total = 0.0
        unknown = 0
        # "Ich bin Tagesmutter": the writer is one, not a family looking for one.
        writers = tx.audiences(reading.words)
        # A claimed role makes the writer a Kita; a parent ("my son") keeps the role as sought.
        own_roles = tx.roles_of_writer(reading.words) if writers == {"kitas"} else frozenset()
        sought = 0  # how many of the next words are what the writer looks for
        for unit in units:
            weight = w.sought if sought else 1.0
            sought = _SOUGHT_WORDS if tx.fold_umlauts(unit[0]) in _SEEK else max(sought - 1, 0)
            hit = self._unit_hit(unit, lang)
            if hit is None:
                unknown += 1
                continue
            if unit[0] in own_roles:
                hit = _Hit(
                    {k: v for k, v in hit.labels.items() if k not in self._for_families}, hit.idf
                )
            total += hit.idf * weight
            for label, value in hit.labels.items():
                evidence[label] += hit.idf * weight * value
        for extra in (self._term_hit(units, lang), self._audience_hit(writers)):
            if extra is not None:
                total += extra.idf
                for label, value in extra.labels.items():
                    evidence[label] += extra.idf * value
        total += w.unknown * unknown**w.unknown_power
        if evidence.get(OUT_OF_SCOPE):
            # A Hort question talks about school; that does not make it a school question.
            school_care = tx.about_school_care(reading.words)
            evidence[OUT_OF_SCOPE] *= 0.0 if school_care else w.out_of_scope
        lexical = {label: score(e, total, w) for label, e in evidence.items()}
        if w.fuzzy <= 0:
            return lexical
        query = " ".join(primary_key(unit[0], lang) for unit in units)
        leaders = sorted(
            (label for label in self._phrases if lexical[label] > 0),
            key=lambda label: -lexical[label],
        )[:_FUZZY_CANDIDATES]
        for label in leaders:
            best = process.extractOne(
                query, self._phrases[label], scorer=fuzz.token_set_ratio, processor=None
            )
            similarity = best[1] if best else 0.0
            lexical[label] = (1 - w.fuzzy) * lexical[label] + w.fuzzy * similarity
        for label in self._phrases:
            if label not in leaders:
                lexical[label] *= 1 - w.fuzzy
        return lexical

    def _term_hit(self, units: list[tuple[str, ...]], lang: str) -> _Hit | None:
        """The labels whose multi-word keywords the message holds, as one more word.

        A term counts when its words stand next to each other in its order once stop words are
        gone: "freie Plätze" in "haben freie Plätze", "Kindergarten Ukraine" in "Kindergarten in
        der Ukraine"; "ukrainische Kita" is not in "als Kita ukrainische Kinder aufnehmen".
        """
        if not self._terms:
            return None
        keys = [frozenset().union(*(word_keys(word, lang) for word in unit)) for unit in units]
        labels: dict[str, float] = {}
        for i, here in enumerate(keys):
            for key in (k for k in here if k in self._terms):
                for label, words in self._terms[key]:
                    if label not in labels and _adjacent(keys, i, words):
                        labels[label] = self.weights.term
        return self._with_idf(labels) if labels else None

    def _audience_hit(self, found: frozenset[str]) -> _Hit | None:
        """The topics meant for whoever seems to write, as one more word (none when unclear)."""
        if self.weights.audience <= 0:
            return None
        if len(found) != 1:
            return None
        labels = self._audiences.get(next(iter(found)), frozenset())
        return self._with_idf(dict.fromkeys(labels, self.weights.audience)) if labels else None

    def _unit_hit(self, unit: tuple[str, ...], lang: str) -> _Hit | None:
        # Only the word as typed gets a typo correction; its alternatives must be known as such.
        found = [self._word_hit(unit[0], lang)]
        found += [self._lookup(word, lang) for word in unit[1:]]
        hits = [h for h in found if h is not None]
        if len(hits) <= 1:
            return hits[0] if hits else None
        merged = hits[0]
        for other in hits[1:]:
            merged = _merge(merged, other)
        return self._with_idf(merged.labels)

    def _with_idf(self, labels: Mapping[str, float]) -> _Hit:
        # A word weakly found in other labels' phrasings is still mostly one label's keyword:
        # count labels by strength, relative to the strongest.
        spread = sum(labels.values()) / max(labels.values())
        idf = math.log((self._n_labels + 1) / (spread + 0.5)) / self._idf_norm
        return _Hit(labels, max(idf, 0.05))


_HOME: Final = ("dresd", "дрезд", "drezd")
"""Dresden, Dresdner, Дрездені, Drezdeni: a message about Dresden is not about elsewhere."""
_FROM: Final = frozenset(["aus", "von", "vom", "from", "з", "із", "зі", "из", "от"])
"""Where someone comes from ("wir sind aus Berlin hergezogen") is not where they ask about."""
_TO: Final = frozenset(["nach", "to", "до"])
"""Where someone moves to ("von Dresden nach Leipzig") is: even when Dresden is named."""
_MIN_PLACE_STEM: Final = 4
_MAX_ENDING: Final = 3
"""Letters an inflected Cyrillic town name may add to its stem (Лейпциг- у Лейпцизі)."""


@dataclass(frozen=True)
class Elsewhere:
    """Another town named in a message ("Kita in Leipzig"), from faq/smalltalk.yaml `elsewhere`.

    Only the topics whose answers hold anywhere (`where: "anywhere"`, like the measles law) may
    answer it; the Dresden-only topics' best score becomes the label ELSEWHERE, so a question about
    another town's registration gets "ask that town" instead of Dresden's portal.

    Latin names count as written (Leipziger Straße is a street in Dresden, not Leipzig);
    Cyrillic ones (five letters or more) by their name less its last letter, which inflection
    changes (Хемніц -> у Хемніці, Лейпциг -> у Лейпцизі).
    """

    names: frozenset[str] = frozenset()
    """Latin names, umlauts folded, lower case."""
    stems: frozenset[str] = frozenset()
    """Cyrillic names less their last letter."""
    phrases: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    """Multi-word keywords ("anderen Stadt") by their first word."""
    anywhere: frozenset[str] = frozenset()

    @classmethod
    def from_vocabulary(cls, vocab: Vocabulary | None, anywhere: frozenset[str]) -> Elsewhere:
        if vocab is None:
            return cls(anywhere=anywhere)
        singles, phrases = _keyword_parts(vocab)
        folded = {tx.fold_umlauts(word) for _, word in singles}
        cyrillic = {w for w in folded if tx.word_script(w) == "cyrillic" and len(w) > 4}
        by_first: dict[str, tuple[tuple[str, ...], ...]] = {}
        for phrase in sorted(phrases):
            by_first[phrase[0]] = (*by_first.get(phrase[0], ()), phrase)
        return cls(
            frozenset(folded - cyrillic), frozenset(w[:-1] for w in cyrillic), by_first, anywhere
        )

    def named(self, words: tuple[str, ...]) -> bool:
        """True when the message asks about another place: one named not as where someone comes
        from, with Dresden not named, or named as where someone goes."""
        if not (self.names or self.stems or self.phrases):
            return False
        flat = tuple(tx.fold_umlauts(w) for w in words)
        here = elsewhere = moving_there = False
        for i, word in enumerate(flat):
            before = flat[i - 1] if i else ""
            if before in _FROM:
                continue
            if word.startswith(_HOME):
                here = True
            elif self.is_place(word):
                elsewhere = True
                moving_there = moving_there or before in _TO
        if not elsewhere:
            elsewhere = any(
                flat[i : i + len(phrase)] == phrase
                for i, word in enumerate(flat)
                for phrase in self.phrases.get(word, ())
            )
        return elsewhere and (not here or moving_there)

    def is_place(self, word: str) -> bool:
        flat = tx.fold_umlauts(word)
        if flat in self.names:
            return True
        if not "\u0400" <= flat[:1] <= "\u04ff":  # only Cyrillic names are inflected
            return False
        shortest = max(len(flat) - _MAX_ENDING, _MIN_PLACE_STEM)
        return any(flat[:n] in self.stems for n in range(shortest, len(flat) + 1))

    def only_anywhere(self, scores: Mapping[str, float]) -> dict[str, float]:
        """Dresden-only labels give way to ELSEWHERE, which takes the best of their scores."""
        kept = {OUT_OF_SCOPE, *self.anywhere}
        local = [s for label, s in scores.items() if label not in kept]
        result = {label: (s if label in kept else 0.0) for label, s in scores.items()}
        result[ELSEWHERE] = max(local, default=0.0)
        return result


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
    top = tuple((label, round(s, 1)) for label, s in found.ranking[:_MAX_RANKING])
    # Another town: the Dresden-only topics' best score, a rival that is never answered.
    elsewhere = dict(found.ranking).get(ELSEWHERE, 0.0)
    ranking = tuple(item for item in found.ranking if item[0] != ELSEWHERE)
    best_label, best = ranking[0]
    runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
    base = Match(None, best, found.lang, found.lang_confident, Band.NONE, ranking=top)
    if found.smalltalk and (max(best, elsewhere) < t.suggest or best_label == OUT_OF_SCOPE):
        return replace(base, band=Band.SMALLTALK, smalltalk=found.smalltalk)
    if best_label == OUT_OF_SCOPE:
        # The score tells how sure we are of a topic; out-of-scope's own strength is not that.
        topic_score = next((s for label, s in ranking if label in found.answerable), 0.0)
        return replace(
            base, score=topic_score, smalltalk=OUT_OF_SCOPE if best >= t.suggest else None
        )
    out_of_scope = dict(ranking).get(OUT_OF_SCOPE, 0.0)
    if (
        best >= t.answer
        and best - runner_up >= t.margin
        and best - out_of_scope >= t.veto
        and best >= elsewhere - t.margin  # a topic that holds there too, as strong as the rest
    ):
        return replace(base, label=best_label, band=Band.ANSWER)
    if elsewhere >= t.suggest and elsewhere >= best:
        # A question about another town's Kitas or offices: ours would be the wrong answer.
        return replace(base, score=elsewhere, smalltalk=ELSEWHERE)
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


def _merge_labels(
    a: Mapping[str, float], b: Mapping[str, float], factor: float
) -> dict[str, float]:
    labels = {label: value * factor for label, value in a.items()}
    for label, value in b.items():
        labels[label] = max(labels.get(label, 0.0), value * factor)
    return labels


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
    # Multi-word titles ("Як записати дитину") are names, not terms: their words count as phrasings.
    for is_keyword, (lang, keyword) in (
        *((True, item) for item in keywords),
        *((False, item) for item in extra_keywords),
    ):
        words = _content_words(keyword, lang)
        if len(words) == 1:
            out.keywords.update(word_keys(words[0], lang))
        elif words:
            multi_word.append((lang, keyword))
            if is_keyword:
                out.terms.append(tuple(word_keys(word, lang) for word in words))
    for lang, phrasing in (*phrasings, *multi_word, *extra_phrasings):
        out.phrasings += 1
        seen: set[str] = set()
        words = _content_words(phrasing, lang)
        for word in words:
            seen.update(word_keys(word, lang))
        out.phrases.append(" ".join(primary_key(word, lang) for word in words))
        out.phrasing_counts.update(seen)
    return out


def _answer_keys(answer: str, lang: str) -> set[str]:
    """The words of an answer text (all of it, not only the first characters a message gets)."""
    keys: set[str] = set()
    for start in range(0, len(answer), tx.MAX_INPUT_CHARS // 2):
        for word in _content_words(answer[start : start + tx.MAX_INPUT_CHARS // 2], lang):
            keys.update(word_keys(word, lang))
    return keys


def _out_of_scope_vocab(vocab: Vocabulary) -> _LabelVocab:
    """Out-of-scope counts only with its keywords.

    Its phrasings are examples for the editors: their everyday words ("how long does it take",
    "when is the office open") would pull answerable questions away from their topics. Multi-word
    keywords count only whole.
    """
    out = _index_vocab(Vocabulary({}, vocab.keywords))
    # "immigration office" is out of scope only whole: "office" alone is our own office.
    out.phrasing_counts.clear()
    return out


def _adjacent(keys: list[frozenset[str]], start: int, words: tuple[frozenset[str], ...]) -> bool:
    """Do `words` follow one another from `start` on?"""
    following = keys[start : start + len(words)]
    return len(following) == len(words) and all(
        not k.isdisjoint(w) for k, w in zip(following, words, strict=True)
    )


_Term = tuple[str, tuple[frozenset[str], ...]]
"""A label and the keys of each word of one of its multi-word keywords."""


def _terms_by_key(vocabularies: Mapping[str, _LabelVocab]) -> dict[str, tuple[_Term, ...]]:
    """Multi-word keywords under every key of their first word, to find candidates quickly."""
    index: dict[str, dict[_Term, None]] = defaultdict(dict)
    for label, vocab in vocabularies.items():
        for words in vocab.terms:
            for key in words[0]:
                index[key][(label, words)] = None
    return {key: tuple(terms) for key, terms in index.items()}


def _key_hits(vocabularies: Mapping[str, _LabelVocab], w: Weights) -> dict[str, dict[str, float]]:
    """For every key, how much it counts for each label (keywords beat phrasings)."""
    hits: dict[str, dict[str, float]] = defaultdict(dict)
    for label, vocab in vocabularies.items():
        for key in vocab.answer:
            hits[key][label] = w.answer
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
    singles, phrases = _keyword_parts(vocab)
    keys = {key for lang, word in singles for key in word_keys(word, lang)}
    return frozenset(keys), phrases


def _keyword_parts(
    vocab: Vocabulary,
) -> tuple[list[tuple[str, str]], frozenset[tuple[str, ...]]]:
    """A vocabulary's keywords: single words (language, word), and multi-word keywords as
    sequences of umlaut-folded words."""
    singles: list[tuple[str, str]] = []
    phrases: set[tuple[str, ...]] = set()
    for lang, item in _vocab_texts(vocab)[1]:
        words = tx.read(item).words
        if len(words) == 1:
            singles.append((lang, words[0]))
        elif words:
            phrases.add(tuple(tx.fold_umlauts(w) for w in words))
    return singles, frozenset(phrases)
