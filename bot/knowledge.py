"""Load `faq/` into a KnowledgeBase; report every problem as file:line:column in plain German.

City staff edit these files, so the loader trusts nothing: it checks the size, decodes strict UTF-8,
composes YAML nodes without constructing anything (anchors, aliases and tags are refused on sight)
and walks the nodes against the small schema below, so every value and every complaint keeps its
line and column. `LiveKnowledge` picks up edited files while the bot runs and keeps serving the
last good knowledge base when an edit is broken.
"""

from __future__ import annotations

import difflib
import html
import itertools
import logging
import re
import stat
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from time import monotonic
from typing import Any, Final, Literal, TypeAlias
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # PyYAML without libyaml: the same nodes and positions, ten times slower
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from bot.models import (
    AUDIENCES,
    ELSEWHERE,
    LANGUAGES,
    SERVICE_INTENTS,
    SMALLTALK_INTENTS,
    WHERES,
    Email,
    Interval,
    KnowledgeBase,
    Lang,
    Lexicon,
    Link,
    Office,
    OfficeHours,
    Phone,
    Places,
    Topic,
    Vocabulary,
    WriterCues,
)

__all__ = ["KnowledgeError", "LiveKnowledge", "Problem", "load_knowledge", "validate"]

log = logging.getLogger("bot.knowledge")

MAX_FILE_BYTES: Final = 1024 * 1024
MAX_MESSAGE_CHARS: Final = 3500
"""Telegram allows 4096 characters per message; the rest is room for the reply's own lines."""
COMFORTABLE_ANSWER_CHARS: Final = 1000
MAX_TITLE_CHARS: Final = 30
MIN_PHRASINGS: Final = 3
MAX_PROBLEMS_PER_SCAN: Final = 10
"""A binary file pasted into faq/ should give a few lines, not thousands."""

Severity: TypeAlias = Literal["error", "warning"]
Key: TypeAlias = tuple[str | int, ...]
Position: TypeAlias = tuple[int, int]

_STR: Final = "tag:yaml.org,2002:str"
_TIMESTAMP: Final = "tag:yaml.org,2002:timestamp"
_LANGUAGE_NAMES: Final = {"de": "Deutsch", "uk": "Ukrainisch", "en": "Englisch", "ru": "Russisch"}
_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
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

_DAY_NAMES: Final = {
    english: german.capitalize() for german, english in _HINTS.items() if english in _WEEKDAYS
}

