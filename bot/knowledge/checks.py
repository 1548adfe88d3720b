"""Checks that look at more than one value: within a file, and across the files of `faq/`.

Each check reads the walked values of a `YamlFile` (what was valid; keys with invalid values are
missing) and reports at the place to change, naming the other place when there is one.
"""

from __future__ import annotations

import html
import itertools
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bot.knowledge.schema import (
    DAY_NAMES,
    LANGUAGE_NAMES,
    MAX_ANSWER_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_REFERRAL_CHARS,
    MAX_SUB_ANSWER_TITLE_CHARS,
    MAX_TITLE_CHARS,
    MIN_PHRASINGS,
    suggest,
    visible_length,
)
from bot.knowledge.yamlfile import Key, Severity, YamlFile
from bot.models import LANGUAGES, SERVICE_INTENTS, SUB_ANSWER_SEPARATOR, Interval


def check_all(
    topics: list[YamlFile],
    referrals: list[YamlFile],
    office: YamlFile,
    smalltalk: YamlFile,
    left_out: Collection[str] = (),
) -> None:
    """Every check of this module, on the walked files of one `faq/`.

    `left_out` are the ids of broken topics that are not served for now: other topics may still
    name them under `related:` (the link is dropped until they are fixed).
    """
    for topic in topics:
        _check_topic(topic)
    _check_unique_ids(topics)
    _check_related(topics, left_out)
    _check_unique_titles(topics)
    for referral in referrals:
        _check_referral(referral)
    _check_unique_ids(referrals)
    _check_referral_ids(referrals, topics)
    _check_office(office)
    for name, vocabulary in smalltalk.values.items():
        _check_vocabulary(smalltalk, vocabulary, (name,))
    labels = list(_labels(topics, referrals, office))
    _check_copied_words(labels)
    _check_copied_answers(labels)


# --- within one file ------------------------------------------------------------------------------


def _check_topic(file: YamlFile) -> None:
    data = file.values
    _check_file_name(file)
    _check_titles(file, data, (), MAX_TITLE_CHARS)
    # Until the content team has moved the rest of every overview under `more:`, a long overview
    # is a warning; a topic with `more:` has been rewritten and is held to the limit.
    _check_lengths(
        file, data, (), MAX_ANSWER_CHARS, "error" if "more" in data else "warning", _KEEP_IT_SHORT
    )
    for index, related in enumerate(data.get("related", [])):
        if related == data.get("id"):
            file.report(
                file.at(("related", index)),
                f"Das Thema verweist auf sich selbst ('{related}'). Löschen Sie diesen Eintrag.",
                key=("related", index),
            )
    _check_vocabulary(file, data, ())
    _check_sub_answers(file)


def _check_sub_answers(file: YamlFile) -> None:
    first: dict[str, Key] = {}
    for index, sub in enumerate(file.values.get("answers", [])):
        key: Key = ("answers", index)
        if sub is None:
            continue  # not a group of entries: reported by the walk
        sub_id = sub.get("id")
        if sub_id in first:
            at: Key = (*key, "id")
            file.report(
                file.at(at),
                f"Die id '{sub_id}' hat schon die Teilantwort in Zeile {file.at(first[sub_id])[0]}. "
                "Jede Teilantwort eines Themas braucht eine eigene id.",
                key=at,
            )
        elif sub_id is not None:
            first[sub_id] = (*key, "id")
        _check_titles(file, sub, key, MAX_SUB_ANSWER_TITLE_CHARS)
        _check_lengths(file, sub, key, MAX_ANSWER_CHARS, "error", _KEEP_IT_SHORT)
        _check_vocabulary(file, sub, key, required=True)


def _check_referral(file: YamlFile) -> None:
    _check_file_name(file)
    _check_lengths(file, file.values, (), MAX_REFERRAL_CHARS, "error", _REFER_SHORTLY)
    _check_vocabulary(file, file.values, (), required=True)


def _check_office(file: YamlFile) -> None:
    """Opening times do not overlap, the holiday region exists, the intents have phrasings."""
    hours = file.values.get("hours", {})
    for day, intervals in hours.get("weekly", {}).items():
        ordered = sorted(
            ((interval, index) for index, interval in enumerate(intervals) if interval),
            key=lambda pair: pair[0].start,
        )
        for (before, _), (after, index) in itertools.pairwise(ordered):
            if after.start < before.end:
                key: Key = ("hours", "weekly", day, index)
                file.report(
                    file.at(key),
                    f"Die Zeiten am {DAY_NAMES[day]} überschneiden sich ({_span(before)} und {_span(after)}). "
                    "Fassen Sie sie zu einer Zeitspanne zusammen.",
                    key=key,
                )
    holidays = hours.get("holidays", {})
    if "country" in holidays and "subdivision" in holidays:
        _check_holidays(file, holidays["country"], holidays["subdivision"])
    for name, vocabulary in file.values.get("intents", {}).items():
        _check_vocabulary(file, vocabulary, ("intents", name))


