"""One probability per candidate from the pieces of evidence, with weights fitted offline.

The weights are label-agnostic (the same for every topic), so a topic staff add tomorrow is
scored like the others. They are fitted by maximum likelihood with cross-validated thresholds
(benchmarks/fit_fusion.py) and shipped in fusion.json beside this file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Final

import numpy as np
import numpy.typing as npt

FEATURES: Final = (
    "lexical",
    "lexical_lead",
    "nearest",
    "nearest_lead",
    "bayes",
    "bayes_lead",
    "agree",
    "named",
    "out_of_scope",
    "service",
    "referral",
    "smalltalk",
    "not_ours",
    "unnamed_referral",
)
"""Per candidate: its lexical score (0..1) and its lead over the best other candidate; the same
for its nearest phrasing's similarity and its naive Bayes posterior; how many of the three rank
it first (0..1); whether the message holds one of its keywords; how strongly the message is
out of scope (for every candidate but out-of-scope
itself); what kind of candidate it is (a topic is none of the four kinds); and whether it is a
referral the message does not name (another office needs its own word: "Schule", "Jobcenter")."""

KINDS: Final = ("service", "referral", "smalltalk", "out-of-scope")

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Thresholds:
    """The only place the bands are decided (probabilities 0..1)."""

    answer: float = 0.5
    """Answer (a topic, a referral, small talk) from this probability on ..."""
    margin: float = 0.1
    """... when the runner-up is at least this far behind."""
    suggest: float = 0.25
    """Offer "did you mean" when the options together have this probability ..."""
    suggest_floor: float = 0.15
    """... each option having at least this one."""
    max_suggestions: int = 3
    sub_answer: float = 0.45
    """A sub-answer must score this much to be chosen over the overview ..."""
    sub_answer_lead: float = 0.0
    """... and lead the overview by this much."""
    sub_answer_bayes: float = 0.0
    """A sub-answer's score: its nearest phrasing's similarity, and this much of naive Bayes's
    probability that the message asks for it rather than for the overview or a sibling."""
    sub_answer_verbatim: float = 1.01
    """A sub-answer's phrasing this similar to the message (and nearer than the overview's) gets
    it whatever the scores (above 1: never)."""
    sub_answer_keyword: float = 0.25
    """A sub-answer's keyword in the message counts as this much more similarity."""


@dataclass(frozen=True)
class Fusion:
    """Logistic weights over FEATURES, the bias, the thresholds, and the lexical weights."""

    weights: tuple[float, ...] = (
        2.8,
        2.0,
        0.0,
        0.0,
        0.2,
        0.8,
        3.2,
        1.0,
        -2.0,
        0.0,
        0.0,
        0.0,
        0.0,
        -1.0,
    )
    bias: float = -3.0
    thresholds: Thresholds = Thresholds()
    lexical: dict[str, float] = field(default_factory=dict)
    """LexicalWeights fields fitted with the rest (missing ones keep their defaults)."""
    fitted: str = ""
    """How and on what the weights were fitted."""

    def probabilities(self, features: Array) -> Array:
        """P(this candidate is what the message is about), from a (candidates x FEATURES)
        matrix: a softmax over the candidates and "nothing" (whose score is 0), so that the
        candidates compete and the probabilities sum to at most 1."""
        scores = features @ np.asarray(self.weights) + self.bias
        top = max(float(scores.max()), 0.0)
        odds = np.exp(scores - top)
        return np.asarray(odds / (odds.sum() + np.exp(-top)), dtype=np.float64)

    def to_json(self) -> str:
        """The form stored in fusion.json."""
        t = self.thresholds
        return json.dumps(
            {
                "fitted": self.fitted,
                "features": list(FEATURES),
                "weights": [round(x, 4) for x in self.weights],
                "bias": round(self.bias, 4),
                "thresholds": {k: round(float(v), 4) for k, v in vars(t).items()},
                "lexical": self.lexical,
            },
            indent=2,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Fusion:
        data = json.loads(text)
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"fusion.json was fitted for other features: {data['features']}")
        thresholds = dict(data["thresholds"])
        thresholds["max_suggestions"] = int(thresholds.get("max_suggestions", 3))
        return cls(
            weights=tuple(float(x) for x in data["weights"]),
            bias=float(data["bias"]),
            thresholds=Thresholds(**thresholds),
            lexical={k: float(v) for k, v in data.get("lexical", {}).items()},
            fitted=str(data.get("fitted", "")),
        )


def shipped() -> Fusion:
    """The fitted fusion shipped with the package (defaults when none is there yet)."""
    path = resources.files(__package__).joinpath("fusion.json")
    if not path.is_file():
        return Fusion()
    return Fusion.from_json(path.read_text(encoding="utf-8"))


def feature_matrix(
    lexical: Array,
    nearest: Array,
    bayes: Array,
    named: Array,
    out_of_scope: float,
    kinds: Sequence[str],
) -> Array:
    """The FEATURES of every candidate from its lexical score (0..1), its nearest phrasing's
    similarity, its naive Bayes posterior, whether the message names it, and its kind."""
    # A signal that is the same for every candidate (nothing known) ranks none of them first.
    firsts = [
        (signal == signal.max()) & (signal.max() > signal.min())
        for signal in (lexical, nearest, bayes)
    ]
    kind = np.array([[k == name for name in KINDS] for k in kinds], dtype=float)
    return np.column_stack(
        [
            lexical,
            _lead(lexical),
            nearest,
            _lead(nearest),
            bayes,
            _lead(bayes),
            sum(f.astype(float) for f in firsts) / len(firsts),
            named,
            out_of_scope * (1.0 - kind[:, KINDS.index("out-of-scope")]),
            kind,
            kind[:, KINDS.index("referral")] * (1.0 - named),
        ]
    )


def _lead(values: Array) -> Array:
    """Each value minus the best of the others."""
    if len(values) < 2:
        return values.copy()
    order = np.argsort(values)
    best, second = values[order[-1]], values[order[-2]]
    lead: Array = values - best
    lead[order[-1]] = best - second
    return lead
