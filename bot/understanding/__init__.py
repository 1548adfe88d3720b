"""Understanding a message: text in, `Match` out (a topic, a sub-answer, a referral, small talk
or nothing, and why). `Matcher.build(kb)` once per knowledge base, then `Matcher.match(text)`."""

from bot.understanding.decide import Analysis, Band, Match, decide
from bot.understanding.fusion import Fusion, Thresholds
from bot.understanding.index import REFERRAL
from bot.understanding.matcher import Matcher

__all__ = ["REFERRAL", "Analysis", "Band", "Fusion", "Match", "Matcher", "Thresholds", "decide"]