def _span(interval: Interval) -> str:
    return f"{interval.start:%H:%M}-{interval.end:%H:%M}"


def _check_holidays(file: YamlFile, country: str, subdivision: str) -> None:
    import holidays  # only here: validating the office file is its only use in this package

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


def _check_file_name(file: YamlFile) -> None:
    own_id = file.values.get("id")
    if own_id is not None and own_id != file.path.stem:
        file.report(
            file.at(("id",)),
            f"Die id '{own_id}' passt nicht zum Dateinamen '{file.path.stem}.yaml'. Beide müssen "
            "gleich sein: ändern Sie die id oder benennen Sie die Datei um.",
            key=("id",),
        )


def _check_titles(file: YamlFile, data: Mapping[str, Any], key: Key, limit: int) -> None:
    for lang, title in data.get("title", {}).items():
        if len(title) > limit:
            at: Key = (*key, "title", lang)
            file.report(
                file.at(at),
                f"Der Titel hat {len(title)} Zeichen; auf der Schaltfläche sind höchstens "
                f"{limit} gut lesbar. Kürzen Sie ihn.",
                "warning",
                key=at,
            )


_KEEP_IT_SHORT: Final = (
    "Lassen Sie hier das Wichtigste, den nächsten Schritt zuerst; der Rest gehört unter 'more:'."
)
_REFER_SHORTLY: Final = (
    "Sagen Sie nur, wohin man sich in Dresden wendet und was der nächste Schritt ist; "
    "Einzelheiten stehen auf der verlinkten Seite (unter 'links:')."
)


def _check_lengths(
    file: YamlFile, data: Mapping[str, Any], key: Key, limit: int, severity: Severity, advice: str
) -> None:
    """Each `answer` fits one phone screen (`limit` visible characters), each `more` one message."""
    links = data.get("links", [])
    for lang, answer in data.get("answer", {}).items():
        at: Key = (*key, "answer", lang)
        rendered = _rendered_length(answer, links, lang)
        if rendered > MAX_MESSAGE_CHARS:
            file.report(
                file.at(at),
                f"Die Antwort ist zu lang für eine Telegram-Nachricht: {rendered} Zeichen, höchstens "
                f"{MAX_MESSAGE_CHARS} (mit den Links). Kürzen Sie sie.",
                key=at,
            )
        elif (visible := visible_length(answer)) > limit:
            file.report(
                file.at(at),
                f"Die Antwort hat {visible} sichtbare Zeichen; als erste Nachricht passen höchstens "
                f"{limit} auf einen Handybildschirm. {advice}",
                severity,
                key=at,
            )
    for lang, more in data.get("more", {}).items():
        at = (*key, "more", lang)
        if (rendered := _rendered_length(more, links, lang)) > MAX_MESSAGE_CHARS:
            file.report(
                file.at(at),
                f"Der Text ist zu lang für eine Telegram-Nachricht: {rendered} Zeichen, höchstens "
                f"{MAX_MESSAGE_CHARS} (mit den Links). Kürzen Sie ihn; Einzelheiten gehören auf "
                "eine verlinkte Seite.",
                key=at,
            )


def _rendered_length(text: str, links: Iterable[Mapping[str, Any] | None], lang: str) -> int:
    """Characters the text takes in a Telegram message once escaped, with its links."""
    extra = sum(
        len(html.escape(link.get("title", {}).get(lang, ""))) + len(link.get("url", ""))
        for link in links
        if link is not None
    )
    return len(html.escape(text)) + extra


def _check_vocabulary(
    file: YamlFile, vocabulary: Mapping[str, Any], key: Key, *, required: bool = False
) -> None:
    """Enough phrasings in each answer language: a warning, or an error when `required`."""
    phrasings = vocabulary.get("phrasings", {})
    for lang in LANGUAGES:
        count = len(phrasings.get(lang, ()))
        if not 0 < count < MIN_PHRASINGS:
            continue
        at: Key = (*key, "phrasings", lang)
        if required:
            file.report(
                file.at(at),
                f"Nur {count} Formulierung(en) auf {LANGUAGE_NAMES[lang]}; nötig sind mindestens "
                f"{MIN_PHRASINGS}, damit der Bot die Frage erkennt (besser 8). Ergänzen Sie weitere.",
                key=at,
            )
        else:
            file.report(
                file.at(at),
                f"Nur {count} Formulierung(en) auf {LANGUAGE_NAMES[lang]}. Der Bot erkennt Fragen "
                "besser mit mindestens 8 verschiedenen Formulierungen; ergänzen Sie weitere.",
                "warning",
                key=at,
            )


