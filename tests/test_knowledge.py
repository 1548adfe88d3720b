"""The loader as city staff meet it: one broken thing in a copy of a small valid faq/ gives one
plain-German problem at the right file and line; a running bot keeps its last good answers.

The real faq/ is checked at the end (all topics, all languages, the same facts in every language).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge import KnowledgeError, Problem, load_knowledge, validate, yamlfile
from bot.models import LANGUAGES, KnowledgeBase
from tests.faq_copies import FIXTURE, TOPIC, copy_faq, line_of, own_copy, replace_once, save

ROOT = Path(__file__).resolve().parent.parent
REAL_FAQ = ROOT / "faq"


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    """A fresh copy of the small valid knowledge base."""
    return copy_faq(tmp_path)


def problems_in(faq: Path, name: str) -> list[Problem]:
    return [p for p in validate(faq) if p.path.name == name]


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


REFERRAL = "referrals/residence.yaml"

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


def test_tab_and_invisible_character_give_the_exact_column(faq: Path) -> None:
    path = faq / TOPIC
    replace_once(path, "    - Kind eintragen", "    - Kind\u00ad eintragen\n    -\tFoto")
    problems = problems_in(faq, "alpha.yaml")
    line = line_of(path, "Kind\u00ad")
    assert [(p.line, p.column) for p in problems] == [
        (line + 1, 6)
    ]  # the tab; the file is not parsed further
    replace_once(path, "\tFoto", " Foto")
    [invisible] = problems_in(faq, "alpha.yaml")
    assert (invisible.line, invisible.column) == (line, 11)
    assert invisible.severity == "warning"
    alpha = load_knowledge(faq).topic("alpha")
    assert alpha is not None and "Kind eintragen" in alpha.answer["de"]  # stripped


def test_a_windows_encoded_file_names_the_line_of_the_bad_byte(faq: Path) -> None:
    path = faq / "topics" / "beta.yaml"
    text = (
        path.read_text(encoding="utf-8").replace("Plätze", "Plaetze").replace("möchten", "moechten")
    )
    ascii_part, _, rest = text.partition('"Melden')
    save(path, ascii_part.encode() + '"Melden Sie freie Plätze'.encode("cp1252") + rest.encode())
    [problem] = problems_in(faq, "beta.yaml")
    assert problem.line == line_of(path, '"Melden')
    assert "nicht als UTF-8 gespeichert" in problem.message
    assert "0xE4" in problem.message and "'ä'" in problem.message


def test_a_byte_order_mark_is_fine(faq: Path) -> None:
    path = faq / TOPIC
    save(path, b"\xef\xbb\xbf" + path.read_bytes())
    assert validate(faq) == []
    assert load_knowledge(faq).topic_ids == ("alpha", "beta")


def test_a_file_over_one_megabyte_is_refused_before_parsing(faq: Path) -> None:
    path = faq / TOPIC
    save(path, path.read_text(encoding="utf-8") + "# " + "x" * (1024 * 1024) + "\n")
    [problem] = problems_in(faq, "alpha.yaml")
    assert (problem.line, problem.column) == (1, 1)
    assert "zu groß" in problem.message


def test_billion_laughs_is_refused_at_the_first_anchor(faq: Path) -> None:
    # Nine levels: anything that expanded it would need 10^9 entries; refusing costs nothing.
    levels = ['lol0: &lol0 ["lol"]']
    levels += [f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = faq / TOPIC
    save(path, "\n".join(levels) + "\n")
    [problem] = problems_in(faq, "alpha.yaml")
    assert (problem.line, problem.column) == (1, 7)
    assert "Anker mit & (hier '&lol0')" in problem.message


def test_a_binary_file_gives_a_few_lines_not_thousands(faq: Path) -> None:
    save(faq / TOPIC, 'id: "alpha"\n' + "\x01\x02" * 500 + "\n")
    problems = problems_in(faq, "alpha.yaml")
    assert len(problems) == 11
    assert problems[-1].message == "Und 990 weitere solche Stellen."


def test_every_problem_in_every_file_is_listed_at_once(faq: Path) -> None:
    replace_once(faq / TOPIC, 'audience: "families"', 'audience: "family"')
    replace_once(faq / TOPIC, "\nanswer:\n", "\nanwser:\n")
    replace_once(faq / "office.yaml", '"Europe/Berlin"', '"Berlin"')
    replace_once(faq / "smalltalk.yaml", 'en: ["thanks"]', "en: [no]")
    problems = validate(faq)
    names = [p.path.name for p in problems]
    assert names == sorted(
        names, key=lambda n: {"office.yaml": 0, "smalltalk.yaml": 1, "alpha.yaml": 2}[n]
    )
    assert len(problems) == 5  # family, anwser, answer missing, Berlin, no
    assert problems == sorted(problems, key=lambda p: (p.path, p.line, p.column))
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(faq)
    assert raised.value.problems == tuple(problems)


def test_the_same_id_twice_names_the_other_file(faq: Path) -> None:
    text = (faq / "topics" / "beta.yaml").read_text(encoding="utf-8")
    save(faq / "topics" / "gamma.yaml", text)
    messages = [p.message for p in problems_in(faq, "gamma.yaml")]
    assert any("passt nicht zum Dateinamen 'gamma.yaml'" in m for m in messages)
    assert any("Die id 'beta' gibt es schon in beta.yaml" in m for m in messages)


def test_a_copied_topic_with_the_same_title_is_found_where_the_copy_says_it(faq: Path) -> None:
    # Two identical buttons in the menu: a family cannot tell which answer is behind which.
    text = (faq / "topics" / "beta.yaml").read_text(encoding="utf-8")
    text = text.replace('id: "beta"', 'id: "gamma"')
    save(faq / "topics" / "gamma.yaml", text.replace('uk: "Прийом"', 'uk: "Нова тема"'))
    copy = faq / "topics" / "gamma.yaml"
    problems = [p for p in validate(faq) if "hat schon das Thema" in p.message]
    assert [(p.path, p.line) for p in problems] == [
        (copy, line_of(copy, 'de: "Aufnahme"')),
        (copy, line_of(copy, 'en: "Admission"')),
    ]
    de_line = line_of(faq / "topics" / "beta.yaml", 'de: "Aufnahme"')
    assert problems[0].message.startswith(
        f"title › de: Den Titel 'Aufnahme' hat schon das Thema in beta.yaml (Zeile {de_line})."
    )
    assert "eigenen Titel" in problems[0].message
    with pytest.raises(KnowledgeError):
        load_knowledge(faq)


def test_a_half_edited_copy_is_refused_where_it_was_not_edited(faq: Path) -> None:
    # Issue 13: a copy of a topic with new titles took over the original's questions.
    beta, gamma = faq / "topics" / "beta.yaml", faq / "topics" / "gamma.yaml"
    text = beta.read_text(encoding="utf-8").replace('id: "beta"', 'id: "gamma"')
    for title in ("Aufnahme", "Прийом", "Admission"):
        text = text.replace(f'"{title}"', f'"Neu: {title}"')
    save(gamma, text)
    errors = [p for p in validate(faq) if p.severity == "error"]
    assert {p.path for p in errors} == {gamma}
    answer_de = line_of(beta, 'de: "Melden Sie')
    assert any(
        str(p).startswith(
            f"{gamma}:{answer_de}:3: answer › de: Die Antwort ist dieselbe wie beim Thema 'beta' "
            f"(beta.yaml:{answer_de}). Ist dies eine halb bearbeitete Kopie?"
        )
        for p in errors
    )
    phrasings = line_of(beta, 'de: ["Wir haben freie Plätze"')
    assert any(
        p.line == phrasings
        and p.message.startswith(
            "phrasings › de › Eintrag 1: Die Formulierung 'Wir haben freie Plätze' steht auch "
            f"beim Thema 'beta' (beta.yaml:{phrasings}). Der Bot kann dieselbe Frage nicht zwei "
            "Antworten zuordnen"
        )
        for p in errors
    )
    with pytest.raises(KnowledgeError):
        load_knowledge(faq)


@pytest.mark.parametrize(
    ("file", "old", "new", "other", "original"),
    [
        (  # case, spacing and Unicode spelling (a full-width ？) do not make another phrasing
            "topics/beta.yaml",
            '"Kinder aufnehmen"',
            '"  wie MELDE ich\u00a0 mein kind an？ "',
            TOPIC,
            '"Wie melde ich mein Kind an?"',
        ),
        (
            "topics/beta.yaml",
            '"Kinder aufnehmen"',
            '"Welche Unterlagen brauche ich?"',
            TOPIC,
            '"Welche Unterlagen brauche ich?"',
        ),
        (
            REFERRAL,
            '"Termin bei der Ausländerbehörde"',
            '"Wie erreiche ich das Amt?"',
            "office.yaml",
            '"Wie erreiche ich das Amt?"',
        ),
    ],
)
def test_a_phrasing_belongs_to_one_label_and_both_places_are_named(
    faq: Path, file: str, old: str, new: str, other: str, original: str
) -> None:
    replace_once(faq / file, old, new)
    [problem] = validate(faq)
    assert problem.severity == "error"
    named = re.search(r"\(([\w.-]+):(\d+)\)", problem.message)
    assert named is not None, problem.message
    places = {(problem.path.name, problem.line), (named[1], int(named[2]))}
    here, there = faq / file, faq / other
    assert places == {(here.name, line_of(here, new)), (there.name, line_of(there, original))}
    assert "Der Bot kann dieselbe Frage nicht zwei Antworten zuordnen" in problem.message


def test_a_phrasing_in_the_overview_and_its_sub_answer_stays_with_the_sub_answer(
    faq: Path,
) -> None:
    alpha = faq / TOPIC
    replace_once(alpha, '"Anmeldung Kita"', '"Was muss ich mitbringen?"')
    [problem] = validate(faq)
    assert (problem.path, problem.line) == (alpha, line_of(alpha, '  de: ["Wie melde ich'))
    assert problem.message == (
        "phrasings › de › Eintrag 2: Die Formulierung 'Was muss ich mitbringen?' steht auch bei "
        f"der Teilantwort 'alpha/documents' (alpha.yaml:{line_of(alpha, 'Was muss ich mitbringen?')}). "
        "Behalten Sie sie dort, denn die Teilantwort beantwortet die Frage genauer, und löschen "
        "Sie sie hier im Überblick."
    )


def test_two_sub_answers_of_a_topic_do_not_share_a_phrasing(faq: Path) -> None:
    alpha = faq / TOPIC
    replace_once(alpha, '"Wartezeit Kita"', '"Welche Dokumente?"')
    [problem] = validate(faq)
    assert (problem.path, problem.line) == (alpha, line_of(alpha, '"Wie lange muss ich warten?"'))
    assert "steht auch bei der Teilantwort 'alpha/documents'" in problem.message
    assert "löschen Sie sie bei der anderen" in problem.message


def test_a_keyword_two_labels_share_is_a_warning_naming_both(faq: Path) -> None:
    beta = faq / "topics" / "beta.yaml"
    replace_once(beta, 'de: ["Aufnahme"]', 'de: ["Aufnahme", "anmelden"]')
    [problem] = validate(faq)
    assert (problem.path, problem.line, problem.severity) == (
        beta,
        line_of(beta, '"anmelden"'),
        "warning",
    )
    alpha_line = line_of(faq / TOPIC, '"anmelden"')
    assert problem.message.startswith(
        f"keywords › de › Eintrag 2: Das Stichwort 'anmelden' steht auch beim Thema 'alpha' "
        f"(alpha.yaml:{alpha_line})."
    )
    load_knowledge(faq)


def test_a_topic_and_its_sub_answers_may_share_keywords(faq: Path) -> None:
    replace_once(faq / TOPIC, 'de: ["Anmeldung", "anmelden"]', 'de: ["Anmeldung", "Unterlagen"]')
    assert validate(faq) == []


def test_titles_differing_only_in_case_or_spacing_count_as_the_same(faq: Path) -> None:
    replace_once(faq / "topics" / "beta.yaml", 'en: "Admission"', 'en: "  registration "')
    [problem] = problems_in(faq, "beta.yaml")
    assert "Den Titel 'registration' hat schon das Thema in alpha.yaml" in problem.message


@pytest.mark.parametrize(
    ("extra", "expected"),
    [("", "450 sichtbare"), ("ä", "451 sichtbare")],
)
def test_answers_count_what_a_reader_sees(faq: Path, extra: str, expected: str) -> None:
    # Bold markers are not seen; a letter with a combining accent, an emoji with a skin tone are one.
    seen = "**" + "a\u0308" * 443 + "** Kind 👍🏽" + extra
    replace_once(
        faq / TOPIC, 'de: "Sie brauchen die **Geburtsurkunde** des Kindes."', f'de: "{seen}"'
    )
    replace_once(faq / TOPIC, 'de: "Unterlagen"', f'de: "{450 * "x"}"')  # titles are not counted
    found = [p for p in problems_in(faq, "alpha.yaml") if "sichtbare Zeichen" in p.message]
    assert [expected in p.message for p in found] == ([True] if extra else [])


def test_a_referral_cannot_take_a_topics_id(faq: Path) -> None:
    residence = faq / "referrals" / "residence.yaml"
    residence.rename(faq / "referrals" / "beta.yaml")
    replace_once(faq / "referrals" / "beta.yaml", 'id: "residence"', 'id: "beta"')
    [problem] = validate(faq)
    assert problem.path == faq / "referrals" / "beta.yaml"
    assert problem.message.startswith("id: Die id 'beta' hat schon ein Thema (topics/beta.yaml).")


def test_the_referrals_folder_is_optional(faq: Path) -> None:
    shutil.rmtree(faq / "referrals")
    assert validate(faq) == []
    assert load_knowledge(faq).referrals == ()


def test_a_file_with_another_ending_is_mentioned_not_read(faq: Path) -> None:
    save(faq / "topics" / "gamma.yml", "id: kaputt: ja\n")
    save(faq / "referrals" / "notes.txt", "Jobcenter: noch schreiben\n")
    referral, topic = validate(faq)  # sorted by path
    assert topic.path.name == "gamma.yml" and topic.severity == "warning"
    assert "nur Dateien mit der Endung .yaml sind Themen" in topic.message
    assert referral.path.name == "notes.txt" and referral.severity == "warning"
    assert "nur Dateien mit der Endung .yaml sind Weiterleitungen" in referral.message
    assert load_knowledge(faq).topic_ids == ("alpha", "beta")


def test_validate_says_warnings_and_succeeds(faq: Path) -> None:
    replace_once(
        faq / TOPIC, 'url: "https://kitaportal.dresden.de"', 'url: "http://kitaportal.dresden.de"'
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "validate", str(faq)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{faq / TOPIC}:") and ": Warnung: links › Eintrag 1 › url:" in line
    assert "1 Warnungen" in result.stderr


@pytest.mark.parametrize("missing", ["office.yaml", "smalltalk.yaml"])
def test_a_missing_file_is_named(faq: Path, missing: str) -> None:
    (faq / missing).unlink()
    [problem] = validate(faq)
    assert problem.path == faq / missing and "fehlt" in problem.message


def test_an_empty_topics_folder_or_missing_folder_cannot_load(faq: Path, tmp_path: Path) -> None:
    for path in (faq / "topics").iterdir():
        path.unlink()
    assert any("kein Thema" in p.message for p in validate(faq))
    with pytest.raises(KnowledgeError):
        load_knowledge(tmp_path / "nowhere")


def test_a_new_topic_is_one_new_file(faq: Path) -> None:
    save(faq / "topics" / "gamma.yaml", own_copy(faq / "topics" / "beta.yaml", "gamma", order=0))
    assert validate(faq) == []
    kb = load_knowledge(faq)
    assert kb.topic_ids == ("gamma", "alpha", "beta")  # menu order, then id
    gamma = kb.topic("gamma")
    assert gamma is not None and gamma.path == faq / "topics" / "gamma.yaml"


TROUBLE = [
    "\t",
    ":",
    '"',
    "'",
    "-",
    "&a",
    "*a",
    "!",
    "#",
    "\n",
    " ",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "\u200b",
    "\x00",
    "0",
]


@pytest.fixture(scope="module")
def fuzz_faq(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("fuzz") / "faq"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.mark.parametrize("name", [TOPIC, REFERRAL, "office.yaml", "smalltalk.yaml"])
@settings(max_examples=100, deadline=None)
@given(
    edits=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(TROUBLE), st.booleans()), max_size=4)
)
def test_any_edit_gives_problems_with_positions_never_a_crash(
    fuzz_faq: Path, name: str, edits: list[tuple[float, str, bool]]
) -> None:
    text = (FIXTURE / name).read_text(encoding="utf-8")
    for where, piece, delete in edits:
        at = int(where * len(text))
        text = text[:at] + text[at + 1 :] if delete else text[:at] + piece + text[at:]
    (fuzz_faq / name).write_text(text, encoding="utf-8")
    try:
        problems = validate(fuzz_faq)
    finally:
        shutil.copy(FIXTURE / name, fuzz_faq / name)
    lines = text.count("\n") + 2
    for problem in problems:
        assert 1 <= problem.line <= lines and problem.column >= 1, str(problem)
        assert problem.message.strip()


# --- the real faq/ ------------------------------------------------------------------------------


REAL_TOPIC_FILES = sorted((REAL_FAQ / "topics").glob("*.yaml"))
needs_content = pytest.mark.skipif(not REAL_TOPIC_FILES, reason="faq/topics is still empty")
URL = re.compile(r"https?://[^\s)\]]+")


@pytest.fixture(scope="module")
def real_problems() -> list[Problem]:
    return validate(REAL_FAQ)


@pytest.fixture(scope="module")
def real_kb(real_problems: list[Problem]) -> KnowledgeBase:
    errors = [str(p) for p in real_problems if p.severity == "error"]
    if errors:
        pytest.fail("faq/ does not load:\n" + "\n".join(errors))
    return load_knowledge(REAL_FAQ)


@needs_content
def test_real_faq_has_no_errors(real_problems: list[Problem]) -> None:
    errors = [str(p) for p in real_problems if p.severity == "error"]
    assert not errors, "\n".join(errors)


CITY_PAGE_TOPICS = (
    "rights",
    "registration",
    "kita-admission",
    "hiring-staff",
    "measles",
    "trauma",
    "ukraine-education",
    "psychosocial-help",
    "downloads",
)
"""The topics of the city's FAQ page (TOPICS.md); faq/ may have more."""


