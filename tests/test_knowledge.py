"""The loader as city staff meet it: one broken thing in a copy of a small valid faq/ gives one
plain-German problem at the right file and line; a running bot keeps its last good answers.

The real faq/ is checked at the end (all topics, all languages, the same facts in every language).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import knowledge
from bot.knowledge import KnowledgeError, LiveKnowledge, Problem, load_knowledge, validate
from bot.models import LANGUAGES, KnowledgeBase
from tests.conftest import TOPIC_IDS

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "faq_min"
REAL_FAQ = ROOT / "faq"


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    """A fresh copy of the small valid knowledge base."""
    target = tmp_path / "faq"
    shutil.copytree(FIXTURE, target)
    return target


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in {path.name}"
    save(path, text.replace(old, new))


def save(path: Path, text: str | bytes) -> None:
    """Write and move the modification time on, as an editor saving a minute later would."""
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 60 * 10**9))


def line_of(path: Path, needle: str) -> int:
    """The 1-based line where `needle` first occurs."""
    text = path.read_bytes().decode("utf-8", "replace")
    return text[: text.index(needle)].count("\n") + 1


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


TOPIC = "topics/alpha.yaml"

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
        TOPIC, "answer:\n", "anwser:\n", "Unbekannter Schlüssel 'anwser'. Meinten Sie 'answer'?"
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
        "Warnung: links › Eintrag 1 › url: 'http://kitaportal.dresden.de' ist unverschlüsselt",
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
    "long for a phone": Break(
        "topics/beta.yaml",
        'de: "Melden Sie freie Plätze dem Amt."',
        'de: "' + "Freie Plätze melden. " * 55 + '"',
        "auf dem Handy sind höchstens etwa 900 Zeichen",
        severity="warning",
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
        monkeypatch.setattr(knowledge, "_Loader", yaml.SafeLoader)
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
        assert found[0].message.startswith("Warnung: ")
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
    replace_once(faq / TOPIC, "answer:\n", "anwser:\n")
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


def test_titles_differing_only_in_case_or_spacing_count_as_the_same(faq: Path) -> None:
    replace_once(faq / "topics" / "beta.yaml", 'en: "Admission"', 'en: "  registration "')
    [problem] = problems_in(faq, "beta.yaml")
    assert "Den Titel 'registration' hat schon das Thema in alpha.yaml" in problem.message


def test_a_file_with_another_ending_is_mentioned_not_read(faq: Path) -> None:
    save(faq / "topics" / "gamma.yml", "id: kaputt: ja\n")
    [problem] = validate(faq)
    assert problem.path.name == "gamma.yml" and problem.severity == "warning"
    assert load_knowledge(faq).topic_ids == ("alpha", "beta")


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
    text = (faq / "topics" / "beta.yaml").read_text(encoding="utf-8")
    text = text.replace('id: "beta"', 'id: "gamma"').replace("order: 2", "order: 0")
    for old, new in (
        ('"Aufnahme"', '"Neues Thema"'),
        ("Прийом", "Нова тема"),
        ("Admission", "New"),
    ):
        text = text.replace(old, new)
    save(faq / "topics" / "gamma.yaml", text)
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


@pytest.mark.parametrize("name", [TOPIC, "office.yaml", "smalltalk.yaml"])
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


# --- reloading while the bot runs -----------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float = 3.0) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def live(faq: Path, clock: FakeClock) -> LiveKnowledge:
    return LiveKnowledge(faq, min_interval=2.0, clock=clock)


def answer_de(live: LiveKnowledge, topic_id: str = "beta") -> str:
    topic = live.current.topic(topic_id)
    assert topic is not None
    return topic.answer["de"]


def test_an_edit_is_served_after_the_next_check(
    faq: Path, live: LiveKnowledge, clock: FakeClock
) -> None:
    replace_once(
        faq / "topics" / "beta.yaml", "Melden Sie freie Plätze", "Melden Sie bitte freie Plätze"
    )
    assert live.refresh() is False  # checked at most every two seconds
    assert answer_de(live) == "Melden Sie freie Plätze dem Amt."
    clock.advance()
    assert live.refresh() is True
    assert answer_de(live) == "Melden Sie bitte freie Plätze dem Amt."
    assert live.version == 2
    clock.advance()
    assert live.refresh() is False  # nothing changed since
    assert live.version == 2


def test_a_broken_edit_keeps_the_last_good_answers_until_it_is_fixed(
    faq: Path, live: LiveKnowledge, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    good = live.current
    path = faq / "topics" / "beta.yaml"
    replace_once(path, 'audience: "kitas"', 'audience: "kitas"\naudience: "both"')
    clock.advance()
    with caplog.at_level(logging.WARNING, logger="bot.knowledge"):
        assert live.refresh() is False
    assert live.current is good
    assert [p.path for p in live.problems] == [path]
    assert "steht doppelt" in live.problems[0].message
    warnings = [
        r for r in caplog.records if r.name == "bot.knowledge" and r.levelno == logging.WARNING
    ]
    assert [r.getMessage().count("\n") for r in warnings] == [0]  # one line per problem
    assert str(path) in warnings[0].getMessage()

    caplog.clear()
    clock.advance()
    with caplog.at_level(logging.WARNING, logger="bot.knowledge"):
        assert live.refresh() is False
    assert not caplog.records  # still broken, not reported again

    replace_once(path, '\naudience: "both"', "")
    replace_once(path, "Melden Sie freie Plätze", "Melden Sie alle freien Plätze")
    clock.advance()
    assert live.refresh() is True
    assert live.current is not good
    assert answer_de(live) == "Melden Sie alle freien Plätze dem Amt."
    assert live.problems == ()
    assert live.version == 2


def test_added_and_removed_files_count_as_changes(
    faq: Path, live: LiveKnowledge, clock: FakeClock
) -> None:
    text = (
        (faq / "topics" / "beta.yaml")
        .read_text(encoding="utf-8")
        .replace('id: "beta"', 'id: "gamma"')
        .replace('"Aufnahme"', '"Gamma"')
        .replace('"Прийом"', '"Гамма"')
        .replace('"Admission"', '"Gamma"')
    )
    save(faq / "topics" / "gamma.yaml", text)
    clock.advance()
    assert live.refresh() is True
    assert "gamma" in live.current.topic_ids
    (faq / "topics" / "gamma.yaml").unlink()
    clock.advance()
    assert live.refresh() is True
    assert live.current.topic_ids == ("alpha", "beta")
    assert live.version == 3


def test_reload_on_demand_returns_the_problems(faq: Path, live: LiveKnowledge) -> None:
    assert live.reload() == []
    assert live.version == 2
    replace_once(faq / "office.yaml", '"Europe/Berlin"', '"Europe/Dresden"')
    problems = live.reload()
    assert [p.path.name for p in problems] == ["office.yaml"]
    assert live.version == 2
    assert live.current.office.hours.timezone == "Europe/Berlin"


def test_nothing_to_serve_at_start_is_an_error(faq: Path) -> None:
    replace_once(faq / TOPIC, "answer:\n", "anwser:\n")
    with pytest.raises(KnowledgeError) as raised:
        LiveKnowledge(faq)
    assert any("Meinten Sie 'answer'?" in p.message for p in raised.value.problems)


# --- the real faq/ ------------------------------------------------------------------------------


REAL_TOPIC_FILES = sorted((REAL_FAQ / "topics").glob("*.yaml"))
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


def test_real_faq_has_no_errors(real_problems: list[Problem]) -> None:
    errors = [str(p) for p in real_problems if p.severity == "error"]
    assert not errors, "\n".join(errors)


def test_real_faq_has_every_topic_of_the_city_page() -> None:
    present = {path.stem for path in REAL_TOPIC_FILES}
    missing = [topic_id for topic_id in TOPIC_IDS if topic_id not in present]
    assert not missing, f"topics without a file in faq/topics: {missing}"


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


def facts(answer: str) -> set[str]:
    """The URLs and digit runs of an answer: what must not differ between translations."""
    urls = {url.rstrip(".,;:!?") for url in URL.findall(answer)}
    return urls | set(re.findall(r"\d+", URL.sub(" ", answer)))


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


def test_a_tenth_topic_in_the_real_faq_needs_no_code(
    tmp_path: Path, real_kb: KnowledgeBase
) -> None:
    faq = tmp_path / "faq"
    shutil.copytree(REAL_FAQ, faq)
    source = REAL_TOPIC_FILES[0]
    text = source.read_text(encoding="utf-8").replace(f'id: "{source.stem}"', 'id: "new-topic"')
    for title in yaml.safe_load(text)["title"].values():  # a copy needs its own titles
        text = text.replace(f'"{title}"', f'"Neu: {title}"')
    related = re.compile(r"^related:.*$", re.MULTILINE)
    save(faq / "topics" / "new-topic.yaml", related.sub("related: []", text))
    assert [p for p in validate(faq) if p.severity == "error"] == []
    assert "new-topic" in load_knowledge(faq).topic_ids
