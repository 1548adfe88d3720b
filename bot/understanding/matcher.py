"""The one entry point: `Matcher.build(kb)` once per knowledge base, then `match(text)`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Final

import numpy as np

from bot.models import KnowledgeBase
from bot.understanding.decide import Analysis, AnswerEvidence, Match, decide
from bot.understanding.fusion import Array, Fusion, feature_matrix, shipped
from bot.understanding.index import Index, exact_form
from bot.understanding.language import Reading
from bot.understanding.lexical import Lexical, LexicalWeights, Unit, units_of
from bot.understanding.places import Towns
from bot.understanding.text import fold_umlauts, word_script
from bot.understanding.writer import Writer

_LEADERS: Final = 3
_SMALLTALK_OTHERS: Final = 6
"""A thank-you may say more ("you helped me so much"), but not at length."""
"""Sub-answers are looked for in this many leading topics."""


class Matcher:
    """Understands messages with one knowledge base; build once, match many times."""

    def __init__(self, index: Index, kb: KnowledgeBase, *, fusion: Fusion | None = None) -> None:
        self.index = index
        self.fusion = fusion or shipped()
        known = {f.name for f in fields(LexicalWeights)}
        lexical_weights = LexicalWeights(
            **{k: v for k, v in self.fusion.lexical.items() if k in known}
        )
        self._towns = Towns(kb.places, kb.lexicon)
        self._lexical = Lexical(
            index,
            towns=self._towns,
            writer=Writer(kb.lexicon),
            seeking=kb.lexicon.seeking,
            weights=lexical_weights,
        )
        self._smalltalk_phrases: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        """Small talk's phrases of several words ("vielen dank"), by their first word."""
        for intent, phrases in index.smalltalk_phrases.items():
            for phrase in phrases:
                self._smalltalk_phrases.setdefault(phrase[0], []).append((intent, phrase))
        self._out_of_scope = [i for i, c in enumerate(index.candidates) if c.kind == "out-of-scope"]
        self._kinds = [c.kind for c in index.candidates]

    @classmethod
    def build(cls, kb: KnowledgeBase, *, fusion: Fusion | None = None) -> Matcher:
        """Index every phrasing, keyword and title of `kb`."""
        return cls(Index.build(kb), kb, fusion=fusion)

    def match(self, text: str) -> Match:
        """Understand one message: a label and a band, a referral, small talk, or nothing."""
        return decide(self.analyse(text), self.fusion.thresholds)

    def analyse(self, text: str, *, as_if_unwritten: bool = False) -> Analysis:
        """Read the message and weigh every candidate (no decision yet).

        `as_if_unwritten`: weigh a phrasing of faq/ as if it were not written there (neither the
        exact match nor its own nearest phrasing counts): how a reworded question would fare.
        """
        features, reading, smalltalk, exact, units = self._evidence(text, as_if_unwritten)
        candidates = self.index.candidates
        if smalltalk or features is None:
            probabilities = np.zeros(len(candidates))
            return Analysis(reading.lang, reading.confident, candidates, probabilities, smalltalk)
        probabilities = self.fusion.probabilities(features)
        town = self._towns.find(reading.words)
        if town is None and reading.romanized:
            town = self._towns.find(reading.latin_words)
        leaders = [int(i) for i in np.argsort(-probabilities)[:_LEADERS]]
        answers = {i: scores for i in leaders if (scores := self._answer_scores(i, units))}
        return Analysis(
            reading.lang,
            reading.confident,
            candidates,
            probabilities,
            exact=exact,
            elsewhere=town,
            answer_scores=answers,
        )

    def features(self, text: str) -> Array | None:
        """The fusion's features for every candidate (None when nothing can be weighed)."""
        return self._evidence(text)[0]

    def _evidence(
        self, text: str, as_if_unwritten: bool = False
    ) -> tuple[Array | None, Reading, str | None, int | None, _Weighed]:
        index = self.index
        reading = index.reader.read(text)
        row = index.exact.get(exact_form(text, index.reader))
        exact = index.phrasings[row].candidate if row is not None and not as_if_unwritten else None
        units = units_of(reading)
        smalltalk = self._only_smalltalk([u for u, _ in units], reading.lang, bool(reading.asking))
        weighed = _weigh(reading, units, index, self._lexical.weights.context)
        if smalltalk is not None or not weighed.units:
            return None, reading, smalltalk, exact, weighed
        scores, named = self._lexical.scores(weighed.units, weighed.weights, reading)
        lexical = np.asarray(scores) / 100
        similarities = index.space.similarities(weighed.stems, weighed.stem_weights)
        if as_if_unwritten and row is not None:
            similarities[row] = 0.0
            weighed.unwritten = row
        weighed.similarities = similarities
        nearest = index.nearest(similarities)
        bayes = index.bayes.posterior(weighed.keys)
        out_of_scope = float(lexical[self._out_of_scope].max()) if self._out_of_scope else 0.0
        features = feature_matrix(
            lexical, nearest, bayes, np.asarray(named, dtype=float), out_of_scope, self._kinds
        )
        return features, reading, None, exact, weighed

    def _only_smalltalk(self, units: Sequence[Unit], lang: str, asks: bool) -> str | None:
        """Greeting or thanks: small-talk words and nothing else ("danke!!", "hi there"); or,
        when the message asks nothing, small-talk words and no word that names anything we
        answer ("Vielen herzlichen Dank, das hat mir sehr geholfen!")."""
        found: dict[int, int] = {}
        others = 0
        flat = [fold_umlauts(u[0]) for u in units]
        of = self.index.keys.of
        covered: set[int] = set()
        for i, word in enumerate(flat):
            for intent, phrase in self._smalltalk_phrases.get(word, ()):
                size = len(phrase)
                if tuple(flat[i : i + size]) == phrase:
                    covered.update(range(i, i + size))
                    found[intent] = found.get(intent, 0) + 1
        for i, unit in enumerate(units):
            if i in covered:
                continue
            # Only keys in the word's own script: "ні" (no) is not "hi".
            script = word_script(unit[0])
            keys = {k for k in of(unit[0], lang) if k.startswith("~") or word_script(k) == script}
            intents = [n for n, vocab in self.index.smalltalk_keys.items() if keys & vocab]
            if not intents:
                if self.index.keys.is_content(unit[0], lang):
                    if asks or keys & self.index.keyword_keys:
                        return None
                    others += 1
                continue
            for intent in intents:
                found[intent] = found.get(intent, 0) + 1
        if not found or others > _SMALLTALK_OTHERS:
            return None
        # "thanks, bye" and "hello and thank you" are both best answered as thanks.
        names = {self.index.candidates[n].id: n for n in found}
        return "thanks" if "thanks" in names else "greeting"

    def _answer_scores(self, candidate: int, weighed: _Weighed) -> dict[str | None, AnswerEvidence]:
        """How much the message asks for a topic's overview (None) and each sub-answer: the
        nearest phrasing's similarity, naive Bayes over the topic's answers, and whether one of
        a sub-answer's keywords is in the message."""
        group = self.index.answer_groups.get(candidate)
        if weighed.similarities is None or group is None:
            return {}
        if weighed.answer_similarities is None:
            weighed.answer_similarities = self.index.answer_space.similarities(
                weighed.stems, weighed.stem_weights
            )
            if weighed.unwritten is not None:
                weighed.answer_similarities[weighed.unwritten] = 0.0
        if weighed.named_answers is None:
            # A keyword of several words ("no place", "outside Dresden") counts only whole.
            weighed.named_answers = self.index.named_answers(weighed.keys)
        rows, starts, answers = group
        nearest = np.maximum.reduceat(weighed.answer_similarities[rows], starts)
        bayes = self.index.answer_bayes[candidate].posterior(weighed.keys)
        return {
            answer: AnswerEvidence(
                float(similarity), float(probability), answer in weighed.named_answers
            )
            for answer, similarity, probability in zip(answers, nearest, bayes, strict=True)
        }