@needs_content
def test_real_faq_has_every_topic_of_the_city_page() -> None:
    present = {path.stem for path in REAL_TOPIC_FILES}
    missing = [topic_id for topic_id in CITY_PAGE_TOPICS if topic_id not in present]
    assert not missing, f"topics without a file in faq/topics: {missing}"


@needs_content
def test_real_topics_speak_all_three_languages_and_link_to_existing_topics(
    real_kb: KnowledgeBase,
) -> None:
    kb = real_kb
    for topic in kb.topics:
        for field_name in ("title", "answer"):
            texts = getattr(topic, field_name)
            assert set(texts) == set(LANGUAGES), f"{topic.id}: {field_name} in {sorted(texts)}"
            assert all(t.strip() for t in texts.values()), f"{topic.id}: empty {field_name}"
        for link in topic.links:
            assert set(link.title) == set(LANGUAGES), f"{topic.id}: link {link.url}"
        unknown = [r for r in topic.related if r not in kb.topic_ids or r == topic.id]
        assert not unknown, f"{topic.id}: related ids {unknown}"


def guide_example(starting: str) -> str:
    """The YAML example in faq/README.md that starts with `starting`."""
    guide = (REAL_FAQ / "README.md").read_text(encoding="utf-8")
    [block] = [
        b for b in re.findall(r"```yaml\n(.*?)```", guide, re.DOTALL) if b.startswith(starting)
    ]
    return str(block)


