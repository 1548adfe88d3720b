"""Checks that look at more than one value: within a file, and across the files of `faq/`.

Each check reads the walked values of a `YamlFile` (what was valid; keys with invalid values are
missing) and reports at the place to change, naming the other place when there is one.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.knowledge.schema import (
    COMFORTABLE_ANSWER_CHARS,
    DAY_NAMES,
    LANGUAGE_NAMES,
    MAX_MESSAGE_CHARS,
    MAX_TITLE_CHARS,
    MIN_PHRASINGS,
    suggest,
)
from bot.knowledge.yamlfile import Key, YamlFile
from bot.models import LANGUAGES, SERVICE_INTENTS, Interval


def check_vocabulary(file: YamlFile, vocabulary: Mapping[str, Any], key: Key) -> None:
    """Enough phrasings in each answer language."""
    phrasings = vocabulary.get("phrasings", {})
    for lang in LANGUAGES:
        count = len(phrasings.get(lang, ()))
        if 0 < count < MIN_PHRASINGS:
            file.report(
                file.at((*key, "phrasings", lang)),
                f"Nur {count} Formulierung(en) auf {LANGUAGE_NAMES[lang]}. Der Bot erkennt Fragen "
                "besser mit mindestens 8 verschiedenen Formulierungen; ergänzen Sie weitere.",
                "warning",
                key=(*key, "phrasings", lang),
            )


def _rendered_length(answer: str, links: Iterable[Mapping[str, Any] | None], lang: str) -> int:
    """Characters the answer takes in a Telegram message once escaped, with its links."""
    extra = sum(
        len(html.escape(link.get("title", {}).get(lang, ""))) + len(link.get("url", ""))
        for link in links
        if link is not None
    )
    return len(html.escape(answer)) + extra


def check_topic(file: YamlFile) -> None:
    """The id is the file name, titles and answers fit, and the topic is not its own relative."""
    data = file.values
    topic_id = data.get("id")
    if topic_id is not None and topic_id != file.path.stem:
        file.report(
            file.at(("id",)),
            f"Die id '{topic_id}' passt nicht zum Dateinamen '{file.path.stem}.yaml'. Beide müssen "
            "gleich sein: ändern Sie die id oder benennen Sie die Datei um.",
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
    check_vocabulary(file, data, ())


def check_office(file: YamlFile) -> None:
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
        check_vocabulary(file, vocabulary, ("intents", name))


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


def check_smalltalk(file: YamlFile) -> None:
    """Each small-talk intent has enough phrasings."""
    for name, vocabulary in file.values.items():
        check_vocabulary(file, vocabulary, (name,))


def check_topic_links(topics: list[YamlFile]) -> None:
    """Ids are unique, and every related id names an existing topic."""
    owners: dict[str, Path] = {}
    for file in topics:
        topic_id = file.values.get("id")
        if topic_id in owners:
            file.report(
                file.at(("id",)),
                f"Die id '{topic_id}' gibt es schon in {owners[topic_id].name}. Jede id darf nur einmal vorkommen.",
                key=("id",),
            )
        elif topic_id is not None:
            owners[topic_id] = file.path
    # A topic whose file is broken still exists: its file name is its id.
    known = set(owners) | {file.path.stem for file in topics}
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


def check_unique_titles(topics: list[YamlFile]) -> None:
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
