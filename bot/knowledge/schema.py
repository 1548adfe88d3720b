"""What each file in `faq/` may hold, and the checks that need only one value.

The specs say which keys a file has, which are required and what each value is; the messages
say, in German for the city staff who edit the files, what is wrong and what to write instead.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import time
from typing import Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.knowledge.yamlfile import (
    Check,
    Complaint,
    Day,
    ListOf,
    Parsed,
    Record,
    Spec,
    Text,
    Whole,
)
from bot.models import (
    AUDIENCES,
    ELSEWHERE,
    LANGUAGES,
    SERVICE_INTENTS,
    SMALLTALK_INTENTS,
    WHERES,
    Interval,
)

MAX_MESSAGE_CHARS: Final = 3500
"""Telegram allows 4096 characters per message; the rest is room for the reply's own lines."""
MAX_ANSWER_CHARS: Final = 450
"""Visible characters of a topic's or sub-answer's `answer`: with the title and the where-to-go
lines, the first message stays within 700 characters, one phone screen."""
MAX_REFERRAL_CHARS: Final = 350
"""A referral only says where to go instead, and what to do first."""
MAX_TITLE_CHARS: Final = 30
"""A topic's title is a menu button, two to a row."""
MAX_SUB_ANSWER_TITLE_CHARS: Final = 48
"""A sub-answer's title is a button of its own row."""
MIN_PHRASINGS: Final = 3
"""Fewer per answer language, and the bot hardly recognises the question."""

LANGUAGE_NAMES: Final = {"de": "Deutsch", "uk": "Ukrainisch", "en": "Englisch", "ru": "Russisch"}
WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RESERVED_IDS: Final = frozenset({*SERVICE_INTENTS, *SMALLTALK_INTENTS, "none"})

# Spellings people reach for that difflib would not connect to the right key.
_HINTS: Final = {
    "ua": "uk",
    "ukr": "uk",
    "ger": "de",
    "deu": "de",
    "eng": "en",
    "rus": "ru",
    "montag": "monday",
    "dienstag": "tuesday",
    "mittwoch": "wednesday",
    "donnerstag": "thursday",
    "freitag": "friday",
    "samstag": "saturday",
    "sonntag": "sunday",
}
DAY_NAMES: Final = {
    english: german.capitalize() for german, english in _HINTS.items() if english in WEEKDAYS
}

_ID: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_INTERVAL: Final = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_PHONE: Final = re.compile(r"\+?[0-9 ()/.-]+")
_SKIN_TONE: Final = re.compile("[\U0001f3fb-\U0001f3ff]")


