"""Helpers the test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

from bot.conversation import Brain
from bot.events import Action, Reply, ShowLabel, parse
from bot.i18n import po_path
from bot.knowledge import Problem, Source
from bot.models import Lang
from bot.understanding import Match

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


class FixedBrain:
    """A brain as given, never reloaded: built once per test session, or from a knowledge base
    the loader would refuse."""

    def __init__(self, brain: Brain) -> None:
        self.current = brain
        self.reloads = 0
        self.problems: tuple[Problem, ...] = ()
        self.source: Source = "faq"

    def refresh(self) -> bool:
        return False

    def reload(self) -> list[Problem]:
        self.reloads += 1
        return []


@dataclass(frozen=True)
class Finds:
    """A matcher that finds what it is told: for what the real one decides rarely, or not yet,
    or in a band that moves as faq/ grows."""

    found: Match

    def match(self, text: str) -> Match:
        return self.found


def actions(reply: Reply) -> list[Action | None]:
    """What the reply's buttons do, in order (link buttons left out)."""
    return [parse(button.data) for row in reply.buttons for button in row if not button.url]


def shown(reply: Reply) -> list[str]:
    """The labels the reply's buttons answer, in order."""
    return [a.label for a in actions(reply) if isinstance(a, ShowLabel)]


def urls(reply: Reply) -> list[str]:
    """The addresses the reply's link buttons open, in order."""
    return [button.data for row in reply.buttons for button in row if button.url]


def interface_phrases(lang: Lang) -> list[str]:
    """Interface texts of `lang` long enough that finding one in a reply means it is in `lang`."""
    with po_path(lang, LOCALES_DIR).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    phrases = []
    for message in catalog:
        if not message.id:
            continue
        texts = (message.string,) if isinstance(message.string, str) else (message.string or ())
        for text in texts:
            for fragment in re.split(r"\{\w+\}", text):
                fragment = fragment.strip(" .:,;!?()")
                if len(fragment) >= 12 and " " in fragment:
                    phrases.append(fragment)
    return phrases