def test_the_guides_sub_answer_and_referral_examples_are_valid(faq: Path) -> None:
    beta = faq / "topics" / "beta.yaml"
    save(beta, beta.read_text(encoding="utf-8") + guide_example("answers:"))
    save(faq / "referrals" / "residence.yaml", guide_example('id: "residence"'))
    assert validate(faq) == []
    kb = load_knowledge(faq)
    when = kb.sub_answer("beta/when")
    assert when is not None and when.answer["uk"].startswith("**Зареєструйте дитину")
    residence = kb.referral("residence")
    assert residence is not None and residence.title["en"] == "Residence permit"


def facts(answer: str) -> set[str]:
    """The URLs and digit runs of an answer: what must not differ between translations."""
    urls = {url.rstrip(".,;:!?") for url in URL.findall(answer)}
    return urls | set(re.findall(r"\d+", URL.sub(" ", answer)))


@needs_content
@pytest.mark.parametrize("path", REAL_TOPIC_FILES, ids=[p.stem for p in REAL_TOPIC_FILES])
def test_real_answers_state_the_same_facts_in_every_language(
    path: Path, real_kb: KnowledgeBase
) -> None:
    topic = real_kb.topic(path.stem)
    assert topic is not None
    found = {lang: facts(topic.answer[lang]) for lang in LANGUAGES}
    every = set().union(*found.values())
    gaps = {lang: sorted(every - have) for lang, have in found.items() if every - have}
    assert not gaps, f"{topic.id}: numbers or URLs missing in a translation: {gaps}"


@needs_content
def test_a_tenth_topic_in_the_real_faq_needs_no_code(
    tmp_path: Path, real_kb: KnowledgeBase
) -> None:
    faq = tmp_path / "faq"
    shutil.copytree(REAL_FAQ, faq)
    save(faq / "topics" / "new-topic.yaml", own_copy(REAL_TOPIC_FILES[0], "new-topic"))
    assert [str(p) for p in validate(faq) if p.severity == "error"] == []
    assert "new-topic" in load_knowledge(faq).topic_ids
