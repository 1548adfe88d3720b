"""The knowledge the bot serves, as frozen values: topics, the office, small talk.

Nothing here reads files or knows Telegram; `knowledge.py` builds these from `faq/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Final, Literal, TypeAlias, get_args

Lang: TypeAlias = Literal["de", "uk", "en"]
"""A language the bot answers in."""

LANGUAGES: Final[tuple[Lang, ...]] = get_args(Lang)
DEFAULT_LANG: Final[Lang] = "de"

Localized: TypeAlias = Mapping[Lang, str]
"""One text per answer language."""

Audience: TypeAlias = Literal["families", "kitas", "both"]
AUDIENCES: Final[tuple[Audience, ...]] = get_args(Audience)

Where: TypeAlias = Literal["dresden", "anywhere"]
"""Where an answer holds: in Dresden only (the city's portal, office, fees), or anywhere (a federal
law like the measles rule, pedagogy)."""
WHERES: Final[tuple[Where, ...]] = get_args(Where)

CONTACT: Final = "contact"
OFFICE_HOURS: Final = "office-hours"
SERVICE_INTENTS: Final[tuple[str, ...]] = (CONTACT, OFFICE_HOURS)

GREETING: Final = "greeting"
THANKS: Final = "thanks"
OUT_OF_SCOPE: Final = "out-of-scope"
ELSEWHERE: Final = "elsewhere"
"""Another town: its Kitas and offices are not ours; only answers that hold `anywhere` apply."""
SMALLTALK_INTENTS: Final[tuple[str, ...]] = (GREETING, THANKS, OUT_OF_SCOPE, ELSEWHERE)


@dataclass(frozen=True)
class Vocabulary:
    """What people type for one label: whole phrasings and single keywords, per language."""

    phrasings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    url: str
    title: Localized


@dataclass(frozen=True)
class Topic:
    id: str
    audience: Audience
    title: Localized
    question_de: str
    """The city's own German question."""
    answer: Localized
    vocabulary: Vocabulary
    links: tuple[Link, ...]
    sources: tuple[str, ...]
    reviewed: date
    related: tuple[str, ...]
    order: int = 1000
    where: Where = "dresden"
    path: Path | None = None


@dataclass(frozen=True)
class Interval:
    """An opening interval within one day, `start` < `end`."""

    start: time
    end: time


@dataclass(frozen=True)
class OfficeHours:
    weekly: Mapping[int, tuple[Interval, ...]]
    """Weekday (0 = Monday) to its intervals, in order; a missing weekday is closed."""
    timezone: str = "Europe/Berlin"
    holiday_country: str = "DE"
    holiday_subdivision: str = "SN"


@dataclass(frozen=True)
class Phone:
    number: str
    label: Localized


@dataclass(frozen=True)
class Email:
    address: str
    label: Localized


@dataclass(frozen=True)
class Office:
    name: Localized
    visiting_address: Localized
    postal_address: Localized
    phones: tuple[Phone, ...]
    emails: tuple[Email, ...]
    websites: tuple[Link, ...]
    hours: OfficeHours
    hours_note: Localized | None
    """Said under the hours, e.g. that an appointment is advised."""
    intents: Mapping[str, Vocabulary]
    """`contact` and `office-hours`."""
    sources: tuple[str, ...]
    reviewed: date


@dataclass(frozen=True)
class KnowledgeBase:
    topics: tuple[Topic, ...]
    """In menu order."""
    office: Office
    smalltalk: Mapping[str, Vocabulary]
    """`greeting`, `thanks`, `out-of-scope` and `elsewhere` (optional): recognised, never answered
    with a topic."""

    def topic(self, topic_id: str) -> Topic | None:
        """The topic with this id, if any."""
        return next((t for t in self.topics if t.id == topic_id), None)

    @property
    def topic_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label a message can be answered with: the topics, then the service intents."""
        return (*self.topic_ids, *SERVICE_INTENTS)
