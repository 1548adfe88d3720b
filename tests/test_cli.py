"""The command line as other tools and people use it: real subprocesses, exit codes, the JSON contract."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import interface_phrases

ROOT = Path(__file__).resolve().parent.parent
FAKE_TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake1"


def kita_bot() -> list[str]:
    script = Path(sys.executable).parent / "kita-bot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def run(
    args: list[str], tmp_path: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KITA_BOT_"))}
    clean.update(
        {
            "KITA_BOT_DATA_DIR": str(tmp_path / "data"),
            "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    clean.update(env or {})
    return subprocess.run(
        [*kita_bot(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=clean,
        cwd=tmp_path,
        check=False,
    )


def test_ask_json_answers_the_contract(tmp_path: Path) -> None:
    result = run(["ask", "--json", "Wie melde ich mein Kind für die Kita an?"], tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    # The four keys keep their meaning; "answer" and "reason" were added.
    assert {"label", "score", "lang", "suggestions"} <= set(record)
    assert record["label"] == "registration"
    assert record["lang"] == "de"
    assert 0 <= record["score"] <= 100
    assert record["suggestions"] == []


def test_ask_reads_one_question_per_line_from_stdin(tmp_path: Path) -> None:
    questions = (
        "Чи потрібне щеплення від кору?\nHallo\n\nWhat are the opening hours of the office?\n"
    )
    result = run(["ask", "--json"], tmp_path, stdin=questions)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    # One line out per line in, the blank one too, so a tool can pair questions and answers.
    assert len(records) == len(questions.splitlines())
    assert [r["label"] for r in records] == ["measles", None, None, "office-hours"]
    assert records[2]["score"] == 0 and records[2]["suggestions"] == []
    assert [records[i]["lang"] for i in (0, 1, 3)] == ["uk", "de", "en"]


def test_ask_without_json_prints_the_answer_text(tmp_path: Path) -> None:
    result = run(["ask", "--lang", "en", "Masern Impfung Kita?"], tmp_path)
    assert result.returncode == 0
    assert "measles" in result.stdout.lower()
    assert "<b>" not in result.stdout


def test_piped_chat_answers_in_ukrainian_and_exits_at_end_of_input(tmp_path: Path) -> None:
    result = run(["chat"], tmp_path, stdin="Як записати дитину в садочок?\n")
    assert result.returncode == 0, result.stderr
    assert "kitaportal.dresden.de" in result.stdout
    assert "Сьогодні" in result.stdout  # today's office hours, in Ukrainian
    assert "<b>" not in result.stdout and "&amp;" not in result.stdout


def test_piped_chat_on_a_german_terminal_stays_ukrainian_after_a_ukrainian_question(
    tmp_path: Path,
) -> None:
    # a: "More" under the answer; 1: the first topic; then commands and an unclear "ok".
    typed = "Як записати дитину в садочок?\na\n1\n/language\n/topics\n/hours\nok\n"
    result = run(["chat"], tmp_path, stdin=typed, env={"LANG": "de_DE.UTF-8"})
    assert result.returncode == 0, result.stderr
    assert "Детальніше" in result.stdout and "Усі теми" in result.stdout
    assert "Оберіть мову:" in result.stdout and "Години прийому" in result.stdout
    leaked = [phrase for phrase in interface_phrases("de") if phrase in result.stdout]
    assert not leaked, f"German interface text in a Ukrainian chat: {leaked}"


def test_chat_topic_numbers_and_commands(tmp_path: Path) -> None:
    result = run(["chat", "--lang", "en"], tmp_path, stdin="5\n/hours\n/quit\nnot read\n")
    assert result.returncode == 0
    assert "Measles" in result.stdout or "measles" in result.stdout
    assert "Monday" in result.stdout


def test_no_token_starts_the_terminal_chat_and_says_how_to_connect(tmp_path: Path) -> None:
    result = run([], tmp_path, stdin="Wann hat das Amt geöffnet?\n")
    assert result.returncode == 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Montag" in result.stdout


def test_run_without_a_token_fails_clearly(tmp_path: Path) -> None:
    result = run(["run"], tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr


def test_a_malformed_token_is_refused_without_echoing_it(tmp_path: Path) -> None:
    secret = "not-a-token-but-a-secret-value"
    result = run(["run"], tmp_path, env={"TELEGRAM_BOT_TOKEN": secret})
    assert result.returncode == 2
    assert secret not in result.stderr + result.stdout
    assert "does not look like a bot token" in result.stderr


def test_validate_passes_on_the_real_knowledge_base(tmp_path: Path) -> None:
    result = run(["validate", str(ROOT / "faq")], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_reports_file_line_and_column(tmp_path: Path) -> None:
    faq = tmp_path / "faq"
    shutil.copytree(ROOT / "faq", faq)
    office = faq / "office.yaml"
    office.write_text(office.read_text(encoding="utf-8") + "\nunbekannt: 01237\n", encoding="utf-8")
    result = run(["validate", str(faq)], tmp_path)
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{office}:")
    _path, line, column, message = first.split(":", 3)
    assert line.isdigit() and column.isdigit()
    assert message.strip()


def test_show_prints_the_first_message_of_a_sub_answer(tmp_path: Path) -> None:
    result = run(["show", "registration/documents", "--lang", "uk"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Які документи потрібні?"
    assert "Breitscheidstraße 78e" in result.stdout
    assert "Перевірено" not in result.stdout  # the rest (and its date) is behind "More"
    assert "[➕ Детальніше]" in lines and "[☰ Усі теми]" in lines
    unknown = run(["show", "registration/nothing-like-this"], tmp_path)
    assert unknown.returncode == 2 and "registration/documents" in unknown.stderr


def test_show_prints_what_a_user_receives(tmp_path: Path) -> None:
    result = run(["show", "measles", "--lang", "uk"], tmp_path)
    assert result.returncode == 0
    assert "кор" in result.stdout  # кір / кору
    assert "Breitscheidstraße 78e" in result.stdout
    unknown = run(["show", "weather"], tmp_path)
    assert unknown.returncode == 2
    assert "registration" in unknown.stderr


def test_show_prints_a_referral_as_a_user_receives_it(tmp_path: Path) -> None:
    result = run(["show", "referral:kindergeld", "--lang", "uk"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Kindergeld (допомогу на дитину)")
    assert "Familienkasse" in result.stdout and "arbeitsagentur.de" in result.stdout
    unknown = run(["show", "referral:weather"], tmp_path)
    assert unknown.returncode == 2 and "referral:kindergeld" in unknown.stderr


@pytest.mark.parametrize(
    "command", [[], ["run"], ["chat"], ["ask"], ["validate"], ["show"], ["eval"], ["stats"]]
)
def test_every_command_has_help(tmp_path: Path, command: list[str]) -> None:
    result = run([*command, "--help"], tmp_path)
    assert result.returncode == 0
    assert "usage: kita-bot" in result.stdout


def test_stats_show_what_was_asked_and_missed_in_a_chat(tmp_path: Path) -> None:
    run(
        ["chat"],
        tmp_path,
        stdin="Gibt es Schwimmkurse für Kleinkinder?\nWie melde ich mein Kind für die Kita an?\n",
    )
    result = run(["stats", "--lang", "en"], tmp_path)
    assert result.returncode == 0
    assert "Questions typed: 2" in result.stdout
    assert "  Applying for a place: 1" in result.stdout  # the topic's title, not its id
    assert "Schwimmkurse" in result.stdout
    csv = run(["stats", "--csv"], tmp_path)
    assert "label,registration,1,Anmeldung" in csv.stdout  # the id, and the title beside it


@pytest.mark.parametrize("options", [[], ["--csv"]])
def test_stats_before_any_question_says_so_and_creates_nothing(
    tmp_path: Path, options: list[str]
) -> None:
    result = run(["stats", *options], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no statistics yet" in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no data folder, no key file


# --- operator mistakes: one line and an exit code, never a traceback ---


@pytest.mark.parametrize("days", ["0", "abc", "²", "9" * 5000])
def test_stats_with_a_period_that_is_no_number_of_days_says_what_is_allowed(
    tmp_path: Path, days: str
) -> None:
    result = run(["stats", "--days", days], tmp_path)
    assert result.returncode == 2
    assert "a whole number from 1 to 3660" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_key_file_stops_the_start_with_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "user-key.secret").write_bytes(b"")  # an empty key: every pseudonym recomputable
    result = run(["chat"], tmp_path, stdin="Hallo\n")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("kita-bot: ") and "user-key.secret" in line
    assert result.stdout == ""


@pytest.mark.parametrize(
    "content", [None, b"- text: [unclosed\n", b"\xff\xfe binary"], ids=["missing", "yaml", "binary"]
)
def test_eval_with_a_missing_or_unreadable_file_says_so_in_one_line(
    tmp_path: Path, content: bytes | None
) -> None:
    labelled = tmp_path / "labelled.yaml"
    if content is not None:
        labelled.write_bytes(content)
    result = run(["eval", str(labelled)], tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"kita-bot: {labelled}: ")


def _ctrl_c_as_at_a_terminal() -> None:
    # A shell starts background jobs with Ctrl-C ignored, and a child keeps that: the bot would
    # then (rightly) not stop. At a terminal Ctrl-C stops it: that is what these tests are about.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KITA_BOT_"))}
    env.update({"KITA_BOT_DATA_DIR": str(tmp_path / "data"), "LANG": "C.UTF-8"})
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.Popen(
        [*kita_bot(), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )


@pytest.mark.parametrize("command", [["ask"], ["chat"]])
def test_ctrl_c_while_waiting_for_the_next_question_ends_quietly(
    tmp_path: Path, command: list[str]
) -> None:
    process = start(command, tmp_path)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("Wann hat das Amt geöffnet?\n")
    process.stdin.flush()
    assert process.stdout.readline()  # answered: now it waits for the next line
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    # `ask` is cut off (the shell's 130); the chat takes Ctrl-C at its prompt as goodbye (0),
    # and is cut off like `ask` while it still prints the answer.
    assert process.returncode in ((130,) if command == ["ask"] else (0, 130))
    assert stderr == ""