def visible_length(text: str) -> int:
    """Characters a reader sees once the staff markup is shown: no `**`, one per letter."""
    shown = unicodedata.normalize("NFC", text.strip().replace("**", ""))
    # Combining accents, joiners and skin tones belong to the letter or emoji before them.
    return sum(
        unicodedata.category(char) not in ("Mn", "Me", "Cf") and not _SKIN_TONE.match(char)
        for char in shown
    )


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The choice `word` was probably meant to be, if any."""
    hint = _HINTS.get(word.lower())
    options = list(choices)
    if hint in options:
        return hint
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


# --- how keys are talked about --------------------------------------------------------------------


def _unknown(noun: str) -> Callable[[str, tuple[str, ...]], str]:
    def message(name: str, allowed: tuple[str, ...]) -> str:
        guess = suggest(name, allowed)
        hint = f" Meinten Sie '{guess}'?" if guess else f" Erlaubt: {', '.join(allowed)}."
        return f"{noun} '{name}'.{hint}"

    return message


def _missing_key(name: str) -> str:
    return f"Der Schlüssel '{name}' fehlt. Ergänzen Sie '{name}:' (siehe faq/README.md)."


def _unknown_language(code: str, allowed: tuple[str, ...]) -> str:
    if code == "ru":
        return (
            "Russisch (ru) ist hier nicht vorgesehen: der Bot antwortet auf Deutsch, Ukrainisch "
            "und Englisch. Russisch gibt es nur bei phrasings und keywords. Löschen Sie 'ru' hier."
        )
    guess = suggest(code, allowed)
    maybe = f" Meinten Sie '{guess}'?" if guess else ""
    return f"Unbekannter Sprachcode '{code}'.{maybe} Erlaubt: {', '.join(allowed)}."


def _missing_language(code: str) -> str:
    return (
        f"Die Sprache '{code}' ({LANGUAGE_NAMES[code]}) fehlt. Ergänzen Sie '{code}:' "
        "mit dem übersetzten Text."
    )


def _record(
    required: Mapping[str, Spec],
    optional: Mapping[str, Spec] | None = None,
    *,
    unknown: str = "Unbekannter Schlüssel",
) -> Record:
    return Record(required, optional or {}, _unknown(unknown), _missing_key)


def _per_language(item: Spec, *, also: tuple[str, ...] = ()) -> Record:
    """One entry per answer language (de, uk, en), and optionally one per language in `also`."""
    return Record(
        required=dict.fromkeys(LANGUAGES, item),
        optional=dict.fromkeys(also, item),
        unknown=_unknown_language,
        missing=_missing_language,
        expected="je Sprache ein Eintrag (de:, uk:, en: eingerückt darunter)",
    )


# --- checks of one value --------------------------------------------------------------------------


def _one_of(choices: Iterable[str], what: str) -> Check:
    allowed = tuple(choices)

    def check(value: str) -> Complaint | None:
        if value in allowed:
            return None
        guess = suggest(value, allowed)
        maybe = f" Meinten Sie '{guess}'?" if guess else ""
        return Complaint(f"Unbekannte {what} '{value}'.{maybe} Erlaubt: {', '.join(allowed)}.")

    return check


def _check_name(value: str, example: str) -> Complaint | None:
    if _ID.fullmatch(value):
        return None
    return Complaint(
        f"Die id '{value}' darf nur Kleinbuchstaben a-z, Ziffern und Bindestriche enthalten, "
        f'z. B. "{example}".'
    )


def _check_sub_answer_id(value: str) -> Complaint | None:
    return _check_name(value, "documents")


def _check_id(value: str) -> Complaint | None:
    if (complaint := _check_name(value, "psychosocial-help")) is not None:
        return complaint
    if value in _RESERVED_IDS:
        return Complaint(
            f"Die id '{value}' ist für den Bot reserviert. Wählen Sie einen anderen Namen."
        )
    return None


def _check_url(value: str) -> Complaint | None:
    if any(c.isspace() for c in value):
        return Complaint(f"Die Internetadresse {value!r} enthält Leerzeichen. Entfernen Sie sie.")
    try:
        parts = urlsplit(value)
        scheme, host = parts.scheme, parts.hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in the host
        scheme, host = "", ""
    if scheme not in ("https", "http") or "." not in host:
        return Complaint(
            f"{value!r} ist keine vollständige Internetadresse. Schreiben Sie sie mit https:// "
            'und dem Namen der Seite, z. B. "https://www.dresden.de/kita".'
        )
    if scheme == "http":
        return Complaint(
            f"{value!r} ist unverschlüsselt. Schreiben Sie https://, wenn die Seite es anbietet.",
            "warning",
        )
    return None


def _check_source(value: str) -> Complaint | None:
    # A source is a web page, a web page with a note after it ("https://... (Stand 05/2024)"), or
    # a plain note ("Auskunft des Amtes, Telefonat am 20.11.2026").
    first = value.split(maxsplit=1)[0]
    return _check_url(first) if "://" in first or first.startswith("www.") else None


def _check_email(value: str) -> Complaint | None:
    if _EMAIL.fullmatch(value):
        return None
    return Complaint(f"{value!r} ist keine gültige E-Mail-Adresse. Form: name@dresden.de")


def _check_phone(value: str) -> Complaint | None:
    if any(c.isalpha() for c in value):
        return Complaint(
            f"Die Telefonnummer {value!r} enthält Buchstaben. Schreiben Sie nur die Nummer, "
            'z. B. "0351 488-5051"; eine Beschreibung gehört unter "label".'
        )
    if not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < 5:
        return Complaint(f'{value!r} ist keine Telefonnummer. Beispiel: "0351 488-5051".')
    return None


def _clock(hours: str, minutes: str) -> time | None:
    return time(int(hours), int(minutes)) if int(hours) < 24 and int(minutes) < 60 else None


def _interval(value: str) -> Interval | Complaint:
    match = _INTERVAL.fullmatch(value)
    start, end = (_clock(*match.group(1, 2)), _clock(*match.group(3, 4))) if match else (None, None)
    if start is None or end is None:
        return Complaint(
            f"'{value}' ist keine Zeitspanne. Schreiben Sie Beginn und Ende mit zwei Ziffern "
            'für Stunde und Minute, z. B. "09:00-12:00".'
        )
    if start >= end:
        return Complaint(
            f"In '{value}' liegt das Ende nicht nach dem Beginn. Beispiel: \"13:00-17:00\"."
        )
    return Interval(start, end)


def _check_timezone(value: str) -> Complaint | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return Complaint(f"Unbekannte Zeitzone '{value}'. Für Dresden: \"Europe/Berlin\".")
    return None


# --- the files ------------------------------------------------------------------------------------

_LOCALIZED: Final = _per_language(Text())
_WORDS: Final = _per_language(ListOf(Text()), also=("ru",))
_VOCABULARY: Final = _record({"phrasings": _WORDS, "keywords": _WORDS})
_LINK: Final = _record({"url": Text(_check_url), "title": _LOCALIZED})
_LINKS: Final = ListOf(_LINK, may_be_empty=True)
_SOURCES: Final = ListOf(Text(_check_source))

SUB_ANSWER: Final = _record(
    required={
        "id": Text(_check_sub_answer_id),
        "title": _LOCALIZED,
        "answer": _LOCALIZED,
        "phrasings": _WORDS,
    },
    optional={
        "more": _LOCALIZED,
        "keywords": _WORDS,
        "links": _LINKS,
        "sources": _SOURCES,
        "reviewed": Day(),
    },
)

TOPIC: Final = _record(
    required={
        "id": Text(_check_id),
        "audience": Text(_one_of(AUDIENCES, "Zielgruppe")),
        "reviewed": Day(),
        "question_de": Text(),
        "title": _LOCALIZED,
        "answer": _LOCALIZED,
        "sources": _SOURCES,
        "phrasings": _WORDS,
        "keywords": _WORDS,
    },
    optional={
        "order": Whole(),
        "where": Text(_one_of(WHERES, "Gültigkeit")),
        "related": ListOf(Text(), may_be_empty=True),
        "links": _LINKS,
        "more": _LOCALIZED,
        "answers": ListOf(SUB_ANSWER, may_be_empty=True),
    },
)

REFERRAL: Final = _record(
    required={
        "id": Text(_check_id),
        "reviewed": Day(),
        "title": _LOCALIZED,
        "answer": _LOCALIZED,
        "sources": _SOURCES,
        "phrasings": _WORDS,
    },
    optional={"links": _LINKS, "keywords": _WORDS, "where": Text(_one_of(WHERES, "Gültigkeit"))},
)

OFFICE: Final = _record(
    {
        "reviewed": Day(),
        "name": _LOCALIZED,
        "visiting_address": _LOCALIZED,
        "postal_address": _LOCALIZED,
        "phones": ListOf(_record({"number": Text(_check_phone), "label": _LOCALIZED})),
        "emails": ListOf(_record({"address": Text(_check_email), "label": _LOCALIZED})),
        "websites": _LINKS,
        "hours": _record(
            {
                "timezone": Text(_check_timezone),
                "holidays": _record({"country": Text(), "subdivision": Text()}),
                "weekly": _record(
                    {},
                    {day: ListOf(Parsed(_interval), may_be_empty=True) for day in WEEKDAYS},
                    unknown="Unbekannter Wochentag",
                ),
            },
            {"note": _LOCALIZED},
        ),
        "sources": _SOURCES,
        "intents": _record(
            dict.fromkeys(SERVICE_INTENTS, _VOCABULARY), unknown="Unbekanntes Anliegen"
        ),
    }
)

SMALLTALK: Final = _record(
    {name: _VOCABULARY for name in SMALLTALK_INTENTS if name != ELSEWHERE},
    {ELSEWHERE: _VOCABULARY},
    unknown="Unbekannter Bereich",
)


# --- the matcher's vocabulary and the towns -----------------------------------------------------

_WORD: Final = r"[^\W\d_]+(?:['-][^\W\d_]+)*'?"
_WORD_LIST: Final = re.compile(rf"{_WORD}(?:\s+{_WORD})*")


def _words(value: str) -> frozenset[str] | Complaint:
    """A word list: lower-case words separated by spaces (an apostrophe or hyphen inside a word)."""
    words = value.split()
    odd = next((w for w in words if not _WORD_LIST.fullmatch(w)), None)
    if odd is not None:
        return Complaint(
            f"'{odd}' ist kein Wort. Schreiben Sie nur Wörter, getrennt durch Leerzeichen, "
            "ohne Komma oder Ziffer."
        )
    upper = next((w for w in words if w != w.lower()), None)
    if upper is not None:
        return Complaint(f"Schreiben Sie '{upper}' klein: '{upper.lower()}'.")
    return frozenset(words)


WRITER_CUES: Final = (
    "we",
    "setting",
    "staff",
    "role",
    "i_am",
    "my",
    "child",
    "child_alone",
    "need",
)
_WORD_SET: Final = Parsed(_words)
_MATCH_LANGUAGES: Final = ("de", "en", "uk", "ru")

LEXICON: Final = _record(
    required={
        "stop_words": _per_language(_WORD_SET, also=("ru",)),
        "synonyms": ListOf(_WORD_SET),
        "language": _record(
            dict.fromkeys((*_MATCH_LANGUAGES, "uk-latn"), _WORD_SET), unknown="Unbekannte Sprache"
        ),
        "writer": _record(dict.fromkeys(WRITER_CUES, _WORD_SET), unknown="Unbekannte Gruppe"),
        "seeking": _WORD_SET,
        "asking": _per_language(_WORD_SET, also=("ru",)),
        "places": _record({"from": _WORD_SET, "to": _WORD_SET}),
    },
    optional={
        "content_words": _record({}, dict.fromkeys(_MATCH_LANGUAGES, _WORD_SET)),
    },
)

_NAMES: Final = ListOf(Text())

PLACES: Final = _record(
    required={
        "source": Text(),
        "home": _NAMES,
        "towns": _record({}, {"saxony": _NAMES, "germany": _NAMES, "cyrillic": _NAMES}),
        "phrases": _per_language(_NAMES, also=("ru",)),
    }
)
