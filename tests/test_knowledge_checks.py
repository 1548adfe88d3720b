"""Checks across values and files: every problem at once, the same id, title, phrasing or answer
twice, referrals and topics side by side, the folders, `kita-bot validate`, and any edit at all.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge import KnowledgeError, load_knowledge, validate
from tests.faq_copies import (
    FIXTURE,
    REFERRAL,
    TOPIC,
    copy_faq,
    line_of,
    own_copy,
    problems_in,
    replace_once,
    save,
)


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    """A fresh copy of the small valid knowledge base."""
    return copy_faq(tmp_path)


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
    lines = result.stdout.splitlines()
    [line] = [line for line in lines if "links › Eintrag 1 › url:" in line]
    assert line.startswith(f"{faq / TOPIC}:") and ": Warnung: links" in line
    assert f"{len(lines)} Warnungen" in result.stderr


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