# --- across files ---------------------------------------------------------------------------------


def _ids(files: list[YamlFile]) -> set[str]:
    """The ids of `files`; a file that is broken still has one: its name."""
    return {file.path.stem for file in files} | {
        file.values["id"] for file in files if "id" in file.values
    }


def _check_unique_ids(files: list[YamlFile]) -> None:
    """No two files of one folder have the same id."""
    owners: dict[str, Path] = {}
    for file in files:
        own_id = file.values.get("id")
        if own_id in owners:
            file.report(
                file.at(("id",)),
                f"Die id '{own_id}' gibt es schon in {owners[own_id].name}. Jede id darf nur einmal vorkommen.",
                key=("id",),
            )
        elif own_id is not None:
            owners[own_id] = file.path


def _check_referral_ids(referrals: list[YamlFile], topics: list[YamlFile]) -> None:
    """A referral's id is not a topic's: one label, one answer."""
    topic_ids = _ids(topics)
    for file in referrals:
        own_id = file.values.get("id")
        if own_id in topic_ids:
            file.report(
                file.at(("id",)),
                f"Die id '{own_id}' hat schon ein Thema (topics/{own_id}.yaml). Geben Sie der "
                "Weiterleitung eine eigene id und benennen Sie die Datei genauso.",
                key=("id",),
            )


def _check_related(topics: list[YamlFile], left_out: Collection[str]) -> None:
    """Every related id names an existing topic."""
    known = _ids(topics) | set(left_out)
    for file in topics:
        for index, related in enumerate(file.values.get("related", [])):
            if related is None or related in known:
                continue
            key: Key = ("related", index)
            if related in SERVICE_INTENTS:
                message = f"'{related}' ist kein Thema; Kontakt und Öffnungszeiten zeigt der Bot ohnehin. Löschen Sie den Eintrag."
            else:
                guess = suggest(related, known)
                maybe = f" Meinten Sie '{guess}'?" if guess else ""
                message = f"Das Thema '{related}' gibt es nicht (keine Datei topics/{related}.yaml).{maybe}"
            file.report(file.at(key), message, key=key)


def _check_unique_titles(topics: list[YamlFile]) -> None:
    """No two topics share a title in one language: the menu would show two identical buttons."""
    first: dict[tuple[str, str], tuple[YamlFile, str]] = {}
    for file in topics:
        for lang, title in file.values.get("title", {}).items():
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


# --- copies between labels ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Label:
    """Something a message can be answered with, and where its values are."""

    file: YamlFile
    key: Key
    """Where its values sit in the file: () for a whole file, ("answers", 2) for a sub-answer."""
    values: Mapping[str, Any]
    name: str
    """How messages name it: "beim Thema 'measles'"."""
    family: tuple[object, ...]
    """A topic and its sub-answers are one family: they may share keywords."""


def _labels(
    topics: list[YamlFile], referrals: list[YamlFile], office: YamlFile
) -> Iterator[_Label]:
    """Every label with phrasings or an answer, in the order the files are read."""
    for file in topics:
        topic_id = file.values.get("id", file.path.stem)
        yield _Label(file, (), file.values, f"beim Thema '{topic_id}'", (file.path,))
        for index, sub in enumerate(file.values.get("answers", [])):
            if sub is not None:
                full_id = f"{topic_id}{SUB_ANSWER_SEPARATOR}{sub.get('id', index + 1)}"
                name = f"bei der Teilantwort '{full_id}'"
                yield _Label(file, ("answers", index), sub, name, (file.path,))
    for file in referrals:
        name = f"bei der Weiterleitung '{file.values.get('id', file.path.stem)}'"
        yield _Label(file, (), file.values, name, (file.path,))
    for intent, vocabulary in office.values.get("intents", {}).items():
        key: Key = ("intents", intent)
        yield _Label(office, key, vocabulary, f"beim Anliegen '{intent}'", (office.path, intent))


@dataclass(frozen=True)
class _Place:
    """Where one phrasing, keyword or answer of a label is written."""

    label: _Label
    key: Key

    def __str__(self) -> str:
        # File names are unique across faq/: a referral's id may not be a topic's.
        return f"{self.label.file.path.name}:{self.label.file.at(self.key)[0]}"

    def report(self, message: str, severity: Severity = "error") -> None:
        self.label.file.report(self.label.file.at(self.key), message, severity, key=self.key)


