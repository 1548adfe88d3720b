"""The knowledge the bot serves, as frozen values: topics, referrals, the office, small talk.

Nothing here reads files or knows Telegram; `bot.knowledge` builds these from `faq/`.
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
    written_at: Mapping[str, tuple[Path, int, int]] = field(default_factory=dict)
    """Each phrasing -> the file, line and column where staff wrote it (for their messages)."""


@dataclass(frozen=True)
class Link:
    url: str
    title: Localized


SUB_ANSWER_SEPARATOR: Final = "/"
"""Between a topic's id and its sub-answer's own id: "registration/documents"."""


@dataclass(frozen=True)
class SubAnswer:
    """A narrow question within a topic, with its own short answer."""

    id: str
    """The full id, "<topic id>/<own id>", e.g. "registration/documents"."""
    title: Localized
    answer: Localized
    more: Localized | None
    """The rest, shown on request after the answer."""
    vocabulary: Vocabulary
    links: tuple[Link, ...]
    sources: tuple[str, ...]
    """Its own, else the topic's."""
    reviewed: date
    """Its own, else the topic's."""


@dataclass(frozen=True)
class Topic:
    id: str
    audience: Audience
    title: Localized
    question_de: str
    """The city's own German question."""
    answer: Localized
    """The overview: the first message, short."""
    vocabulary: Vocabulary
    links: tuple[Link, ...]
    sources: tuple[str, ...]
    reviewed: date
    related: tuple[str, ...]
    order: int = 1000
    where: Where = "dresden"
    path: Path | None = None
    more: Localized | None = None
    """The rest of the overview, shown on request."""
    answers: tuple[SubAnswer, ...] = ()
    """Sub-answers, in file order."""


@dataclass(frozen=True)
class Referral:
    """Something another office handles (residence permits, Jobcenter ...): where to go instead."""

    id: str
    title: Localized
    answer: Localized
    links: tuple[Link, ...]
    sources: tuple[str, ...]
    reviewed: date
    vocabulary: Vocabulary
    path: Path | None = None
    where: Where = "dresden"
    """Where the referral holds: its offices are ours (Dresden's) or anywhere (116 117)."""


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


# --- the matcher's vocabulary (faq/lexicon.yaml) and other towns (faq/places.yaml) -------------

Words: TypeAlias = frozenset[str]
"""Lower-case words, umlauts as typed."""


@dataclass(frozen=True)
class WriterCues:
    """Words that tell who writes: a Kita ("unsere Kita", "ich bin Erzieherin") or a family."""

    we: Words = frozenset()
    setting: Words = frozenset()
    """A day-care setting, after "we"/"our": "unsere Kita", "we run a daycare"."""
    staff: Words = frozenset()
    """Roles only a Kita side has (Träger, Kitaleitung)."""
    role: Words = frozenset()
    """Roles that count as the writer's own only after "I am" (Tagesmutter, Erzieherin)."""
    i_am: Words = frozenset()
    my: Words = frozenset()
    child: Words = frozenset()
    child_alone: Words = frozenset()
    """Words that already say "my child" ("синові 3 роки")."""
    need: Words = frozenset()
    """'We need a kindergarten' is a family: who seeks a setting does not run one."""


@dataclass(frozen=True)
class Lexicon:
    """The words the matcher reads with, from faq/lexicon.yaml; Python holds only mechanisms."""

    stop_words: Mapping[str, Words] = field(default_factory=dict)
    """Per language (de, en, uk, ru): words that never decide a topic."""
    content_words: Mapping[str, Words] = field(default_factory=dict)
    """Per language: stop words of another language that carry a topic here (en "war")."""
    synonyms: tuple[tuple[str, ...], ...] = ()
    """Groups of words that mean the same, across languages."""
    language: Mapping[str, Words] = field(default_factory=dict)
    """Marker words per language form (de, en, uk, ru, uk-latn) for language detection."""
    writer: WriterCues = WriterCues()
    seeking: Words = frozenset()
    """Verbs of seeking: the words after them name what is sought."""
    asking: Words = frozenset()
    """Question words and requests: a sentence holding one asks (it weighs more in a story)."""
    from_words: Words = frozenset()
    """Where someone comes from ("aus Berlin") is not where they ask about."""
    to_words: Words = frozenset()
    """Where someone moves to ("nach Leipzig") is."""


@dataclass(frozen=True)
class Places:
    """Town names, from faq/places.yaml: our own town (and its districts) and the others."""

    home: Words = frozenset()
    """Names that mean our own town: Dresden, its districts and Ortschaften, in every script
    (as written: "Dresden", "Pieschen-Süd", "Hosterwitz/Pillnitz")."""
    towns: Words = frozenset()
    """Other towns: Saxony's municipalities and Germany's large cities, in every script (as
    written: "Bad Schandau", "Ottendorf-Okrilla", "Лейпциг")."""
    phrases: Words = frozenset()
    """Words for "another town" ("andere Stadt", "іншому місті")."""
    source: str = ""


@dataclass(frozen=True)
class KnowledgeBase:
    topics: tuple[Topic, ...]
    """In menu order."""
    office: Office
    smalltalk: Mapping[str, Vocabulary]
    """`greeting`, `thanks`, `out-of-scope` and `elsewhere` (optional): recognised, never answered
    with a topic."""
    referrals: tuple[Referral, ...] = ()
    """By id."""
    lexicon: Lexicon = Lexicon()
    places: Places = Places()

    def topic(self, topic_id: str) -> Topic | None:
        """The topic with this id, if any."""
        return next((t for t in self.topics if t.id == topic_id), None)

    def sub_answer(self, full_id: str) -> SubAnswer | None:
        """The sub-answer with this full id ("registration/documents"), if any."""
        topic_id, separator, _ = full_id.partition(SUB_ANSWER_SEPARATOR)
        topic = self.topic(topic_id) if separator else None
        return next((a for a in topic.answers if a.id == full_id), None) if topic else None

    def referral(self, referral_id: str) -> Referral | None:
        """The referral with this id, if any."""
        return next((r for r in self.referrals if r.id == referral_id), None)

    @property
    def topic_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label a message can be answered with: the topics, then the service intents."""
        return (*self.topic_ids, *SERVICE_INTENTS)


@dataclass(frozen=True)
class Question:
    """One question typed or button pressed, to count: what the brain says to record and what
    the store writes. The text only when it got no answer or only a "did you mean"."""

    day: date
    """The office's date (its time zone) when it was asked."""
    lang: str
    """The language it was written in (de, uk, en, ru); for a button, the reply's."""
    label: str | None
    """The label answered; None when there was no answer."""
    band: str
    """The matcher's band (answer, suggest, smalltalk, none), or "button", or "rejected"."""
    text: str | None = None
    """The question as typed (cut, not yet scrubbed), for staff, when it got no answer."""
    lang_confident: bool = True
    """False when `lang` is the matcher's guess, not a detected language (counted apart)."""
