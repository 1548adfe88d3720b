"""Helpers the test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

from bot.conversation import Brain
from bot.knowledge import Problem


class FixedBrain:
    """A brain as given, never reloaded: built once per test session, or from a knowledge base
    the loader would refuse."""

    def __init__(self, brain: Brain) -> None:
        self.current = brain
        self.reloads = 0
        self.problems: tuple[Problem, ...] = ()

    def refresh(self) -> bool:
        return False

    def reload(self) -> list[Problem]:
        self.reloads += 1
        return []
