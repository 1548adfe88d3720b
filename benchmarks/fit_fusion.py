"""Fit the fusion weights and thresholds that bot/understanding/fusion.json ships.

Run from the checkout:  .venv/bin/python benchmarks/fit_fusion.py [--write]

What it learns from (never from benchmarks/eval/frozen.yaml, which judges the result):
- every phrasing in faq/, each scored by an index built WITHOUT it (5 folds), so the weights
  learn how new wordings of a known question look, not how a phrasing matches itself;
- the labelled messages of benchmarks/eval/tune.yaml and ../shared/eval/dev.yaml.
The weights are one softmax over each message's candidates and "nothing", fitted by maximum
likelihood (scipy); the answer threshold is the lowest whose answers are right at least
TARGET_PRECISION of the time in cross-validation over the messages; the sub-answer thresholds
are fitted on the phrasings of topics with sub-answers.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import numpy as np
import yaml
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge import load_knowledge  # noqa: E402
from bot.models import KnowledgeBase, Vocabulary  # noqa: E402
from bot.understanding import Analysis, Band, Fusion, Matcher, Thresholds, decide  # noqa: E402
from bot.understanding.decide import AnswerEvidence, sub_answer  # noqa: E402
from bot.understanding.fusion import FEATURES  # noqa: E402
from bot.understanding.index import REFERRAL  # noqa: E402

TARGET_PRECISION = 0.97
MESSAGE_SHARE = 1.0
"""How much all messages weigh against all held-out phrasings."""
FOLDS = 5
SEED = 20261130
TUNE = ROOT / "benchmarks" / "eval" / "tune.yaml"
DEV = ROOT.parent / "shared" / "eval" / "dev.yaml"
DEV_REASONS = ROOT / "benchmarks" / "eval" / "dev-reasons.yaml"
"""Why dev.yaml's `none` items are out of scope (dev.yaml does not say)."""


@dataclass(frozen=True)
class Example:
    """One message or held-out phrasing with the candidates that would be right for it."""

    text: str
    right: frozenset[str]
    """Candidate ids that are a right answer; empty when nothing should be answered."""
    group: str
    """"phrasing" or "message"."""
    features: np.ndarray | None = None
    analysis: Analysis | None = None
    """Messages: what the matcher found, to decide again with other probabilities."""


NOTHING_SPECIFIC = frozenset({"greeting", "thanks", "out-of-scope"})


def message_targets(label: str, reason: str | None) -> frozenset[str]:
    """The candidates a labelled message may rightly get."""
    if label != "none":
        return frozenset({label})
    if reason and reason.startswith(REFERRAL):
        return frozenset({reason})
    if reason in ("smalltalk", "unknown"):
        # Nothing specific to say: small talk or "not ours" are right; so is silence.
        return NOTHING_SPECIFIC
    return frozenset()


def load_messages(paths: Sequence[Path]) -> list[tuple[str, frozenset[str]]]:
    """(text, the candidates that would be right) for every item of the labelled files."""
    reasons = yaml.safe_load(DEV_REASONS.read_text(encoding="utf-8"))
    out = []
    for path in paths:
        if not path.is_file():
            print(f"(skipping {path}: not there)")
            continue
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            reason = item.get("reason") or reasons.get(item["text"])
            out.append((item["text"], message_targets(item["label"], reason)))
    return out


# --- phrasings held out from the index ---------------------------------------------------------


def _phrasing_slots(kb: KnowledgeBase) -> list[tuple[str, str, str, int]]:
    """(candidate id, where, lang, position) of every phrasing; where names the vocabulary."""
    slots = []
    for topic in kb.topics:
        for lang, items in topic.vocabulary.phrasings.items():
            slots += [(topic.id, topic.id, lang, i) for i in range(len(items))]
        for sub in topic.answers:
            for lang, items in sub.vocabulary.phrasings.items():
                slots += [(topic.id, sub.id, lang, i) for i in range(len(items))]
    for intent, vocab in kb.office.intents.items():
        for lang, items in vocab.phrasings.items():
            slots += [(intent, "office:" + intent, lang, i) for i in range(len(items))]
    for referral in kb.referrals:
        for lang, items in referral.vocabulary.phrasings.items():
            slots += [
                (REFERRAL + referral.id, REFERRAL + referral.id, lang, i) for i in range(len(items))
            ]
    return slots


