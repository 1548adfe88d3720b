"""Walked values -> the frozen models of `bot.models`; called only when no file has an error."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from bot.knowledge.schema import WEEKDAYS, WRITER_CUES
from bot.knowledge.yamlfile import Key, YamlFile
from bot.models import (
    LANGUAGES,
    SERVICE_INTENTS,
    SMALLTALK_INTENTS,
    SUB_ANSWER_SEPARATOR,
    Email,
    KnowledgeBase,
    Lang,
    Lexicon,
    Link,
    Office,
    OfficeHours,
    Phone,
    Places,
    Referral,
    SubAnswer,
    Topic,
    Vocabulary,
    WriterCues,
)


def knowledge_base(
    topics: Iterable[YamlFile],
    referrals: Iterable[YamlFile],
    office: YamlFile,
    smalltalk: YamlFile,
    lexicon: YamlFile | None = None,
    places: YamlFile | None = None,
) -> KnowledgeBase:
    """The knowledge base from the walked files: topics in menu order, referrals by id."""
    built = [_topic(file) for file in topics]
    served = {topic.id for topic in built}
    # A related topic that is not served (left out while broken) is not linked; otherwise the
    # checks made sure that every related topic exists, and this changes nothing.
    built = [replace(t, related=tuple(r for r in t.related if r in served)) for t in built]
    return KnowledgeBase(
        topics=tuple(sorted(built, key=lambda t: (t.order, t.id))),
        office=_office(office),
        smalltalk={
            name: _vocabulary(smalltalk.values[name], smalltalk, (name,))
            for name in SMALLTALK_INTENTS
            if name in smalltalk.values
        },
        referrals=tuple(sorted(map(_referral, referrals), key=lambda r: r.id)),
        lexicon=_lexicon(lexicon.values) if lexicon and lexicon.values else Lexicon(),
        places=_places(places.values) if places and places.values else Places(),
    )


def _localized(values: Mapping[str, str]) -> dict[Lang, str]:
    return {lang: values[lang] for lang in LANGUAGES}


def _optional_localized(values: Mapping[str, str] | None) -> dict[Lang, str] | None:
    return _localized(values) if values is not None else None


def _vocabulary(data: Mapping[str, Any], file: YamlFile, key: Key = ()) -> Vocabulary:
    """The phrasings and keywords at `key` of `file`, each phrasing with where it was written."""
    phrasings = {lang: tuple(words) for lang, words in data["phrasings"].items()}
    written_at = {
        text: (file.path, *file.at((*key, "phrasings", lang, i)))
        for lang, words in phrasings.items()
        for i, text in enumerate(words)
    }
    return Vocabulary(
        phrasings=phrasings,
        keywords={lang: tuple(words) for lang, words in data.get("keywords", {}).items()},
        written_at=written_at,
    )


def _links(data: Iterable[Mapping[str, Any]]) -> tuple[Link, ...]:
    return tuple(Link(link["url"], _localized(link["title"])) for link in data)


def _topic(file: YamlFile) -> Topic:
    data = file.values
    return Topic(
        id=data["id"],
        audience=data["audience"],
        title=_localized(data["title"]),
        question_de=data["question_de"],
        answer=_localized(data["answer"]),
        vocabulary=_vocabulary(data, file),
        links=_links(data.get("links", [])),
        sources=tuple(data["sources"]),
        reviewed=data["reviewed"],
        related=tuple(data.get("related", [])),
        order=data.get("order", 1000),
        where=data.get("where", "dresden"),
        path=file.path,
        more=_optional_localized(data.get("more")),
        answers=tuple(
            _sub_answer(sub, data, file, ("answers", i))
            for i, sub in enumerate(data.get("answers", []))
        ),
    )


def _sub_answer(
    data: Mapping[str, Any], topic: Mapping[str, Any], file: YamlFile, key: Key
) -> SubAnswer:
    return SubAnswer(
        id=f"{topic['id']}{SUB_ANSWER_SEPARATOR}{data['id']}",
        title=_localized(data["title"]),
        answer=_localized(data["answer"]),
        more=_optional_localized(data.get("more")),
        vocabulary=_vocabulary(data, file, key),
        links=_links(data.get("links", [])),
        sources=tuple(data.get("sources", topic["sources"])),
        reviewed=data.get("reviewed", topic["reviewed"]),
    )


def _referral(file: YamlFile) -> Referral:
    data = file.values
    return Referral(
        id=data["id"],
        title=_localized(data["title"]),
        answer=_localized(data["answer"]),
        links=_links(data.get("links", [])),
        sources=tuple(data["sources"]),
        reviewed=data["reviewed"],
        vocabulary=_vocabulary(data, file),
        path=file.path,
        where=data.get("where", "dresden"),
    )


def _office(file: YamlFile) -> Office:
    data = file.values
    hours = data["hours"]
    weekly = {
        WEEKDAYS.index(day): tuple(sorted(intervals, key=lambda i: i.start))
        for day, intervals in hours["weekly"].items()
        if intervals
    }
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
        hours_note=_optional_localized(hours.get("note")),
        intents={
            name: _vocabulary(data["intents"][name], file, ("intents", name))
            for name in SERVICE_INTENTS
        },
        sources=tuple(data["sources"]),
        reviewed=data["reviewed"],
    )


def _lexicon(data: Mapping[str, Any]) -> Lexicon:
    writer = data["writer"]
    places = data["places"]
    return Lexicon(
        stop_words=dict(data["stop_words"]),
        content_words=dict(data.get("content_words", {})),
        synonyms=tuple(tuple(sorted(group)) for group in data["synonyms"]),
        language=dict(data["language"]),
        writer=WriterCues(**{name: writer[name] for name in WRITER_CUES}),
        seeking=data["seeking"],
        asking=frozenset().union(*data["asking"].values()),
        from_words=places["from"],
        to_words=places["to"],
    )


def _places(data: Mapping[str, Any]) -> Places:
    return Places(
        home=frozenset(data["home"]),
        towns=frozenset(name for names in data["towns"].values() for name in names),
        phrases=frozenset(p for phrases in data["phrases"].values() for p in phrases),
        source=data["source"],
    )