def _folded(text: str) -> str:
    """The text as the bot compares it: case, spacing and Unicode spelling do not count."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


_WORD_KINDS: Final = {"phrasings": "Die Formulierung", "keywords": "Das Stichwort"}
SHARED_KEYWORD: Final[Severity] = "warning"
"""A keyword in two labels is sometimes meant: "Hort" is in registration and rights, and the
matcher's idf weighting lets each win its own questions; dropping it from either topic sends
"Kostet der Hort etwas?" or "Anmeldung Hort" astray. A phrasing in two labels never is meant."""


def _words(label: _Label) -> Iterator[tuple[str, str, _Place]]:
    """(kind, text, place) of each phrasing and keyword of `label`."""
    for kind in _WORD_KINDS:
        for lang, words in label.values.get(kind, {}).items():
            for index, text in enumerate(words):
                if text is not None:  # else reported by the walk
                    yield kind, text, _Place(label, (*label.key, kind, lang, index))


def _check_copied_words(labels: list[_Label]) -> None:
    """A phrasing leads to one label: the bot cannot tell two labels apart by it."""
    first: dict[str, tuple[str, _Place]] = {}
    for label in labels:
        for kind, text, here in _words(label):
            there_kind, there = first.setdefault(_folded(text), (kind, here))
            if there.label is not label:
                _report_copied_word(text, kind, here, there_kind, there)


def _report_copied_word(text: str, kind: str, here: _Place, there_kind: str, there: _Place) -> None:
    """Report `text`, found `there` first and now `here` again, where it is to be deleted."""
    what = _WORD_KINDS[kind]
    phrasings = kind == there_kind == "phrasings"
    if there.label.family != here.label.family and phrasings:
        here.report(
            f"{what} '{text}' steht auch {there.label.name} ({there}). Der Bot kann dieselbe "
            "Frage nicht zwei Antworten zuordnen: löschen Sie den Eintrag an der Stelle, zu der "
            "er weniger genau passt."
        )
    elif there.label.family != here.label.family:
        here.report(
            f"{what} '{text}' steht auch {there.label.name} ({there}). Dieser Eintrag zählt dann "
            "für beide Antworten und hilft keiner allein: löschen Sie ihn an der Stelle, zu der er "
            "weniger genau passt, wenn er nicht mit Absicht in beiden steht.",
            SHARED_KEYWORD,
        )
    # Within a topic, the overview and its sub-answers may share keywords (a keyword finds the
    # topic, the sub-answers' phrasings tell them apart), but not phrasings. A family's first
    # label is its overview.
    elif phrasings and there.label.key == ():
        there.report(
            f"{what} '{text}' steht auch {here.label.name} ({here}). Behalten Sie sie dort, denn "
            "die Teilantwort beantwortet die Frage genauer, und löschen Sie sie hier im Überblick."
        )
    elif phrasings:
        here.report(
            f"{what} '{text}' steht auch {there.label.name} ({there}). Behalten Sie sie bei der "
            "Teilantwort, die die Frage genauer beantwortet, und löschen Sie sie bei der anderen."
        )


def _check_copied_answers(labels: list[_Label]) -> None:
    """No two answers are the same text: one of them is a half-edited copy."""
    first: dict[tuple[str, str], _Place] = {}
    for label in labels:
        for lang, answer in label.values.get("answer", {}).items():
            here = _Place(label, (*label.key, "answer", lang))
            there = first.setdefault((lang, _folded(answer)), here)
            if there is not here:
                here.report(
                    f"Die Antwort ist dieselbe wie {there.label.name} ({there}). Ist dies eine "
                    "halb bearbeitete Kopie? Schreiben Sie hier die eigene Antwort, in allen drei "
                    "Sprachen."
                )


def check_lexicon(lexicon: YamlFile) -> None:
    """A word in two synonym groups would join them: say where, so staff keep it in one."""
    seen: dict[str, int] = {}
    for number, group in enumerate(lexicon.values.get("synonyms", ())):
        for word in sorted(group or ()):
            first = seen.setdefault(word, number)
            if first != number:
                key: Key = ("synonyms", number)
                lexicon.report(
                    lexicon.at(key),
                    f"Das Wort '{word}' steht schon in Gruppe {first + 1}. Ein Wort gehört in "
                    "höchstens eine Gruppe; streichen Sie es in einer der beiden.",
                    key=key,
                )