_INVISIBLE: Final = re.compile("[\u200b-\u200f\u00ad\u202a-\u202e\u2066-\u2069\ufeff]")
# C0/C1 controls and DEL, which no editor shows, and the Unicode line separators, which YAML
# counts as line breaks (every line number after them would be off).
_CONTROL: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_TOPIC_ID: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_INTERVAL: Final = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_PHONE: Final = re.compile(r"\+?[0-9 ()/.-]+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file; `str()` gives `path:line:column: message`."""

    path: Path
    line: int
    column: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base cannot be loaded; `.problems` lists the errors."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- the schema: which keys, which types, required or not --------------------------------------

Complaint: TypeAlias = tuple[Severity, str]
Check: TypeAlias = Callable[[str], Complaint | None]


@dataclass(frozen=True)
class Text:
    """A non-empty text; `check` may complain about its content."""

    check: Check | None = None


@dataclass(frozen=True)
class Whole:
    """A whole number written without quotes (`order: 5`)."""


@dataclass(frozen=True)
class Day:
    """A date YYYY-MM-DD, quoted or not."""


@dataclass(frozen=True)
class ListOf:
    item: Spec
    may_be_empty: bool = False


@dataclass(frozen=True)
class PerLanguage:
    """One entry per answer language (de, uk, en), plus the `optional` ones."""

    item: Spec
    optional: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    required: Mapping[str, Spec]
    optional: Mapping[str, Spec] = field(default_factory=dict)
    unknown: str = "Unbekannter Schlüssel"
    """How messages name a key that is not in the schema."""


Spec: TypeAlias = Text | Whole | Day | ListOf | PerLanguage | Record


def _error(message: str) -> Complaint:
    return ("error", message)


def _suggest(word: str, choices: Iterable[str]) -> str | None:
    hint = _HINTS.get(word.lower())
    options = list(choices)
    if hint in options:
        return hint
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


def _one_of(choices: Iterable[str], what: str) -> Check:
    allowed = tuple(choices)

    def check(value: str) -> Complaint | None:
        if value in allowed:
            return None
        guess = _suggest(value, allowed)
        maybe = f" Meinten Sie '{guess}'?" if guess else ""
        return _error(f"Unbekannte {what} '{value}'.{maybe} Erlaubt: {', '.join(allowed)}.")

    return check


def _check_topic_id(value: str) -> Complaint | None:
    if not _TOPIC_ID.fullmatch(value):
        return _error(
            f"Die id '{value}' darf nur Kleinbuchstaben a-z, Ziffern und Bindestriche enthalten, "
            'z. B. "psychosocial-help".'
        )
    if value in _RESERVED_IDS:
        return _error(
            f"Die id '{value}' ist für den Bot reserviert. Wählen Sie einen anderen Namen."
        )
    return None


def _check_url(value: str) -> Complaint | None:
    if any(c.isspace() for c in value):
        return _error(f"Die Internetadresse {value!r} enthält Leerzeichen. Entfernen Sie sie.")
    try:
        parts = urlsplit(value)
        scheme, host = parts.scheme, parts.hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in the host
        scheme, host = "", ""
    if scheme not in ("https", "http") or "." not in host:
        return _error(
            f"{value!r} ist keine vollständige Internetadresse. Schreiben Sie sie mit https:// "
            'und dem Namen der Seite, z. B. "https://www.dresden.de/kita".'
        )
    if scheme == "http":
        return (
            "warning",
            f"{value!r} ist unverschlüsselt. Schreiben Sie https://, wenn die Seite es anbietet.",
        )
    return None


def _check_source(value: str) -> Complaint | None:
    # A source is a web page or a plain note ("Auskunft des Amtes, Telefonat am 20.11.2026").
    return _check_url(value) if "://" in value or value.startswith("www.") else None


def _check_email(value: str) -> Complaint | None:
    if _EMAIL.fullmatch(value):
        return None
    return _error(f"{value!r} ist keine gültige E-Mail-Adresse. Form: name@dresden.de")


def _check_phone(value: str) -> Complaint | None:
    if any(c.isalpha() for c in value):
        return _error(
            f"Die Telefonnummer {value!r} enthält Buchstaben. Schreiben Sie nur die Nummer, "
            'z. B. "0351 488-5051"; eine Beschreibung gehört unter "label".'
        )
    if not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < 5:
        return _error(f'{value!r} ist keine Telefonnummer. Beispiel: "0351 488-5051".')
    return None


def _parse_interval(value: str) -> Interval | None:
    match = _INTERVAL.fullmatch(value)
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if max(h1, h2) > 23 or max(m1, m2) > 59:
        return None
    return Interval(time(h1, m1), time(h2, m2))


def _check_interval(value: str) -> Complaint | None:
    interval = _parse_interval(value)
    if interval is None:
        return _error(
            f"'{value}' ist keine Zeitspanne. Schreiben Sie Beginn und Ende mit zwei Ziffern "
            'für Stunde und Minute, z. B. "09:00-12:00".'
        )
    if interval.start >= interval.end:
        return _error(
            f"In '{value}' liegt das Ende nicht nach dem Beginn. Beispiel: \"13:00-17:00\"."
        )
    return None


def _check_timezone(value: str) -> Complaint | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return _error(f"Unbekannte Zeitzone '{value}'. Für Dresden: \"Europe/Berlin\".")
    return None


_LOCALIZED: Final = PerLanguage(Text())
_WORDS: Final = PerLanguage(ListOf(Text()), optional=("ru",))
_VOCABULARY: Final = Record({"phrasings": _WORDS, "keywords": _WORDS})
_LINK: Final = Record({"url": Text(_check_url), "title": _LOCALIZED})
_SOURCES: Final = ListOf(Text(_check_source))

TOPIC: Final = Record(
    required={
        "id": Text(_check_topic_id),
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
        "links": ListOf(_LINK, may_be_empty=True),
    },
)

OFFICE: Final = Record(
    required={
        "reviewed": Day(),
        "name": _LOCALIZED,
        "visiting_address": _LOCALIZED,
        "postal_address": _LOCALIZED,
        "phones": ListOf(Record({"number": Text(_check_phone), "label": _LOCALIZED})),
        "emails": ListOf(Record({"address": Text(_check_email), "label": _LOCALIZED})),
        "websites": ListOf(_LINK, may_be_empty=True),
        "hours": Record(
            required={
                "timezone": Text(_check_timezone),
                "holidays": Record({"country": Text(), "subdivision": Text()}),
                "weekly": Record(
                    {},
                    {day: ListOf(Text(_check_interval), may_be_empty=True) for day in _WEEKDAYS},
                    unknown="Unbekannter Wochentag",
                ),
            },
            optional={"note": _LOCALIZED},
        ),
        "sources": _SOURCES,
        "intents": Record(
            {name: _VOCABULARY for name in SERVICE_INTENTS}, unknown="Unbekanntes Anliegen"
        ),
    }
)

_WORD: Final = r"[^\W\d_]+(?:['-][^\W\d_]+)*'?"
_WORD_LIST: Final = re.compile(rf"{_WORD}(?:\s+{_WORD})*")


def _check_words(value: str) -> Complaint | None:
    """A word list: lower-case words separated by spaces (an apostrophe or hyphen inside a word)."""
    text = " ".join(value.split())
    if not _WORD_LIST.fullmatch(text):
        odd = next((w for w in text.split() if not _WORD_LIST.fullmatch(w)), text[:20])
        return _error(
            f"'{odd}' ist kein Wort. Schreiben Sie nur Wörter, getrennt durch Leerzeichen, "
            "ohne Komma oder Ziffer."
        )
    upper = next((w for w in text.split() if w != w.lower()), None)
    if upper is not None:
        return _error(f"Schreiben Sie '{upper}' klein: '{upper.lower()}'.")
    return None


_WORD_TEXT: Final = Text(_check_words)
_WRITER_CUES: Final = ("we", "setting", "staff", "role", "i_am", "my", "child", "child_alone", "need")

LEXICON: Final = Record(
    required={
        "stop_words": PerLanguage(_WORD_TEXT, optional=("ru",)),
        "synonyms": ListOf(_WORD_TEXT),
        "language": Record({form: _WORD_TEXT for form in ("de", "en", "uk", "ru", "uk-latn")}),
        "writer": Record({name: _WORD_TEXT for name in _WRITER_CUES}, unknown="Unbekannte Gruppe"),
        "seeking": _WORD_TEXT,
        "asking": PerLanguage(_WORD_TEXT, optional=("ru",)),
        "places": Record({"from": _WORD_TEXT, "to": _WORD_TEXT}),
    },
    optional={"content_words": Record({}, {lang: _WORD_TEXT for lang in ("de", "en", "uk", "ru")})},
)

_NAMES: Final = ListOf(Text())

PLACES: Final = Record(
    required={
        "source": Text(),
        "home": _NAMES,
        "towns": Record({}, {"saxony": _NAMES, "germany": _NAMES, "cyrillic": _NAMES}),
        "phrases": PerLanguage(_NAMES, optional=("ru",)),
    }
)

SMALLTALK: Final = Record(
    {name: _VOCABULARY for name in SMALLTALK_INTENTS if name != ELSEWHERE},
    {ELSEWHERE: _VOCABULARY},
    unknown="Unbekannter Bereich",
)


# --- reading one file: bytes, text, nodes --------------------------------------------------------


class _Refused(Exception):
    """A YAML feature we do not accept, found while composing (before anything is built)."""

    def __init__(self, position: Position, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


def _mark_position(mark: Any) -> Position:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _refuse_references_and_tags(text: str) -> None:
    """Raise _Refused at the first anchor, alias or explicit tag, before any node is composed.

    Looking at parser events builds nothing, so a "billion laughs" file costs a few events.
    """
    for event in yaml.parse(text, Loader=_Loader):
        if not isinstance(event, yaml.NodeEvent):
            continue
        where = _mark_position(event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                where,
                f"Verweise mit * (hier '*{event.anchor}') sind nicht erlaubt. "
                "Schreiben Sie den Inhalt an jeder Stelle vollständig aus.",
            )
        if event.anchor is not None:
            raise _Refused(
                where,
                f"Anker mit & (hier '&{event.anchor}') sind nicht erlaubt. Löschen Sie "
                f"'&{event.anchor}' und schreiben Sie den Inhalt an jeder Stelle vollständig aus.",
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise _Refused(
                where,
                f"Das YAML-Tag '{shown}' ist nicht erlaubt. Löschen Sie es; "
                "Werte sind Texte in Anführungszeichen.",
            )


def _syntax_message(text: str, exc: yaml.MarkedYAMLError) -> tuple[Position, str]:
    """The common PyYAML/libyaml complaints, said in German with what to do."""
    problem, context = exc.problem or "", exc.context or ""
    where = _mark_position(exc.problem_mark or exc.context_mark)
    started = _mark_position(exc.context_mark or exc.problem_mark)
    if "mapping values are not allowed" in problem:
        return where, (
            "Ein Doppelpunkt an dieser Stelle ist nicht erlaubt. Steht ein Doppelpunkt im Text? "
            'Dann setzen Sie den ganzen Text in Anführungszeichen: "...".'
        )
    if "could not find expected ':'" in problem:
        return started, (
            "In dieser Zeile fehlt der Doppelpunkt nach dem Schlüssel (z. B. 'title:'), oder ein "
            "Text ohne Anführungszeichen geht über mehrere Zeilen. Setzen Sie ihn in Anführungszeichen."
        )
    if "end of stream" in problem and "quoted" in context:
        return (
            started,
            "Dieses Anführungszeichen wird nie geschlossen. Ergänzen Sie das schließende Anführungszeichen.",
        )
    if "unknown escape character" in problem:
        return where, (
            "Ein umgekehrter Schrägstrich (\\) in doppelten Anführungszeichen muss doppelt "
            "geschrieben werden (\\\\). Oder setzen Sie den Text in einfache Anführungszeichen ('...')."
        )
    if "cannot start any token" in problem:
        mark = exc.problem_mark
        char = text[mark.index] if mark is not None and mark.index < len(text) else "?"
        return (
            where,
            f"Ein Wert darf nicht mit {char} beginnen. Setzen Sie ihn in Anführungszeichen.",
        )
    if "expected ',' or" in problem:
        return where, (
            f"Die Liste, die in Zeile {started[0]} mit einer Klammer beginnt, ist hier nicht richtig "
            "fortgesetzt: Einträge mit Komma trennen, jeden Text ganz in Anführungszeichen setzen "
            "und die Klammer am Ende schließen."
        )
    if "nesting depth" in problem:
        return (
            where,
            "Hier sind zu viele Klammern ineinander verschachtelt. Prüfen Sie die Klammern.",
        )
    if "another document" in problem:
        return (
            where,
            "Die Datei enthält eine Zeile '---' und damit ein zweites Dokument. Löschen Sie diese Zeile.",
        )
    if "expected <block end>" in problem or "did not find expected" in problem:
        return where, (
            "Hier stimmt die Einrückung nicht, oder nach einem Text in Anführungszeichen steht noch "
            "weiterer Text. Rücken Sie alle Einträge einer Ebene gleich weit ein (nur Leerzeichen) "
            "und prüfen Sie die Anführungszeichen, auch in der Zeile davor."
        )
    return where, (
        f"YAML kann die Datei hier nicht lesen ({problem or context}). "
        "Prüfen Sie Einrückung, Doppelpunkte und Anführungszeichen."
    )


_OPENING_QUOTE: Final = re.compile(r'^\s*(?:[\w-]+:\s*|-\s+)\[?"')


def _unclosed_quote(text: str, exc: yaml.MarkedYAMLError) -> tuple[Position, str] | None:
    """The value line above a syntax error that opens a quote and never closes it, if any.

    A double-quoted text may span lines, so YAML notices a missing closing quote only where the
    next quote is, often lines later; staff need the line where it is missing.
    """
    mark = exc.problem_mark or exc.context_mark
    lines = text.split("\n")[: (mark.line + 1) if mark else 0]
    for number in range(len(lines), 0, -1):
        line = lines[number - 1]
        if _OPENING_QUOTE.match(line) and line.replace('\\"', "").count('"') % 2 == 1:
            return (number, line.index('"') + 1), (
                "Hier wird ein Anführungszeichen geöffnet, aber in dieser Zeile nicht geschlossen. "
                'Ergänzen Sie das schließende Anführungszeichen " am Ende des Textes.'
            )
    return None


def _position_in(text: str, index: int) -> Position:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


class _File:
    """One file's text and the problems found in it, with positions."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.text = ""
        self.problems = problems
        self.marks: dict[Key, Position] = {}

    def report(
        self, at: Position, message: str, severity: Severity = "error", key: Key = ()
    ) -> None:
        where = _describe_key(key)
        text = f"{where}: {message}" if where else message
        if severity == "warning":
            text = f"Warnung: {text}"
        self.problems.append(Problem(self.path, at[0], at[1], text, severity))

    def at(self, key: Key) -> Position:
        """Where `key` was written (or the nearest enclosing key)."""
        while key not in self.marks and key:
            key = key[:-1]
        return self.marks.get(key, (1, 1))

    def read(self) -> Node | None:
        """The composed YAML document, or None after reporting why it cannot be read."""
        text = self._decode()
        if text is None or not self._scan(text):
            return None
        self.text = text
        try:
            _refuse_references_and_tags(text)
            node = yaml.compose(text, Loader=_Loader)
        except _Refused as exc:
            self.report(exc.position, exc.message)
            return None
        except yaml.MarkedYAMLError as exc:
            self.report(*_unclosed_quote(text, exc) or _syntax_message(text, exc))
            return None
        except yaml.YAMLError as exc:
            self.report((1, 1), f"YAML kann die Datei nicht lesen ({exc}).")
            return None
        except RecursionError:
            self.report((1, 1), "Die Datei ist zu tief verschachtelt. Prüfen Sie die Einrückung.")
            return None
        if node is None:
            self.report((1, 1), "Die Datei ist leer.")
        return node

    def _decode(self) -> str | None:
        try:
            size = self.path.stat().st_size
            data = b"" if size > MAX_FILE_BYTES else self.path.read_bytes()
        except FileNotFoundError:
            self.report((1, 1), f"Die Datei {self.path.name} fehlt.")
            return None
        except OSError as exc:
            self.report((1, 1), f"Die Datei kann nicht gelesen werden ({exc.strerror}).")
            return None
        if size > MAX_FILE_BYTES or len(data) > MAX_FILE_BYTES:
            self.report(
                (1, 1),
                f"Die Datei ist zu groß ({max(size, len(data))} Bytes, höchstens 1 MB). "
                "Eine Themendatei hat nur wenige Kilobyte: ist versehentlich etwas anderes hineinkopiert worden?",
            )
            return None
        data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM is fine
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = data[: exc.start]
            line = before.count(b"\n") + 1
            column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
            bad = data[exc.start]
            guess = bytes([bad]).decode("cp1252", "replace")
            maybe = (
                f" (vermutlich '{guess}' in der Windows-Kodierung)" if guess.isprintable() else ""
            )
            self.report(
                (line, column),
                f"Die Datei ist nicht als UTF-8 gespeichert: das Byte 0x{bad:02X}{maybe} ist hier "
                "kein gültiges Zeichen. Speichern Sie die Datei im Editor mit der Kodierung 'UTF-8'.",
            )
            return None
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def _scan(self, text: str) -> bool:
        """Report tabs and control characters; True when there are none."""
        spots: list[tuple[Position, str]] = []
        for number, line in enumerate(text.split("\n"), start=1):
            if "\t" in line:
                spots.append(((number, line.index("\t") + 1), _TAB_MESSAGE))
            spots.extend(
                ((number, match.start() + 1), _control_message(match.group()))
                for match in _CONTROL.finditer(line)
            )
        for at, message in spots[:MAX_PROBLEMS_PER_SCAN]:
            self.report(at, message)
        if len(spots) > MAX_PROBLEMS_PER_SCAN:
            more = len(spots) - MAX_PROBLEMS_PER_SCAN
            self.report(spots[MAX_PROBLEMS_PER_SCAN][0], f"Und {more} weitere solche Stellen.")
        return not spots


_TAB_MESSAGE: Final = (
    "Tabulatorzeichen sind nicht erlaubt. Ersetzen Sie es durch Leerzeichen "
    "(eingerückt wird mit Leerzeichen)."
)


def _control_message(char: str) -> str:
    return (
        f"Unsichtbares Steuerzeichen U+{ord(char):04X} ist nicht erlaubt. "
        "Löschen Sie es (es entsteht oft beim Kopieren aus Word oder PDF)."
    )


def _describe_key(key: Key) -> str:
    parts = [f"Eintrag {part + 1}" if isinstance(part, int) else part for part in key]
    return " › ".join(parts)


# --- walking the nodes against the schema ------------------------------------------------------

_EXPECTED: Final = {
    Text: "ein Text in Anführungszeichen",
    Whole: "eine Zahl",
    Day: 'ein Datum, z. B. "2026-11-25"',
    ListOf: 'eine Liste (Zeilen mit \'- \' oder ["...", "..."])',
    PerLanguage: "je Sprache ein Eintrag (de:, uk:, en: eingerückt darunter)",
    Record: "eingerückte Einträge mit Schlüssel und Doppelpunkt",
}


def _found(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "eine Liste"
    if isinstance(node, MappingNode):
        return "eine Gruppe von Einträgen"
    if node.tag == "tag:yaml.org,2002:null" and node.value == "":
        return "nichts"
    return f"der einzelne Wert {node.value!r}"


def _plain(node: ScalarNode) -> bool:
    """Written without quotes (PyYAML says None, libyaml says "")."""
    return not node.style


def _implicit_value(node: ScalarNode) -> str:
    """What YAML turns an unquoted value into, said in words."""
    if node.tag == "tag:yaml.org,2002:null":
        return "leerer Wert (kein Text)"
    if node.tag == _TIMESTAMP:
        return "Datum"
    try:
        value = yaml.constructor.SafeConstructor().construct_object(node)
    except (yaml.YAMLError, ValueError):
        return "kein Text"
    if isinstance(value, bool):
        return f"Wahrheitswert {'wahr' if value else 'falsch'}"
    return f"Zahl {value}"


def _duplicate_keys(root: Node) -> Iterator[tuple[ScalarNode, ScalarNode]]:
    """Pairs (first, repeated) of equal keys in any mapping, at any depth."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            seen: dict[str, ScalarNode] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    if key.value in seen:
                        yield seen[key.value], key
                    else:
                        seen[key.value] = key
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


class _Walker:
    """Checks a node tree against a Spec and returns plain values (None where invalid)."""

    def __init__(self, file: _File) -> None:
        self.file = file

    def document(self, root: Node, spec: Spec) -> Any:
        for first, again in _duplicate_keys(root):
            self.file.report(
                _mark_position(again.start_mark),
                f"Der Schlüssel '{again.value}' steht doppelt: zuerst in Zeile "
                f"{first.start_mark.line + 1}, noch einmal in Zeile {again.start_mark.line + 1}. "
                "Löschen Sie einen der beiden oder führen Sie sie zusammen.",
            )
        return self.walk(root, spec, ())

    def walk(self, node: Node, spec: Spec, key: Key) -> Any:
        # A key's own line was noted by its mapping; list items are noted where they start.
        self.file.marks.setdefault(key, _mark_position(node.start_mark))
        if isinstance(spec, Text):
            return self._text(node, spec, key)
        if isinstance(spec, Whole):
            return self._whole(node, key)
        if isinstance(spec, Day):
            return self._day(node, key)
        if isinstance(spec, ListOf):
            return self._list(node, spec, key)
        if isinstance(spec, PerLanguage):
            return self._per_language(node, spec, key)
        return self._record(node, spec, key)

    def _wrong_kind(self, node: Node, spec: Spec, key: Key) -> None:
        expected = _EXPECTED[type(spec)]
        self.file.report(
            _mark_position(node.start_mark),
            f"Hier steht {_found(node)}; erwartet: {expected}.",
            key=key,
        )

    def _record(self, node: Node, spec: Record, key: Key) -> dict[str, Any] | None:
        if not isinstance(node, MappingNode):
            self._wrong_kind(node, spec, key)
            return None
        allowed = {**spec.required, **spec.optional}
        values: dict[str, Any] = {}
        seen: set[str] = set()
        for key_node, value_node in node.value:
            where = _mark_position(key_node.start_mark)
            if not isinstance(key_node, ScalarNode):
                self.file.report(where, "Ein Schlüssel muss ein einfaches Wort sein.", key=key)
                continue
            name = key_node.value
            if name in seen:
                continue  # reported as a duplicate key
            seen.add(name)
            if name not in allowed:
                guess = _suggest(name, allowed)
                hint = f" Meinten Sie '{guess}'?" if guess else f" Erlaubt: {', '.join(allowed)}."
                self.file.report(where, f"{spec.unknown} '{name}'.{hint}", key=key)
                continue
            self.file.marks[(*key, name)] = where
            value = self.walk(value_node, allowed[name], (*key, name))
            if value is not None:
                values[name] = value
        for name in spec.required:
            if name not in seen:
                self.file.report(
                    self.file.marks[key],
                    f"Der Schlüssel '{name}' fehlt. Ergänzen Sie '{name}:' (siehe faq/README.md).",
                    key=key,
                )
        return values

    def _per_language(self, node: Node, spec: PerLanguage, key: Key) -> dict[str, Any] | None:
        if not isinstance(node, MappingNode):
            self._wrong_kind(node, spec, key)
            return None
        allowed = (*LANGUAGES, *spec.optional)
        values: dict[str, Any] = {}
        seen: set[str] = set()
        for key_node, value_node in node.value:
            lang = str(key_node.value)
            where = _mark_position(key_node.start_mark)
            if lang in seen:
                continue  # reported as a duplicate key
            seen.add(lang)
            if lang not in allowed:
                self.file.report(where, _unknown_language(lang, allowed), key=key)
                continue
            self.file.marks[(*key, lang)] = where
            value = self.walk(value_node, spec.item, (*key, lang))
            if value is not None:
                values[lang] = value
        for lang in LANGUAGES:
            if lang not in seen:
                self.file.report(
                    self.file.marks[key],
                    f"Die Sprache '{lang}' ({_LANGUAGE_NAMES[lang]}) fehlt. Ergänzen Sie '{lang}:' "
                    "mit dem übersetzten Text.",
                    key=key,
                )
        return values

    def _list(self, node: Node, spec: ListOf, key: Key) -> list[Any] | None:
        if not isinstance(node, SequenceNode):
            self._wrong_kind(node, spec, key)
            return None
        if not node.value and not spec.may_be_empty:
            self.file.report(
                _mark_position(node.start_mark),
                "Die Liste ist leer. Tragen Sie mindestens einen Eintrag ein.",
                key=key,
            )
        # Invalid items stay as None so that later checks can still point at item N.
        return [self.walk(item, spec.item, (*key, i)) for i, item in enumerate(node.value)]

    def _text(self, node: Node, spec: Text, key: Key) -> str | None:
        if not isinstance(node, ScalarNode) or _found(node) == "nichts":
            self._wrong_kind(node, spec, key)
            return None
        here = _mark_position(node.start_mark)
        if _plain(node) and node.tag != _STR:
            self.file.report(
                here,
                f"Der Wert {node.value} wird von YAML als {_implicit_value(node)} gelesen. "
                f'Setzen Sie den Wert in Anführungszeichen: "{node.value}".',
                key=key,
            )
            return None
        value = self._without_invisible(node, key)
        if not value:
            self.file.report(
                here, "Der Text ist leer. Tragen Sie ihn ein oder löschen Sie den Eintrag.", key=key
            )
            return None
        if spec.check is not None and (complaint := spec.check(value)) is not None:
            severity, message = complaint
            self.file.report(here, message, severity, key=key)
            return None if severity == "error" else value
        return value

    def _without_invisible(self, node: ScalarNode, key: Key) -> str:
        value = str(node.value)
        if not _INVISIBLE.search(value):
            return value.strip()
        start, end = node.start_mark.index, node.end_mark.index
        spots = [m.start() for m in _INVISIBLE.finditer(self.file.text, start, end)]
        for index in spots or [start]:
            char = self.file.text[index] if spots else _INVISIBLE.findall(value)[0]
            self.file.report(
                _position_in(self.file.text, index),
                f"Unsichtbares Zeichen U+{ord(char):04X} im Text. Der Bot entfernt es; löschen Sie es "
                "am besten (es entsteht oft beim Kopieren aus Word, PDF oder Webseiten).",
                "warning",
                key=key,
            )
        return _INVISIBLE.sub("", value).strip()

    def _whole(self, node: Node, key: Key) -> int | None:
        if isinstance(node, ScalarNode) and _plain(node) and re.fullmatch(r"\d{1,6}", node.value):
            return int(node.value)
        self.file.report(
            _mark_position(node.start_mark),
            "Hier wird eine ganze Zahl ohne Anführungszeichen erwartet, z. B. 5.",
            key=key,
        )
        return None

    def _day(self, node: Node, key: Key) -> date | None:
        value = node.value if isinstance(node, ScalarNode) else None
        plain_ok = isinstance(node, ScalarNode) and (
            not _plain(node) or node.tag in (_STR, _TIMESTAMP)
        )
        if not isinstance(value, str) or not plain_ok or not _ISO_DATE.fullmatch(value):
            self.file.report(
                _mark_position(node.start_mark),
                'Hier wird ein Datum erwartet: Jahr-Monat-Tag, z. B. "2026-11-25".',
                key=key,
            )
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.file.report(
                _mark_position(node.start_mark),
                f"Das Datum {value} gibt es nicht. Form: Jahr-Monat-Tag.",
                key=key,
            )
            return None


def _unknown_language(code: str, allowed: tuple[str, ...]) -> str:
    if code == "ru":
        return (
            "Russisch (ru) ist hier nicht vorgesehen: der Bot antwortet auf Deutsch, Ukrainisch "
            "und Englisch. Russisch gibt es nur bei phrasings und keywords. Löschen Sie 'ru' hier."
        )
    guess = _suggest(code, allowed)
    maybe = f" Meinten Sie '{guess}'?" if guess else ""
    return f"Unbekannter Sprachcode '{code}'.{maybe} Erlaubt: {', '.join(allowed)}."


# --- checks that look at more than one value ---------------------------------------------------


def _check_vocabulary(file: _File, vocabulary: Mapping[str, Any], key: Key) -> None:
    phrasings = vocabulary.get("phrasings", {})
    for lang in LANGUAGES:
        count = len(phrasings.get(lang, ()))
        if 0 < count < MIN_PHRASINGS:
            file.report(
                file.at((*key, "phrasings", lang)),
                f"Nur {count} Formulierung(en) auf {_LANGUAGE_NAMES[lang]}. Der Bot erkennt Fragen "
                "besser mit mindestens 8 verschiedenen Formulierungen; ergänzen Sie weitere.",
                "warning",
                key=(*key, "phrasings", lang),
            )


def _rendered_length(answer: str, links: list[Mapping[str, Any]], lang: str) -> int:
    """Characters the answer takes in a Telegram message once escaped, with its links."""
    extra = sum(
        len(html.escape(link.get("title", {}).get(lang, ""))) + len(link.get("url", ""))
        for link in links
        if link is not None
    )
    return len(html.escape(answer)) + extra


def _check_topic(file: _File, data: Mapping[str, Any], stem: str) -> None:
    topic_id = data.get("id")
    if topic_id is not None and topic_id != stem:
        file.report(
            file.at(("id",)),
            f"Die id '{topic_id}' passt nicht zum Dateinamen '{stem}.yaml'. Beide müssen gleich sein: "
            "ändern Sie die id oder benennen Sie die Datei um.",
            key=("id",),
        )
    for lang, title in data.get("title", {}).items():
        if len(title) > MAX_TITLE_CHARS:
            file.report(
                file.at(("title", lang)),
                f"Der Titel hat {len(title)} Zeichen; auf der Schaltfläche sind höchstens "
                f"{MAX_TITLE_CHARS} gut lesbar. Kürzen Sie ihn.",
                "warning",
                key=("title", lang),
            )
    links = data.get("links", [])
    for lang, answer in data.get("answer", {}).items():
        rendered = _rendered_length(answer, links, lang)
        where = file.at(("answer", lang))
        if rendered > MAX_MESSAGE_CHARS:
            file.report(
                where,
                f"Die Antwort ist zu lang für eine Telegram-Nachricht: {rendered} Zeichen, höchstens "
                f"{MAX_MESSAGE_CHARS} (mit den Links). Kürzen Sie sie.",
                key=("answer", lang),
            )
        elif len(answer) > COMFORTABLE_ANSWER_CHARS:
            file.report(
                where,
                f"Die Antwort hat {len(answer)} Zeichen; auf dem Handy sind höchstens etwa 900 Zeichen "
                "gut lesbar. Kürzen Sie sie oder verweisen Sie auf einen Link.",
                "warning",
                key=("answer", lang),
            )
    for index, related in enumerate(data.get("related", [])):
        if related == topic_id:
            file.report(
                file.at(("related", index)),
                f"Das Thema verweist auf sich selbst ('{related}'). Löschen Sie diesen Eintrag.",
                key=("related", index),
            )
    _check_vocabulary(file, data, ())


def _check_synonyms(file: _File, data: Mapping[str, Any]) -> None:
    """A word in two synonym groups would join them: say where, so staff pick one."""
    seen: dict[str, int] = {}
    for number, group in enumerate(data["synonyms"]):
        for word in group.split():
            if word in seen and seen[word] != number:
                file.report(
                    file.at(("synonyms", number)),
                    f"Das Wort '{word}' steht schon in Gruppe {seen[word] + 1}. Ein Wort gehört "
                    "in höchstens eine Gruppe; streichen Sie es in einer der beiden.",
                    key=("synonyms", number),
                )
            seen.setdefault(word, number)


def _check_office(file: _File, data: Mapping[str, Any]) -> None:
    hours = data.get("hours", {})
    for day, texts in hours.get("weekly", {}).items():
        parsed = [(_parse_interval(text), index) for index, text in enumerate(texts) if text]
        intervals = sorted(
            ((interval, index) for interval, index in parsed if interval is not None),
            key=lambda pair: pair[0].start,
        )
        for (before, _), (after, index) in itertools.pairwise(intervals):
            if after.start < before.end:
                key: Key = ("hours", "weekly", day, index)
                file.report(
                    file.at(key),
                    f"Die Zeiten am {_DAY_NAMES[day]} überschneiden sich ({_span(before)} und {_span(after)}). "
                    "Fassen Sie sie zu einer Zeitspanne zusammen.",
                    key=key,
                )
    holidays_spec = hours.get("holidays", {})
    if "country" in holidays_spec and "subdivision" in holidays_spec:
        _check_holidays(file, holidays_spec["country"], holidays_spec["subdivision"])
    for name, vocabulary in data.get("intents", {}).items():
        _check_vocabulary(file, vocabulary, ("intents", name))


def _span(interval: Interval) -> str:
    return f"{interval.start:%H:%M}-{interval.end:%H:%M}"


def _check_holidays(file: _File, country: str, subdivision: str) -> None:
    import holidays  # only here: validating the office file is its only use in this module

    supported: Mapping[str, list[str]] = holidays.list_supported_countries()
    key: Key = ("hours", "holidays")
    if country not in supported:
        file.report(
            file.at((*key, "country")),
            f"Unbekanntes Land '{country}'. Für Dresden: \"DE\".",
            key=key,
        )
    elif subdivision not in supported[country]:
        file.report(
            file.at((*key, "subdivision")),
            f"Unbekanntes Bundesland '{subdivision}'. Für Sachsen: \"SN\".",
            key=key,
        )


# --- building the frozen values ----------------------------------------------------------------


def _localized(values: Mapping[str, str]) -> dict[Lang, str]:
    return {lang: values[lang] for lang in LANGUAGES}


def _vocabulary(data: Mapping[str, Any]) -> Vocabulary:
    return Vocabulary(
        phrasings={lang: tuple(words) for lang, words in data["phrasings"].items()},
        keywords={lang: tuple(words) for lang, words in data["keywords"].items()},
    )


def _links(data: Iterable[Mapping[str, Any]]) -> tuple[Link, ...]:
    return tuple(Link(link["url"], _localized(link["title"])) for link in data)


def _topic(data: Mapping[str, Any], path: Path) -> Topic:
    return Topic(
        id=data["id"],
        audience=data["audience"],
        title=_localized(data["title"]),
        question_de=data["question_de"],
        answer=_localized(data["answer"]),
        vocabulary=_vocabulary(data),
        links=_links(data.get("links", [])),
        sources=tuple(data["sources"]),
        reviewed=data["reviewed"],
        related=tuple(data.get("related", [])),
        order=data.get("order", 1000),
        where=data.get("where", "dresden"),
        path=path,
    )


def _office(data: Mapping[str, Any]) -> Office:
    hours = data["hours"]
    weekly = {
        _WEEKDAYS.index(day): tuple(
            sorted((_parse_interval_or_fail(text) for text in texts), key=lambda i: i.start)
        )
        for day, texts in hours["weekly"].items()
        if texts
    }
    note = hours.get("note")
    return Office(
        name=_localized(data["name"]),
        visiting_address=_localized(data["visiting_address"]),
        postal_address=_localized(data["postal_address"]),
        phones=tuple(Phone(p["number"], _localized(p["label"])) for p in data["phones"]),
        emails=tuple(Email(e["address"], _localized(e["label"])) for e in data["emails"]),
        websites=_links(data["websites"]),
        hours=OfficeHours(
            weekly=dict(sorted(weekly.items())),
            timezone=hours["timezone"],
            holiday_country=hours["holidays"]["country"],
            holiday_subdivision=hours["holidays"]["subdivision"],
        ),
        hours_note=_localized(note) if note is not None else None,
        intents={name: _vocabulary(data["intents"][name]) for name in SERVICE_INTENTS},
        sources=tuple(data["sources"]),
        reviewed=data["reviewed"],
    )


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _lexicon(data: Mapping[str, Any]) -> Lexicon:
    writer = data["writer"]
    return Lexicon(
        stop_words={lang: _words(text) for lang, text in data["stop_words"].items()},
        content_words={lang: _words(text) for lang, text in data.get("content_words", {}).items()},
        synonyms=tuple(tuple(group.split()) for group in data["synonyms"]),
        language={form: _words(text) for form, text in data["language"].items()},
        writer=WriterCues(**{name: _words(writer[name]) for name in _WRITER_CUES}),
        seeking=_words(data["seeking"]),
        asking=frozenset().union(*(_words(text) for text in data["asking"].values())),
        from_words=_words(data["places"]["from"]),
        to_words=_words(data["places"]["to"]),
    )


def _places(data: Mapping[str, Any]) -> Places:
    return Places(
        home=frozenset(data["home"]),
        towns=frozenset(name for names in data["towns"].values() for name in names),
        phrases=frozenset(p for items in data["phrases"].values() for p in items),
        source=data["source"],
    )


def _parse_interval_or_fail(text: str) -> Interval:
    interval = _parse_interval(text)
    if interval is None:  # the walker has rejected it already
        raise ValueError(text)
    return interval


# --- the whole folder --------------------------------------------------------------------------


def _read_file(path: Path, spec: Spec, problems: list[Problem]) -> tuple[_File, Any]:
    file = _File(path, problems)
    root = file.read()
    data = _Walker(file).document(root, spec) if root is not None else None
    return file, data


def _read_topics(faq_dir: Path, problems: list[Problem]) -> list[tuple[_File, Any]]:
    topics_dir = faq_dir / "topics"
    if not topics_dir.is_dir():
        problems.append(Problem(topics_dir, 1, 1, "Der Ordner 'topics' fehlt."))
        return []
    files = sorted(p for p in topics_dir.iterdir() if not p.name.startswith(".") and p.is_file())
    for path in files:
        if path.suffix != ".yaml":
            problems.append(
                Problem(
                    path,
                    1,
                    1,
                    "Warnung: Diese Datei wird nicht gelesen: nur Dateien mit der Endung .yaml sind "
                    "Themen. Benennen Sie sie um oder verschieben Sie sie.",
                    "warning",
                )
            )
    topics = [_read_file(path, TOPIC, problems) for path in files if path.suffix == ".yaml"]
    if not topics:
        problems.append(
            Problem(topics_dir, 1, 1, "Im Ordner 'topics' liegt kein Thema (keine .yaml-Datei).")
        )
    for file, data in topics:
        if isinstance(data, dict):
            _check_topic(file, data, file.path.stem)
    _check_topic_links(topics)
    _check_unique_titles(topics)
    return topics


def _check_topic_links(topics: list[tuple[_File, Any]]) -> None:
    """Ids are unique, and every related id names an existing topic."""
    owners: dict[str, Path] = {}
    for file, data in topics:
        topic_id = data.get("id") if isinstance(data, dict) else None
        if topic_id in owners:
            file.report(
                file.at(("id",)),
                f"Die id '{topic_id}' gibt es schon in {owners[topic_id].name}. Jede id darf nur einmal vorkommen.",
                key=("id",),
            )
        elif topic_id is not None:
            owners[topic_id] = file.path
    # A topic whose file is broken still exists: its file name is its id.
    known = set(owners) | {file.path.stem for file, _ in topics}
    for file, data in topics:
        if not isinstance(data, dict):
            continue
        for index, related in enumerate(data.get("related", [])):
            if related is None or related in known:
                continue
            key: Key = ("related", index)
            if related in SERVICE_INTENTS:
                message = f"'{related}' ist kein Thema; Kontakt und Öffnungszeiten zeigt der Bot ohnehin. Löschen Sie den Eintrag."
            else:
                guess = _suggest(related, known)
                maybe = f" Meinten Sie '{guess}'?" if guess else ""
                message = f"Das Thema '{related}' gibt es nicht (keine Datei topics/{related}.yaml).{maybe}"
            file.report(file.at(key), message, key=key)


def _check_unique_titles(topics: list[tuple[_File, Any]]) -> None:
    """No two topics share a title in one language: the menu would show two identical buttons."""
    first: dict[tuple[str, str], tuple[_File, str]] = {}
    for file, data in topics:
        titles = data.get("title") if isinstance(data, dict) else None
        for lang, title in (titles or {}).items():
            if not isinstance(title, str):
                continue
            # Case and spacing do not make two buttons look different to a family.
            seen = (lang, " ".join(title.split()).casefold())
            if seen not in first:
                first[seen] = (file, title)
                continue
            other, _ = first[seen]
            line = other.at(("title", lang))[0]
            key: Key = ("title", lang)
            file.report(
                file.at(key),
                f"Den Titel '{title}' hat schon das Thema in {other.path.name} (Zeile {line}). "
                "Im Menü stünden zwei gleiche Knöpfe: geben Sie diesem Thema einen eigenen Titel "
                "(beim Kopieren einer Datei alle drei Sprachen ändern).",
                key=key,
            )


def _collect(faq_dir: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Read and check everything; the knowledge base only when there is no error."""
    problems: list[Problem] = []
    if not faq_dir.is_dir():
        problems.append(Problem(faq_dir, 1, 1, f"Der Ordner {faq_dir} fehlt."))
        return None, problems
    topics = _read_topics(faq_dir, problems)
    office_file, office = _read_file(faq_dir / "office.yaml", OFFICE, problems)
    if isinstance(office, dict):
        _check_office(office_file, office)
    smalltalk_file, smalltalk = _read_file(faq_dir / "smalltalk.yaml", SMALLTALK, problems)
    if isinstance(smalltalk, dict):
        for name, vocabulary in smalltalk.items():
            _check_vocabulary(smalltalk_file, vocabulary, (name,))
    lexicon_file, lexicon = _read_file(faq_dir / "lexicon.yaml", LEXICON, problems)
    if isinstance(lexicon, dict):
        _check_synonyms(lexicon_file, lexicon)
    places = _read_file(faq_dir / "places.yaml", PLACES, problems)[1]
    problems.sort(key=lambda p: (p.path, p.line, p.column, p.message))
    if any(p.severity == "error" for p in problems):
        return None, problems
    kb = KnowledgeBase(
        topics=tuple(
            sorted(
                (_topic(data, file.path) for file, data in topics), key=lambda t: (t.order, t.id)
            )
        ),
        office=_office(office),
        smalltalk={
            name: _vocabulary(smalltalk[name]) for name in SMALLTALK_INTENTS if name in smalltalk
        },
        lexicon=_lexicon(lexicon),
        places=_places(places),
    )
    return kb, problems


def validate(faq_dir: Path) -> list[Problem]:
    """Every error and warning in every file of `faq_dir`, sorted by file and line."""
    return _collect(faq_dir)[1]


def load_knowledge(faq_dir: Path) -> KnowledgeBase:
    """The knowledge base in `faq_dir`; raises KnowledgeError listing the errors."""
    kb, problems = _collect(faq_dir)
    if kb is None:
        raise KnowledgeError(p for p in problems if p.severity == "error")
    return kb


# --- reloading while the bot runs --------------------------------------------------------------

Signature: TypeAlias = tuple[tuple[str, int, int], ...]


def _signature(faq_dir: Path) -> Signature:
    """Every file under `faq_dir` as (relative path, mtime_ns, size); hidden files are ignored."""
    entries = []
    for path in faq_dir.rglob("*"):
        relative = path.relative_to(faq_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue  # editors' swap and backup files
        try:
            info = path.stat()
        except OSError:
            continue  # removed while we looked
        if stat.S_ISREG(info.st_mode):
            entries.append((relative.as_posix(), info.st_mtime_ns, info.st_size))
    return tuple(sorted(entries))


class LiveKnowledge:
    """The last good knowledge base of `faq_dir`, reloaded when its files change."""

    def __init__(
        self, faq_dir: Path, min_interval: float = 2.0, clock: Callable[[], float] = monotonic
    ) -> None:
        self.faq_dir = faq_dir
        self.min_interval = min_interval
        self.problems: tuple[Problem, ...] = ()
        """The errors of the last attempt when it failed; empty after a success."""
        self.version = 1
        """1 for the knowledge base loaded at start; +1 for each successful reload."""
        self._clock = clock
        self._lock = threading.Lock()
        self._signature = _signature(faq_dir)
        self._current = load_knowledge(faq_dir)  # nothing good to serve yet: let it raise
        self._checked_at = clock()

    @property
    def current(self) -> KnowledgeBase:
        """The knowledge base to answer from now."""
        return self._current

    def refresh(self) -> bool:
        """Reload if a file changed (checked at most every `min_interval`); True when swapped."""
        if not self._lock.acquire(blocking=False):
            return False  # another thread is checking right now
        try:
            now = self._clock()
            if now - self._checked_at < self.min_interval:
                return False
            self._checked_at = now
            signature = _signature(self.faq_dir)
            if signature == self._signature:
                return False
            problems = self._load(signature)
            return not problems
        finally:
            self._lock.release()

    def reload(self) -> list[Problem]:
        """Reload now (an admin's /reload); the errors, empty on success."""
        with self._lock:
            self._checked_at = self._clock()
            return list(self._load(_signature(self.faq_dir)))

    def _load(self, signature: Signature) -> tuple[Problem, ...]:
        # The signature is taken before reading, so an edit made while we read is seen next time;
        # it is remembered even on failure, so a file that stays broken is reported once.
        self._signature = signature
        try:
            kb = load_knowledge(self.faq_dir)
        except KnowledgeError as exc:
            problems = exc.problems
        except Exception as exc:  # a loader bug must not take the last good answers away
            log.exception("knowledge base not reloaded: unexpected error")
            problems = (
                Problem(self.faq_dir, 1, 1, f"Interner Fehler beim Laden: {type(exc).__name__}"),
            )
        else:
            self._current = kb
            self.version += 1
            self.problems = ()
            log.info("knowledge base reloaded: version %d, %d topics", self.version, len(kb.topics))
            return ()
        self.problems = problems
        for problem in problems:
            log.warning("knowledge base not reloaded: %s", problem)
        return problems