def _without(vocab: Vocabulary, drop: set[tuple[str, int]]) -> Vocabulary:
    return Vocabulary(
        {
            lang: tuple(p for i, p in enumerate(items) if (lang, i) not in drop)
            for lang, items in vocab.phrasings.items()
        },
        vocab.keywords,
    )


def kb_without(kb: KnowledgeBase, drop: set[tuple[str, str, int]]) -> KnowledgeBase:
    """`kb` with some phrasings removed ((where, lang, position) as in _phrasing_slots)."""

    def keep(where: str, vocab: Vocabulary) -> Vocabulary:
        mine = {(lang, i) for w, lang, i in drop if w == where}
        return _without(vocab, mine) if mine else vocab

    topics = tuple(
        replace(
            t,
            vocabulary=keep(t.id, t.vocabulary),
            answers=tuple(replace(s, vocabulary=keep(s.id, s.vocabulary)) for s in t.answers),
        )
        for t in kb.topics
    )
    office = replace(
        kb.office, intents={k: keep("office:" + k, v) for k, v in kb.office.intents.items()}
    )
    referrals = tuple(
        replace(r, vocabulary=keep(REFERRAL + r.id, r.vocabulary)) for r in kb.referrals
    )
    return replace(kb, topics=topics, office=office, referrals=referrals)


def phrasing_text(kb: KnowledgeBase, where: str, lang: str, i: int) -> str:
    if where.startswith("office:"):
        return kb.office.intents[where.removeprefix("office:")].phrasings[lang][i]
    if where.startswith(REFERRAL):
        referral = next(r for r in kb.referrals if REFERRAL + r.id == where)
        return referral.vocabulary.phrasings[lang][i]
    for topic in kb.topics:
        if topic.id == where:
            return topic.vocabulary.phrasings[lang][i]
        for sub in topic.answers:
            if sub.id == where:
                return sub.vocabulary.phrasings[lang][i]
    raise KeyError(where)


SubCase = tuple[str | None, Mapping[str | None, AnswerEvidence]]
"""A held-out phrasing of a topic with sub-answers: the sub-answer it asks for (None: the
overview), and how near it is to the overview and to each sub-answer."""


def held_out_phrasings(kb: KnowledgeBase, fusion: Fusion) -> tuple[list[Example], list[SubCase]]:
    """Every phrasing scored by an index without it; plus, for topics with sub-answers, what the
    sub-answer rule chose against what the phrasing asks for."""
    slots = _phrasing_slots(kb)
    rng = random.Random(SEED)
    order = list(range(len(slots)))
    rng.shuffle(order)
    fold = {n: k % FOLDS for k, n in enumerate(order)}
    examples: list[Example] = []
    subs: list[SubCase] = []
    topics_with_subs = {t.id for t in kb.topics if t.answers}
    for k in range(FOLDS):
        chosen = [slots[n] for n in range(len(slots)) if fold[n] == k]
        reduced = kb_without(kb, {(where, lang, i) for _, where, lang, i in chosen})
        matcher = Matcher.build(reduced, fusion=fusion)
        for candidate, where, lang, i in chosen:
            text = phrasing_text(kb, where, lang, i)
            features = matcher.features(text)
            if features is None:
                continue
            examples.append(Example(text, frozenset({candidate}), "phrasing", features))
            if candidate in topics_with_subs:
                position = matcher.index.position[candidate]
                wanted = where if where != candidate else None
                subs.append((wanted, _sub_scores(matcher, text, position)))
    return examples, subs


def _sub_scores(matcher: Matcher, text: str, position: int) -> Mapping[str | None, AnswerEvidence]:
    return matcher.analyse(text).answer_scores.get(position, {})


# --- fitting -----------------------------------------------------------------------------------


