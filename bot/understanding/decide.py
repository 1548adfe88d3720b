"""The ONE rule from probabilities to what the bot does: answer, refer, "did you mean", small
talk or nothing, and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Final, NamedTuple

import numpy as np

from bot.models import OUT_OF_SCOPE
from bot.understanding.fusion import Array, Thresholds
from bot.understanding.index import REFERRAL, Candidate
from bot.understanding.places import Elsewhere

_MAX_RANKING: Final = 5

ELSEWHERE: Final = "elsewhere"
SMALLTALK: Final = "smalltalk"
UNKNOWN: Final = "unknown"


class Band(StrEnum):
    ANSWER = "answer"
    """A topic, sub-answer, contact or office hours."""
    REFERRAL = "referral"
    """Not ours: where to go instead (`Match.reason` is "referral:<id>")."""
    SUGGEST = "suggest"
    SMALLTALK = "smalltalk"
    NONE = "none"


@dataclass(frozen=True)
class Match:
    """What a message is about, as the rest of the bot needs it."""

    label: str | None
    """Topic id, "contact" or "office-hours" when band is ANSWER; else None."""
    score: float
    """0..100: how sure the matcher is of its best topic (a calibrated probability)."""
    lang: str
    lang_confident: bool
    band: Band
    answer: str | None = None
    """The sub-answer ("registration/documents") that fits the answered topic (band ANSWER) or
    the first "did you mean" option (band SUGGEST)."""
    reason: str | None = None
    """Why there is no label: "referral:<id>", "elsewhere", "smalltalk", "out-of-scope" or
    "unknown"."""
    smalltalk: str | None = None
    """"greeting" or "thanks" when band is SMALLTALK."""
    elsewhere: bool = False
    """The message asks about another town than ours."""
    town: str | None = None
    """That town, as the register writes it ("Leipzig", "Лейпциг"); None when the message only
    says "another town"."""
    suggestions: tuple[str, ...] = ()
    """Band SUGGEST: the best two or three labels, best first."""
    ranking: tuple[tuple[str, float], ...] = ()
    """The best few (candidate, 0..100), for debugging and evaluation."""

    @property
    def referral(self) -> str | None:
        """The referral's id when band is REFERRAL."""
        if self.reason and self.reason.startswith(REFERRAL):
            return self.reason.removeprefix(REFERRAL)
        return None


@dataclass(frozen=True)
class Analysis:
    """What the matcher found before deciding."""

    lang: str
    lang_confident: bool
    candidates: tuple[Candidate, ...]
    probabilities: Array
    smalltalk: str | None = None
    """Greeting or thanks when the message is nothing else."""
    exact: int | None = None
    """The candidate whose phrasing the message is, word for word."""
    elsewhere: Elsewhere | None = None
    """Another town the message asks about."""
    answer_scores: Mapping[int, Mapping[str | None, AnswerEvidence]] = field(default_factory=dict)
    """For the leading topics with sub-answers: how near the message is to the overview (None)
    and to each sub-answer."""


