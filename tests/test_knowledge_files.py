"""Files that are not what they seem: pipes, devices, links out of faq/, numbers too big to print,
and bugs of ours; then what the text of a file may not hold (tabs, other encodings, anchors,
binary). Each gives German problems at the file, at once; none blocks or crashes.

Findings F2, F10, F11 and F15 of ../shared/research/reliability-findings.md.
"""

from __future__ import annotations

import logging
import os
import resource
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.knowledge import KnowledgeError, Problem, load_knowledge, validate, yamlfile
from bot.knowledge.reading import Unreadable, read_inside
from tests.faq_copies import TOPIC, copy_faq, line_of, problems_in, replace_once, save

R = TypeVar("R")


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    return copy_faq(tmp_path)


def within(seconds: float, work: Callable[[], R]) -> R:
    """`work()`, failing the test when it takes longer than `seconds` (it may block for good)."""
    results: list[R] = []
    thread = threading.Thread(target=lambda: results.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    return results[0]


def at(problems: list[Problem], path: Path) -> Problem:
    [problem] = [p for p in problems if p.path == path]
    assert (problem.line, problem.column, problem.severity) == (1, 1, "error"), str(problem)
    return problem


def test_a_pipe_is_refused_at_once_with_what_to_do(faq: Path) -> None:
    office, topic = faq / "office.yaml", faq / TOPIC
    for pipe in (office, topic):  # a topic once was skipped silently, office.yaml hung (F2)
        pipe.unlink()
        os.mkfifo(pipe)
    problems = within(5, lambda: validate(faq))
    for pipe in (office, topic):
        message = at(problems, pipe).message
        assert "keine gewöhnliche Datei, sondern eine Pipe (FIFO)" in message
        assert "ersetzen Sie es durch die Datei selbst" in message


def test_a_link_out_of_faq_is_never_read_so_nothing_of_it_is_shown(
    faq: Path, tmp_path: Path
) -> None:
    secret = "4f9c2e7d1a8b3c6e5f0a9d8c7b6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e"
    outside = tmp_path / "user-key.secret"
    outside.write_text(f"{secret}\nroot:x:0:0:Alice Secret:/root:/bin/sh\n", encoding="utf-8")
    office = faq / "office.yaml"
    office.unlink()
    office.symlink_to(outside)
    problems = validate(faq)
    assert "Verweis (Link) auf eine Datei außerhalb des Ordners faq" in at(problems, office).message
    for problem in problems:
        assert secret[:8] not in str(problem) and "Alice" not in str(problem)  # F15


def test_a_link_inside_faq_is_read_like_the_file(faq: Path) -> None:
    kept = faq / "shared"
    kept.mkdir()
    (faq / "office.yaml").rename(kept / "office.yaml")
    (faq / "office.yaml").symlink_to(Path("shared") / "office.yaml")
    assert validate(faq) == []


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda path: path.mkdir(), "sondern ein Ordner"),
        (lambda path: path.symlink_to("gone.yaml"), "auf eine Datei, die es nicht gibt"),
        (lambda path: path.symlink_to(path.name), "kann nicht gelesen werden"),  # a loop
    ],
    ids=["folder", "dangling link", "link loop"],
)
def test_what_is_not_a_file_is_named_as_such(
    faq: Path, make: Callable[[Path], Any], phrase: str
) -> None:
    office = faq / "office.yaml"
    office.unlink()
    make(office)
    assert phrase in at(validate(faq), office).message


def test_a_huge_sparse_file_is_refused_before_a_byte_is_read(faq: Path) -> None:
    topic = faq / TOPIC
    with topic.open("r+b") as out:
        out.truncate(8 * 1024**3)  # 8 GB that take no disk; reading them would take minutes
    message = within(5, lambda: at(validate(faq), topic).message)
    assert message.startswith("Die Datei ist zu groß (8589934592 Bytes, höchstens 1 MB).")


def test_the_reader_takes_the_limit_and_not_one_byte_more(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"x" * 10)
    assert read_inside(tmp_path, path, limit=10) == b"x" * 10
    with pytest.raises(Unreadable, match="zu groß"):
        read_inside(tmp_path, path, limit=9)


def test_special_files_cannot_hang_or_exhaust_validate(faq: Path, tmp_path: Path) -> None:
    """The repro of F2 and F11: `kita-bot validate` with a pipe and a link to /dev/zero."""
    (faq / "office.yaml").unlink()
    (faq / "office.yaml").symlink_to("/dev/zero")
    (faq / "smalltalk.yaml").unlink()
    os.mkfifo(faq / "smalltalk.yaml")

    def two_gigabytes_at_most() -> None:
        limit = 2 * 1024**3
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "validate", str(faq)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        preexec_fn=two_gigabytes_at_most,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines() == [
        f"{faq / 'office.yaml'}:1:1: Die Datei office.yaml ist ein Verweis (Link) auf eine Datei "
        "außerhalb des Ordners faq. Der Bot liest nur Dateien in diesem Ordner: ersetzen Sie den "
        "Verweis durch eine Kopie der Datei.",
        f"{faq / 'smalltalk.yaml'}:1:1: smalltalk.yaml ist keine gewöhnliche Datei, sondern eine "
        "Pipe (FIFO). Der Bot liest nur gewöhnliche Textdateien: ersetzen Sie es durch die Datei "
        "selbst.",
    ]


@pytest.mark.parametrize(
    "number",
    ["0x" + "f" * 3700, "0b" + "1" * 15000, "0" + "7" * 5000, "1" + ":59" * 2500],
    ids=["hex", "binary", "octal", "sexagesimal"],
)
def test_an_unquoted_huge_number_is_a_mistake_at_its_place_not_a_crash(
    faq: Path, number: str
) -> None:
    topic = faq / TOPIC
    replace_once(topic, 'de: "Anmeldung"', f"de: {number}")
    problems = within(5, lambda: validate(faq))  # F10: a ValueError, and seconds to build
    [problem] = [p for p in problems if p.path == topic]
    assert problem.line == line_of(topic, number[:8])
    assert problem.message.startswith(
        f"title › de: Der Wert {number[:40]}… wird von YAML als Zahl "
    )
    assert len(problem.message) < 300  # the value is cut, not printed 15,000 digits long
    with pytest.raises(KnowledgeError):
        load_knowledge(faq)


def test_a_short_unquoted_number_still_says_what_yaml_makes_of_it(faq: Path) -> None:
    replace_once(faq / TOPIC, 'de: "Anmeldung"', "de: 01237")
    [problem] = validate(faq)
    assert "Der Wert 01237 wird von YAML als Zahl 671 gelesen" in problem.message


def test_a_bug_while_reading_a_file_is_said_at_that_file_and_logged_once(
    faq: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    original = yamlfile._Walker.document

    def trips_on_alpha(walker: Any, root: Any, spec: Any) -> Any:
        if walker.file.path.name == "alpha.yaml":
            raise ValueError("a bug of ours")
        return original(walker, root, spec)

    monkeypatch.setattr(yamlfile._Walker, "document", trips_on_alpha)
    with caplog.at_level(logging.ERROR, logger="bot.knowledge"):
        problems = validate(faq)
    [problem] = problems  # the other files were read and checked as usual
    assert (problem.path, problem.line, problem.column) == (faq / TOPIC, 1, 1)
    assert problem.message.startswith("Interner Fehler beim Lesen (ValueError).")
    [logged] = caplog.records
    assert logged.exc_info is not None and "alpha.yaml" in logged.getMessage()


# --- what the text of a file may not hold ---------------------------------------------------------


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