def _stack(examples: Sequence[Example], ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Features (examples x candidates x FEATURES) and which candidates are right (examples x
    candidates)."""
    features = np.stack([ex.features for ex in examples if ex.features is not None])
    right = np.array([[c in ex.right for c in ids] for ex in examples], dtype=float)
    return features, right


def _objective(
    params: np.ndarray, x: np.ndarray, right: np.ndarray, weight: np.ndarray, c: float
) -> tuple[float, np.ndarray]:
    """Negative log-likelihood of the softmax over the candidates and "nothing" (score 0),
    with an L2 penalty 1/(2C) on the weights; and its gradient."""
    w, b = params[:-1], params[-1]
    scores = x @ w + b  # examples x candidates
    top = np.maximum(scores.max(axis=1, keepdims=True), 0.0)
    odds = np.exp(scores - top)
    nothing = np.exp(-top)
    total = odds.sum(axis=1, keepdims=True) + nothing
    p = odds / total  # P(candidate)
    p_nothing = (nothing / total).ravel()
    has_right = right.sum(axis=1) > 0
    # Probability of the right outcome: any right candidate, or "nothing" when none is right.
    p_right = np.where(has_right, (p * right).sum(axis=1), p_nothing)
    p_right = np.maximum(p_right, 1e-12)
    loss = -(weight * np.log(p_right)).sum() + (w @ w) / (2 * c)
    # d(-log p_right)/d score_j = p_j - [j right] * p_j / p_right  (for "nothing" targets: p_j)
    target = np.where(has_right[:, None], right * p / p_right[:, None], 0.0)
    g_scores = weight[:, None] * (p - target)
    grad_w = np.einsum("ec,ecf->f", g_scores, x) + w / c
    grad_b = g_scores.sum()
    return float(loss), np.append(grad_w, grad_b)


def fit_weights(
    phrasings: Sequence[Example], messages: Sequence[Example], ids: Sequence[str], c: float
) -> tuple[np.ndarray, float]:
    """The fusion's weights and bias: a softmax over each example's candidates and "nothing",
    fitted by maximum likelihood (scipy's L-BFGS); messages and phrasings weigh the same in
    total."""
    groups = [
        (group, share) for group, share in ((phrasings, 1.0), (messages, MESSAGE_SHARE)) if group
    ]
    stacks = [_stack(group, ids) for group, _ in groups]
    x = np.concatenate([f for f, _ in stacks])
    right = np.concatenate([r for _, r in stacks])
    weight = np.concatenate([np.full(len(group), share / len(group)) for group, share in groups])
    weight *= len(weight) / weight.sum()
    start = np.zeros(x.shape[2] + 1)
    found = minimize(_objective, start, args=(x, right, weight, c), jac=True, method="L-BFGS-B")
    return found.x[:-1], float(found.x[-1])


def cross_validated(
    phrasings: Sequence[Example], messages: Sequence[Example], ids: Sequence[str], c: float
) -> list[np.ndarray]:
    """Each message's candidate probabilities from weights fitted without its fold."""
    fold = [n % FOLDS for n in range(len(messages))]
    random.Random(SEED).shuffle(fold)
    out: list[np.ndarray] = [np.zeros(0)] * len(messages)
    for k in range(FOLDS):
        train = [m for m, f in zip(messages, fold, strict=True) if f != k]
        coef, bias = fit_weights(phrasings, train, ids, c)
        fusion = Fusion(weights=tuple(coef), bias=bias)
        for n, (m, f) in enumerate(zip(messages, fold, strict=True)):
            if f == k:
                assert m.features is not None
                out[n] = fusion.probabilities(m.features)
    return out


def judge(
    messages: Sequence[Example], probs: Sequence[np.ndarray], t: Thresholds
) -> dict[str, float]:
    """What users would see with these probabilities and thresholds: the share of specific
    answers (topics, services, referrals) that are right, in-scope messages answered right,
    and out-of-scope messages not answered with a topic."""
    said = right = in_scope = in_right = kept = out_scope = 0
    for m, p in zip(messages, probs, strict=True):
        assert m.analysis is not None
        found = decide(replace(m.analysis, probabilities=p), t)
        got = (
            found.label
            if found.band is Band.ANSWER
            else found.reason
            if found.band is Band.REFERRAL
            else None
        )
        topic_label = _is_topic_label(m.right)
        if got is not None:
            said += 1
            right += got in m.right
        if topic_label:
            in_scope += 1
            in_right += found.band is Band.ANSWER and got in m.right
        else:
            out_scope += 1
            kept += found.band is not Band.ANSWER
    return {
        "precision": right / said if said else 1.0,
        "answered": said / len(messages),
        "in_scope_right": in_right / max(in_scope, 1),
        "none_kept": kept / max(out_scope, 1),
    }


def fit_suggest(
    messages: Sequence[Example], probs: Sequence[np.ndarray], t: Thresholds
) -> Thresholds:
    """A "did you mean" when the options together reach half the answer threshold; each option
    down to the lowest floor that puts the right topic among them more often without offering
    options to more out-of-scope messages than a floor of a third would."""
    t = replace(t, suggest=round(t.answer / 2, 3))

    def figures(floor: float) -> tuple[float, float]:
        tried = replace(t, suggest_floor=floor)
        reached = in_scope = offered = out_scope = 0
        for m, p in zip(messages, probs, strict=True):
            assert m.analysis is not None
            found = decide(replace(m.analysis, probabilities=p), tried)
            if _is_topic_label(m.right):
                in_scope += 1
                reached += (found.band is Band.ANSWER and found.label in m.right) or (
                    found.band is Band.SUGGEST and bool(set(found.suggestions) & m.right)
                )
            else:
                out_scope += 1
                offered += found.band is Band.SUGGEST
        return reached / max(in_scope, 1), offered / max(out_scope, 1)

    floors = [round(float(f), 3) for f in np.arange(0.05, t.answer / 3, 0.025)] + [
        round(t.answer / 3, 3)
    ]
    _, allowed = figures(floors[-1])
    # Of equal reach, the highest floor: fewer options that are hardly meant.
    reach, floor = max((figures(f)[0], f) for f in floors if figures(f)[1] <= allowed)
    print(f"did-you-mean floor {floor}: right topic answered or offered {reach:.1%}")
    return replace(t, suggest_floor=floor)


def _is_topic_label(right: frozenset[str]) -> bool:
    return (
        bool(right)
        and not right & {"greeting", "thanks", "out-of-scope"}
        and not any(r.startswith(REFERRAL) for r in right)
    )


SUB_ANSWER_PRECISION = 0.85
"""A sub-answer given must be the one asked for this often; otherwise the overview (with the
sub-answers one tap away) is the safer reply ..."""
OVERVIEW_KEPT = 0.9
"""... and a broad question (an overview's phrasing) must get the overview this often."""


def fit_sub_thresholds(subs: Sequence[SubCase], t: Thresholds) -> Thresholds:
    """The sub-answer thresholds that give held-out phrasings the sub-answer they ask for as
    often as possible while SUB_ANSWER_PRECISION of the sub-answers given are right and
    OVERVIEW_KEPT of the broad ones keep the overview."""
    wanted = [w for w, _ in subs]
    asking = np.array([w is not None for w in wanted])
    best: tuple[int, Thresholds] = (-1, t)
    for bayes, keyword in itertools.product(np.arange(0.0, 0.65, 0.1), np.arange(0.0, 0.45, 0.05)):
        weighed = replace(
            t, sub_answer_bayes=round(float(bayes), 2), sub_answer_keyword=round(float(keyword), 2)
        )
        # Per case: the leading sub-answer, its score and the overview's, as sub_answer() sees them.
        top, score, overview = [], [], []
        for _, scores in subs:
            ranked = max(
                ((e.score(weighed), a) for a, e in scores.items() if a is not None),
                default=(-np.inf, None),
            )
            top.append(ranked[1])
            score.append(ranked[0])
            overview.append(scores[None].score(weighed) if None in scores else 0.0)
        hit = np.array([a is not None and a == w for a, w in zip(top, wanted, strict=True)])
        sub, lead = np.array(score), np.array(score) - np.array(overview)
        for level, margin in itertools.product(
            np.arange(0.2, 0.95, 0.025), np.arange(0.0, 0.55, 0.025)
        ):
            given = (sub >= level) & (lead >= margin)
            right = int((given & hit).sum())
            kept = int((~given & ~asking).sum())
            if (
                given.any()
                and right / given.sum() >= SUB_ANSWER_PRECISION
                and kept >= OVERVIEW_KEPT * (~asking).sum()
                and right > best[0]
            ):
                best = (
                    right,
                    replace(
                        weighed,
                        sub_answer=round(float(level), 3),
                        sub_answer_lead=round(float(margin), 2),
                    ),
                )
    right, chosen = best
    for verbatim in (0.95, 0.9, 0.85, 0.8, 0.75):
        tried = replace(chosen, sub_answer_verbatim=verbatim)
        given = [(sub_answer(scores, tried), w) for w, scores in subs]
        picked = [(got, w) for got, w in given if got is not None]
        hits = sum(got == w for got, w in picked)
        kept = sum(got is None for got, w in given if w is None)
        if (
            hits > right
            and hits / len(picked) >= SUB_ANSWER_PRECISION
            and kept >= OVERVIEW_KEPT * (~asking).sum()
        ):
            right, chosen = hits, tried
    print(
        f"sub-answers on held-out phrasings: {right} of {int(asking.sum())} asking for one get it "
        f"(sub-answer {chosen.sub_answer}, lead {chosen.sub_answer_lead}, "
        f"bayes {chosen.sub_answer_bayes}, keyword {chosen.sub_answer_keyword}, "
        f"verbatim {chosen.sub_answer_verbatim})"
    )
    return chosen


C_VALUES: Final = (0.1, 0.3, 1.0, 3.0, 10.0)
"""Inverse regularisation strengths tried, the strongest regularisation first."""
C_TOLERANCE: Final = 0.01
"""How much worse (in-scope right + half of out-of-scope kept, cross-validated) a more
regularised model may be and still be chosen."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write bot/understanding/fusion.json")
    args = parser.parse_args(argv)
    kb = load_knowledge(ROOT / "faq")
    start = Fusion()
    matcher = Matcher.build(kb, fusion=start)
    ids = [c.id for c in matcher.index.candidates]
    phrasings, subs = held_out_phrasings(kb, start)
    messages = []
    for text, right in load_messages([TUNE, DEV]):
        if right and not right & set(ids):
            continue  # a topic this knowledge base does not have yet
        features = matcher.features(text)
        if features is not None:
            messages.append(
                Example(text, right & set(ids), "message", features, matcher.analyse(text))
            )
    print(f"{len(phrasings)} held-out phrasings, {len(messages)} messages, {len(ids)} candidates")
    best_per_c: list[tuple[float, float, Thresholds, list[np.ndarray]]] = []
    for c in C_VALUES:
        probs = cross_validated(phrasings, messages, ids, c)
        best: tuple[float, float, Thresholds, list[np.ndarray]] | None = None
        for margin in (0.0, 0.05, 0.1, 0.2):
            for answer in np.arange(0.30, 0.95, 0.025):
                t = Thresholds(answer=float(answer), margin=margin)
                figures = judge(messages, probs, t)
                if figures["precision"] < TARGET_PRECISION:
                    continue
                value = figures["in_scope_right"] + 0.5 * figures["none_kept"]
                if best is None or value > best[0]:
                    best = (value, c, t, probs)
                    print(f"C={c} {t.answer:.3f}/{margin}: {figures}")
        if best is not None:
            best_per_c.append(best)
    assert best_per_c
    # The most regularised model that is about as good as the best: with ~340 messages, a
    # point more for a sharper model is noise, and a sharper model swings with every edit.
    top = max(value for value, *_ in best_per_c)
    _, c, t, probs = next(b for b in best_per_c if b[0] >= top - C_TOLERANCE)
    coef, bias = fit_weights(phrasings, messages, ids, c)
    t = fit_suggest(messages, probs, t)
    fitted = Fusion(
        weights=tuple(float(x) for x in coef),
        bias=bias,
        thresholds=t,
        lexical=start.lexical,
        fitted=(
            f"benchmarks/fit_fusion.py: logistic regression (C={c}) on {len(phrasings)} held-out "
            f"faq phrasings and {len(messages)} messages (tune.yaml, dev.yaml); answer threshold "
            f"for >= {TARGET_PRECISION:.0%} precision in {FOLDS}-fold cross-validation"
        ),
    )
    print(dict(zip(FEATURES, np.round(coef, 3), strict=True)), round(bias, 3))
    print(t)
    t = fit_sub_thresholds(subs, t)
    fitted = replace(fitted, thresholds=t)
    if args.write:
        path = ROOT / "bot" / "understanding" / "fusion.json"
        path.write_text(fitted.to_json() + "\n", encoding="utf-8")
        print(f"wrote {path}")
    _ = dataclasses
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