def decide(found: Analysis, t: Thresholds) -> Match:
    """The ONE rule: answer, refer, "did you mean", small talk or nothing."""
    base = Match(None, 0.0, found.lang, found.lang_confident, Band.NONE, reason=UNKNOWN)
    if found.smalltalk:
        return replace(base, band=Band.SMALLTALK, reason=SMALLTALK, smalltalk=found.smalltalk)
    candidates = found.candidates
    p = found.probabilities.copy()
    if found.exact is not None:
        # What staff wrote as a phrasing is answered as they meant it.
        p[found.exact] = max(p[found.exact], 1.0)
    order = [int(i) for i in np.argsort(-p, kind="stable")]
    ranking = tuple((candidates[i].id, round(100 * float(p[i]), 1)) for i in order[:_MAX_RANKING])
    base = replace(base, ranking=ranking, score=_topic_score(candidates, p, order))
    if found.elsewhere is not None and found.exact is None:
        # Another town: its offices and Kitas are not ours; only answers that hold anywhere.
        local = [
            i for i in order if not candidates[i].anywhere and candidates[i].kind != "smalltalk"
        ]
        p[local] = 0.0
        order = [int(i) for i in np.argsort(-p, kind="stable")]
        best = order[0]
        if not (p[best] >= t.answer and candidates[best].kind in ("topic", "smalltalk")):
            return replace(base, reason=ELSEWHERE, elsewhere=True, town=found.elsewhere.name)
        base = replace(base, elsewhere=True, town=found.elsewhere.name)
    best, runner_up = order[0], order[1] if len(order) > 1 else None
    top = candidates[best]
    p_best = float(p[best])
    lead = p_best - (float(p[runner_up]) if runner_up is not None else 0.0)
    confident = p_best >= t.answer and lead >= t.margin
    if confident and top.kind in ("topic", "service"):
        return replace(
            base,
            label=top.id,
            band=Band.ANSWER,
            reason=None,
            score=round(100 * p_best, 1),
            answer=sub_answer(found.answer_scores.get(best, {}), t),
        )
    if confident and top.kind == "referral":
        return replace(base, band=Band.REFERRAL, reason=top.id)
    if confident and top.kind == "smalltalk":
        return replace(base, band=Band.SMALLTALK, reason=SMALLTALK, smalltalk=top.id)
    options = [i for i in order if _is_answer(candidates[i]) and p[i] >= t.suggest_floor]
    options = options[: t.max_suggestions]
    # Two good candidates share the probability between them: together they may well be it.
    if options and sum(float(p[i]) for i in options) >= t.suggest:
        suggestions = tuple(candidates[i].id for i in options)
        # The first option's sub-answer, when one fits: its button can lead straight there.
        answer = sub_answer(found.answer_scores.get(options[0], {}), t)
        return replace(base, band=Band.SUGGEST, suggestions=suggestions, answer=answer)
    if top.kind == "out-of-scope" or (top.kind == "referral" and p_best >= t.suggest):
        return replace(base, reason=OUT_OF_SCOPE if top.kind == "out-of-scope" else top.id)
    if found.elsewhere is not None:
        return replace(base, reason=ELSEWHERE, elsewhere=True, town=found.elsewhere.name)
    return base


class AnswerEvidence(NamedTuple):
    """How much a message asks for one answer of a topic (its overview or a sub-answer)."""

    nearest: float
    """The similarity of the answer's nearest phrasing."""
    bayes: float
    """Naive Bayes's probability of this answer among the topic's answers."""
    named: bool = False
    """One of the answer's keywords is in the message."""

    def score(self, t: Thresholds) -> float:
        mixed = (1.0 - t.sub_answer_bayes) * self.nearest + t.sub_answer_bayes * self.bayes
        return mixed + (t.sub_answer_keyword if self.named else 0.0)


def sub_answer(scores: Mapping[str | None, AnswerEvidence], t: Thresholds) -> str | None:
    """The sub-answer the message asks for, when sure enough and ahead of the overview; a broad
    question gets the overview."""
    overview = scores[None].score(t) if None in scores else 0.0
    subs = [(e.score(t), answer) for answer, e in scores.items() if answer is not None]
    if not subs:
        return None
    score, answer = max(subs)
    if score >= t.sub_answer and score - overview >= t.sub_answer_lead:
        return answer
    # A message worded almost as one of a sub-answer's phrasings asks for that sub-answer.
    near = scores[None].nearest if None in scores else 0.0
    similarity, closest = max((e.nearest, a) for a, e in scores.items() if a is not None)
    if similarity >= t.sub_answer_verbatim and similarity > near:
        return closest
    return None


def _is_answer(candidate: Candidate) -> bool:
    return candidate.kind in ("topic", "service")


def _topic_score(candidates: tuple[Candidate, ...], p: Array, order: list[int]) -> float:
    """The best topic's (or contact's, office hours') probability, 0..100."""
    best = next((i for i in order if _is_answer(candidates[i])), None)
    return round(100 * float(p[best]), 1) if best is not None else 0.0
