"""The loader as city staff meet it: one broken thing in a copy of a small valid faq/ gives one
plain-German problem at the right file and line.

More in test_knowledge_files (files and text), test_knowledge_checks (across values and files),
test_knowledge_live (reloading), test_knowledge_start (a broken faq/ at start) and
test_knowledge_real (the real faq/).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.knowledge import KnowledgeError, load_knowledge, validate, yamlfile
from bot.models import LANGUAGES
from tests.faq_copies import FIXTURE, REFERRAL, TOPIC, copy_faq, line_of, replace_once


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    """A fresh copy of the small valid knowledge base."""
    return copy_faq(tmp_path)


def test_the_fixture_is_valid_and_loads_in_menu_order() -> None:
    assert validate(FIXTURE) == []
    kb = load_knowledge(FIXTURE)
    assert kb.topic_ids == ("alpha", "beta")
    alpha = kb.topic("alpha")
    assert alpha is not None
    assert set(alpha.answer) == set(LANGUAGES)
    assert alpha.answer["de"].startswith("**Anmelden im Kitaportal.**\n\n- Konto anlegen")
    assert alpha.vocabulary.phrasings["ru"] == ("Как записать ребенка?",)
    assert kb.office.phones[0].number == "0351 488-5051"
    assert kb.office.hours.weekly[1][1].start.hour == 13
    assert kb.office.hours_note is not None
    assert set(kb.smalltalk) == {"greeting", "thanks", "out-of-scope"}


def test_the_fixture_has_sub_answers_more_and_a_referral() -> None:
    kb = load_knowledge(FIXTURE)
    alpha = kb.topic("alpha")
    assert alpha is not None and alpha.more is not None
    assert alpha.more["uk"].startswith("Місце надає відомство")
    assert [a.id for a in alpha.answers] == ["alpha/documents", "alpha/waiting"]
    documents = kb.sub_answer("alpha/documents")
    assert documents is not None and documents.more is not None
    assert documents.answer["en"] == "You need the child's **birth certificate**."
    assert documents.vocabulary.phrasings["ru"] == ("Какие документы нужны?",)
    assert documents.vocabulary.keywords["de"] == ("Unterlagen",)
    assert (documents.sources, documents.reviewed.day) == (("Auskunft des Amtes",), 28)
    assert [link.url for link in documents.links] == ["https://www.dresden.de/kita"]
    waiting = kb.sub_answer("alpha/waiting")
    assert waiting is not None  # no sources, reviewed, keywords, more or links of its own
    assert (waiting.sources, waiting.reviewed) == (alpha.sources, alpha.reviewed)
    assert (waiting.vocabulary.keywords, waiting.more, waiting.links) == ({}, None, ())
    for unknown in ("alpha", "alpha/", "alpha/nothing", "beta/documents", "documents"):
        assert kb.sub_answer(unknown) is None
    [residence] = kb.referrals
    assert kb.referral("residence") is residence
    assert residence.path == FIXTURE / "referrals" / "residence.yaml"
    assert residence.title["de"] == "Aufenthalt"
    assert residence.vocabulary.keywords["en"] == ("residence permit",)
    assert kb.referral("alpha") is None


# --- one broken thing, one problem at the right place -------------------------------------------


@dataclass(frozen=True)
class Break:
    """Replace `old` by `new` in `file`; expect a problem on the line of `at` containing `phrase`."""

    file: str
    old: str
    new: str
    phrase: str
    at: str | None = None
    """Text on the expected line (default: the first line of `new`)."""
    severity: str = "error"


BREAKS: dict[str, Break] = {
    "duplicate key": Break(
        TOPIC,
        'audience: "families"\n',
        'audience: "families"\norder: 3\n',
        "steht doppelt: zuerst in Zeile 3",
        at="order: 3",
    ),
    "duplicate key deep inside": Break(
        TOPIC,
        '  en: "Registration"\n',
        '  en: "Registration"\n  de: "Anmelden"\n',
        "Der Schlüssel 'de' steht doppelt",
        at='  de: "Anmelden"',
    ),
    "anchor": Break(
        TOPIC, 'question_de: "Wie', 'question_de: &frage "Wie', "Anker mit & (hier '&frage')"
    ),
    "alias": Break(TOPIC, 'related: ["beta"]', "related: [*beta]", "Verweise mit * (hier '*beta')"),
    "python tag": Break(
        TOPIC,
        'question_de: "Wie',
        'question_de: !!python/object:os.system "Wie',
        "YAML-Tag '!!python/object:os.system'",
    ),
    "tab": Break(TOPIC, '  uk: "Реєстрація"', '\tuk: "Реєстрація"', "Tabulatorzeichen"),
    "control character": Break(
        TOPIC, "Kind eintragen", "Kind \x07eintragen", "Steuerzeichen U+0007"
    ),
    "postcode as a number": Break(
        TOPIC, '["Anmeldung", "anmelden"]', '["Anmeldung", 01237]', "als Zahl 671 gelesen"
    ),
    "time as a number": Break(
        "office.yaml",
        '    de: "Bitte vereinbaren',
        '    de: 9:00\n    x: "Bitte vereinbaren',
        "als Zahl 540 gelesen",
    ),
    "no as false": Break(
        "smalltalk.yaml",
        'en: ["thanks"]',
        "en: [thanks, no]",
        "Der Wert no wird von YAML als Wahrheitswert falsch",
    ),
    "date where text belongs": Break(TOPIC, '"anmelden"]', "2024-03-01]", "als Datum gelesen"),
    "tilde as nothing": Break(
        TOPIC, 'question_de: "Wie erfolgt die Anmeldung?"', "question_de: ~", "als leerer Wert"
    ),
    "empty value": Break(
        TOPIC,
        'question_de: "Wie erfolgt die Anmeldung?"',
        "question_de:",
        "Hier steht nichts; erwartet: ein Text",
    ),
    "misspelt key": Break(
        TOPIC,
        "\nanswer:\n",
        "\nanwser:\n",
        "Unbekannter Schlüssel 'anwser'. Meinten Sie 'answer'?",
        at="anwser:",
    ),
    "missing key": Break(
        TOPIC, 'audience: "families"\n', "", "Der Schlüssel 'audience' fehlt", at="id:"
    ),
    "missing language": Break(
        TOPIC, '  uk: "Реєстрація"\n', "", "Die Sprache 'uk' (Ukrainisch) fehlt", at="title:"
    ),
    "unknown language": Break(
        TOPIC,
        '  uk: "Реєстрація"',
        '  ua: "Реєстрація"',
        "Unbekannter Sprachcode 'ua'. Meinten Sie 'uk'?",
    ),
    "Russian answer": Break(
        "topics/beta.yaml",
        '  en: "Tell the office about free places."\n',
        '  en: "Tell the office about free places."\n  ru: "Сообщите"\n',
        "Russisch (ru) ist hier nicht vorgesehen",
        at="ru:",
    ),
    "empty answer": Break(
        "topics/beta.yaml",
        'en: "Tell the office about free places."',
        'en: ""',
        "answer › en: Der Text ist leer",
    ),
    "text where a list belongs": Break(
        "topics/beta.yaml",
        'sources:\n  - "Auskunft des Amtes"',
        'sources: "Auskunft des Amtes"',
        "erwartet: eine Liste",
        at="sources:",
    ),
    "list where a text belongs": Break(
        "topics/beta.yaml",
        'question_de: "Sie möchten als Kita Kinder aufnehmen?"',
        'question_de: ["Aufnahme"]',
        "Hier steht eine Liste; erwartet: ein Text",
    ),
    "id and file name differ": Break(
        TOPIC, 'id: "alpha"', 'id: "alfa"', "passt nicht zum Dateinamen 'alpha.yaml'"
    ),
    "reserved id": Break(
        "topics/beta.yaml", 'id: "beta"', 'id: "contact"', "ist für den Bot reserviert"
    ),
    "unknown audience": Break(
        TOPIC,
        'audience: "families"',
        'audience: "family"',
        "Unbekannte Zielgruppe 'family'. Meinten Sie 'families'?",
    ),
    "unknown where": Break(
        TOPIC,
        'audience: "families"',
        'audience: "families"\nwhere: "everywhere"',
        "Unbekannte Gültigkeit 'everywhere'. Meinten Sie 'anywhere'?",
        at="where:",
    ),
    "url without https": Break(
        TOPIC,
        'url: "https://kitaportal.dresden.de"',
        'url: "kitaportal.dresden.de"',
        "keine vollständige Internetadresse",
    ),
    "url with a space": Break(
        TOPIC,
        'url: "https://kitaportal.dresden.de"',
        'url: "https://kitaportal. dresden.de"',
        "enthält Leerzeichen",
    ),
    "plain http": Break(
        TOPIC,
        'url: "https://kitaportal.dresden.de"',
        'url: "http://kitaportal.dresden.de"',
        "links › Eintrag 1 › url: 'http://kitaportal.dresden.de' ist unverschlüsselt",
        severity="warning",
    ),
    "malformed e-mail": Break(
        "office.yaml",
        '"kitaportal@dresden.de"',
        '"kitaportal(at)dresden.de"',
        "keine gültige E-Mail-Adresse",
    ),
    "phone with letters": Break(
        "office.yaml", '"0351 488-5051"', '"0351 488-5051 (Zentrale)"', "enthält Buchstaben"
    ),
    "unknown related id": Break(
        TOPIC, 'related: ["beta"]', 'related: ["beta", "betta"]', "Das Thema 'betta' gibt es nicht"
    ),
    "related to itself": Break(
        TOPIC, 'related: ["beta"]', 'related: ["alpha"]', "verweist auf sich selbst"
    ),
    "weekday in German": Break(
        "office.yaml",
        "    monday:",
        "    montag:",
        "Unbekannter Wochentag 'montag'. Meinten Sie 'monday'?",
    ),
    "interval written loosely": Break(
        "office.yaml", '["09:00-12:00"]', '["9-12 Uhr"]', "ist keine Zeitspanne"
    ),
    "interval ends before it starts": Break(
        "office.yaml", '["09:00-12:00"]', '["12:00-09:00"]', "liegt das Ende nicht nach dem Beginn"
    ),
    "overlapping intervals": Break(
        "office.yaml",
        'tuesday: ["09:00-12:00", "13:00-17:00"]',
        'tuesday: ["09:00-12:00", "11:00-17:00"]',
        "überschneiden sich",
    ),
    "unknown time zone": Break(
        "office.yaml", '"Europe/Berlin"', '"Europe/Dresden"', "Unbekannte Zeitzone"
    ),
    "impossible review date": Break(
        TOPIC,
        'reviewed: "2026-11-25"',
        'reviewed: "2026-02-30"',
        "Das Datum 2026-02-30 gibt es nicht",
    ),
    "review date in German form": Break(
        TOPIC, 'reviewed: "2026-11-25"', 'reviewed: "25.11.2026"', "Hier wird ein Datum erwartet"
    ),
    "order in quotes": Break(TOPIC, "order: 1", 'order: "1"', "ganze Zahl ohne Anführungszeichen"),
    "unclosed quote": Break(
        TOPIC,
        'question_de: "Wie erfolgt die Anmeldung?"',
        'question_de: "Wie erfolgt die Anmeldung?',
        "Anführungszeichen",
    ),
    "colon inside an unquoted text": Break(
        "topics/beta.yaml",
        'question_de: "Sie möchten als Kita Kinder aufnehmen?"',
        "question_de: Frage: Kinder aufnehmen?",
        "Doppelpunkt",
    ),
    "value starting with @": Break(
        TOPIC,
        'question_de: "Wie erfolgt die Anmeldung?"',
        "question_de: @Kita Anmeldung",
        "Ein Wert darf nicht mit @ beginnen",
    ),
    "second document": Break("smalltalk.yaml", "thanks:\n", "---\nthanks:\n", "zweites Dokument"),
    "too long for Telegram": Break(
        "topics/beta.yaml",
        'de: "Melden Sie freie Plätze dem Amt."',
        'de: "' + "Plätze & Gruppen. " * 190 + '"',
        "zu lang für eine Telegram-Nachricht: 4179 Zeichen, höchstens 3500",
    ),
    "long overview, no more: yet": Break(
        "topics/beta.yaml",
        'de: "Melden Sie freie Plätze dem Amt."',
        'de: "' + "Freie Plätze melden. " * 55 + '"',
        "answer › de: Die Antwort hat 1154 sichtbare Zeichen; als erste Nachricht passen "
        "höchstens 450 auf einen Handybildschirm. Lassen Sie hier das Wichtigste, den nächsten "
        "Schritt zuerst; der Rest gehört unter 'more:'.",
        severity="warning",
    ),
    "long overview with more:": Break(
        TOPIC,
        "    - Kind eintragen\n",
        "    - Kind eintragen\n" + "    - Mehr dazu steht unten\n" * 20,
        "answer › de: Die Antwort hat 537 sichtbare Zeichen",
        at="  de: |",
    ),
    "more too long for Telegram": Break(
        TOPIC,
        'de: "Den Platz vermittelt das Amt; die Zusage kommt per E-Mail."',
        'de: "' + "Zusage & Vertrag. " * 200 + '"',
        "more › de: Der Text ist zu lang für eine Telegram-Nachricht",
    ),
    "sub-answer id with a capital": Break(
        TOPIC,
        'id: "documents"',
        'id: "Documents"',
        "answers › Eintrag 1 › id: Die id 'Documents' darf nur Kleinbuchstaben",
    ),
    "sub-answer id twice in a topic": Break(
        TOPIC,
        'id: "waiting"',
        'id: "documents"',
        "answers › Eintrag 2 › id: Die id 'documents' hat schon die Teilantwort in Zeile",
        at='- id: "documents"\n    title: {de: "Wartezeit"',
    ),
    "sub-answer with two English phrasings": Break(
        TOPIC,
        '["Which documents do I need?", "What should I bring?", "What papers?"]',
        '["Which documents do I need?", "What should I bring?"]',
        "answers › Eintrag 1 › phrasings › en: Nur 2 Formulierung(en) auf Englisch; nötig sind "
        "mindestens 3",
    ),
    "sub-answer without phrasings": Break(
        TOPIC,
        '    phrasings:\n      de: ["Wie lange',
        '    wording:\n      de: ["Wie lange',
        "Der Schlüssel 'phrasings' fehlt",
        at='- id: "waiting"',
    ),
    "sub-answer answer too long": Break(
        TOPIC,
        'de: "Die Wartezeit hängt vom Stadtteil ab."',
        'de: "' + "Die Wartezeit hängt ab. " * 20 + '"',
        "answers › Eintrag 2 › answer › de: Die Antwort hat 479 sichtbare Zeichen",
    ),
    "sub-answer in Russian": Break(
        TOPIC,
        '      en: "No translation is needed."\n',
        '      en: "No translation is needed."\n      ru: "Перевод не нужен."\n',
        "Russisch (ru) ist hier nicht vorgesehen",
        at="ru:",
    ),
    "sub-answer link without https": Break(
        TOPIC,
        'url: "https://www.dresden.de/kita"',
        'url: "www.dresden.de/kita"',
        "answers › Eintrag 1 › links › Eintrag 1 › url: 'www.dresden.de/kita' ist keine",
    ),
    "sub-answer title long for a button": Break(
        TOPIC,
        'de: "Unterlagen"',
        'de: "Welche Unterlagen Sie für die Anmeldung mitbringen müssen"',
        "Der Titel hat 57 Zeichen; auf der Schaltfläche sind höchstens 48",
        severity="warning",
    ),
    "referral id and file name differ": Break(
        REFERRAL,
        'id: "residence"',
        'id: "residency"',
        "passt nicht zum Dateinamen 'residence.yaml'",
    ),
    "referral reserved id": Break(
        REFERRAL, 'id: "residence"', 'id: "greeting"', "ist für den Bot reserviert"
    ),
    "referral answer too long": Break(
        REFERRAL,
        'en: "The **Ausländerbehörde** (immigration office) handles this."',
        'en: "' + "The **Ausländerbehörde** handles this. " * 11 + '"',
        "answer › en: Die Antwort hat 384 sichtbare Zeichen; als erste Nachricht passen "
        "höchstens 350",
    ),
    "referral with two German phrasings": Break(
        REFERRAL,
        ', "Termin bei der Ausländerbehörde"]',
        "]",
        "Nur 2 Formulierung(en) auf Deutsch; nötig sind mindestens 3",
        at="  de: [",
    ),
    "referral without sources": Break(
        REFERRAL,
        'sources:\n  - "https://www.dresden.de"\n',
        "",
        "Der Schlüssel 'sources' fehlt",
        at="id:",
    ),
    "referral with more": Break(
        REFERRAL,
        "links:\n",
        'more: {de: "Mehr", uk: "Більше", en: "More"}\nlinks:\n',
        "Unbekannter Schlüssel 'more'",
    ),
    "invisible character": Break(
        TOPIC,
        "Kind eintragen",
        "Kind\u200b eintragen",
        "Unsichtbares Zeichen U+200B",
        severity="warning",
    ),
    "escaped invisible character": Break(
        "topics/beta.yaml",
        'de: "Melden Sie freie Plätze dem Amt."',
        'de: "Melden Sie\\u200b freie Plätze dem Amt."',
        "Unsichtbares Zeichen U+200B",
        severity="warning",
    ),
    "tag on a list": Break(
        TOPIC, 'related: ["beta"]', 'related: !!seq ["beta"]', "YAML-Tag '!!seq'"
    ),
    "unknown office intent": Break(
        "office.yaml",
        "  contact:\n",
        "  kontakt:\n",
        "Unbekanntes Anliegen 'kontakt'. Meinten Sie 'contact'?",
    ),
    "unknown holiday region": Break(
        "office.yaml", 'subdivision: "SN"', 'subdivision: "Sachsen"', "Unbekanntes Bundesland"
    ),
    "few phrasings": Break(
        "topics/beta.yaml",
        'en: ["We have free places", "Take in children", "Admission as a Kita"]',
        'en: ["We have free places"]',
        "Nur 1 Formulierung(en) auf Englisch",
        severity="warning",
    ),
}


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both PyYAML parsers: they word their errors differently, staff must not notice."""
    if request.param == "pure-python":
        monkeypatch.setattr(yamlfile, "_Loader", yaml.SafeLoader)
    elif not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")
    return str(request.param)


@pytest.mark.parametrize("case", BREAKS.values(), ids=BREAKS.keys())
def test_one_broken_thing_is_reported_where_it_is(faq: Path, case: Break, yaml_parser: str) -> None:
    path = faq / case.file
    replace_once(path, case.old, case.new)
    expected_line = line_of(path, case.at or case.new.strip().splitlines()[0])

    problems = validate(faq)

    found = [p for p in problems if p.path == path and case.phrase in p.message]
    assert found, "\n".join(str(p) for p in problems) or "no problem reported"
    assert found[0].line == expected_line, str(found[0])
    assert found[0].severity == case.severity
    assert str(found[0]).startswith(f"{path}:{expected_line}:{found[0].column}: ")
    if case.severity == "error":
        with pytest.raises(KnowledgeError) as raised:
            load_knowledge(faq)
        assert found[0] in raised.value.problems
    else:
        assert str(found[0]).startswith(f"{path}:{expected_line}:{found[0].column}: Warnung: ")
        load_knowledge(faq)  # warnings never stop the bot
