"""Which of staff's phrasings the bot understands only word for word.

A message that is exactly a phrasing is always answered with that phrasing's label. A phrasing
whose words point elsewhere, though, helps no one who words the question a little differently:
`misread_phrasings` finds them (weighing each as if it were not written there), so that
`kita-bot validate` can say, at the phrasing's line, which label wins instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.models import KnowledgeBase, Vocabulary
from bot.understanding.decide import Band, Match, decide
from bot.understanding.index import REFERRAL
from bot.understanding.matcher import Matcher


@dataclass(frozen=True)
class Misread:
    """A phrasing that, worded a little differently, would not get its own label."""

    text: str
    meant: str
    """The label it was written for: a topic id, contact, office-hours or "referral:<id>"."""
    got: str | None
    """What the bot would lead to instead (an answer, a referral, or the first "did you mean"
    option: a label or "referral:<id>"); None: nothing."""
    suggested: bool
    """True when the bot would only ask "did you mean"."""
    written_at: tuple[Path, int, int] | None


def misread_phrasings(kb: KnowledgeBase, matcher: Matcher) -> list[Misread]:
    """Every phrasing of `kb` that the bot would not answer with its own label were it not
    written in faq/ word for word, in file order."""
    found: list[Misread] = []
    for label, vocabulary in _vocabularies(kb):
        for texts in vocabulary.phrasings.values():
            for text in texts:
                found_here = matcher.analyse(text, as_if_unwritten=True)
                decided = decide(found_here, matcher.fusion.thresholds)
                got = _given(decided)
                if got != label or decided.band is Band.SUGGEST:
                    found.append(
                        Misread(
                            text,
                            label,
                            got,
                            decided.band is Band.SUGGEST,
                            vocabulary.written_at.get(text),
                        )
                    )
    return found


def _given(decided: Match) -> str | None:
    """The label the user is led to: the answer, the referral, or the first "did you mean"."""
    if decided.band is Band.ANSWER:
        return decided.label
    if decided.band is Band.SUGGEST and decided.suggestions:
        return decided.suggestions[0]
    return decided.reason if decided.band is Band.REFERRAL else None


def _vocabularies(kb: KnowledgeBase) -> list[tuple[str, Vocabulary]]:
    out: list[tuple[str, Vocabulary]] = []
    for topic in kb.topics:
        out.append((topic.id, topic.vocabulary))
        out += [(topic.id, sub.vocabulary) for sub in topic.answers]
    out += list(kb.office.intents.items())
    out += [(REFERRAL + referral.id, referral.vocabulary) for referral in kb.referrals]
    return out