class _Weighed:
    """A message's content units with their weights, and its stems for the n-grams."""

    def __init__(self) -> None:
        self.units: list[Unit] = []
        self.weights: list[float] = []
        self.stems: list[str] = []
        self.stem_weights: list[float] = []
        self.keys: dict[str, float] = {}
        """Word keys and their weights, for naive Bayes."""
        self.similarities: Array | None = None
        self.answer_similarities: Array | None = None
        self.unwritten: int | None = None
        self.named_answers: frozenset[str] | None = None
        """The sub-answers whose keywords the message holds, once asked for."""
        """The row of the phrasing weighed as if it were not written."""


def _weigh(
    reading: Reading, units: list[tuple[Unit, int]], index: Index, context: float
) -> _Weighed:
    """The words that may name a topic, each weighed by its sentence: in a story, the sentences
    that ask count fully and the others as context. A question that names nothing we answer
    ("Where do we start?") leaves the story to say what it is about: then all count alike."""
    out = _Weighed()
    keys = index.keys
    lang = reading.lang
    story = reading.is_story and any(
        reading.sentence[position] in reading.asking
        and any(keys.of(word, lang) & index.keyword_keys for word in unit)
        for unit, position in units
    )
    for unit, position in units:
        if not all(keys.is_content(word, lang) for word in unit[:1]):
            continue
        if any(keys.is_stop(word, lang) for word in unit):
            continue
        weight = 1.0
        if story and reading.sentence and reading.sentence[position] not in reading.asking:
            weight = context
        out.units.append(unit)
        out.weights.append(weight)
        # Romanised words count in both scripts; a German verb with its prefix put back
        # ("melde ... an" -> anmelde) counts as the whole verb when the phrasings know it.
        if reading.romanized and lang != "ru":
            spellings = unit
        else:
            known = [w for w in unit[1:] if any(k in index.key_hits for k in keys.of(w, lang))]
            spellings = (known[-1],) if known else unit[:1]
        for word in spellings:
            out.stems.append(keys.primary(word, lang))
            out.stem_weights.append(weight)
            forms = keys.of(word, lang)
            for key in forms:
                out.keys[key] = out.keys.get(key, 0.0) + weight / len(forms)
    return out
